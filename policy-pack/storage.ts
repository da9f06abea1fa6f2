/**
 * S3: the transaction-log buckets. In `@pulumi/aws` 7 versioning, encryption, the public access block,
 * the bucket policy and replication are separate resources, so these are stack policies that look for
 * the companion resource of every bucket.
 */
import * as aws from '@pulumi/aws';
import type { PolicyResource, ReportViolation, StackValidationArgs } from '@pulumi/policy';
import { PackStackPolicy, pciDss, tags } from './lib/policy';
import { checkEach, isUnknownValueError, known } from './lib/preview';
import { bool, get, jsonDocument, list, path, str, strings } from './lib/props';
import { DR_REGION_SETTING, RegionConfig, referencedBy, regionConfig, regionOf, regionSchema, tokenOf } from './lib/stack';

export const BUCKET_TYPES = [tokenOf(aws.s3.Bucket), tokenOf(aws.s3.BucketV2)];
const VERSIONING_TYPES = [tokenOf(aws.s3.BucketVersioning), tokenOf(aws.s3.BucketVersioningV2)];
const ENCRYPTION_TYPES = [tokenOf(aws.s3.BucketServerSideEncryptionConfiguration), tokenOf(aws.s3.BucketServerSideEncryptionConfigurationV2)];
const PUBLIC_ACCESS_BLOCK_TYPE = tokenOf(aws.s3.BucketPublicAccessBlock);
const BUCKET_POLICY_TYPE = tokenOf(aws.s3.BucketPolicy);
const REPLICATION_TYPE = tokenOf(aws.s3.BucketReplicationConfig);

/** The values another resource may use to refer to a bucket: its name (= id) and its ARN. */
export function bucketKeys(bucket: PolicyResource): Array<string | undefined> {
  const name = known(() => str(bucket.props, 'bucket'));
  return [name, known(() => str(bucket.props, 'id')), known(() => str(bucket.props, 'arn')), name ? `arn:aws:s3:::${name}` : undefined];
}

function buckets(resources: readonly PolicyResource[]): PolicyResource[] {
  return resources.filter((r) => BUCKET_TYPES.includes(r.type));
}

/** The companion resources (of `types`) whose `bucket` property refers to `bucket`. */
function companions(bucket: PolicyResource, resources: readonly PolicyResource[], types: readonly string[]): PolicyResource[] {
  return resources.filter((r) => types.includes(r.type) && referencedBy(r, 'bucket', [bucket], bucketKeys).length > 0);
}

/** Runs `check` for every bucket with its companions; unknown references end as an advisory after all definite checks. */
function forEachBucket(args: StackValidationArgs, types: readonly string[], check: (bucket: PolicyResource, found: PolicyResource[]) => void): void {
  checkEach(buckets(args.resources), (bucket) => check(bucket, companions(bucket, args.resources, types)));
}

/**
 * The deprecated inline arguments of aws.s3.Bucket that @pulumi/aws 7 still accepts (and applies):
 * `versioning`, `serverSideEncryptionConfiguration`, `policy`, `replicationConfiguration`
 * (https://www.pulumi.com/registry/packages/aws/api-docs/s3/bucket/). A bucket configured that way
 * has the setting; the policies read it as they read the separate resource.
 */
function inline(bucket: PolicyResource, key: string): unknown {
  return get(bucket.props, key);
}

export const s3BucketVersioned: PackStackPolicy = {
  name: 's3-bucket-versioning-enabled',
  description: 'Checks whether every S3 bucket has a versioning resource with status Enabled.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('10.5.1', 'Audit log history is retained and protected from modification; previous object versions survive overwrites and deletes.'),
  remediationSteps: 'Add an aws.s3.BucketVersioning with `bucket: <bucket>.id` and `versioningConfiguration: { status: "Enabled" }` (also required for replication).',
  tags: tags('DR-02', 'storage'),
  subjects: BUCKET_TYPES,
  validateStack: (args, reportViolation) =>
    forEachBucket(args, VERSIONING_TYPES, (bucket, found) => {
      if (found.length === 0) {
        const versioning = inline(bucket, 'versioning');
        if (versioning !== undefined && versioning !== null) {
          if (bool(versioning, 'enabled') !== true) reportViolation('S3 bucket must have versioning enabled (inline versioning.enabled is not true).', bucket.urn);
          return;
        }
        reportViolation('S3 bucket must have versioning enabled (no aws.s3.BucketVersioning refers to it).', bucket.urn);
        return;
      }
      checkEach(found, (versioning) => {
        const status = str(versioning.props, 'versioningConfiguration', 'status');
        if (status !== 'Enabled') reportViolation(`S3 bucket must have versioning enabled (versioningConfiguration.status is ${status ?? 'unset'}).`, bucket.urn);
      });
    }),
};

