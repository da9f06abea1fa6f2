/**
 * Evaluates the pack's own policy objects on a captured plan, the way the CrossGuard analyzer does:
 * resource policies get each resource's inputs, stack policies get every resource (its state) with
 * parents, dependencies and property dependencies; props are wrapped in the framework's
 * unknown-checking proxy, and a value unknown during preview turns the policy into an advisory
 * "cannot be checked until apply" for that resource, exactly as `pulumi preview` reports it.
 *
 * The one thing the gate adds: resource options carry `retainOnDelete` (see resilience.ts).
 */
import type {
  EnforcementLevel,
  PolicyPackConfig,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  Severity,
  StackValidationArgs,
} from '@pulumi/policy';
import { unknownCheckingProxy } from '@pulumi/policy';
import { ControlId } from '../controls';
import { controlOf, isStackPolicy, PackPolicy } from '../lib/policy';
import { isUnknownValueError } from '../lib/preview';
import { effectiveConfig } from '../policies';
import type { GateResourceOptions } from '../resilience';
import type { WaivedViolation, WaiverAwareReport } from '../lib/waivers';
import type { PlannedResource } from './capture';

export interface Finding {
  policy: string;
  control: ControlId;
  /** `mandatory` or `advisory` (an unknown during preview is always advisory). */
  level: Exclude<EnforcementLevel, 'disabled' | 'remediate'>;
  severity: Severity;
  /** `violation`, or `unknown` when the policy could not run on a value unknown until apply. */
  kind: 'violation' | 'unknown';
  urn?: string;
  /** Logical name of the resource (from the URN), when there is one. */
  resource?: string;
  type?: string;
  message: string;
}

export interface Waived extends WaivedViolation {
  control: ControlId;
  resource?: string;
}

export interface Evaluation {
  findings: Finding[];
  waived: Waived[];
  /** Policies evaluated, with how many resources they applied to. */
  coverage: Array<{ policy: string; control: ControlId; kind: 'resource' | 'stack'; applied: number }>;
}

class NotApplicable extends Error {
  constructor(readonly reason: string | undefined) {
    super(reason ?? 'Policy does not apply');
  }
}

function isNotApplicable(error: unknown): boolean {
  return error instanceof NotApplicable;
}

function notApplicable(reason?: string): never {
  throw new NotApplicable(reason);
}

type ResourceClass = { new (...rest: never[]): unknown };

function isTypeOf(type: string, resourceClass: ResourceClass): boolean {
  const token = (resourceClass as { __pulumiType?: unknown }).__pulumiType;
  return typeof token === 'string' && token === type;
}

function options(resource: PlannedResource): GateResourceOptions {
  const opts: GateResourceOptions = {
    protect: resource.options.protect,
    ignoreChanges: resource.options.ignoreChanges,
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: resource.options.additionalSecretOutputs,
    deleteBeforeReplace: resource.options.deleteBeforeReplace,
    retainOnDelete: resource.options.retainOnDelete,
  };
  if (resource.parent) opts.parent = resource.parent;
  return opts;
}

function nameOf(urn: string | undefined): string | undefined {
  if (!urn) return undefined;
  const parts = urn.split('::');
  return parts[parts.length - 1];
}

