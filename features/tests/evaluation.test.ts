/** Pure parts of the plan target and the control expectations: IAM evaluation, plan facts, alarm matching. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accessExpectations, findAlarm, logicalNameOf, requiredAlarms } from '../support/expectations';
import { evaluate, parsePolicy } from '../support/iamEvaluator';
import { alarmsOf, bucketsOf, functionsOf, Plan, policiesOfRole, queuesOf, tableOf, type PlannedResource } from '../support/targets/planFacts';
import { regionalResourcesFromFunctions } from '../support/targets/facts';
import type { AlarmFacts, RegionalResources } from '../support/targets/target';

const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/payments';

describe('IAM evaluation (plan target): the IAM simulator over the service authorization reference', () => {
  const ROLE = 'arn:aws:iam::123456789012:role/create-payment';
  const doc = parsePolicy(
    JSON.stringify({
      Statement: [
        { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Put*'], Resource: TABLE },
        { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::logs/transactions/*' },
        { Effect: 'Deny', Action: 'dynamodb:PutItem', Resource: TABLE, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
        { Effect: 'Deny', NotAction: ['s3:PutObject'], Resource: 'arn:aws:s3:::logs/*' },
      ],
    }),
    'test',
  );
  const decide = async (action: string, resource: string) => (await evaluate([doc], { action, resource }, ROLE)).decision;

  it('allows exactly the listed actions on the listed resources, with IAM wildcards', async () => {
    assert.equal(await decide('dynamodb:GetItem', TABLE), 'allowed');
    assert.equal(await decide('DynamoDB:PutItem', TABLE), 'allowed', 'actions match case-insensitively');
    assert.equal(await decide('dynamodb:DeleteTable', TABLE), 'implicitDeny');
    assert.equal(await decide('dynamodb:GetItem', TABLE.replace('us-east-1', 'us-east-2')), 'implicitDeny');
    assert.equal(await decide('s3:PutObject', 'arn:aws:s3:::logs/transactions/a.json'), 'allowed');
    assert.equal(await decide('s3:PutObject', 'arn:aws:s3:::logs/other/a.json'), 'implicitDeny');
  });

  it('lets a Deny win, and evaluates conditions on the context an SDK call over HTTPS carries', async () => {
    assert.equal(await decide('s3:GetObject', 'arn:aws:s3:::logs/transactions/a.json'), 'explicitDeny');
    assert.equal(await decide('dynamodb:PutItem', TABLE), 'allowed', 'aws:SecureTransport is true, so the TLS deny does not apply');
  });

  it('treats * as everything', async () => {
    const star = parsePolicy({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }, 'star');
    assert.equal((await evaluate([star], { action: 'iam:CreateUser', resource: 'arn:aws:iam::123456789012:user/x' }, ROLE)).decision, 'allowed');
  });

  it('refuses a question about an action that does not exist or a resource the action does not take', async () => {
    await assert.rejects(decide('dynamodb:GetItems', TABLE), /dynamodb:GetItems on .* was refused: .*invalid\.action/);
    await assert.rejects(decide('dynamodb:GetItem', 'arn:aws:s3:::logs/transactions/a.json'), /was refused: .*no\.resource\.types/);
  });

  it('rejects a statement without a valid Effect', () => {
    assert.throws(() => parsePolicy({ Statement: [{ Effect: 'Maybe', Action: '*' }] }, 'bad role'), /bad role: statement Effect must be Allow or Deny/);
  });
});

const res = (type: string, name: string, inputs: Record<string, unknown>, extra: Partial<PlannedResource> = {}): PlannedResource => ({
  type,
  name,
  urn: `urn:pulumi:dev::payments-dr::${type}::${name}`,
  inputs,
  ...extra,
});

describe('plan facts', () => {
  const plan = new Plan(
    [
      res('aws:dynamodb/table:Table', 'payments-table', {
        name: 'payments',
        billingMode: 'PAY_PER_REQUEST',
        pointInTimeRecovery: { enabled: true },
        replicas: [{ regionName: 'us-east-2', pointInTimeRecovery: false }],
      }),
      res('aws:s3/bucket:Bucket', 'logs-1', { bucket: 'logs-1', region: 'us-east-1' }),
      res('aws:s3/bucketVersioning:BucketVersioning', 'logs-1-v', { bucket: 'logs-1', versioningConfiguration: { status: 'Enabled' } }),
      res('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'logs-1-pab', { bucket: 'logs-1', blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: false }),
      res('aws:s3/bucketReplicationConfig:BucketReplicationConfig', 'logs-1-crr', { bucket: 'logs-1', rules: [{ status: 'Enabled', destination: { bucket: 'arn:aws:s3:::logs-2' } }] }),
      res('aws:s3/bucket:Bucket', 'logs-2', { bucket: 'logs-2' }, { region: 'us-east-2' }),
      res('aws:sqs/queue:Queue', 'dlq', { name: 'dlq-1', sqsManagedSseEnabled: true }, { state: { arn: 'arn:aws:sqs:us-east-1:123456789012:dlq-1' } }),
      res('aws:sqs/queue:Queue', 'retry', { name: 'retry-1', redrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:123456789012:dlq-1', maxReceiveCount: 5 }) }),
      res('aws:iam/role:Role', 'fn-role', { name: 'create-payment-dev-us-east-1-role' }),
      res('aws:iam/rolePolicy:RolePolicy', 'fn-policy', {
        role: 'create-payment-dev-us-east-1-role',
        policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: TABLE }] }),
      }),
      res('aws:iam/rolePolicyAttachment:RolePolicyAttachment', 'fn-xray', { role: 'create-payment-dev-us-east-1-role', policyArn: 'arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess' }),
      res('aws:lambda/function:Function', 'fn', {
        name: 'create-payment-dev-us-east-1',
        region: 'us-east-1',
        role: 'arn:aws:iam::123456789012:role/create-payment-dev-us-east-1-role',
        environment: { variables: { TABLE_NAME: 'payments' } },
      }),
      res('aws:cloudwatch/metricAlarm:MetricAlarm', 'lag', {
        name: 'lag-alarm',
        region: 'us-east-2',
        namespace: 'AWS/DynamoDB',
        metricName: 'ReplicationLatency',
        dimensions: { TableName: 'payments', ReceivingRegion: 'us-east-1' },
        threshold: 30000,
        comparisonOperator: 'GreaterThanThreshold',
        alarmActions: ['arn:aws:sns:us-east-2:123456789012:alarms'],
      }),
    ],
    'us-east-1',
  );

  it('reads billing mode and point-in-time recovery of the table and each replica', () => {
    const t = tableOf(plan);
    assert.equal(t.billingMode, 'PAY_PER_REQUEST');
    assert.equal(t.pointInTimeRecovery, true);
    assert.deepEqual(t.replicas, [{ region: 'us-east-2', pointInTimeRecovery: false }]);
  });

  it('joins bucket settings held in separate resources, by bucket id', () => {
    const [one, two] = bucketsOf(plan);
    assert.deepEqual([one.name, one.region, one.versioning, one.encryption, one.publicAccessBlocked, one.replicatesTo], ['logs-1', 'us-east-1', true, undefined, false, ['logs-2']]);
    assert.deepEqual([two.region, two.versioning, two.replicatesTo], ['us-east-2', false, []]);
  });

  it('recognises the dead-letter queue by the redrive policies that target it', () => {
    assert.deepEqual(queuesOf(plan).map((q) => [q.name, q.encrypted, q.isDeadLetterQueue, q.hasRedrivePolicy]), [
      ['dlq-1', true, true, false],
      ['retry-1', false, false, true],
    ]);
  });

  it('collects a function role\'s inline and attached policies, known AWS managed ones included', async () => {
    const [fn] = functionsOf(plan, 'us-east-1');
    const { documents, unknown } = policiesOfRole(plan, fn.roleArn);
    assert.equal(documents.length, 2);
    assert.deepEqual(unknown, []);
    assert.equal((await evaluate(documents, { action: 'xray:PutTraceSegments', resource: '*' }, fn.roleArn)).decision, 'allowed');
    assert.deepEqual(functionsOf(plan, 'us-east-2'), []);
  });

  it('places alarms in their region', () => {
    assert.deepEqual(alarmsOf(plan, 'us-east-1'), []);
    assert.equal(alarmsOf(plan, 'us-east-2')[0].dimensions.ReceivingRegion, 'us-east-1');
  });
});

describe('control expectations', () => {
  const own: RegionalResources = regionalResourcesFromFunctions(
    'us-east-1',
    [
      {
        logicalName: 'x',
        name: 'create-payment-dev-us-east-1',
        region: 'us-east-1',
        roleArn: 'arn:aws:iam::123456789012:role/create-payment-dev-us-east-1-role',
        environment: {
          TABLE_NAME: 'payments',
          RETRY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/retry-1',
          TRANSACTION_LOG_BUCKET: 'logs-1',
          MANUAL_FAILOVER_PARAMETER: '/payments-dr/dev/us-east-1/manual-failover',
          PARAMETER_PATH: '/payments-dr/dev/us-east-1/',
        },
      },
    ],
    'unused',
  );
  const alarm = (overrides: Partial<AlarmFacts>): AlarmFacts => ({
    name: 'lag',
    region: 'us-east-1',
    namespace: 'AWS/DynamoDB',
    metricName: 'ReplicationLatency',
    dimensions: { TableName: 'payments', ReceivingRegion: 'us-east-2' },
    threshold: 30000,
    comparisonOperator: 'GreaterThanThreshold',
    alarmActions: ['arn:aws:sns:us-east-1:123456789012:alarms'],
    metricNames: [],
    ...overrides,
  });
  const [lag] = requiredAlarms('replication latency', own, 'us-east-2', { primaryRegion: 'us-east-1', drRegion: 'us-east-2' });

  it('derives ARNs from the environment the stack gives the functions', () => {
    assert.equal(own.accountId, '123456789012');
    assert.equal(own.tableArn, 'arn:aws:dynamodb:us-east-1:123456789012:table/payments');
    assert.equal(own.retryQueueArn, 'arn:aws:sqs:us-east-1:123456789012:retry-1');
    assert.equal(own.manualFailoverParameterArn, 'arn:aws:ssm:us-east-1:123456789012:parameter/payments-dr/dev/us-east-1/manual-failover');
  });

  it('accepts the ReplicationLatency alarm at 30 s in milliseconds, and explains each way it can be wrong', () => {
    assert.equal(findAlarm([alarm({})], lag).problem, undefined);
    assert.match(findAlarm([alarm({ threshold: 60000 })], lag).problem ?? '', /lag fires at GreaterThanThreshold 60000; it must fire above at most 30000 ms/);
    assert.match(findAlarm([alarm({ dimensions: { TableName: 'payments', ReceivingRegion: 'us-west-2' } })], lag).problem ?? '', /no ReplicationLatency alarm with dimensions/);
    assert.match(findAlarm([alarm({ comparisonOperator: 'LessThanThreshold' })], lag).problem ?? '', /comparison LessThanThreshold must be one of/);
    assert.match(findAlarm([], lag).problem ?? '', /no alarm on AWS\/DynamoDB ReplicationLatency/);
  });

  const pair = { primaryRegion: 'us-east-1', drRegion: 'us-east-2' };
  const count = (metric: Partial<AlarmFacts>) => alarm({ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: 'create-payment-dev' }, threshold: 0, ...metric });
  const withFunction = { ...own, functions: [{ ...own.functions[0], name: 'create-payment-dev' }] };
  const [errors] = requiredAlarms('function errors', withFunction, 'us-east-2', pair);

  it('an Errors alarm must fire at the first error: > 0 and >= 1 pass, an alarm at 1,000,000 fails', () => {
    assert.equal(findAlarm([count({})], errors).problem, undefined);
    assert.equal(findAlarm([count({ threshold: 1, comparisonOperator: 'GreaterThanOrEqualToThreshold' })], errors).problem, undefined);
    assert.match(findAlarm([count({ threshold: 1_000_000 })], errors).problem ?? '', /fires at GreaterThanThreshold 1000000; it must fire at the first occurrence \(> 0, or >= 1\)/);
  });

  it('a dead-letter queue alarm must fire at the first message: "> 1" (the second message) fails', () => {
    const [dlq] = requiredAlarms('dead-letter queue depth', { ...own, deadLetterQueueArn: 'arn:aws:sqs:us-east-1:123456789012:payments-dlq-dev' }, 'us-east-2', pair);
    const depth = (threshold: number) => alarm({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'payments-dlq-dev' }, threshold });
    assert.equal(findAlarm([depth(0)], dlq).problem, undefined);
    assert.match(findAlarm([depth(1)], dlq).problem ?? '', /fires at GreaterThanThreshold 1; it must fire at the first occurrence/);
  });

  it('requires a health-check alarm for each region, held in us-east-1, one alarm per region', () => {
    const [primary] = requiredAlarms('health check', own, 'us-east-2', pair);
    const [dr] = requiredAlarms('health check', { ...own, region: 'us-east-2' }, 'us-east-1', pair);
    assert.deepEqual([primary.inRegion, dr.inRegion], ['us-east-1', 'us-east-1']);
    const hc = (id: string, threshold = 1, comparisonOperator = 'LessThanThreshold') =>
      alarm({ name: `hc-${id}`, namespace: 'AWS/Route53', metricName: 'HealthCheckStatus', dimensions: { HealthCheckId: id }, threshold, comparisonOperator });
    const only = hc('primary-id');
    assert.equal(findAlarm([only], primary).problem, undefined);
    // The DR region's requirement cannot reuse the primary's alarm.
    assert.match(findAlarm([only], dr, new Set([only])).problem ?? '', /no HealthCheckStatus alarm with dimensions .* not already matched/);
    // An alarm that never fires (< 0) or always fires (<= 1) is not an unhealthy alarm.
    assert.match(findAlarm([hc('x', 0)], primary).problem ?? '', /fires at LessThanThreshold 0; it must fire when HealthCheckStatus is 0/);
    assert.match(findAlarm([hc('x', 1, 'LessThanOrEqualToThreshold')], primary).problem ?? '', /fires at LessThanOrEqualToThreshold 1/);
    assert.throws(() => requiredAlarms('disk full', own, 'us-east-2', pair), /unknown alarm kind "disk full"/);
  });

  it('forbids every function to change payments in the other region or the manual failover flag, and read-only functions to write', () => {
    const peer = { ...own, region: 'us-east-2', tableArn: own.tableArn.replace('us-east-1', 'us-east-2') };
    const deny = (fn: 'createPayment' | 'getPayment') => accessExpectations(fn, own, peer).mustDeny.map((q) => `${q.action} ${q.resource}`);
    // createPayment commits in the peer replica when its own refuses (conditional PutItem), never changes one there.
    assert.ok(!deny('createPayment').includes(`dynamodb:PutItem ${peer.tableArn}`));
    assert.ok(deny('createPayment').includes(`dynamodb:UpdateItem ${peer.tableArn}`));
    assert.ok(deny('createPayment').includes(`dynamodb:UpdateItem ${own.tableArn}`));
    assert.ok(deny('getPayment').includes(`dynamodb:DeleteItem ${peer.tableArn}`));
    assert.ok(deny('createPayment').includes(`ssm:PutParameter ${own.manualFailoverParameterArn ?? ''}`));
    assert.ok(!deny('createPayment').includes(`dynamodb:PutItem ${own.tableArn}`));
    assert.ok(deny('getPayment').includes(`dynamodb:PutItem ${own.tableArn}`));
    assert.equal(logicalNameOf('retry-processor-dev-us-east-2'), 'retryProcessor');
    assert.equal(logicalNameOf('something-else'), undefined);
  });
});
