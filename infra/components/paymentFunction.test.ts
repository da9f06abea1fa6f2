/**
 * A payment function, one branch per test: its own log group (the retention it is given),
 * a role only Lambda assumes with logging to exactly that group and X-Ray on top of what the caller
 * grants, arm64 nodejs22.x with active tracing and JSON logs, no reserved concurrency unless given,
 * and the policy and log group created before the function.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as pulumi from '@pulumi/pulumi';
import { MOCK_ACCOUNT_ID as A, mockComponents, one, settle, type ProgramRun, type RecordedResource } from '../testing/harness';
import { PaymentFunction } from './paymentFunction';

const code = new pulumi.asset.AssetArchive({ 'index.js': new pulumi.asset.StringAsset('exports.handler = async () => ({});') });
const tags = { Project: 'payments-dr', Environment: 't' };

describe('payment function', () => {
  let run: ProgramRun;
  const dependsOn = new Map<string, string[]>();
  const fn = (name: string): RecordedResource => one(run, 'aws:lambda/function:Function', (r) => r.inputs.name === name);
  before(async () => {
    run = await mockComponents();
    // Resource options never reach the mocks: a transformation on the component records its children's.
    const transformations = [(a: pulumi.ResourceTransformationArgs) => void dependsOn.set(a.name, ([a.opts.dependsOn ?? []].flat() as pulumi.Resource[]).map((d) => String((d as unknown as { __name: string }).__name)))];
    new PaymentFunction('defaults', { region: 'us-east-2', functionName: 'fn-defaults', code, environment: { A: '1' }, statements: [], memorySize: 512, timeout: 10, logRetentionDays: 365 }, { transformations });
    new PaymentFunction('sized', {
      region: 'us-east-1', functionName: 'fn-sized', code, environment: {}, tags,
      statements: [{ Sid: 'ReadTable', Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: 'arn:aws:dynamodb:us-east-1:1:table/t' }],
      memorySize: 1024, timeout: 2, reservedConcurrentExecutions: 10, logRetentionDays: 400,
    });
    await settle(run);
  });

  it('runs on arm64 nodejs22.x with active tracing and JSON logs, without reserved concurrency unless given', () => {
    const { code: _code, ...inputs } = fn('fn-defaults').inputs;
    assert.deepEqual(inputs, {
      region: 'us-east-2', name: 'fn-defaults', role: `arn:aws:iam::${A}:role/fn-defaults-role`, runtime: 'nodejs22.x', architectures: ['arm64'], handler: 'index.handler',
      memorySize: 512, timeout: 10, tracingConfig: { mode: 'Active' },
      loggingConfig: { logFormat: 'JSON', logGroup: '/aws/lambda/fn-defaults', applicationLogLevel: 'INFO', systemLogLevel: 'WARN' },
      environment: { variables: { A: '1' } },
    });
  });

  it('takes the memory, timeout, reserved concurrency and tags it is given', () => {
    const f = fn('fn-sized').inputs;
    assert.deepEqual([f.memorySize, f.timeout, f.reservedConcurrentExecutions, f.tags], [1024, 2, 10, tags]);
  });

  it('keeps its own log group the retention it is given', () => {
    const group = (name: string) => one(run, 'aws:cloudwatch/logGroup:LogGroup', (r) => r.inputs.name === `/aws/lambda/${name}`).inputs;
    assert.deepEqual(group('fn-defaults'), { region: 'us-east-2', name: '/aws/lambda/fn-defaults', retentionInDays: 365 });
    assert.equal(group('fn-sized').retentionInDays, 400);
  });

  it('has a role only Lambda assumes, allowed to log to its own group and trace, then what the caller grants', () => {
    const role = one(run, 'aws:iam/role:Role', (r) => r.inputs.name === 'fn-sized-role');
    assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [{ Sid: 'TrustService', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    const policy = one(run, 'aws:iam/rolePolicy:RolePolicy', (r) => r.inputs.name === 'fn-sized-policy');
    assert.equal(policy.inputs.role, 'fn-sized-role');
    assert.deepEqual(JSON.parse(policy.inputs.policy), { Version: '2012-10-17', Statement: [
      { Sid: 'WriteOwnLogGroup', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `arn:aws:logs:us-east-1:${A}:log-group:/aws/lambda/fn-sized:log-stream:*` },
      { Sid: 'XRayWriteNoResourceLevelPermissions', Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
      { Sid: 'ReadTable', Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: 'arn:aws:dynamodb:us-east-1:1:table/t' },
    ] });
  });

  it('creates the role policy and the log group before the function can first log or trace', () => {
    assert.deepEqual(dependsOn.get('defaults-function'), ['defaults-policy', 'defaults-logs']);
  });
});
