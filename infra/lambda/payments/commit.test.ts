/**
 * commitPayment's decisions, one per test, against in-memory ports (the replicas, markers and
 * queues behind them are exercised on real engines by handlers/createPayment.test.ts): one write
 * when the local replica takes it, the peer's replica on a retryable refusal only, the pending path
 * only when neither replica takes it, and never a changed payment.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdempotencyKeyReusedError } from '../commons/errors';
import { logger } from '../commons/powertools';
import { newPaymentItem, type PaymentItem } from '../commons/payment';
import type { InsertOutcome } from '../commons/repository';
import { commitPayment, type CommitPorts, type MarkerStore, type Queue, type Replica } from './commit';

const throttled = () => Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
const item = (amount = 100): PaymentItem =>
  newPaymentItem({ request: { merchantId: 'm-1', amount, currency: 'EUR' }, idempotencyKey: 'k-1', region: 'us-east-1', now: new Date('2026-01-01T00:00:00Z') });

class MemoryReplica implements Replica {
  readonly items = new Map<string, PaymentItem>();
  writes = 0;
  constructor(private readonly fail?: () => Error) {}
  async insert(i: PaymentItem): Promise<InsertOutcome> {
    this.writes++;
    if (this.fail) throw this.fail();
    const existing = this.items.get(i.pk);
    if (existing) return { created: false, existing };
    this.items.set(i.pk, i);
    return { created: true, item: i };
  }
}
class MemoryMarkers implements MarkerStore {
  readonly held = new Map<string, PaymentItem>();
  private readonly etags = new Map<string, string>();
  private version = 0;
  constructor(private readonly fail = false) {}
  async claim(i: PaymentItem) {
    if (this.fail) throw new Error('s3 down');
    const existing = this.held.get(i.transactionId);
    const etag = `"v${++this.version}"`;
    if (existing && existing.requestHash !== i.requestHash) return { outcome: 'exists' as const, existing };
    this.etags.set(i.transactionId, etag);
    if (existing) return { outcome: 'adopted' as const, existing };
    this.held.set(i.transactionId, i);
    return { outcome: 'created' as const, etag };
  }
  /** Conditional on the version the claim created (S3 DeleteObject with If-Match). */
  async withdraw(id: string, etag: string) {
    if (!this.held.has(id)) return 'absent' as const;
    if (this.etags.get(id) !== etag) return 'kept' as const;
    this.held.delete(id);
    return 'withdrawn' as const;
  }
}

class MemoryQueue implements Queue {
  readonly sent: PaymentItem[] = [];
  constructor(private readonly fail = false) {}
  async send(i: PaymentItem) {
    if (this.fail) throw new Error('sqs down');
    this.sent.push(i);
  }
}

function ports(opts: { local?: Replica; peer?: Replica; markersFail?: [boolean, boolean]; queuesFail?: [boolean, boolean] } = {}) {
  const markers = [new MemoryMarkers(opts.markersFail?.[0]), new MemoryMarkers(opts.markersFail?.[1])];
  const queues = [new MemoryQueue(opts.queuesFail?.[0]), new MemoryQueue(opts.queuesFail?.[1])];
  const p: CommitPorts = {
    local: opts.local ?? new MemoryReplica(),
    peer: opts.peer ?? new MemoryReplica(),
    markers: markers.map((m, i) => ({ region: ['us-east-1', 'us-east-2'][i]!, markers: m })),
    queues: queues.map((q, i) => ({ region: ['us-east-1', 'us-east-2'][i]!, queue: q })),
  };
  return { p, markers, queues };
}

logger.setLogLevel(process.env.TEST_LOG_LEVEL === undefined ? 'SILENT' : (process.env.TEST_LOG_LEVEL as 'INFO'));

