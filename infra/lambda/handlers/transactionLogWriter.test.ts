/**
 * The stream consumer against s3rver (behind the S3 front and its faults). Its input is a DynamoDB stream event
 * built here exactly as Lambda's event source mapping delivers one (NEW_AND_OLD_IMAGES,
 * `aws-lambda`'s `DynamoDBStreamEvent`).
 */
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it, mock } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { newPaymentItem, type PaymentItem } from '../commons/payment';
import { encodeLines, TRANSITION_MINIMUM_BYTES, type ConflictRecord, type LogLine } from '../streamLog/transactionLogBatch';
import { loadFresh, saveEnv } from '../../../localaws/handlerEnv';
import { lambdaContext } from '../../../localaws/lambdaEvents';
import { startRegion, type RegionFixture } from '../../../localaws/regionFixture';

type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;
type Image = Record<string, AttributeValue>;

const AT = Date.parse('2026-11-29T10:15:00.000Z') / 1000;
let sequence = 1_000_000;
let keyCounter = 0;

function payment(overrides: Partial<{ amount: number; key: string; region: string; status: 'COMMITTED' | 'PENDING' }> = {}): PaymentItem {
  const item = newPaymentItem({
    request: { merchantId: 'm-log', amount: overrides.amount ?? 1250, currency: 'USD', reference: 'order-1' },
    idempotencyKey: overrides.key ?? `log-${process.pid}-${++keyCounter}`,
    region: overrides.region ?? 'us-east-1',
    now: new Date('2026-11-29T10:15:00.000Z'),
  });
  return { ...item, status: overrides.status ?? 'COMMITTED' };
}

const image = (item: object): Image => marshall(item, { removeUndefinedValues: true }) as unknown as Image;