/** Evaluates every policy on the plan. `config` is the pack's configuration (initial config, or an override). */
export async function evaluatePlan(
  resources: readonly PlannedResource[],
  policies: readonly PackPolicy[],
  config: PolicyPackConfig = {},
  stackTags: ReadonlyMap<string, string> = new Map(),
): Promise<Evaluation> {
  const findings: Finding[] = [];
  const waived: Waived[] = [];
  const coverage: Evaluation['coverage'] = [];
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const providerOf = (r: PlannedResource) => {
    const urn = r.provider?.split('::').slice(0, -1).join('::');
    const provider = urn ? byUrn.get(urn) : undefined;
    return provider ? { type: provider.type, props: unknownCheckingProxy(provider.inputs) as Record<string, unknown>, urn: provider.urn, name: provider.name } : undefined;
  };

  for (const policy of policies) {
    const layer = config[policy.name];
    const layerObject = typeof layer === 'object' && layer !== null ? (layer as Record<string, unknown>) : undefined;
    const levelOverride = typeof layer === 'string' ? layer : typeof layerObject?.enforcementLevel === 'string' ? (layerObject.enforcementLevel as EnforcementLevel) : undefined;
    const enforcement = levelOverride ?? policy.enforcementLevel;
    const control = controlOf(policy);
    if (enforcement === 'disabled') continue;
    const level: Finding['level'] = enforcement === 'advisory' ? 'advisory' : 'mandatory';
    const policyConfig = effectiveConfig(policy, layerObject);
    const getConfig = <T extends object>(): T => ({ ...policyConfig }) as T;

    const makeReport = (defaultUrn?: string): WaiverAwareReport => {
      const report = (message: string, urn?: string) => {
        const target = urn ?? defaultUrn;
        findings.push({ policy: policy.name, control, level, severity: policy.severity, kind: 'violation', urn: target, resource: nameOf(target), type: target ? byUrn.get(target)?.type : undefined, message });
      };
      return Object.assign(report, {
        onWaived: (w: WaivedViolation) => waived.push({ ...w, control, resource: nameOf(w.urn) }),
      });
    };
    const unknownFinding = (error: { message: string }, urn?: string) =>
      findings.push({
        policy: policy.name,
        control,
        level: 'advisory',
        severity: policy.severity,
        kind: 'unknown',
        urn,
        resource: nameOf(urn),
        type: urn ? byUrn.get(urn)?.type : undefined,
        message: `cannot be checked until apply: ${error.message}`,
      });

    if (isStackPolicy(policy)) {
      const policyResources = new Map<string, PolicyResource>();
      for (const r of resources) {
        const props = unknownCheckingProxy(r.outputs) as Record<string, unknown>;
        const provider = providerOf(r);
        const resource: PolicyResource = {
          type: r.type,
          props,
          urn: r.urn,
          name: r.name,
          opts: options(r) as PolicyResourceOptions,
          dependencies: [],
          propertyDependencies: {},
          ...(provider ? { provider } : {}),
          isType: (cls: ResourceClass) => isTypeOf(r.type, cls),
          asType: (cls: ResourceClass) => (isTypeOf(r.type, cls) ? props : undefined),
        } as unknown as PolicyResource;
        policyResources.set(r.urn, resource);
      }
      for (const r of resources) {
        const resource = policyResources.get(r.urn) as PolicyResource;
        if (r.parent) resource.parent = policyResources.get(r.parent);
        resource.dependencies = r.dependencies.map((u) => policyResources.get(u)).filter((x): x is PolicyResource => x !== undefined);
        for (const [key, urns] of Object.entries(r.propertyDependencies)) {
          resource.propertyDependencies[key] = urns.map((u) => policyResources.get(u)).filter((x): x is PolicyResource => x !== undefined);
        }
      }
      const args: StackValidationArgs = { resources: [...policyResources.values()], stackTags, getConfig, notApplicable };
      const subjects = policy.subjects;
      const applied = resources.filter((r) => subjects === undefined || subjects.some((t) => t === r.type || (t === 'aws:*' && r.custom && r.type.startsWith('aws:')))).length;
      coverage.push({ policy: policy.name, control, kind: 'stack', applied });
      try {
        await policy.validateStack(args, makeReport());
      } catch (error) {
        if (isUnknownValueError(error)) unknownFinding(error);
        else if (!isNotApplicable(error)) throw new Error(`policy ${policy.name} failed: ${(error as Error).stack ?? String(error)}`);
      }
      continue;
    }

    let applied = 0;
    const token = (policy.validateResource as { __pulumiType?: unknown }).__pulumiType;
    for (const r of resources) {
      if (r.type === 'pulumi:pulumi:Stack') continue;
      if (typeof token === 'string' && token !== r.type) continue;
      const props = unknownCheckingProxy(r.inputs) as Record<string, unknown>;
      const provider = providerOf(r);
      const args = {
        type: r.type,
        props,
        urn: r.urn,
        name: r.name,
        opts: options(r),
        stackTags,
        ...(provider ? { provider } : {}),
        isType: (cls: ResourceClass) => isTypeOf(r.type, cls),
        asType: (cls: ResourceClass) => (isTypeOf(r.type, cls) ? props : undefined),
        getConfig,
        notApplicable,
      } as unknown as ResourceValidationArgs;
      try {
        await policy.validateResource(args, makeReport(r.urn));
        applied += 1;
      } catch (error) {
        if (isUnknownValueError(error)) {
          applied += 1;
          unknownFinding(error, r.urn);
        } else if (!isNotApplicable(error)) {
          throw new Error(`policy ${policy.name} failed on ${r.urn}: ${(error as Error).stack ?? String(error)}`);
        }
      }
    }
    coverage.push({ policy: policy.name, control, kind: 'resource', applied });
  }
  return { findings, waived, coverage };
}
