/**
 * The live target cannot reach AWS here; its logic runs against SDK-level doubles (real SDK v3
 * clients answering from tables, features/tests/sdkDoubles.ts) and stack outputs shaped like
 * `pulumi stack output --json` of the DR stack (infra/index.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { LiveTarget, parseLiveOutputs, type LiveClients } from '../support/targets/liveTarget';
import { answer, type Answer, type Call } from './sdkDoubles';

const ACCOUNT = '111122223333';
const OUTPUTS: Record<string, unknown> = {
  primaryRegion: 'us-east-1',
  drRegion: 'us-east-2',
  primaryApiUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com/v1',
  drApiUrl: 'https://def456.execute-api.us-east-2.amazonaws.com/v1',
  failoverApiUrl: 'https://api.payments-dev.example.com/v1',
  tableName: 'payments-table-dev',
  bucketNames: { 'us-east-1': `transaction-logs-dev-us-east-1-${ACCOUNT}`, 'us-east-2': `transaction-logs-dev-us-east-2-${ACCOUNT}` },
  retryQueueUrls: {
    'us-east-1': `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/payments-retry-dev-us-east-1`,
    'us-east-2': `https://sqs.us-east-2.amazonaws.com/${ACCOUNT}/payments-retry-dev-us-east-2`,
  },
  deadLetterQueueUrls: {
    'us-east-1': `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/payments-retry-dlq-dev-us-east-1`,
    'us-east-2': `https://sqs.us-east-2.amazonaws.com/${ACCOUNT}/payments-retry-dlq-dev-us-east-2`,
  },
  manualFailoverParameters: { 'us-east-1': '/payments-dr/dev/us-east-1/manual-failover', 'us-east-2': '/payments-dr/dev/us-east-2/manual-failover' },
  hostedZoneId: 'Z0123456789ABC',
  hostedZoneName: 'payments-dev.example.com',
  clientApiKey: '[secret]',
  drBudget: {
    rtoSeconds: 150,
    rpoSeconds: 150,
    rtoObjectiveSeconds: 900,
    rpoObjectiveSeconds: 300,
    rto: { detectionSeconds: 30, propagationSeconds: 60, dnsCacheSeconds: 60 },
    rpo: { consistencyMode: 'eventual', replicationLagBoundSeconds: 30, alarmWindowSeconds: 120 },
  },
};

const credentials = { accessKeyId: 'double', secretAccessKey: 'double' };

/** Clients for the target, each answering from `answers[service]`; all calls recorded in order. */
function doubles(answers: Partial<Record<'cloudwatch' | 'dynamodb' | 's3' | 'sqs' | 'ssm' | 'iam' | 'route53', Record<string, Answer>>>) {
  const calls: Array<Call & { service: string; region: string }> = [];
  const made = new Map<string, unknown>();
  const make = <C extends { middlewareStack: Parameters<typeof answer>[0]['middlewareStack'] }>(service: keyof typeof answers, region: string, create: () => C): C => {
    // One client per service and region, as the real factory caches them (answers count calls per client).
    const key = `${service}:${region}`;
    const existing = made.get(key);
    if (existing) return existing as C;
    const client = create();
    made.set(key, client);
    const own: Call[] = [];
    answer(client, answers[service] ?? {}, own);
    const push = own.push.bind(own);
    own.push = (...items: Call[]) => {
      for (const item of items) calls.push({ ...item, service, region });
      return push(...items);
    };
    return client;
  };
  const clients: LiveClients = {
    cloudwatch: (region) => make('cloudwatch', region, () => new CloudWatchClient({ region, credentials })),
    dynamodb: (region) => make('dynamodb', region, () => new DynamoDBClient({ region, credentials })),
    s3: (region) => make('s3', region, () => new S3Client({ region, credentials })),
    sqs: (region) => make('sqs', region, () => new SQSClient({ region, credentials })),
    ssm: (region) => make('ssm', region, () => new SSMClient({ region, credentials })),
    iam: () => make('iam', 'us-east-1', () => new IAMClient({ region: 'us-east-1', credentials })),
    route53: () => make('route53', 'us-east-1', () => new Route53Client({ region: 'us-east-1', credentials })),
  };
  return { clients, calls };
}

async function openTarget(clients: LiveClients, outputs: Record<string, unknown> = OUTPUTS): Promise<LiveTarget> {
  const target = new LiveTarget({ stack: 'dev', outputs, clients });
  await target.open();
  return target;
}