const ACCEPTED_SSE = ['aws:kms', 'aws:kms:dsse', 'AES256'];

export const s3BucketEncrypted: PackStackPolicy = {
  name: 's3-bucket-encrypted',
  description: 'Checks whether every S3 bucket has a default server-side encryption configuration.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('3.5.1', 'Stored account data is rendered unreadable (strong cryptography).'),
  remediationSteps: 'Add an aws.s3.BucketServerSideEncryptionConfiguration with a rule `applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }` (or AES256).',
  tags: tags('SEC-01', 'storage'),
  subjects: BUCKET_TYPES,
  validateStack: (args, reportViolation) =>
    forEachBucket(args, ENCRYPTION_TYPES, (bucket, found) => {
      if (found.length === 0) {
        const sse = inline(bucket, 'serverSideEncryptionConfiguration');
        if (sse !== undefined && sse !== null) {
          const algorithm = str(sse, 'rule', 'applyServerSideEncryptionByDefault', 'sseAlgorithm');
          if (algorithm === undefined || !ACCEPTED_SSE.includes(algorithm)) {
            reportViolation(`S3 bucket must have default encryption with one of ${ACCEPTED_SSE.join(', ')} (inline rule has ${algorithm ?? 'none'}).`, bucket.urn);
          }
          return;
        }
        reportViolation('S3 bucket must have default encryption (no aws.s3.BucketServerSideEncryptionConfiguration refers to it).', bucket.urn);
        return;
      }
      checkEach(found, (sse) => {
        const algorithms = list(sse.props, 'rules').map((rule) => str(rule, 'applyServerSideEncryptionByDefault', 'sseAlgorithm'));
        if (!algorithms.some((a) => a !== undefined && ACCEPTED_SSE.includes(a))) {
          reportViolation(`S3 bucket must have default encryption with one of ${ACCEPTED_SSE.join(', ')} (got ${algorithms.filter(Boolean).join(', ') || 'none'}).`, bucket.urn);
        }
      });
    }),
};

const BLOCK_SETTINGS = ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'];

export const s3BucketPublicAccessBlocked: PackStackPolicy = {
  name: 's3-bucket-public-access-blocked',
  description: 'Checks whether every S3 bucket has a public access block with all four settings true.',
  enforcementLevel: 'mandatory',
  severity: 'critical',
  framework: pciDss('1.4.1', 'Controls are implemented between trusted and untrusted networks; no cardholder data store is reachable publicly.'),
  remediationSteps: `Add an aws.s3.BucketPublicAccessBlock with ${BLOCK_SETTINGS.map((s) => `${s}: true`).join(', ')}.`,
  tags: tags('SEC-04', 'storage'),
  subjects: BUCKET_TYPES,
  validateStack: (args, reportViolation) =>
    forEachBucket(args, [PUBLIC_ACCESS_BLOCK_TYPE], (bucket, found) => {
      if (found.length === 0) {
        reportViolation('S3 bucket must block public access (no aws.s3.BucketPublicAccessBlock refers to it).', bucket.urn);
        return;
      }
      checkEach(found, (block) => {
        const off = BLOCK_SETTINGS.filter((setting) => bool(block.props, setting) !== true);
        if (off.length > 0) reportViolation(`S3 bucket must block public access (${off.join(', ')} must be true).`, bucket.urn);
      });
    }),
};

/** Whether an IAM/bucket policy statement denies every request that is not made over TLS. */
export function deniesInsecureTransport(statement: unknown): boolean {
  if (str(statement, 'Effect') !== 'Deny') return false;
  const principal = get(statement, 'Principal');
  const anyone = principal === '*' || strings(path(principal, 'AWS')).includes('*');
  const actions = strings(get(statement, 'Action'));
  const secure = path(statement, 'Condition', 'Bool', 'aws:SecureTransport');
  return anyone && (actions.includes('s3:*') || actions.includes('*')) && (secure === 'false' || secure === false);
}

