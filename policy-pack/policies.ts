/**
 * Every policy of the pack, in catalog order, and the pack's configuration.
 *
 * `index.ts` serves these to `pulumi preview`; the offline gate (`scripts/gate.ts`) evaluates exactly
 * the same objects. Nothing here starts a server, so tests and the gate can import it.
 */
import type { PolicyPackConfig } from '@pulumi/policy';
import { apiPolicies } from './api';
import { computePolicies } from './compute';
import { databasePolicies } from './database';
import { dnsPolicies } from './dns';
import { iamPolicies } from './iam';
import type { PackPolicy } from './lib/policy';
import { isRecord } from './lib/props';
import { monitoringPolicies } from './monitoring';
import { namingPolicies } from './naming';
import { queuePolicies } from './queues';
import { resiliencePolicies } from './resilience';
import { storagePolicies } from './storage';
import { loadWaivers, Waiver, WAIVERS_FILE, withWaivers } from './lib/waivers';

export const PACK_NAME = 'payments-dr-policies';

/** The policies as written, without waivers applied. */
export const BASE_POLICIES: readonly PackPolicy[] = [
  ...databasePolicies,
  ...storagePolicies,
  ...queuePolicies,
  ...iamPolicies,
  ...computePolicies,
  ...apiPolicies,
  ...dnsPolicies,
  ...monitoringPolicies,
  ...resiliencePolicies,
  ...namingPolicies,
];

export const POLICY_NAMES: readonly string[] = BASE_POLICIES.map((p) => p.name);

/** The policies with their waivers (the `waivers` config property defaults to `waivers`). */
export function buildPolicies(waivers: Waiver[], clock?: () => Date): PackPolicy[] {
  return BASE_POLICIES.map((policy) => withWaivers(policy, waivers, clock));
}

/** The committed waivers, validated against the pack's policy names. */
export function committedWaivers(file = WAIVERS_FILE): Waiver[] {
  return loadWaivers(POLICY_NAMES, file);
}

/**
 * The pack's initial configuration: each policy's waivers. Passed to `new PolicyPack(...)`, which hands
 * it to the engine as the pack's initial config; `--policy-pack-config` can still override it.
 */
export function initialConfig(waivers: Waiver[]): PolicyPackConfig {
  const config: PolicyPackConfig = {};
  for (const name of POLICY_NAMES) config[name] = { waivers: waivers.filter((w) => w.policy === name) };
  return config;
}

/**
 * The configuration a policy sees through `args.getConfig()`: the schema defaults, then the pack's
 * initial config, then an override (as the engine merges them), without the enforcement level.
 */
export function effectiveConfig(policy: PackPolicy, ...layers: Array<Record<string, unknown> | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
    if (isRecord(schema) && schema.default !== undefined) out[key] = schema.default;
  }
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) if (key !== 'enforcementLevel') out[key] = value;
  }
  return out;
}
