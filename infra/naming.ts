/**
 * Physical resource names: `{resource-type}-${environmentSuffix}`, plus the region for regional
 * resources, so two stacks (dev, stg) and the two regions of one stack never collide.
 * Pure (no Pulumi import) so policies and tests can recompute the expected names.
 */

/** `{type}-{suffix}` for a global resource, `{type}-{suffix}-{region}` for a regional one. */
export function resourceName(type: string, suffix: string, region?: string): string {
  return region === undefined ? `${type}-${suffix}` : `${type}-${suffix}-${region}`;
}

/**
 * S3 bucket names are global across all AWS accounts, so the account id is appended:
 * `{type}-{suffix}-{region}-{accountId}` (at most 17+16+1+14+1+12 = 61 of the 63 characters allowed).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export function bucketName(type: string, suffix: string, region: string, accountId: string): string {
  const name = `${type}-${suffix}-${region}-${accountId}`;
  if (name.length > 63) throw new Error(`bucket name ${name} must be at most 63 characters`);
  return name;
}

/** SSM parameter path of one region: `/payments-dr/{suffix}/{region}/` (trailing slash, as the handlers expect). */
export function parameterPath(project: string, suffix: string, region: string): string {
  return `/${project}/${suffix}/${region}/`;
}

/** The failover API hostname answered by Route 53 (PRIMARY/SECONDARY records). */
export function failoverHostname(domainName: string): string {
  return `api.${domainName}`;
}

/** The region-specific API hostname (custom domains on): `us-east-1.api.<domain>`. */
export function regionalHostname(domainName: string, region: string): string {
  return `${region}.api.${domainName}`;
}

/** Kebab-case of a handler name: `createPayment` becomes `create-payment`. */
export function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
