/**
 * Waivers: a committed, reviewed exception that silences one policy for one resource until it expires.
 *
 * The committed file is `policy-pack/waivers.json`. It reaches the policies through the pack's
 * configuration (every policy's `waivers` config property, defaulted from the file), so
 * `pulumi preview --policy-pack policy-pack` and the offline gate apply exactly the same waivers
 * through exactly the same code (`withWaivers`). An expired waiver no longer silences anything:
 * the violation comes back with its original enforcement level and says the waiver expired.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReportViolation, ResourceValidationArgs, StackValidationArgs } from '@pulumi/policy';
import type { PolicyConfigJSONSchema } from '@pulumi/policy/schema';
import { isRecord, nameFromUrn } from './props';
import type { PackPolicy, PackResourcePolicy, PackStackPolicy } from './policy';
import { isStackPolicy } from './policy';

export interface Waiver {
  /** The policy silenced, e.g. `s3-bucket-tls-only`. */
  policy: string;
  /** The resource: its URN, or its logical name; `stack` for a stack-wide violation without a resource. */
  resource: string;
  /** Why the exception is acceptable (reviewed with the change). */
  justification: string;
  /** Who answers for it (a person or team). */
  owner: string;
  /** Last day (UTC, `YYYY-MM-DD`) the waiver applies; from the next day the violation is back. */
  expires: string;
}

export interface WaiversFile {
  waivers: Waiver[];
}

/** The committed waivers file (a JSON file beside the pack's index.ts). */
export const WAIVERS_FILE = join(__dirname, '..', 'waivers.json');

export class WaiverError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WaiverError';
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Validates a parsed waivers document; throws a WaiverError naming the entry on the first problem. */
export function parseWaivers(document: unknown, knownPolicies: readonly string[]): Waiver[] {
  if (!isRecord(document) || !Array.isArray(document.waivers)) {
    throw new WaiverError('waivers file must be an object with a "waivers" array');
  }
  return document.waivers.map((entry: unknown, index: number): Waiver => {
    const where = `waivers[${index}]`;
    if (!isRecord(entry)) throw new WaiverError(`${where} must be an object`);
    const field = (key: keyof Waiver): string => {
      const value = entry[key];
      if (typeof value !== 'string' || value.trim() === '') throw new WaiverError(`${where}.${key} must be a non-empty string`);
      return value.trim();
    };
    const waiver: Waiver = {
      policy: field('policy'),
      resource: field('resource'),
      justification: field('justification'),
      owner: field('owner'),
      expires: field('expires'),
    };
    if (!knownPolicies.includes(waiver.policy)) throw new WaiverError(`${where}.policy "${waiver.policy}" is not a policy of this pack`);
    if (!DATE.test(waiver.expires) || Number.isNaN(Date.parse(`${waiver.expires}T00:00:00Z`))) {
      throw new WaiverError(`${where}.expires must be a date YYYY-MM-DD, got "${waiver.expires}"`);
    }
    if (waiver.justification.length < 20) throw new WaiverError(`${where}.justification must explain the exception (at least 20 characters)`);
    return waiver;
  });
}

