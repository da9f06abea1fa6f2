/** The per-handler expectations of the stack's IAM tests: derived from HANDLER_SPECS, field by field. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HANDLER_SPECS, type HandlerSpec } from '../components/region';
import { callsOf, dangerousCalls, type RegionArns } from './iamSuite';

function arns(region: string): RegionArns {
  const A = '123456789012';
  return {
    region,
    table: `arn:aws:dynamodb:${region}:${A}:table/payments`,
    credentialsTable: `arn:aws:dynamodb:${region}:${A}:table/credentials`,
    stream: `arn:aws:dynamodb:${region}:${A}:table/payments/stream/2026-01-01T00:00:00.000`,
    queue: `arn:aws:sqs:${region}:${A}:retry`,
    streamFailureQueue: `arn:aws:sqs:${region}:${A}:log-failures`,
    bucket: `arn:aws:s3:::logs-${region}`,
    logObject: `arn:aws:s3:::logs-${region}/transactions/${region}/a.json`,
    pendingObject: `arn:aws:s3:::logs-${region}/pending/t.json`,
    pendingWindowObject: `arn:aws:s3:::logs-${region}/pending-window.json`,
    otherObject: `arn:aws:s3:::logs-${region}/elsewhere/a.json`,
    parameter: (n) => `arn:aws:ssm:${region}:${A}:parameter/p/${n}`,
    logStream: `arn:aws:logs:${region}:${A}:log-group:/aws/lambda/f:log-stream:s`,
    keys: [`arn:aws:kms:${region}:${A}:key/k`],
  };
}
const own = arns('us-east-1');
const peer = arns('us-east-2');
const line = (c: { action: string; resource: string; context?: unknown }) => `${c.action} ${c.resource}${c.context ? ` ${JSON.stringify(c.context)}` : ''}`;

describe('calls a handler makes, from its HANDLER_SPECS row', () => {
  it('maps each field to the SDK calls it stands for, in its own region and the peer\'s where the row says so', () => {
    const spec: HandlerSpec = {
      memorySize: 128, timeout: 3,
      dynamodb: ['dynamodb:PutItem'], dynamodbPeers: true, leadingKeys: (region) => [`HEALTH#${region}`],
      credentials: ['dynamodb:GetItem'], sqsSend: 'own-and-peers', sqsConsume: true,
      pendingMarkers: { actions: ['s3:GetObject'], peers: false }, pendingWindow: { actions: ['s3:PutObject'], peers: false }, parameters: ['manual-failover'],
    };
    assert.deepEqual(callsOf(spec, own, peer).map(line), [
      `logs:CreateLogStream ${own.logStream}`,
      `logs:PutLogEvents ${own.logStream}`,
      'xray:PutTraceSegments *',
      'xray:PutTelemetryRecords *',
      `dynamodb:PutItem ${own.table} {"dynamodb:LeadingKeys":["HEALTH#us-east-1"]}`,
      `dynamodb:PutItem ${peer.table} {"dynamodb:LeadingKeys":["HEALTH#us-east-1"]}`,
      `dynamodb:GetItem ${own.credentialsTable}`,
      `sqs:SendMessage ${own.queue}`,
      `sqs:SendMessage ${peer.queue}`,
      `sqs:ReceiveMessage ${own.queue}`,
      `sqs:DeleteMessage ${own.queue}`,
      `sqs:GetQueueAttributes ${own.queue}`,
      `s3:GetObject ${own.pendingObject}`,
      `s3:ListBucket ${own.bucket}`,
      `s3:PutObject ${own.pendingWindowObject}`,
      `s3:ListBucket ${own.bucket}`,
      `ssm:GetParameter ${own.parameter('manual-failover')}`,
    ]);
  });

  it('maps a stream consumer to the event source mapping\'s reads, its on-failure queue and its own region\'s log', () => {
    const spec: HandlerSpec = { memorySize: 128, timeout: 3, dynamodb: [], streamConsumer: true };
    assert.deepEqual(callsOf(spec, own, peer).slice(4).map(line), [
      `dynamodb:DescribeStream ${own.stream}`,
      `dynamodb:GetRecords ${own.stream}`,
      `dynamodb:GetShardIterator ${own.stream}`,
      'dynamodb:ListStreams *',
      `sqs:SendMessage ${own.streamFailureQueue}`,
      `s3:PutObject ${own.logObject}`,
    ]);
  });

  it('refuses a field it does not know, so a new kind of access cannot go untested', () => {
    const spec = { ...HANDLER_SPECS.getPayment, kinesisPut: true } as unknown as HandlerSpec;
    assert.throws(() => callsOf(spec, own, peer), /HandlerSpec field kinesisPut has no calls declared/);
  });

  it('asks about deleting or updating a committed payment by its key', () => {
    const item = dangerousCalls(own, 'arn:aws:iam::123456789012:role/r').filter((c) => c.action === 'dynamodb:DeleteItem' || c.action === 'dynamodb:UpdateItem');
    assert.equal(item.length, 2);
    for (const c of item) assert.match(c.context?.['dynamodb:LeadingKeys']?.[0] ?? '', /^PAYMENT#/);
  });

  it('every S3 row that writes or deletes conditionally also reads: S3 checks s3:GetObject for If-Match and If-None-Match', () => {
    // "you must have the s3:PutObject and s3:GetObject permissions" (conditional writes) and
    // "s3:DeleteObject and s3:GetObject" (conditional deletes):
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-deletes.html
    const rows = Object.entries(HANDLER_SPECS).flatMap(([name, spec]) =>
      [spec.pendingMarkers, spec.pendingWindow].flatMap((row) => (row === undefined ? [] : [{ name, actions: row.actions }])),
    );
    assert.ok(rows.length >= 4, 'the markers and windows rows are checked');
    for (const { name, actions } of rows) {
      if (actions.some((a) => a === 's3:PutObject' || a === 's3:DeleteObject')) assert.ok(actions.includes('s3:GetObject'), `${name}: ${actions.join(', ')}`);
    }
  });
});
