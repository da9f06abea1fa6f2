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

/**
 * Layers pack configurations as the engine does for `--policy-pack-config`: per policy, later layers
 * override earlier ones property by property. A layer may hold `"all": "<level>"` (every policy's
 * enforcement level, as the Pulumi CLI accepts) and `"*": {...}` (settings for every policy that
 * declares them in its configSchema; used for the settings the gate reads from the program's stack).
 */
export function mergeConfig(policies: readonly PackPolicy[], ...layers: PolicyPackConfig[]): PolicyPackConfig {
  const out: PolicyPackConfig = {};
  for (const policy of policies) {
    const merged: Record<string, unknown> = {};
    const declared = Object.keys(policy.configSchema?.properties ?? {});
    for (const layer of layers) {
      const all = layer.all;
      if (typeof all === 'string') merged.enforcementLevel = all;
      const shared = layer['*'];
      if (isRecord(shared)) for (const [k, v] of Object.entries(shared)) if (declared.includes(k)) merged[k] = v;
      const own = layer[policy.name];
      if (typeof own === 'string') merged.enforcementLevel = own;
      else if (isRecord(own)) Object.assign(merged, own);
    }
    out[policy.name] = merged as PolicyPackConfig[string];
  }
  return out;
}
