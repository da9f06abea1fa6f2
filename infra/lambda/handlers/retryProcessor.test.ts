/**
 * The retry processor against dynalite and s3rver. Its input is an SQS event (built here, as the
 * Lambda event source mapping would deliver it); SQS itself has no local engine and is not needed.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { newPaymentItem, type PaymentItem } from '../commons/payment';
import type { RetryMessage } from '../commons/retryQueue';
import { loadFresh, saveEnv } from '../testkit/env';
import { lambdaContext, sqsEvent } from '../testkit/lambda';
import { startRegion, type RegionFixture } from '../testkit/region';

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

let seq = 0;
function queuedItem(overrides: Partial<{ amount: number; key: string }> = {}): PaymentItem {
  return newPaymentItem({
    request: { merchantId: 'm-retry', amount: overrides.amount ?? 700, currency: 'USD', reference: 'r-1' },
    idempotencyKey: overrides.key ?? `retry-${process.pid}-${++seq}`,
    region: 'us-east-1',
    now: new Date('2026-11-29T10:00:00.000Z'),
  });
}

const message = (kind: RetryMessage['kind'], item: PaymentItem) => JSON.stringify({ version: 1, kind, item } satisfies RetryMessage);

describe('retryProcessor handler', () => {
  let restoreEnv: () => void;
  let region: RegionFixture;
  let processRetries: SqsHandler;

  async function stored(item: PaymentItem): Promise<Record<string, { S?: string; N?: string }> | undefined> {
    return (await region.dynamodb.scan(region.tableName)).find((i) => i.pk?.S === item.pk);
  }
  const logKey = (item: PaymentItem) => `transactions/2026/11/29/${item.transactionId}.json`;

  before(async () => {
    restoreEnv = saveEnv();
    region = await startRegion('us-east-1');
    region.apply();
    ({ handler: processRetries } = loadFresh<{ handler: SqsHandler }>('../handlers/retryProcessor'));
  });

  after(async () => {
    await region.close();
    restoreEnv();
  });

  beforeEach(() => region.reset());

  it('commits queued payments and writes their transaction-log objects', async () => {
    // Prepare
    const items = [queuedItem(), queuedItem()];
    // Act
    const result = await processRetries(sqsEvent(items.map((i) => message('payment', i))), lambdaContext('payments-retry'));
    // Assess
    assert.deepEqual(result.batchItemFailures, []);
    const keys = await region.s3.list(region.bucket);
    for (const item of items) {
      const row = await stored(item);
      assert.equal(row?.status?.S, 'COMMITTED');
      assert.equal(row?.amount?.N, '700');
      assert.equal(row?.createdAt?.S, '2026-11-29T10:00:00.000Z', 'the time the client was answered, not the retry time');
      assert.ok(keys.includes(logKey(item)));
    }
  });

  it('treats an identical payment that already exists (e.g. replicated from the other region) as success', async () => {
    // Prepare
    const item = queuedItem();
    await processRetries(sqsEvent([message('payment', item)]), lambdaContext());
    const before = await stored(item);
    // Act: redelivery
    const result = await processRetries(sqsEvent([message('payment', { ...item, createdAt: '2026-11-29T10:05:00.000Z' })]), lambdaContext());
    // Assess
    assert.deepEqual(result.batchItemFailures, []);
    assert.deepEqual(await stored(item), before, 'the stored item is untouched');
  });

  it('reports only the failing records of a batch (partial batch failure)', async () => {
    // Prepare: a conflicting payment (same id, other request), a malformed message, and two good ones
    const existing = queuedItem();
    await region.dynamodb.client.send(
      new PutItemCommand({
        TableName: region.tableName,
        Item: {
          pk: { S: existing.pk },
          transactionId: { S: existing.transactionId },
          requestHash: { S: 'f'.repeat(64) },
          amount: { N: '1' },
          status: { S: 'COMMITTED' },
        },
      }),
    );
    const good1 = queuedItem();
    const good2 = queuedItem();
    const event = sqsEvent([message('payment', good1), message('payment', existing), '{"version":1,"kind":"payment"', message('payment', good2)]);
    // Act
    const result = await processRetries(event, lambdaContext());
    // Assess
    const failed = result.batchItemFailures.map((f) => f.itemIdentifier).sort();
    assert.deepEqual(failed, [event.Records[1]!.messageId, event.Records[2]!.messageId].sort());
    assert.equal((await stored(good1))?.status?.S, 'COMMITTED');
    assert.equal((await stored(good2))?.status?.S, 'COMMITTED');
    assert.equal((await stored(existing))?.amount?.N, '1', 'a conflicting item is never overwritten');
  });

  it('fails the record (for redelivery) when DynamoDB throttles, and succeeds on redelivery', async () => {
    // Prepare
    const item = queuedItem();
    const event = sqsEvent([message('payment', item)]);
    region.dynamodbProxy.fault = { kind: 'throttle' };
    // Act
    const throttled = await processRetries(event, lambdaContext());
    region.dynamodbProxy.fault = { kind: 'none' };
    const redelivered = await processRetries(event, lambdaContext());
    // Assess
    assert.deepEqual(throttled.batchItemFailures, [{ itemIdentifier: event.Records[0]!.messageId }]);
    assert.deepEqual(redelivered.batchItemFailures, []);
    assert.equal((await stored(item))?.status?.S, 'COMMITTED');
  });

  it('re-emits a transaction-log record from the stored item, and fails the record while S3 is down', async () => {
    // Prepare
    const item = queuedItem();
    await processRetries(sqsEvent([message('payment', item)]), lambdaContext());
    const event = sqsEvent([message('transaction-log', item)]);
    region.s3Proxy.fault = { kind: 'status', status: 500 };
    // Act
    const whileDown = await processRetries(event, lambdaContext());
    region.s3Proxy.fault = { kind: 'none' };
    const afterwards = await processRetries(event, lambdaContext());
    // Assess
    assert.equal(whileDown.batchItemFailures.length, 1);
    assert.deepEqual(afterwards.batchItemFailures, []);
    const record = JSON.parse(await region.s3.getText(region.bucket, logKey(item))) as { transactionId: string; amount: number };
    assert.equal(record.transactionId, item.transactionId);
    assert.equal(record.amount, 700);
  });
});
