/**
 * commitQueuedPayment's decisions, one per test, against in-memory ports (on real engines:
 * handlers/retryProcessor.test.ts): a queued payment is committed with the conditional write, a
 * redelivery is a success, and neither a forged message nor a conflicting one is ever written.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PaymentRules } from '../commons/config';
import { ConflictingPaymentError } from '../commons/errors';
import { newPaymentItem, type PaymentItem } from '../commons/payment';
import { logger } from '../commons/powertools';
import type { InsertOutcome } from '../commons/repository';
import { InvalidRetryMessageError, RETRY_MESSAGE_VERSION, type RetryMessage } from '../commons/retryQueue';
import { commitQueuedPayment, type RetryPorts } from './retry';

logger.setLogLevel(process.env.TEST_LOG_LEVEL === undefined ? 'SILENT' : (process.env.TEST_LOG_LEVEL as 'INFO'));

const rules: PaymentRules = { maxAmountMinor: 1_000_000, allowedCurrencies: new Set(['EUR', 'USD']), idempotencyTtlSeconds: 86_400 };
const item = (amount = 100): PaymentItem =>
  newPaymentItem({ request: { merchantId: 'm-1', amount, currency: 'EUR' }, idempotencyKey: 'k-1', region: 'us-east-1', now: new Date('2026-01-01T00:00:00Z') });
const message = (i: PaymentItem) => JSON.stringify({ version: RETRY_MESSAGE_VERSION, kind: 'payment', item: i } satisfies RetryMessage);

function ports(stored?: PaymentItem, marker?: PaymentItem | 'unreadable'): RetryPorts & { writes: PaymentItem[] } {
  const writes: PaymentItem[] = [];
  return {
    writes,
    replica: {
      async insert(i: PaymentItem): Promise<InsertOutcome> {
        if (stored !== undefined) return { created: false, existing: stored };
        writes.push(i);
        return { created: true, item: i };
      },
    },
    markers: {
      async get() {
        if (marker === 'unreadable') throw new Error('s3 down');
        return marker;
      },
    },
  };
}

describe('commitQueuedPayment', () => {
  it('commits the queued payment with one write', async () => {
    const p = ports(undefined, item());
    assert.deepEqual(await commitQueuedPayment(message(item()), rules, p), { created: true, item: item() });
    assert.deepEqual(p.writes, [item()]);
  });

  it('counts an identical committed payment as done (redelivery, or the other region was first)', async () => {
    assert.deepEqual(await commitQueuedPayment(message(item()), rules, ports(item())), { created: false, item: item() });
  });

  it('refuses a payment whose key holds another committed request', async () => {
    await assert.rejects(commitQueuedPayment(message(item(100)), rules, ports(item(200))), ConflictingPaymentError);
  });

  it('refuses, without writing, a payment whose pending marker holds another request', async () => {
    const p = ports(undefined, item(200));
    await assert.rejects(commitQueuedPayment(message(item(100)), rules, p), ConflictingPaymentError);
    assert.deepEqual(p.writes, []);
  });

  it('commits on the conditional write alone when the marker is unreadable', async () => {
    assert.equal((await commitQueuedPayment(message(item()), rules, ports(undefined, 'unreadable'))).created, true);
  });

  it('never writes a message whose payment fails the API\'s validation', async () => {
    const p = ports();
    await assert.rejects(commitQueuedPayment(message(item(2_000_000)), rules, p), InvalidRetryMessageError);
    assert.deepEqual(p.writes, []);
  });

  it('never writes a message whose transaction id was not derived from its merchant and key', async () => {
    const p = ports();
    await assert.rejects(commitQueuedPayment(message({ ...item(), transactionId: '00000000-0000-8000-8000-000000000000' }), rules, p), InvalidRetryMessageError);
    assert.deepEqual(p.writes, []);
  });
});
