import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkAll, isSet, known } from '../lib/preview';
import { get } from '../lib/props';
import { BASE_POLICIES } from '../policies';
import { findings, TestResource, UNKNOWN } from './harness';
import { unknownCheckingProxy, UnknownValueError } from '@pulumi/policy';

/** Preview safety: an unknown value never crashes a policy nor lets it pass silently. */
describe('preview safety', () => {
  const props = unknownCheckingProxy({ known: 'x', unknown: UNKNOWN, empty: '', list: [] }) as Record<string, unknown>;
  it('the proxy throws UnknownValueError on an unknown value', () => {
    assert.throws(() => get(props, 'unknown'), UnknownValueError);
  });
  it('checkAll runs every check, then rethrows the first unknown', () => {
    const seen: string[] = [];
    assert.throws(
      () =>
        checkAll(
          () => void get(props, 'unknown'),
          () => void seen.push('second check ran'),
        ),
      UnknownValueError,
    );
    assert.deepEqual(seen, ['second check ran']);
  });
  it('known() and isSet() read unknowns safely', () => {
    assert.equal(known(() => get(props, 'unknown')), undefined);
    assert.equal(isSet(props, 'unknown'), true);
    assert.equal(isSet(props, 'empty'), false);
    assert.equal(isSet(props, 'list'), false);
    assert.equal(isSet(props, 'missing'), false);
  });

  /** Every property of these resources unknown: no policy may crash; what it cannot read becomes an advisory. */
  const everythingUnknown: TestResource[] = [
    { type: 'aws:dynamodb/table:Table', name: 'payments-table-dev', props: { name: UNKNOWN, billingMode: UNKNOWN, pointInTimeRecovery: UNKNOWN, replicas: UNKNOWN, streamEnabled: UNKNOWN } },
    { type: 'aws:s3/bucket:Bucket', name: 'txlog-dev', props: { bucket: UNKNOWN, region: UNKNOWN } },
    { type: 'aws:s3/bucketVersioning:BucketVersioning', name: 'txlog-dev-versioning', props: { bucket: UNKNOWN, versioningConfiguration: UNKNOWN } },
    { type: 'aws:sqs/queue:Queue', name: 'retry-dev', props: { name: UNKNOWN, sqsManagedSseEnabled: UNKNOWN, redrivePolicy: UNKNOWN } },
    { type: 'aws:iam/rolePolicy:RolePolicy', name: 'policy-dev', props: { policy: UNKNOWN } },
    { type: 'aws:lambda/function:Function', name: 'fn-dev', props: { name: UNKNOWN, runtime: UNKNOWN, tracingConfig: UNKNOWN } },
    { type: 'aws:apigateway/restApi:RestApi', name: 'api-dev', props: { name: UNKNOWN, endpointConfiguration: UNKNOWN } },
    { type: 'aws:route53/healthCheck:HealthCheck', name: 'hc-dev', props: { type: UNKNOWN, resourcePath: UNKNOWN } },
    { type: 'aws:cloudwatch/metricAlarm:MetricAlarm', name: 'alarm-dev', props: { namespace: UNKNOWN, metricName: UNKNOWN, threshold: UNKNOWN } },
  ];
  for (const policy of BASE_POLICIES) {
    it(`${policy.name} does not crash on unknown values and reports them only as advisories`, async () => {
      const result = await findings(policy, everythingUnknown);
      for (const f of result) assert.ok(f.kind === 'unknown' ? f.level === 'advisory' && f.message.startsWith('cannot be checked until apply: ') : f.kind === 'violation');
    });
  }
  it('reports the unknowns as advisories naming the property', async () => {
    const policy = BASE_POLICIES.find((p) => p.name === 'lambda-supported-runtime');
    assert.ok(policy);
    const result = await findings(policy, everythingUnknown);
    assert.deepEqual(
      result.map((f) => [f.kind, f.level, f.resource, f.message]),
      [['unknown', 'advisory', 'fn-dev', "cannot be checked until apply: string value at .runtime can't be known during preview"]],
    );
  });
});