describe('live target: stack outputs', () => {
  it('reads the DR stack outputs: endpoints per region, failover hostname, budget', () => {
    const o = parseLiveOutputs(OUTPUTS, 'dev');
    assert.deepEqual(o.apiUrls, { 'us-east-1': OUTPUTS.primaryApiUrl, 'us-east-2': OUTPUTS.drApiUrl });
    assert.equal(o.failoverHostname, 'api.payments-dev.example.com');
    assert.equal(o.buckets['us-east-2'], `transaction-logs-dev-us-east-2-${ACCOUNT}`);
    assert.equal(o.budget?.rtoBudgetSeconds, 150);
    assert.equal(o.budget?.rtoObjectiveSeconds, 900);
  });

  it('names every missing output at once', () => {
    const { hostedZoneId: _zone, tableName: _table, ...rest } = OUTPUTS;
    assert.throws(() => parseLiveOutputs(rest, 'dev'), /the stack outputs lack hostedZoneId, tableName/);
  });

  it('describes the account from the queue URLs', async () => {
    const target = await openTarget(doubles({}).clients);
    assert.equal(target.describe().account, ACCOUNT);
    assert.equal(target.describe().timeScale, 1);
  });
});

describe('live target: configuration through the AWS APIs', () => {
  it('pages through DescribeAlarms and maps metric, dimensions, threshold and actions', async () => {
    const { clients, calls } = doubles({
      cloudwatch: {
        DescribeAlarmsCommand: (_input, n) =>
          n === 1
            ? {
                MetricAlarms: [
                  {
                    AlarmName: 'table-replication-latency-to-us-east-2-dev-us-east-1',
                    Namespace: 'AWS/DynamoDB',
                    MetricName: 'ReplicationLatency',
                    Dimensions: [{ Name: 'TableName', Value: 'payments-table-dev' }, { Name: 'ReceivingRegion', Value: 'us-east-2' }],
                    Threshold: 30000,
                    ComparisonOperator: 'GreaterThanThreshold',
                    AlarmActions: ['arn:aws:sns:us-east-1:111122223333:payments-alarms-dev-us-east-1'],
                  },
                ],
                NextToken: 'page-2',
              }
            : { MetricAlarms: [{ AlarmName: 'api-5xx-dev-us-east-1', Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Dimensions: [], AlarmActions: [] }] },
      },
    });
    const target = await openTarget(clients);
    const alarms = await target.alarms('us-east-1');
    assert.equal(alarms.length, 2);
    assert.deepEqual(alarms[0].dimensions, { TableName: 'payments-table-dev', ReceivingRegion: 'us-east-2' });
    assert.equal(alarms[0].threshold, 30000);
    assert.deepEqual(alarms[1].alarmActions, []);
    assert.deepEqual(calls.map((c) => c.input.NextToken), [undefined, 'page-2']);
  });

  it('reads billing mode from DescribeTable and point-in-time recovery per region', async () => {
    const { clients, calls } = doubles({
      dynamodb: {
        DescribeTableCommand: () => ({
          Table: { BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' }, Replicas: [{ RegionName: 'us-east-2' }], SSEDescription: { SSEType: 'KMS' } },
        }),
        DescribeContinuousBackupsCommand: () => ({
          ContinuousBackupsDescription: { ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'ENABLED' } },
        }),
      },
    });
    const target = await openTarget(clients);
    const table = await target.table();
    assert.equal(table.billingMode, 'PAY_PER_REQUEST');
    assert.deepEqual(table.replicas, [{ region: 'us-east-2', pointInTimeRecovery: true }]);
    assert.equal(table.pointInTimeRecovery, true);
    assert.deepEqual(
      calls.filter((c) => c.command === 'DescribeContinuousBackupsCommand').map((c) => c.region).sort(),
      ['us-east-1', 'us-east-2'],
    );
  });

  it('asks the policy simulator once per question, with the function role', async () => {
    const { clients, calls } = doubles({
      iam: {
        SimulatePrincipalPolicyCommand: (input) => ({
          EvaluationResults: [{ EvalActionName: (input.ActionNames as string[])[0], EvalDecision: (input.ActionNames as string[])[0] === 'dynamodb:PutItem' ? 'allowed' : 'implicitDeny' }],
        }),
      },
    });
    const target = await openTarget(clients);
    const resources = await target.regionalResources('us-east-1');
    const fn = resources.functions.find((f) => f.logicalName === 'createPayment');
    assert.ok(fn);
    assert.equal(fn.roleArn, `arn:aws:iam::${ACCOUNT}:role/create-payment-dev-us-east-1-role`);
    const answers = await target.simulate(fn, [
      { action: 'dynamodb:PutItem', resource: resources.tableArn },
      { action: 'dynamodb:DeleteTable', resource: resources.tableArn },
    ]);
    assert.deepEqual(answers.map((a) => a.decision), ['allowed', 'implicitDeny']);
    assert.deepEqual(calls.map((c) => c.input.PolicySourceArn), [fn.roleArn, fn.roleArn]);
    assert.equal(resources.tableArn, `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/payments-table-dev`);
    assert.equal(resources.retryQueueArn, `arn:aws:sqs:us-east-1:${ACCOUNT}:payments-retry-dev-us-east-1`);
  });

  it('takes function names and role ARNs from the stack\'s functions output when it has one', () => {
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/renamed-role`;
    const o = parseLiveOutputs({ ...OUTPUTS, functions: { 'us-east-1': { createPayment: { name: 'renamed', roleArn } } } }, 'dev');
    assert.deepEqual(o.functions, { 'us-east-1': { createPayment: { name: 'renamed', roleArn } } });
    assert.deepEqual(parseLiveOutputs(OUTPUTS, 'dev').functions, {});
  });

  it('simulates the role the functions output names', async () => {
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/renamed-role`;
    const { clients } = doubles({});
    const target = await openTarget(clients, { ...OUTPUTS, functions: { 'us-east-1': { createPayment: { name: 'renamed', roleArn } } } });
    const fn = (await target.regionalResources('us-east-1')).functions.find((f) => f.logicalName === 'createPayment');
    assert.equal(fn?.roleArn, roleArn);
    assert.equal(fn?.name, 'renamed');
  });
});

