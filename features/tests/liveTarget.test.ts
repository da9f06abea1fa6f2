/**
 * The live target cannot reach AWS here; its logic runs against SDK-level doubles (real SDK v3
 * clients answering from tables, features/tests/sdkDoubles.ts) and stack outputs shaped like
 * `pulumi stack output --json` of the DR stack (infra/index.ts).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { LiveTarget, parseLiveOutputs } from '../support/targets/liveTarget';
import { ACCOUNT, openTarget, OUTPUTS, recordingClients as doubles } from './liveTargetFixture';

describe('live target: stack outputs', () => {
  it('reads the DR stack outputs: endpoints per region, failover hostname, budget', () => {
    const o = parseLiveOutputs(OUTPUTS, 'dev');
    assert.deepEqual(o.apiUrls, { 'us-east-1': OUTPUTS.primaryApiUrl, 'us-east-2': OUTPUTS.drApiUrl });
    assert.equal(o.failoverHostname, 'api.payments-dev.example.com');
    assert.equal(o.buckets['us-east-2'], `transaction-logs-dev-us-east-2-${ACCOUNT}`);
    assert.equal(o.budget?.rtoSeconds, 150);
    assert.equal(o.budget?.rto.propagationSeconds, 60);
    assert.equal(o.budget?.rpoSeconds, null, 'eventual mode has no RPO bound');
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
  it('flips the manual failover flag and restores the value it found, not a guessed one', async () => {
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

describe('live target: payments are sent as a merchant', () => {
  const request = { merchantId: 'merchant-dr-verification', idempotencyKey: 'k-1', amount: 1234, currency: 'USD', reference: 'dr-verification' };

  it('sends the merchant credential the stack\'s authorizer checks (Authorization: Bearer)', async () => {
    const seen: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ transactionId: 't-1', status: 'COMMITTED', region: 'us-east-1' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const target = new LiveTarget({ stack: 'dev', outputs: { ...OUTPUTS, primaryApiUrl: `http://127.0.0.1:${port}/v1` }, clients: doubles({}).clients, merchantCredential: 'pdr_0123456789abcdef_secret' });
      await target.open();
      const receipt = await target.submitPayment('us-east-1', request);
      assert.equal(receipt.httpStatus, 201);
      assert.deepEqual(seen, ['Bearer pdr_0123456789abcdef_secret']);
    } finally {
      server.close();
    }
  });

  it('without a credential names DR_MERCHANT_CREDENTIAL and sends nothing', async () => {
    const saved = process.env.DR_MERCHANT_CREDENTIAL;
    delete process.env.DR_MERCHANT_CREDENTIAL;
    try {
      const target = await openTarget(doubles({}).clients);
      await assert.rejects(target.submitPayment('us-east-1', request), /set DR_MERCHANT_CREDENTIAL to a credential issued for this stack/);
    } finally {
      if (saved !== undefined) process.env.DR_MERCHANT_CREDENTIAL = saved;
    }
  });
});