describe('commitPayment', () => {
  it('commits in the local replica with one write and touches nothing else', async () => {
    const local = new MemoryReplica();
    const peer = new MemoryReplica();
    const { p, markers, queues } = ports({ local, peer });
    const outcome = await commitPayment(item(), p);
    assert.deepEqual(outcome, { kind: 'committed', payment: item(), replica: 'local' });
    assert.deepEqual([local.writes, peer.writes, markers[0]!.held.size + markers[1]!.held.size, queues[0]!.sent.length + queues[1]!.sent.length], [1, 0, 0, 0]);
  });

  it('replays the stored payment for the same request', async () => {
    const { p } = ports();
    await commitPayment(item(), p);
    assert.deepEqual(await commitPayment(item(), p), { kind: 'replayed', payment: item() });
  });

  it('refuses another request under a committed key and keeps the stored payment', async () => {
    const local = new MemoryReplica();
    const { p } = ports({ local });
    await commitPayment(item(100), p);
    await assert.rejects(commitPayment(item(200), p), IdempotencyKeyReusedError);
    assert.equal([...local.items.values()][0]!.amount, 100);
  });

  it('commits in the peer region\'s replica when the local one refuses retryably', async () => {
    const { p } = ports({ local: new MemoryReplica(throttled) });
    assert.deepEqual(await commitPayment(item(), p), { kind: 'committed', payment: item(), replica: 'peer' });
  });

  it('does not try the peer on a non-retryable refusal: the error reaches the adapter', async () => {
    const peer = new MemoryReplica();
    const { p } = ports({ local: new MemoryReplica(() => new Error('ValidationException')), peer });
    await assert.rejects(commitPayment(item(), p), /ValidationException/);
    assert.equal(peer.writes, 0);
  });

  it('queues to both regions behind both markers when neither replica takes it', async () => {
    const { p, markers, queues } = ports({ local: new MemoryReplica(throttled), peer: new MemoryReplica(throttled) });
    assert.deepEqual(await commitPayment(item(), p), { kind: 'queued', payment: item(), replay: false });
    assert.deepEqual([markers[0]!.held.size, markers[1]!.held.size, queues[0]!.sent.length, queues[1]!.sent.length], [1, 1, 1, 1]);
  });

  it('answers a pending replay with the original payment, queued again', async () => {
    const { p, queues } = ports({ local: new MemoryReplica(throttled), peer: new MemoryReplica(throttled) });
    await commitPayment(item(), p);
    assert.deepEqual(await commitPayment(item(), p), { kind: 'queued', payment: item(), replay: true });
    assert.equal(queues[0]!.sent.length, 2);
  });

  it('refuses another request under a pending key, withdrawing nothing it did not create', async () => {
    const { p, markers } = ports({ local: new MemoryReplica(throttled), peer: new MemoryReplica(throttled) });
    await commitPayment(item(100), p);
    await assert.rejects(commitPayment(item(200), p), IdempotencyKeyReusedError);
    assert.equal(markers[0]!.held.get(item().transactionId)!.amount, 100);
  });

  it('is unavailable, with the replica\'s error as cause, when no marker can be written', async () => {
    const { p, queues } = ports({ local: new MemoryReplica(throttled), peer: new MemoryReplica(throttled), markersFail: [true, true] });
    const outcome = await commitPayment(item(), p);
    assert.equal(outcome.kind, 'unavailable');
    assert.equal(outcome.kind === 'unavailable' && (outcome.cause as Error).name, 'ThrottlingException');
    assert.equal(queues[0]!.sent.length + queues[1]!.sent.length, 0);
  });

  it('is unavailable and withdraws its markers when no queue accepts the payment', async () => {
    const { p, markers } = ports({ local: new MemoryReplica(throttled), peer: new MemoryReplica(throttled), queuesFail: [true, true] });
    assert.equal((await commitPayment(item(), p)).kind, 'unavailable');
    assert.equal(markers[0]!.held.size + markers[1]!.held.size, 0);
  });

  it('queues with one marker and one queue when the other region\'s are down', async () => {
    const { p } = ports({ local: new MemoryReplica(throttled), peer: new MemoryReplica(throttled), markersFail: [false, true], queuesFail: [true, false] });
    assert.equal((await commitPayment(item(), p)).kind, 'queued');
  });
});
