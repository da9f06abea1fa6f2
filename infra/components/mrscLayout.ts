/**
 * AWS constraints on a multi-Region strong consistency (MRSC) layout, checked at preview before
 * any API call. Pure (no Pulumi import).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/multi-region-strong-consistency-gt.html
 */

/** MRSC region sets: all three regions (replicas + witness) must come from one set. */
export const MRSC_REGION_SETS: readonly (readonly string[])[] = [
  ['us-east-1', 'us-east-2', 'us-west-2'],
  ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1'],
  ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3'],
];

/** Throws when an MRSC layout breaks AWS's constraints (checked at preview, before any API call). */
export function validateMrscLayout(primaryRegion: string, replicaRegions: string[], witnessRegion: string): void {
  const all = [primaryRegion, ...replicaRegions, witnessRegion];
  if (replicaRegions.length !== 1) {
    throw new Error(`consistencyMode "strong" must use exactly two replicas plus a witness; got replicas ${[primaryRegion, ...replicaRegions].join(', ')}`);
  }
  if (new Set(all).size !== all.length) {
    throw new Error(`witnessRegion must differ from the replica regions; got ${all.join(', ')}`);
  }
  if (!MRSC_REGION_SETS.some((set) => all.every((r) => set.includes(r)))) {
    throw new Error(`consistencyMode "strong" must use regions of one MRSC region set (${MRSC_REGION_SETS.map((s) => s.join('/')).join('; ')}); got ${all.join(', ')}`);
  }
}