describe('live target: the failover drill mechanism', () => {
  it('flips the maintenance flag and restores the value it found, not a guessed one', async () => {
    const { clients, calls } = doubles({
      ssm: {
        GetParameterCommand: () => ({ Parameter: { Name: '/payments-dr/dev/us-east-1/manual-failover', Value: 'false' } }),
        PutParameterCommand: () => ({ Version: 2 }),
      },
    });
    const target = await openTarget(clients);
    const restore = await target.makeUnhealthy('us-east-1');
    await restore.restore();
    const puts = calls.filter((c) => c.command === 'PutParameterCommand').map((c) => [c.region, c.input.Name, c.input.Value]);
    assert.deepEqual(puts, [
      ['us-east-1', '/payments-dr/dev/us-east-1/manual-failover', 'true'],
      ['us-east-1', '/payments-dr/dev/us-east-1/manual-failover', 'false'],
    ]);
  });

  it('observes the switch with TestDNSAnswer (the answer naming the region that serves)', async () => {
    let serving = 'us-east-1';
    const { clients } = doubles({
      route53: {
        TestDNSAnswerCommand: (input) => ({
          RecordName: input.RecordName,
          RecordType: 'A',
          ResponseCode: 'NOERROR',
          RecordData: [input.RecordName === 'api.payments-dev.example.com' ? `d-abc.execute-api.${serving}.amazonaws.com` : '192.0.2.1'],
        }),
      },
    });
    const target = await openTarget(clients);
    // No network here: the /health confirmation fails fast against a loopback URL, and is only evidence.
    (target as unknown as { out: { failoverEndpoint: string } }).out.failoverEndpoint = 'http://127.0.0.1:9/v1';
    assert.equal((await target.observeFailover()).servingRegion, 'us-east-1');
    serving = 'us-east-2';
    const after = await target.observeFailover();
    assert.equal(after.servingRegion, 'us-east-2');
    assert.match(after.detail, /TestDNSAnswer api\.payments-dev\.example\.com A NOERROR/);
  });

  it('with custom domains (alias answers are addresses) compares the failover answer with each region\'s own', async () => {
    let serving = 'us-east-1';
    const addresses: Record<string, string[]> = { 'us-east-1': ['192.0.2.10', '192.0.2.11'], 'us-east-2': ['198.51.100.20'] };
    const { clients } = doubles({
      route53: {
        TestDNSAnswerCommand: (input) => {
          const name = String(input.RecordName);
          const region = name === 'api.payments-dev.example.com' ? serving : name.split('.')[0];
          return { RecordName: name, RecordType: 'A', ResponseCode: 'NOERROR', RecordData: addresses[region] ?? [] };
        },
      },
    });
    const target = new LiveTarget({
      stack: 'dev',
      outputs: { ...OUTPUTS, primaryApiUrl: 'https://us-east-1.api.payments-dev.example.com', drApiUrl: 'https://us-east-2.api.payments-dev.example.com' },
      clients,
    });
    await target.open();
    (target as unknown as { out: { failoverEndpoint: string } }).out.failoverEndpoint = 'http://127.0.0.1:9/v1';
    assert.equal((await target.observeFailover()).servingRegion, 'us-east-1');
    serving = 'us-east-2';
    assert.equal((await target.observeFailover()).servingRegion, 'us-east-2');
  });
});
