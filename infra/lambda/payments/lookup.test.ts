/**
 * findPayment's source order and failure rule, one per test, against in-memory ports (on real
 * engines: handlers/getPayment.test.ts): replica, then this region's marker, then the peer's; an
 * unreadable peer never turns an unknown id into a 503, an unreadable local source does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceUnavailableError } from '../commons/errors';
import { logger } from '../commons/powertools';
import { newPaymentItem, type PaymentItem } from '../commons/payment';
import { findPayment, type LookupPorts } from './lookup';

const payment = newPaymentItem({ request: { merchantId: 'm-1', amount: 100, currency: 'EUR' }, idempotencyKey: 'k-1', region: 'us-east-1', now: new Date('2026-01-01T00:00:00Z') });
const id = payment.transactionId;
type Source = PaymentItem | undefined | 'fails';
const source = (s: Source) => ({ get: async () => { if (s === 'fails') throw new Error('unreadable'); return s; } });
const ports = (replica: Source, markers: Source, peerMarkers: Source): LookupPorts => ({ replica: source(replica), markers: source(markers), peerMarkers: source(peerMarkers) });

logger.setLogLevel(process.env.TEST_LOG_LEVEL === undefined ? 'SILENT' : (process.env.TEST_LOG_LEVEL as 'INFO'));

describe('findPayment', () => {
  it('answers COMMITTED from the replica before any marker', async () => {
    assert.deepEqual(await findPayment(id, ports(payment, 'fails', 'fails')), { item: payment, status: 'COMMITTED' });
  });
  it('answers PENDING from this region\'s marker', async () => {
    assert.deepEqual(await findPayment(id, ports(undefined, payment, undefined)), { item: payment, status: 'PENDING' });
  });
  it('answers PENDING from the peer region\'s marker', async () => {
    assert.deepEqual(await findPayment(id, ports(undefined, undefined, payment)), { item: payment, status: 'PENDING' });
  });
  it('finds nothing when every source answers empty', async () => {
    assert.equal(await findPayment(id, ports(undefined, undefined, undefined)), undefined);
  });
  it('finds nothing, not a 503, when only the peer region\'s marker is unreadable', async () => {
    assert.equal(await findPayment(id, ports(undefined, undefined, 'fails')), undefined);
  });
  it('is unavailable when this region\'s replica is unreadable and no source has the payment', async () => {
    await assert.rejects(findPayment(id, ports('fails', undefined, undefined)), (e: unknown) => e instanceof ServiceUnavailableError && e.retryAfterSeconds === 1);
  });
  it('never answers PENDING from a marker while the replica is unreadable (the key may hold another, committed payment): unavailable', async () => {
    await assert.rejects(findPayment(id, ports('fails', payment, undefined)), (e: unknown) => e instanceof ServiceUnavailableError);
    await assert.rejects(findPayment(id, ports('fails', undefined, payment)), (e: unknown) => e instanceof ServiceUnavailableError);
  });
});
