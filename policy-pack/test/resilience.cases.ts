import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noDeletionProtection, regionsAlike, resourceNotProtected, resourceNotRetainedOnDelete, s3BucketForceDestroy } from '../resilience';
import { findings, TestResource, violations, violationsOn, withChange } from './harness';

const queue = (change: (r: TestResource) => void = () => undefined): TestResource => {
  const r: TestResource = { type: 'aws:sqs/queue:Queue', name: 'payments-retry-dev-us-east-1', props: { name: 'payments-retry-dev-us-east-1', region: 'us-east-1' } };
  change(r);
  return r;
};

describe('resource-not-protected', () => {
  it('passes an unprotected resource', async () => assert.deepEqual(await violations(resourceNotProtected, queue()), []));
  it('rejects protect: true', async () => {
    assert.deepEqual(await violations(resourceNotProtected, queue((r) => (r.protect = true))), ['Resource must not be protected (protect: true blocks pulumi destroy).']);
  });
});

describe('resource-not-retained-on-delete', () => {
  it('passes a resource deleted with the stack', async () => assert.deepEqual(await violations(resourceNotRetainedOnDelete, queue()), []));
  it('rejects retainOnDelete: true (visible to the offline gate)', async () => {
    assert.deepEqual(await violations(resourceNotRetainedOnDelete, queue((r) => (r.retainOnDelete = true))), [
      'Resource must not be retained on delete (retainOnDelete: true leaves it behind after pulumi destroy).',
    ]);
  });
});

describe('no-deletion-protection', () => {
  const table = (change: (p: Record<string, unknown>) => void = () => undefined): TestResource => {
    const props: Record<string, unknown> = { name: 'payments-table-dev', deletionProtectionEnabled: false, replicas: [{ regionName: 'us-east-2', deletionProtectionEnabled: false }] };
    change(props);
    return { type: 'aws:dynamodb/table:Table', name: 'payments-table-dev', props };
  };
  it('passes a table without deletion protection', async () => assert.deepEqual(await violations(noDeletionProtection, table()), []));
  it('rejects table deletion protection', async () => {
    assert.deepEqual(await violations(noDeletionProtection, table((p) => (p.deletionProtectionEnabled = true))), ['Resource must not have deletion protection (deletionProtectionEnabled is true).']);
  });
  it('rejects replica deletion protection', async () => {
    assert.deepEqual(await violations(noDeletionProtection, table((p) => (p.replicas = [{ regionName: 'us-east-2', deletionProtectionEnabled: true }]))), [
      'Resource must not have deletion protection (replicas[0].deletionProtectionEnabled is true).',
    ]);
  });
  it('rejects skipDestroy on a log group', async () => {
    const group: TestResource = { type: 'aws:cloudwatch/logGroup:LogGroup', name: 'logs-dev', props: { name: '/aws/lambda/x-dev', skipDestroy: true } };
    assert.deepEqual(await violations(noDeletionProtection, group), ['Resource must not have deletion protection (skipDestroy is true).']);
  });
});

describe('s3-bucket-force-destroy (advisory)', () => {
  const bucket = (forceDestroy?: boolean): TestResource => ({ type: 'aws:s3/bucket:Bucket', name: 'txlog-dev', props: { bucket: 'txlog-dev-1', ...(forceDestroy === undefined ? {} : { forceDestroy }) } });
  it('passes forceDestroy: true', async () => assert.deepEqual(await violations(s3BucketForceDestroy, bucket(true)), []));
  it('advises when forceDestroy is unset', async () => {
    const result = await findings(s3BucketForceDestroy, bucket());
    assert.deepEqual(result.map((f) => [f.level, f.message]), [['advisory', 'S3 bucket must set forceDestroy to be destroyable while it holds object versions.']]);
  });
});

/** Happy path: the same regional kinds in both regions; global resources in the primary only. */
function regions(): TestResource[] {
  const regional = (region: string): TestResource[] => [
    { type: 'aws:lambda/function:Function', name: `fn-dev-${region}`, props: { region } },
    { type: 'aws:sqs/queue:Queue', name: `retry-dev-${region}`, props: { region } },
    { type: 'aws:sqs/queue:Queue', name: `dlq-dev-${region}`, props: { region } },
    { type: 'aws:cloudwatch/metricAlarm:MetricAlarm', name: `errors-dev-${region}`, props: { region } },
  ];
  return [
    ...regional('us-east-1'),
    ...regional('us-east-2'),
    // The Route 53 health-check alarm only exists in us-east-1: same kind (MetricAlarm), so still alike.
    { type: 'aws:cloudwatch/metricAlarm:MetricAlarm', name: 'primary-health-dev', props: { region: 'us-east-1' } },
    { type: 'aws:iam/role:Role', name: 'role-dev', props: {} },
    { type: 'aws:route53/zone:Zone', name: 'zone-dev', props: {} },
    { type: 'aws:dynamodb/table:Table', name: 'table-dev', props: { region: 'us-east-1' } },
  ];
}

describe('regions-alike', () => {
  it('passes regions with the same kinds', async () => assert.deepEqual(await violationsOn(regionsAlike, regions()), []));
  it('rejects a kind missing in the DR region', async () => {
    const rs = regions().filter((r) => r.name !== 'fn-dev-us-east-2');
    assert.deepEqual(await violationsOn(regionsAlike, rs), [['fn-dev-us-east-1', 'Regions must be alike: aws:lambda/function:Function exists in us-east-1 but not in us-east-2 (regions from the policy settings primaryRegion and drRegion).']]);
  });
  it('rejects a kind missing in the primary region', async () => {
    const rs = regions().filter((r) => !r.name.startsWith('errors-dev-us-east-1') && r.name !== 'primary-health-dev');
    assert.deepEqual(await violationsOn(regionsAlike, rs), [['errors-dev-us-east-2', 'Regions must be alike: aws:cloudwatch/metricAlarm:MetricAlarm exists in us-east-2 but not in us-east-1 (regions from the policy settings primaryRegion and drRegion).']]);
  });
  it('rejects different protection settings', async () => {
    const rs = withChange(regions(), (list) => ((list.find((r) => r.name === 'dlq-dev-us-east-1') as TestResource).props.deletionProtection = true));
    assert.deepEqual(await violationsOn(regionsAlike, rs), [
      [
        'retry-dev-us-east-2',
        'Regions must be alike: aws:sqs/queue:Queue protection settings differ (us-east-1: protect=false, retainOnDelete=false, deletionProtection=deletionProtection | protect=false, retainOnDelete=false, deletionProtection=off; us-east-2: protect=false, retainOnDelete=false, deletionProtection=off).',
      ],
    ]);
  });
  it('places resources without a region input in the primary (the default provider region)', async () => {
    const rs = regions().map((r) => (r.name === 'fn-dev-us-east-1' ? { ...r, props: {} } : r));
    assert.deepEqual(await violationsOn(regionsAlike, rs), []);
  });
});