/** Reads and validates the committed waivers file. */
export function loadWaivers(knownPolicies: readonly string[], file = WAIVERS_FILE): Waiver[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new WaiverError(`cannot read waivers file ${file}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text) as unknown;
  } catch (error) {
    throw new WaiverError(`waivers file ${file} is not JSON: ${(error as Error).message}`);
  }
  return parseWaivers(document, knownPolicies);
}

/** True once the waiver's last day (UTC) has passed. */
export function isExpired(waiver: Waiver, now: Date): boolean {
  const endOfLastDay = Date.parse(`${waiver.expires}T23:59:59.999Z`);
  return now.getTime() > endOfLastDay;
}

/** Whether a waiver names this violation's resource (URN, or logical name, or `stack` when there is no resource). */
export function waiverMatches(waiver: Waiver, urn: string | undefined): boolean {
  if (urn === undefined) return waiver.resource === 'stack';
  return waiver.resource === urn || waiver.resource === nameFromUrn(urn);
}

/** A violation a still-valid waiver silenced (reported to the gate, invisible in `pulumi preview`). */
export interface WaivedViolation {
  policy: string;
  urn?: string;
  message: string;
  waiver: Waiver;
}

/**
 * A report function the offline gate hands to policies: it also learns which violations a waiver
 * silenced. The CLI's report function has no `onWaived`, so in a preview waived violations are simply silent.
 */
export type WaiverAwareReport = ReportViolation & { onWaived?: (waived: WaivedViolation) => void };

/** The JSON schema of the `waivers` config property every policy of the pack accepts. */
export function waiverConfigSchema(defaults: Waiver[]): PolicyConfigJSONSchema {
  return {
    type: 'array',
    description: 'Waivers for this policy (policy-pack/waivers.json); see docs/policy-gate.md.',
    items: {
      type: 'object',
      required: ['policy', 'resource', 'justification', 'owner', 'expires'],
      properties: {
        policy: { type: 'string' },
        resource: { type: 'string' },
        justification: { type: 'string' },
        owner: { type: 'string' },
        expires: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
      },
    },
    default: defaults.map((w) => ({ ...w })),
  };
}

function configuredWaivers(policyName: string, config: object): Waiver[] {
  const raw = isRecord(config) ? config.waivers : undefined;
  if (raw === undefined) return [];
  return parseWaivers({ waivers: raw }, [policyName]).filter((w) => w.policy === policyName);
}

/** Applies the waivers to one report: silences waived violations, annotates violations whose waiver expired. */
export function waiverReport(policyName: string, waivers: readonly Waiver[], report: WaiverAwareReport, now: Date, resourceUrn?: string): ReportViolation {
  return (message: string, urn?: string) => {
    const target = urn ?? resourceUrn;
    const matching = waivers.filter((w) => waiverMatches(w, target));
    const valid = matching.find((w) => !isExpired(w, now));
    if (valid) {
      report.onWaived?.({ policy: policyName, urn: target, message, waiver: valid });
      return;
    }
    const expired = matching[0];
    if (expired) {
      report(`${message} (waiver expired on ${expired.expires}; owner ${expired.owner}: "${expired.justification}")`, urn);
      return;
    }
    report(message, urn);
  };
}

/**
 * Wraps a policy so that its violations go through its waivers (read from the policy's config,
 * whose default is the committed file), and declares the `waivers` config property.
 */
export function withWaivers<P extends PackPolicy>(policy: P, defaults: Waiver[], clock: () => Date = () => new Date()): P {
  const configSchema = {
    properties: { ...(policy.configSchema?.properties ?? {}), waivers: waiverConfigSchema(defaults.filter((w) => w.policy === policy.name)) },
    ...(policy.configSchema?.required ? { required: policy.configSchema.required } : {}),
  };
  if (isStackPolicy(policy)) {
    const inner = policy.validateStack;
    const wrapped: PackStackPolicy = {
      ...policy,
      configSchema,
      validateStack: (args: StackValidationArgs, report: WaiverAwareReport) =>
        inner(args, waiverReport(policy.name, configuredWaivers(policy.name, args.getConfig<object>()), report, clock())),
    };
    return wrapped as P;
  }
  const resourcePolicy: PackResourcePolicy = policy;
  const inner = resourcePolicy.validateResource;
  const validate = (args: ResourceValidationArgs, report: WaiverAwareReport) =>
    inner(args, waiverReport(policy.name, configuredWaivers(policy.name, args.getConfig<object>()), report, clock(), args.urn));
  // Keep the type token the framework uses to skip other resource types quickly.
  const token = (inner as { __pulumiType?: unknown }).__pulumiType;
  if (typeof token === 'string') Object.assign(validate, { __pulumiType: token });
  const wrapped: PackResourcePolicy = { ...resourcePolicy, configSchema, validateResource: validate };
  return wrapped as P;
}
