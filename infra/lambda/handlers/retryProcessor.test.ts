/**
 * The retry processor against dynalite and s3rver. Its input is an SQS event (built here, as the
 * Lambda event source mapping would deliver it); SQS itself has no local engine and is not needed.
 * Messages are built exactly as createPayment builds them (RetryQueue's body shape, version 2).
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { newPaymentItem, type PaymentItem } from '../commons/payment';
import { RETRY_MESSAGE_VERSION, type RetryMessage } from '../commons/retryQueue';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { loadFresh, saveEnv } from '../../../localaws/handlerEnv';
import { lambdaContext, sqsEvent } from '../../../localaws/lambdaEvents';
import { DLQ_RETENTION_SECONDS, RETRY_QUEUE } from '../../../contract/queues';
import { PENDING_WINDOW_KEY } from '../../../contract/environment';
import { startRegion, type RegionFixture } from '../../../localaws/regionFixture';

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

const message = (kind: RetryMessage['kind'], item: PaymentItem) => JSON.stringify({ version: RETRY_MESSAGE_VERSION, kind, item } satisfies RetryMessage);

describe('retryProcessor handler', () => {
  let restoreEnv: () => void;
  let region: RegionFixture;
  let processRetries: SqsHandler;

  async function stored(item: PaymentItem): Promise<Record<string, { S?: string; N?: string }> | undefined> {
    return (await region.dynamodb.scan(region.tableName)).find((i) => i.pk?.S === item.pk);
  }

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

  it('commits queued payments, as they were accepted', async () => {
    // Prepare
    const items = [queuedItem(), queuedItem()];
    // Act
    const result = await processRetries(sqsEvent(items.map((i) => message('payment', i))), lambdaContext('payments-retry'));
    // Assess
    assert.deepEqual(result.batchItemFailures, []);
    for (const item of items) {
      const row = await stored(item);
      assert.equal(row?.status?.S, 'COMMITTED');
      assert.equal(row?.amount?.N, '700');
      assert.equal(row?.createdAt?.S, '2026-11-29T10:00:00.000Z', 'the time the client was answered, not the retry time');
    }
  });

  it('treats an identical payment that already exists (e.g. replicated from the other region) as success', async () => {
    // Prepare
    const item = queuedItem();
    await processRetries(sqsEvent([message('payment', item)]), lambdaContext());
    const before = await stored(item);
    // Act: redelivery
    const result = await processRetries(sqsEvent([message('payment', item)]), lambdaContext());
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
    region.dynamodbFaults.fault = { kind: 'throttle' };
    // Act
    const throttled = await processRetries(event, lambdaContext());
    region.dynamodbFaults.fault = { kind: 'none' };
    const redelivered = await processRetries(event, lambdaContext());
    // Assess
    assert.deepEqual(throttled.batchItemFailures, [{ itemIdentifier: event.Records[0]!.messageId }]);
    assert.deepEqual(redelivered.batchItemFailures, []);
    assert.equal((await stored(item))?.status?.S, 'COMMITTED');
  });

  it('keeps this region\'s pending window open while the DLQ keeps a payment that failed its last attempt, and not before', async () => {
    // Prepare
    const windowOf = async () => {
      const keys = await region.s3.list(region.bucket, PENDING_WINDOW_KEY);
      return keys.length === 0 ? undefined : (JSON.parse(await region.s3.getText(region.bucket, PENDING_WINDOW_KEY)) as { openSince: number; openUntil: number });
    };
    const item = queuedItem();
    const attempt = (receiveCount: number) => {
      const event = sqsEvent([message('payment', item)]);
      event.Records[0]!.attributes.ApproximateReceiveCount = String(receiveCount);
      return event;
    };
    region.dynamodbFaults.fault = { kind: 'throttle' };
    // Act
    const early = await processRetries(attempt(RETRY_QUEUE.maxReceiveCount - 1), lambdaContext());
    const windowBefore = await windowOf();
    const last = await processRetries(attempt(RETRY_QUEUE.maxReceiveCount), lambdaContext());
    // Assess
    assert.equal(early.batchItemFailures.length, 1);
    assert.equal(last.batchItemFailures.length, 1);
    assert.equal(windowBefore === undefined || windowBefore.openUntil < Date.now() + DLQ_RETENTION_SECONDS * 1000 - 60_000, true, 'not extended before the last attempt');
    const after = await windowOf();
    assert.ok(after !== undefined && Math.abs(after.openUntil - (Date.now() + DLQ_RETENTION_SECONDS * 1000)) < 60_000, `open for the DLQ's retention, got ${JSON.stringify(after)}`);
  });

  it('refuses a message it did not produce (a forged amount, a currency outside the rules) and never commits it', async () => {
    // Prepare: hostile messages: amount -500000000, currency XXX
    const negative = { ...queuedItem(), amount: -500_000_000 };
    const xxx = { ...queuedItem(), currency: 'XXX' };
    const event = sqsEvent([message('payment', negative), message('payment', xxx)]);
    // Act
    const result = await processRetries(event, lambdaContext());
    // Assess
    assert.equal(result.batchItemFailures.length, 2, 'both kept for the DLQ');
    assert.equal(await stored(negative), undefined);
    assert.equal(await stored(xxx), undefined);
  });

  it('refuses a message whose request hash does not match its fields (a changed body under a pending key)', async () => {
    const item = queuedItem();
    const tampered = { ...item, amount: item.amount + 1 };
    const result = await processRetries(sqsEvent([message('payment', tampered)]), lambdaContext());
    assert.equal(result.batchItemFailures.length, 1);
    assert.equal(await stored(item), undefined);
  });

  it('never commits a payment whose key has a pending marker for another request', async () => {
    // Prepare: the marker holds request A; the message is a valid request B under the same key
    const key = `retry-marker-${process.pid}`;
    const a = queuedItem({ key, amount: 700 });
    const b = queuedItem({ key, amount: 900 });
    await region.s3.client.send(new PutObjectCommand({ Bucket: region.bucket, Key: `pending/${a.transactionId}.json`, Body: JSON.stringify(a) }));
    // Act
    const conflicting = await processRetries(sqsEvent([message('payment', b)]), lambdaContext());
    const original = await processRetries(sqsEvent([message('payment', a)]), lambdaContext());
    // Assess
    assert.equal(conflicting.batchItemFailures.length, 1);
    assert.deepEqual(original.batchItemFailures, []);
    assert.equal((await stored(a))?.amount?.N, '700');
  });
});
