/**
 * The live drill uses the runbook's control: the failover switch in the DR region (a CloudWatch
 * metric there), never the primary region or a Route 53 control-plane call; and a stack that
 * publishes no failover hostname says why it cannot be drilled.
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
import { LiveTarget, type LiveClients } from '../support/targets/liveTarget';
import { answer, type Call } from './sdkDoubles';

const ACCOUNT = '111122223333';
const OUTPUTS: Record<string, unknown> = {
  primaryRegion: 'us-east-1',
  drRegion: 'us-east-2',
  primaryApiUrl: 'https://us-east-1.api.payments.acme-bank.com',
  drApiUrl: 'https://us-east-2.api.payments.acme-bank.com',
  failoverApiUrl: 'https://api.payments.acme-bank.com',
  failoverSwitch: { region: 'us-east-2', namespace: 'PaymentsDR/Failover', metricName: 'FailoverToSecondary', dimensions: { Stack: 'dev' }, alarmName: 'failover-switch-dev-us-east-2' },
  tableName: 'payments-table-dev',
  bucketNames: { 'us-east-1': `transaction-logs-dev-us-east-1-${ACCOUNT}`, 'us-east-2': `transaction-logs-dev-us-east-2-${ACCOUNT}` },
  retryQueueUrls: {
    'us-east-1': `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/payments-retry-dev-us-east-1`,
    'us-east-2': `https://sqs.us-east-2.amazonaws.com/${ACCOUNT}/payments-retry-dev-us-east-2`,
  },
  hostedZoneId: 'Z0123456789ABC',
  hostedZoneName: 'payments.acme-bank.com',
};

function recordingClients() {
  const calls: Array<Call & { service: string; region: string }> = [];
  const credentials = { accessKeyId: 'double', secretAccessKey: 'double' };
  const made = new Map<string, unknown>();
  const make = <C extends { middlewareStack: Parameters<typeof answer>[0]['middlewareStack'] }>(service: string, region: string, create: () => C): C => {
    const key = `${service}:${region}`;
    if (made.has(key)) return made.get(key) as C;
    const client = create();
    made.set(key, client);
    const own: Call[] = [];
    answer(client, { PutMetricDataCommand: () => ({}) }, own);
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

describe('live target: the drill uses the failover switch in the DR region', () => {
  it('publishes 1 to the switch in us-east-2 and 0 to restore, touching nothing in the primary region', async () => {
    const { clients, calls } = recordingClients();
    const target = new LiveTarget({ stack: 'dev', outputs: OUTPUTS, clients });
    await target.open();
    const restore = await target.makeUnhealthy('us-east-1');
    await restore.restore();
    assert.deepEqual(
      calls.map((c) => [c.service, c.region, c.command, (c.input.MetricData as Array<{ Value: number }>)?.[0]?.Value]),
      [
        ['cloudwatch', 'us-east-2', 'PutMetricDataCommand', 1],
        ['cloudwatch', 'us-east-2', 'PutMetricDataCommand', 0],
      ],
    );
    assert.deepEqual(calls[0].input.MetricData, [{ MetricName: 'FailoverToSecondary', Dimensions: [{ Name: 'Stack', Value: 'dev' }], Value: 1 }]);
    assert.equal(calls[0].input.Namespace, 'PaymentsDR/Failover');
  });

  it('says there is nothing to drill when the stack publishes no failover hostname', async () => {
    const { failoverApiUrl: _none, ...withoutFailover } = OUTPUTS;
    const { clients, calls } = recordingClients();
    const target = new LiveTarget({ stack: 'dev', outputs: withoutFailover, clients });
    await target.open();
    await assert.rejects(target.makeUnhealthy('us-east-1'), /publishes no failover hostname \(customDomainsEnabled is false\)/);
    await assert.rejects(target.observeFailover(), /no failover to drill/);
    assert.deepEqual(calls, [], 'nothing was changed');
  });
});
