import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lambdaLogRetention, lambdaSupportedRuntime, lambdaTracingActive } from '../compute';
import { TestResource, violations, violationsOn, withChange } from './harness';

const FN = 'aws:lambda/function:Function';
const LOG_GROUP = 'aws:cloudwatch/logGroup:LogGroup';

function fn(change: (p: Record<string, unknown>) => void = () => undefined): TestResource {
  const props: Record<string, unknown> = {
    name: 'create-payment-dev-us-east-1',
    region: 'us-east-1',
    runtime: 'nodejs22.x',
    architectures: ['arm64'],
    tracingConfig: { mode: 'Active' },
    role: 'arn:aws:iam::123456789012:role/create-payment-role-dev',
  };
  change(props);
  return { type: FN, name: 'create-payment-dev-us-east-1', props };
}

describe('lambda-supported-runtime', () => {
  it('passes nodejs22.x', async () => assert.deepEqual(await violations(lambdaSupportedRuntime, fn()), []));
  it('rejects nodejs18.x', async () => {
    assert.deepEqual(await violations(lambdaSupportedRuntime, fn((p) => (p.runtime = 'nodejs18.x'))), ['Lambda function must use a supported runtime (nodejs22.x, nodejs24.x), got nodejs18.x.']);
  });
  it('rejects a missing runtime on a zip function', async () => {
    assert.deepEqual(await violations(lambdaSupportedRuntime, fn((p) => delete p.runtime)), ['Lambda function must use a supported runtime (nodejs22.x, nodejs24.x), got none.']);
  });
  it('ignores container images', async () => {
    assert.deepEqual(await violations(lambdaSupportedRuntime, fn((p) => ((p.packageType = 'Image'), delete p.runtime))), []);
  });
});

describe('lambda-tracing-active', () => {
  it('passes active tracing', async () => assert.deepEqual(await violations(lambdaTracingActive, fn()), []));
  it('rejects PassThrough', async () => {
    assert.deepEqual(await violations(lambdaTracingActive, fn((p) => (p.tracingConfig = { mode: 'PassThrough' }))), [
      'Lambda function must enable active tracing (tracingConfig.mode Active), got PassThrough.',
    ]);
  });
  it('rejects no tracing config', async () => {
    assert.deepEqual(await violations(lambdaTracingActive, fn((p) => delete p.tracingConfig)), [
      'Lambda function must enable active tracing (tracingConfig.mode Active), got PassThrough (default).',
    ]);
  });
});

describe('lambda-log-group-retention', () => {
  const group = (name: string, retention?: number): TestResource => ({
    type: LOG_GROUP,
    name: 'create-payment-logs-dev',
    props: { name, region: 'us-east-1', ...(retention === undefined ? {} : { retentionInDays: retention }) },
  });
  const happy = (): TestResource[] => [fn(), group('/aws/lambda/create-payment-dev-us-east-1', 365)];
  it('passes a function with its default log group and retention', async () => assert.deepEqual(await violationsOn(lambdaLogRetention, happy()), []));
  it('rejects a function without its log group', async () => {
    assert.deepEqual(await violationsOn(lambdaLogRetention, [fn(), group('/aws/lambda/other', 365)]), [
      ['create-payment-dev-us-east-1', 'Lambda function must write to an explicit log group with retention (no aws.cloudwatch.LogGroup named /aws/lambda/<name> or in loggingConfig).'],
    ]);
  });
  it('rejects a log group without retention', async () => {
    assert.deepEqual(await violationsOn(lambdaLogRetention, [fn(), group('/aws/lambda/create-payment-dev-us-east-1')]), [
      ['create-payment-dev-us-east-1', 'Lambda function log group must set retentionInDays of at least 365 days (unset keeps logs forever, by accident rather than by decision).'],
    ]);
  });
  it('rejects a log group kept 90 days where PCI DSS 10.5.1 asks 12 months', async () => {
    assert.deepEqual(await violationsOn(lambdaLogRetention, [fn(), group('/aws/lambda/create-payment-dev-us-east-1', 90)]), [
      ['create-payment-dev-us-east-1', 'Lambda function log group must retain logs for at least 365 days (PCI DSS 10.5.1: 12 months), got 90.'],
    ]);
  });
  it('honours a configured minimum', async () => {
    assert.deepEqual(await violationsOn(lambdaLogRetention, [fn(), group('/aws/lambda/create-payment-dev-us-east-1', 90)], { minimumRetentionDays: 90 }), []);
  });
  it('follows loggingConfig.logGroup', async () => {
    const rs = withChange([fn((p) => (p.loggingConfig = { logFormat: 'JSON', logGroup: '/payments/dev/create-payment' })), group('/payments/dev/create-payment', 365)], () => undefined);
    rs[0].dependsOn = { loggingConfig: ['create-payment-logs-dev'] };
    assert.deepEqual(await violationsOn(lambdaLogRetention, rs), []);
  });
});