function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', images: { oldItem?: object; newItem?: object }, region = 'us-east-1'): DynamoDBRecord {
  const seq = String(++sequence).padStart(21, '0');
  const keyItem = (images.newItem ?? images.oldItem) as { pk: string };
  return {
    eventID: `evt-${seq}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    eventSourceARN: `arn:aws:dynamodb:${region}:000000000000:table/payments-test/stream/2026-11-29T00:00:00.000`,
    dynamodb: {
      ApproximateCreationDateTime: AT,
      Keys: image({ pk: keyItem.pk }),
      ...(images.newItem ? { NewImage: image(images.newItem) } : {}),
      ...(images.oldItem ? { OldImage: image(images.oldItem) } : {}),
      SequenceNumber: seq,
      SizeBytes: 512,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

describe('transactionLogWriter handler', () => {
  let restoreEnv: () => void;
  let region: RegionFixture;
  let writeLog: StreamHandler;
  let addMetric: ReturnType<typeof mock.method>;

  const metricTotal = (name: string): number =>
    addMetric.mock.calls.filter((c) => c.arguments[0] === name).reduce((sum, c) => sum + Number(c.arguments[2]), 0);

  async function objectBytes(key: string): Promise<Buffer> {
    const out = await region.s3.client.send(new GetObjectCommand({ Bucket: region.bucket, Key: key }));
    return Buffer.from((await out.Body?.transformToByteArray()) ?? []);
  }
  async function logLines(key: string): Promise<LogLine[]> {
    const text = gunzipSync(await objectBytes(key)).toString('utf8');
    assert.ok(text.endsWith('\n'), 'JSON lines end with a newline');
    return text.trimEnd().split('\n').map((l) => JSON.parse(l) as LogLine);
  }

  function load(regionName: string): StreamHandler {
    process.env.AWS_REGION = regionName;
    const fresh = loadFresh<{ handler: StreamHandler }>('../handlers/transactionLogWriter');
    // The handler's module graph was just reloaded: spy on the metrics instance it now uses.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { metrics } = require('../commons/powertools') as typeof import('../commons/powertools');
    addMetric = mock.method(metrics, 'addMetric');
    return fresh.handler;
  }

  before(async () => {
    restoreEnv = saveEnv();
    region = await startRegion('us-east-1', { bucket: 'txlog-stream-test' });
    region.apply();
  });

  after(async () => {
    await region.close();
    restoreEnv();
  });

  beforeEach(async () => {
    region.reset();
    for (const key of await region.s3.list(region.bucket)) await region.s3.client.send(new DeleteObjectCommand({ Bucket: region.bucket, Key: key }));
    writeLog = load('us-east-1');
  });

  it('writes one gzip JSON-lines object per batch with every committed payment, local or replicated, and skips everything else', async () => {
    // Prepare: a local commit, a commit replicated from us-east-2, a PENDING payment, a non-payment item (health probe).
    const local = payment();
    const replicated = payment({ region: 'us-east-2' });
    const records = [
      record('INSERT', { newItem: local }),
      record('INSERT', { newItem: replicated }),
      record('INSERT', { newItem: payment({ status: 'PENDING' }) }),
      record('INSERT', { newItem: { pk: 'HEALTH#probe', checkedAt: '2026-11-29T10:15:00.000Z' } }),
    ];
    // Act
    const result = await writeLog({ Records: records }, lambdaContext('transaction-log-writer'));
    // Assess
    assert.deepEqual(result.batchItemFailures, []);
    const keys = await region.s3.list(region.bucket);
    assert.equal(keys.length, 1);
    assert.match(keys[0], /^transactions\/us-east-1\/2026\/11\/29\/10\/0+1\d{6}-[0-9a-f]{16}\.jsonl\.gz$/);
    const head = await region.s3.client.send(new HeadObjectCommand({ Bucket: region.bucket, Key: keys[0] }));
    assert.deepEqual([head.ContentType, head.ContentEncoding], ['application/gzip', undefined], 'a gzip file, not a transfer encoding');
    const lines = await logLines(keys[0]);
    assert.deepEqual(lines.map((l) => l.payment.transactionId), [local.transactionId, replicated.transactionId]);
    assert.deepEqual(lines.map((l) => l.payment.region), ['us-east-1', 'us-east-2']);
    assert.equal(lines[0].payment.amount, 1250);
    assert.equal(lines[0].payment.pk, undefined, 'storage attributes are not part of the record');
    assert.equal(lines[0].stream.eventID, records[0].eventID);
    assert.equal(metricTotal('TransactionLogWritten'), 2);
  });

  it('writes nothing for a batch without committed payments', async () => {
    const result = await writeLog({ Records: [record('INSERT', { newItem: { pk: 'HEALTH#probe' } })] }, lambdaContext());
    assert.deepEqual(result.batchItemFailures, []);
    assert.deepEqual(await region.s3.list(region.bucket), []);
  });

  it('logs a PENDING payment once it is committed (MODIFY PENDING -> COMMITTED)', async () => {
    const pending = payment({ status: 'PENDING' });
    const committed = { ...pending, status: 'COMMITTED' };
    await writeLog({ Records: [record('MODIFY', { oldItem: pending, newItem: committed })] }, lambdaContext());
    const [key] = await region.s3.list(region.bucket);
    assert.deepEqual((await logLines(key)).map((l) => l.payment.status), ['COMMITTED']);
  });

  it('reports the first record when S3 refuses the object, writes nothing, and the retried batch writes the same key', async () => {
    // Prepare
    const records = [record('INSERT', { newItem: payment() }), record('INSERT', { newItem: payment() })];
    region.s3Faults.fault = { kind: 'status', status: 503, body: '<Error><Code>SlowDown</Code><Message>injected</Message></Error>' };
    // Act
    const failed = await writeLog({ Records: records }, lambdaContext());
    // Assess: Lambda retries a stream from the lowest reported sequence number, i.e. the whole batch.
    assert.deepEqual(failed.batchItemFailures, [{ itemIdentifier: records[0].dynamodb?.SequenceNumber }]);
    assert.equal(metricTotal('TransactionLogWriteFailed'), 1);
    region.s3Faults.fault = { kind: 'none' };
    assert.deepEqual(await region.s3.list(region.bucket), []);
    // Act again: the retry, then a duplicate delivery of the same batch.
    assert.deepEqual((await writeLog({ Records: records }, lambdaContext())).batchItemFailures, []);
    assert.deepEqual((await writeLog({ Records: records }, lambdaContext())).batchItemFailures, []);
    const keys = await region.s3.list(region.bucket);
    assert.equal(keys.length, 1, 'a retried batch overwrites its own object');
    assert.equal((await logLines(keys[0])).length, 2);
  });

  it('keeps both versions when a committed payment is overwritten by another request (eventual-mode conflict), and counts it', async () => {
    // Prepare: us-east-1 committed body A; us-east-2 committed body B for the same key; B won last-writer-wins.
    const first = payment({ key: 'K-conflict', amount: 1000 });
    const second = payment({ key: 'K-conflict', amount: 900000, region: 'us-east-2' });
    assert.equal(first.transactionId, second.transactionId);
    assert.notEqual(first.requestHash, second.requestHash);
    const modify = record('MODIFY', { oldItem: first, newItem: second });
    // Act
    const result = await writeLog({ Records: [modify] }, lambdaContext());
    // Assess
    assert.deepEqual(result.batchItemFailures, []);
    const keys = await region.s3.list(region.bucket, 'transactions/us-east-1/conflicts/');
    assert.deepEqual(keys, [`transactions/us-east-1/conflicts/2026/11/29/${first.transactionId}/${modify.eventID}.json`]);
    const conflict = JSON.parse((await objectBytes(keys[0])).toString('utf8')) as ConflictRecord;
    assert.equal(conflict.kind, 'overwritten');
    assert.equal(conflict.detectedIn, 'us-east-1');
    assert.deepEqual([conflict.committed.amount, conflict.committed.requestHash], [1000, first.requestHash]);
    assert.deepEqual([conflict.current?.amount, conflict.current?.requestHash], [900000, second.requestHash]);
    // The surviving version is in the log too.
    const [logKey] = (await region.s3.list(region.bucket)).filter((k) => !k.includes('/conflicts/'));
    assert.deepEqual((await logLines(logKey)).map((l) => l.payment.amount), [900000]);
    assert.equal(metricTotal('PaymentConflictDetected'), 1);
  });

  it('keeps a committed payment that is removed, as a conflict', async () => {
    const committed = payment();
    await writeLog({ Records: [record('REMOVE', { oldItem: committed })] }, lambdaContext());
    const keys = await region.s3.list(region.bucket, 'transactions/us-east-1/conflicts/');
    assert.equal(keys.length, 1);
    const conflict = JSON.parse((await objectBytes(keys[0])).toString('utf8')) as ConflictRecord;
    assert.deepEqual([conflict.kind, conflict.committed.transactionId, conflict.current], ['removed', committed.transactionId, undefined]);
  });

  it('does not count a re-write of the same committed payment (same request hash) as a conflict', async () => {
    const committed = payment();
    const rewritten = { ...committed, updatedAt: '2026-11-29T10:16:00.000Z' };
    await writeLog({ Records: [record('MODIFY', { oldItem: committed, newItem: rewritten })] }, lambdaContext());
    assert.deepEqual(await region.s3.list(region.bucket), []);
    assert.equal(metricTotal('PaymentConflictDetected'), 0);
  });

  it('keeps the two regions apart: the other region writes under its own prefix', async () => {
    const other = load('us-east-2');
    await other({ Records: [record('INSERT', { newItem: payment() }, 'us-east-2')] }, lambdaContext());
    const keys = await region.s3.list(region.bucket);
    assert.equal(keys.length, 1);
    assert.match(keys[0], /^transactions\/us-east-2\//);
  });
});

describe('transaction-log batch objects and the S3 Lifecycle 128 KB minimum', () => {
  const linesOf = (n: number): LogLine[] =>
    Array.from({ length: n }, (_, i) => ({
      payment: { ...payment({ key: `size-${i}-${Math.random().toString(36).slice(2)}`, amount: 100 + ((i * 7919) % 99_991) }) },
      stream: { eventID: `e-${i}`, eventName: 'INSERT', sequenceNumber: String(i), approximateCreationDateTime: '2026-11-29T10:15:00.000Z' },
    }));

  it('one payment per object stays far below 128 KB (such objects never transition)', () => {
    assert.ok(encodeLines(linesOf(1)).length < TRANSITION_MINIMUM_BYTES);
  });

  it('a stream batch at the mapping batch size (10,000 records) is far above 128 KB', (t) => {
    const bytes = encodeLines(linesOf(10_000)).length;
    const perLine = bytes / 10_000;
    t.diagnostic(`gzip'd log line: ${perLine.toFixed(0)} bytes; 128 KB needs ${Math.ceil(TRANSITION_MINIMUM_BYTES / perLine)} payments per batch`);
    assert.ok(bytes > TRANSITION_MINIMUM_BYTES, `${bytes} bytes`);
  });
});
