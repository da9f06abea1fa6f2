/**
 * Helpers for stack policies: the region a resource lives in, and which resources another one refers to.
 */
import type { PolicyConfigSchema, PolicyResource } from '@pulumi/policy';
import { known } from './preview';
import { get, str } from './props';

/** Regions of the DR topology, configurable per policy (defaults: the stack's documented defaults). */
export interface RegionConfig {
  primaryRegion: string;
  drRegion: string;
}

export const DEFAULT_REGIONS: RegionConfig = { primaryRegion: 'us-east-1', drRegion: 'us-east-2' };

export const regionSchema: PolicyConfigSchema['properties'] = {
  primaryRegion: {
    type: 'string',
    default: DEFAULT_REGIONS.primaryRegion,
    description: "The primary region (the offline gate reads it from the stack's <project>:primaryRegion, else aws:region).",
  },
  drRegion: {
    type: 'string',
    default: DEFAULT_REGIONS.drRegion,
    description: "The disaster-recovery region (the offline gate reads it from the stack's <project>:secondaryRegion or <project>:drRegion).",
  },
};

/** Says, in a message that depends on the configured regions, which settings to change when they are wrong. */
export const DR_REGION_SETTING = 'the DR region is the policy setting drRegion';
export const REGION_SETTINGS = 'regions from the policy settings primaryRegion and drRegion';

export function regionConfig(config: Partial<RegionConfig>): RegionConfig {
  return {
    primaryRegion: config.primaryRegion ?? DEFAULT_REGIONS.primaryRegion,
    drRegion: config.drRegion ?? DEFAULT_REGIONS.drRegion,
  };
}

/**
 * The region of a resource: its own `region` input (`@pulumi/aws` 7), else its provider's region,
 * else `fallback` (the default provider's region, i.e. the primary). Unknown regions count as the fallback.
 */
export function regionOf(resource: { props: unknown; provider?: { props: unknown } }, fallback: string): string {
  return known(() => str(resource.props, 'region')) ?? known(() => str(resource.provider?.props, 'region')) ?? fallback;
}

/**
 * The candidates `resource.props[prop]` refers to: through the engine's property dependencies first
 * (they are known during preview even when the referenced id is not), else by value against `keys(candidate)`.
 * Throws UnknownValueError when neither is possible during preview.
 */
export function referencedBy<T extends PolicyResource>(
  resource: PolicyResource,
  prop: string,
  candidates: readonly T[],
  keys: (candidate: T) => Array<string | undefined>,
): T[] {
  const deps = resource.propertyDependencies?.[prop] ?? [];
  // A value computed from other resources names them in its dependencies: trust those (the value
  // itself may be unknown during preview). Only a literal value is compared.
  if (deps.length > 0) return candidates.filter((c) => deps.some((d) => d.urn === c.urn));
  const value = get(resource.props, prop);
  if (typeof value !== 'string' || value === '') return [];
  return candidates.filter((c) => keys(c).some((k) => k !== undefined && k !== '' && (k === value || value.endsWith(`:${k}`) || value.endsWith(`/${k}`))));
}

/** Resources of one of the given type tokens. */
export function ofTypes(resources: readonly PolicyResource[], ...types: string[]): PolicyResource[] {
  return resources.filter((r) => types.includes(r.type));
}

/** The Pulumi type token of a generated resource class (e.g. `aws:s3/bucket:Bucket`), so policies never misspell one. */
export function tokenOf(resourceClass: object): string {
  const token = (resourceClass as { __pulumiType?: unknown }).__pulumiType;
  if (typeof token !== 'string' || token === '') throw new Error('not a generated Pulumi resource class');
  return token;
}