export const s3BucketTlsOnly: PackStackPolicy = {
  name: 's3-bucket-tls-only',
  description: 'Checks whether every S3 bucket has a bucket policy denying requests that are not sent over TLS.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('4.2.1', 'Strong cryptography protects data during transmission.'),
  remediationSteps:
    'Add an aws.s3.BucketPolicy with a statement `{ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [<arn>, "<arn>/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } }`.',
  tags: tags('SEC-02', 'storage'),
  subjects: BUCKET_TYPES,
  validateStack: (args, reportViolation) =>
    forEachBucket(args, [BUCKET_POLICY_TYPE], (bucket, found) => {
      const inlinePolicy = inline(bucket, 'policy');
      const documents: Array<() => unknown> = found.map((policy) => () => get(policy.props, 'policy'));
      if (typeof inlinePolicy === 'string' && inlinePolicy !== '') documents.push(() => inlinePolicy);
      if (documents.length === 0) {
        reportViolation('S3 bucket must deny requests without TLS (no aws.s3.BucketPolicy refers to it).', bucket.urn);
        return;
      }
      checkEach(documents, (read) => {
        const document = jsonDocument(read());
        const statements = list(document, 'Statement');
        const denial = statements.find(deniesInsecureTransport);
        if (!denial) {
          reportViolation('S3 bucket must deny requests without TLS (a Deny statement for all principals and s3:* with aws:SecureTransport "false").', bucket.urn);
          return;
        }
        const resources = strings(get(denial, 'Resource'));
        if (!resources.some((r) => r.endsWith('/*')) || !resources.some((r) => !r.endsWith('/*'))) {
          reportViolation('S3 bucket must deny requests without TLS on both the bucket and its objects (Resource [<arn>, "<arn>/*"]).', bucket.urn);
        }
      });
    }),
};

/** True when the rule's destination bucket is unknown during preview (not merely missing). */
function isUnknownDestination(rule: unknown): boolean {
  try {
    str(rule, 'destination', 'bucket');
    return false;
  } catch (error) {
    if (isUnknownValueError(error)) return true;
    throw error;
  }
}

function checkReplication(bucket: PolicyResource, args: StackValidationArgs, config: RegionConfig, reportViolation: ReportViolation): void {
  const drBuckets = buckets(args.resources).filter((b) => regionOf(b, config.primaryRegion) === config.drRegion);
  const configs: Array<{ props: unknown; propertyDependencies?: PolicyResource['propertyDependencies'] }> = companions(bucket, args.resources, [REPLICATION_TYPE]);
  const inlineReplication = inline(bucket, 'replicationConfiguration');
  if (inlineReplication !== undefined && inlineReplication !== null) {
    configs.push({ props: inlineReplication, propertyDependencies: { rules: bucket.propertyDependencies?.replicationConfiguration ?? [] } });
  }
  if (configs.length === 0) {
    reportViolation(`S3 bucket must replicate to a bucket in the DR region ${config.drRegion} (no aws.s3.BucketReplicationConfig refers to it; ${DR_REGION_SETTING}).`, bucket.urn);
    return;
  }
  checkEach(configs, (replication) => {
    const rules = list(replication.props, 'rules').filter((rule) => str(rule, 'status') === 'Enabled');
    // The destination ARN is unknown during preview for a new DR bucket; then the rules' dependencies name it.
    const rulesDependOnDr = (replication.propertyDependencies?.rules ?? []).some((d) => drBuckets.some((b) => b.urn === d.urn));
    const toDr = rules.filter((rule) => {
      const destination = known(() => str(rule, 'destination', 'bucket'));
      if (destination === undefined) return rulesDependOnDr && isUnknownDestination(rule);
      return drBuckets.some((b) => bucketKeys(b).some((k) => k !== undefined && k === destination));
    });
    if (toDr.length === 0) {
      reportViolation(`S3 bucket must replicate to a bucket in the DR region ${config.drRegion} (no enabled replication rule has a DR-region destination; ${DR_REGION_SETTING}).`, bucket.urn);
      return;
    }
    if (!toDr.some((rule) => str(rule, 'destination', 'replicationTime', 'status') === 'Enabled')) {
      reportViolation('S3 bucket replication to the DR region must enable Replication Time Control (destination.replicationTime.status Enabled).', bucket.urn);
    }
  });
}

export const s3BucketReplicatedToDr: PackStackPolicy = {
  name: 's3-bucket-replicated-to-dr-region',
  description: 'Checks whether every S3 bucket in the primary region replicates, with Replication Time Control, to a bucket in the DR region.',
  enforcementLevel: 'mandatory',
  severity: 'critical',
  framework: pciDss('12.10.1', 'Incident response includes business recovery and continuity procedures, data backup processes.'),
  remediationSteps:
    'Add an aws.s3.BucketReplicationConfig on the primary bucket with an Enabled rule whose destination.bucket is the DR bucket ARN and destination.replicationTime { status: "Enabled", time: { minutes: 15 } } plus metrics.',
  tags: tags('DR-01', 'storage'),
  subjects: BUCKET_TYPES,
  configSchema: { properties: { ...regionSchema } },
  validateStack: (args, reportViolation) => {
    const config = regionConfig(args.getConfig<Partial<RegionConfig>>());
    const primaryBuckets = buckets(args.resources).filter((b) => regionOf(b, config.primaryRegion) === config.primaryRegion);
    checkEach(primaryBuckets, (bucket) => checkReplication(bucket, args, config, reportViolation));
  },
};

export const storagePolicies = [s3BucketVersioned, s3BucketEncrypted, s3BucketPublicAccessBlocked, s3BucketTlsOnly, s3BucketReplicatedToDr];
