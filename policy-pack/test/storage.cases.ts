import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { s3BucketEncrypted, s3BucketPublicAccessBlocked, s3BucketReplicatedToDr, s3BucketTlsOnly, s3BucketVersioned } from '../storage';
import { findings, TestResource, UNKNOWN, violationsOn, withChange } from './harness';

const T = {
  bucket: 'aws:s3/bucket:Bucket',
  versioning: 'aws:s3/bucketVersioning:BucketVersioning',
  sse: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  pab: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  policy: 'aws:s3/bucketPolicy:BucketPolicy',
  replication: 'aws:s3/bucketReplicationConfig:BucketReplicationConfig',
};

const arn = (b: string) => `arn:aws:s3:::${b}`;
const tlsPolicy = (b: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [arn(b), `${arn(b)}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
  });

/** A compliant bucket in `region` with every companion, linked by property dependencies like a real program. */
function bucketSet(name: string, region: string): TestResource[] {
  const bucket = `${name}-123456789012`;
  return [
    { type: T.bucket, name, props: { bucket, region, arn: arn(bucket), forceDestroy: true } },
    { type: T.versioning, name: `${name}-versioning`, props: { bucket, region, versioningConfiguration: { status: 'Enabled' } }, dependsOn: { bucket: [name] } },
    { type: T.sse, name: `${name}-sse`, props: { bucket, region, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } }] }, dependsOn: { bucket: [name] } },
    {
      type: T.pab,
      name: `${name}-pab`,
      props: { bucket, region, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      dependsOn: { bucket: [name] },
    },
    { type: T.policy, name: `${name}-policy`, props: { bucket, region, policy: tlsPolicy(bucket) }, dependsOn: { bucket: [name] } },
  ];
}

function replication(source: string, target: string, region: string): TestResource {
  return {
    type: T.replication,
    name: `${source}-replication`,
    props: {
      bucket: `${source}-123456789012`,
      region,
      role: 'arn:aws:iam::123456789012:role/s3-replication-role-dev',
      rules: [{ id: 'all', status: 'Enabled', destination: { bucket: arn(`${target}-123456789012`), replicationTime: { status: 'Enabled', time: { minutes: 15 } } } }],
    },
    dependsOn: { bucket: [source], rules: [target] },
  };
}

/** Happy path: a primary and a DR bucket, replicating both ways. */
function stack(): TestResource[] {
  return [
    ...bucketSet('txlog-dev-us-east-1', 'us-east-1'),
    ...bucketSet('txlog-dev-us-east-2', 'us-east-2'),
    replication('txlog-dev-us-east-1', 'txlog-dev-us-east-2', 'us-east-1'),
    replication('txlog-dev-us-east-2', 'txlog-dev-us-east-1', 'us-east-2'),
  ];
}

const change = (name: string, mutate: (r: TestResource) => void) => withChange(stack(), (rs) => mutate(rs.find((r) => r.name === name) as TestResource));
const without = (name: string) => stack().filter((r) => r.name !== name);
const PRIMARY = 'txlog-dev-us-east-1';
const DR = 'txlog-dev-us-east-2';

describe('s3-bucket-versioning-enabled', () => {
  it('passes buckets with versioning enabled', async () => assert.deepEqual(await violationsOn(s3BucketVersioned, stack()), []));
  it('rejects a bucket without a versioning resource', async () => {
    assert.deepEqual(await violationsOn(s3BucketVersioned, without(`${DR}-versioning`)), [[DR, 'S3 bucket must have versioning enabled (no aws.s3.BucketVersioning refers to it).']]);
  });
  it('rejects suspended versioning', async () => {
    const rs = change(`${DR}-versioning`, (r) => (r.props.versioningConfiguration = { status: 'Suspended' }));
    assert.deepEqual(await violationsOn(s3BucketVersioned, rs), [[DR, 'S3 bucket must have versioning enabled (versioningConfiguration.status is Suspended).']]);
  });
  it('links by value when there are no property dependencies', async () => {
    const rs = change(`${DR}-versioning`, (r) => (r.dependsOn = {}));
    assert.deepEqual(await violationsOn(s3BucketVersioned, rs), []);
  });
  it('accepts the V2 versioning resource', async () => {
    const rs = change(`${DR}-versioning`, (r) => (r.type = 'aws:s3/bucketVersioningV2:BucketVersioningV2'));
    assert.deepEqual(await violationsOn(s3BucketVersioned, rs), []);
  });
});

describe('s3-bucket-encrypted', () => {
  it('passes encrypted buckets', async () => assert.deepEqual(await violationsOn(s3BucketEncrypted, stack()), []));
  it('rejects a bucket without encryption configuration', async () => {
    assert.deepEqual(await violationsOn(s3BucketEncrypted, without(`${PRIMARY}-sse`)), [
      [PRIMARY, 'S3 bucket must have default encryption (no aws.s3.BucketServerSideEncryptionConfiguration refers to it).'],
    ]);
  });
  it('rejects an unknown algorithm', async () => {
    const rs = change(`${PRIMARY}-sse`, (r) => (r.props.rules = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'none' } }]));
    assert.deepEqual(await violationsOn(s3BucketEncrypted, rs), [[PRIMARY, 'S3 bucket must have default encryption with one of aws:kms, aws:kms:dsse, AES256 (got none).']]);
  });
});

describe('s3-bucket-public-access-blocked', () => {
  it('passes fully blocked buckets', async () => assert.deepEqual(await violationsOn(s3BucketPublicAccessBlocked, stack()), []));
  it('rejects a bucket without a public access block', async () => {
    assert.deepEqual(await violationsOn(s3BucketPublicAccessBlocked, without(`${DR}-pab`)), [[DR, 'S3 bucket must block public access (no aws.s3.BucketPublicAccessBlock refers to it).']]);
  });
  for (const setting of ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets']) {
    it(`rejects ${setting} false`, async () => {
      const rs = change(`${DR}-pab`, (r) => (r.props[setting] = false));
      assert.deepEqual(await violationsOn(s3BucketPublicAccessBlocked, rs), [[DR, `S3 bucket must block public access (${setting} must be true).`]]);
    });
  }
});

describe('s3-bucket-tls-only', () => {
  it('passes buckets denying insecure transport', async () => assert.deepEqual(await violationsOn(s3BucketTlsOnly, stack()), []));
  it('rejects a bucket without a bucket policy', async () => {
    assert.deepEqual(await violationsOn(s3BucketTlsOnly, without(`${PRIMARY}-policy`)), [[PRIMARY, 'S3 bucket must deny requests without TLS (no aws.s3.BucketPolicy refers to it).']]);
  });
  it('rejects a policy whose deny does not test aws:SecureTransport', async () => {
    const rs = change(`${PRIMARY}-policy`, (r) => (r.props.policy = JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' }] })));
    assert.deepEqual(await violationsOn(s3BucketTlsOnly, rs), [
      [PRIMARY, 'S3 bucket must deny requests without TLS (a Deny statement for all principals and s3:* with aws:SecureTransport "false").'],
    ]);
  });
  it('rejects a deny that covers the bucket but not its objects', async () => {
    const b = `${PRIMARY}-123456789012`;
    const rs = change(`${PRIMARY}-policy`, (r) => (r.props.policy = tlsPolicy(b).replace(`,"${arn(b)}/*"`, '')));
    assert.deepEqual(await violationsOn(s3BucketTlsOnly, rs), [[PRIMARY, 'S3 bucket must deny requests without TLS on both the bucket and its objects (Resource [<arn>, "<arn>/*"]).']]);
  });
});

describe('s3-bucket-replicated-to-dr-region', () => {
  it('passes a primary bucket replicating with RTC to the DR bucket', async () => assert.deepEqual(await violationsOn(s3BucketReplicatedToDr, stack()), []));
  it('rejects a primary bucket without replication', async () => {
    assert.deepEqual(await violationsOn(s3BucketReplicatedToDr, without(`${PRIMARY}-replication`)), [
      [PRIMARY, 'S3 bucket must replicate to a bucket in the DR region us-east-2 (no aws.s3.BucketReplicationConfig refers to it; the DR region is the policy setting drRegion).'],
    ]);
  });
  it('does not require the DR bucket to replicate (failback replication is the stack\'s choice)', async () => {
    assert.deepEqual(await violationsOn(s3BucketReplicatedToDr, without(`${DR}-replication`)), []);
  });
  it('rejects a disabled rule', async () => {
    const rs = change(`${PRIMARY}-replication`, (r) => ((r.props.rules as Array<Record<string, unknown>>)[0].status = 'Disabled'));
    assert.deepEqual(await violationsOn(s3BucketReplicatedToDr, rs), [
      [PRIMARY, 'S3 bucket must replicate to a bucket in the DR region us-east-2 (no enabled replication rule has a DR-region destination; the DR region is the policy setting drRegion).'],
    ]);
  });
  it('rejects replication without Replication Time Control', async () => {
    const rs = change(`${PRIMARY}-replication`, (r) => delete (r.props.rules as Array<{ destination: Record<string, unknown> }>)[0].destination.replicationTime);
    assert.deepEqual(await violationsOn(s3BucketReplicatedToDr, rs), [[PRIMARY, 'S3 bucket replication to the DR region must enable Replication Time Control (destination.replicationTime.status Enabled).']]);
  });
  it('during preview, trusts the rules\' dependency on the DR bucket when the destination ARN is unknown', async () => {
    const rs = change(`${PRIMARY}-replication`, (r) => ((r.props.rules as Array<{ destination: Record<string, unknown> }>)[0].destination.bucket = UNKNOWN));
    assert.deepEqual(await findings(s3BucketReplicatedToDr, rs), []);
  });
});
