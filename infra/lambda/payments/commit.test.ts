/**
 * commitPayment's decisions, one per test, against in-memory ports (the replicas, markers and
 * queues behind them are exercised on real engines by handlers/createPayment.test.ts): one write
 * when the local replica takes it, the peer's replica on a retryable refusal only, the pending path
 * only when neither replica takes it, and never a changed payment; while a pending window is open,
 * the key's markers are read first, so a 202 is honoured after DynamoDB recovers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdempotencyKeyReusedError } from '../commons/errors';
import { logger } from '../commons/powertools';
import { acceptedEarlier, newPaymentItem, type PaymentItem } from '../commons/payment';
import type { InsertOutcome } from '../commons/repository';
import type { WindowOpened, WindowState } from '../commons/pendingWindow';
import { commitPayment, WINDOW_WRITE_APPLIED_WITHIN_MS, type CommitPorts, type MarkerStore, type Queue, type Replica, type WindowPort, type WindowView } from './commit';

const throttled = () => Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
const item = (amount = 100): PaymentItem =>
  newPaymentItem({ request: { merchantId: 'm-1', amount, currency: 'EUR' }, idempotencyKey: 'k-1', region: 'us-east-1', now: new Date('2026-01-01T00:00:00Z') });

class MemoryReplica implements Replica {
  readonly items = new Map<string, PaymentItem>();
  writes = 0;
  reads = 0;
  constructor(
    private readonly fail?: () => Error,
    private readonly readFail?: () => Error,
  ) {}
  async get(id: string): Promise<PaymentItem | undefined> {
    this.reads++;
    if (this.readFail) throw this.readFail();
    return [...this.items.values()].find((i) => i.transactionId === id);
  }
  async insert(i: PaymentItem): Promise<InsertOutcome> {
    this.writes++;
    if (this.fail) throw this.fail();
    const existing = this.items.get(i.pk);
    if (existing) return { created: false, existing };
    this.items.set(i.pk, i);
    return { created: true, item: i };
  }
}
/** The same replica, now refusing writes (throttled) while its reads still answer. */
const refusingWrites = (replica: MemoryReplica): Replica => ({ insert: async () => Promise.reject(throttled()), get: (id) => replica.get(id) });

class MemoryMarkers implements MarkerStore {
  readonly held = new Map<string, PaymentItem>();
  private readonly etags = new Map<string, string>();
  private version = 0;
  reads = 0;
  constructor(private readonly fail = false) {}
  async get(id: string) {
    this.reads++;
    if (this.fail) throw new Error('s3 down');
    return this.held.get(id);
  }
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
  /** Moves a same-request marker to an earlier accepted attempt only (as PendingMarkers.align). */
  async align(id: string, chosen: PaymentItem) {
    const held = this.held.get(id);
    if (!held) return 'absent' as const;
    if (held.requestHash !== chosen.requestHash) return 'kept' as const;
    if (!acceptedEarlier(chosen, held)) return 'unchanged' as const;
    this.held.set(id, chosen);
    this.etags.set(id, `"v${++this.version}"`);
    return 'aligned' as const;
  }
  async clear(id: string, requestHash: string) {
    const held = this.held.get(id);
    if (!held) return 'absent' as const;
    if (held.requestHash !== requestHash) return 'kept' as const;
    this.held.delete(id);
    return 'withdrawn' as const;
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

/** A fake clock: `sleep` advances it and records the wait. */
class Clock {
  t = Date.parse('2026-11-30T12:00:00Z');
  readonly slept: number[] = [];
  readonly now = () => this.t;
  readonly sleep = async (ms: number) => {
    this.slept.push(ms);
    this.t += ms;
  };
}

const CACHE_MS = 3_000;
const OPEN_MS = 1_200_000;

/**
 * A region's pending window in memory, with the stored object's rule (a window ending within the
 * cache age starts afresh; commons/pendingWindow.ts, tested on S3 in pendingWindow.test.ts) and a
 * view that reads the stored state at once (a cache of age 0).
 */
class MemoryWindow implements WindowPort, WindowView {
  state: WindowState | undefined;
  opens = 0;
  constructor(
    private readonly clock: Clock,
    private readonly fail = false,
  ) {}
  async open(untilMs: number, cacheMaxAgeMs: number): Promise<WindowOpened> {
    this.opens++;
    if (this.fail) throw new Error('s3 down');
    const now = this.clock.now();
    const continuing = this.state !== undefined && this.state.openUntil > now + cacheMaxAgeMs;
    this.state = { openSince: continuing ? this.state!.openSince : now, openUntil: Math.max(untilMs, continuing ? this.state!.openUntil : 0) };
    return { state: this.state, started: !continuing, answeredAt: now };
  }
  async isOpen(): Promise<boolean> {
    return this.state !== undefined && this.state.openUntil > this.clock.now();
  }
}

function ports(opts: { local?: Replica; peer?: Replica; markersFail?: [boolean, boolean]; queuesFail?: [boolean, boolean]; windowsFail?: [boolean, boolean] } = {}) {
  const clock = new Clock();
  const markers = [new MemoryMarkers(opts.markersFail?.[0]), new MemoryMarkers(opts.markersFail?.[1])];
  const queues = [new MemoryQueue(opts.queuesFail?.[0]), new MemoryQueue(opts.queuesFail?.[1])];
  const windows = [new MemoryWindow(clock, opts.windowsFail?.[0]), new MemoryWindow(clock, opts.windowsFail?.[1])];
  const region = (i: number) => ['us-east-1', 'us-east-2'][i]!;
  const p: CommitPorts = {
    local: opts.local ?? new MemoryReplica(),
    peer: opts.peer ?? new MemoryReplica(),
    markers: markers.map((m, i) => ({ region: region(i), markers: m })),
    queues: queues.map((q, i) => ({ region: region(i), queue: q })),
    windows: windows.map((w, i) => ({ region: region(i), window: w, view: w })),
    timing: { windowCacheMs: CACHE_MS, windowOpenMs: OPEN_MS, now: clock.now, sleep: clock.sleep },
  };
  return { p, markers, queues, windows, clock };
}

logger.setLogLevel(process.env.TEST_LOG_LEVEL === undefined ? 'SILENT' : (process.env.TEST_LOG_LEVEL as 'INFO'));

describe('commitPayment', () => {
  it('commits in the local replica with one write and touches nothing else', async () => {
    const local = new MemoryReplica();
    const peer = new MemoryReplica();
    const { p, markers, queues, windows } = ports({ local, peer });
    const outcome = await commitPayment(item(), p);
    assert.deepEqual(outcome, { kind: 'committed', payment: item(), replica: 'local' });
    assert.deepEqual([local.writes, peer.writes, markers[0]!.held.size + markers[1]!.held.size, queues[0]!.sent.length + queues[1]!.sent.length], [1, 0, 0, 0]);
    assert.deepEqual([local.reads, peer.reads, markers[0]!.reads + markers[1]!.reads, windows[0]!.opens + windows[1]!.opens], [0, 0, 0, 0], 'no read of anything while every pending window is closed');
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

  describe('the pending window: a 202 is honoured after DynamoDB recovers', () => {
    const outage = () => ({ local: new MemoryReplica(throttled), peer: new MemoryReplica(throttled) });

    it('a 202 opens both regions\' windows and is answered only once every cached copy has seen them', async () => {
      const { p, windows, clock } = ports(outage());
      const start = clock.now();
      assert.equal((await commitPayment(item(), p)).kind, 'queued');
      for (const w of windows) assert.deepEqual(w.state, { openSince: start, openUntil: start + OPEN_MS });
      assert.deepEqual(clock.slept, [CACHE_MS]);
    });

    const other = (key: string) => newPaymentItem({ request: { merchantId: 'm-1', amount: 5, currency: 'EUR' }, idempotencyKey: key, region: 'us-east-1', now: new Date() });

    it('a 202 joining a young window waits a copy age after finding it (it cannot know when the window was applied)', async () => {
      const { p, clock } = ports(outage());
      await commitPayment(item(100), p);
      await commitPayment(other('k-2'), p);
      assert.deepEqual(clock.slept, [CACHE_MS, CACHE_MS]);
    });

    it('a 202 in a window opened longer ago than a write takes to apply, plus a copy age, does not wait', async () => {
      const { p, clock } = ports(outage());
      await commitPayment(item(100), p);
      clock.t += WINDOW_WRITE_APPLIED_WITHIN_MS + CACHE_MS;
      await commitPayment(other('k-2'), p);
      assert.deepEqual(clock.slept, [CACHE_MS]);
    });

    it('after recovery, another body under the pending key is refused before any write', async () => {
      const local = new MemoryReplica(throttled);
      const { p } = ports({ local, peer: new MemoryReplica(throttled) });
      await commitPayment(item(100), p);
      const recovered = new MemoryReplica();
      const after = { ...p, local: recovered, peer: new MemoryReplica() };
      await assert.rejects(commitPayment(item(200), after), IdempotencyKeyReusedError);
      assert.equal(recovered.writes, 0);
    });

    it('after recovery, the same body commits the pending payment itself, exactly as it was accepted', async () => {
      const { p, markers } = ports(outage());
      const accepted = item(100);
      await commitPayment(accepted, p);
      const recovered = new MemoryReplica();
      const retry = newPaymentItem({ request: { merchantId: 'm-1', amount: 100, currency: 'EUR' }, idempotencyKey: 'k-1', region: 'us-east-2', now: new Date('2026-01-01T00:05:00Z') });
      const outcome = await commitPayment(retry, { ...p, local: recovered, peer: new MemoryReplica() });
      assert.deepEqual(outcome, { kind: 'committed', payment: accepted, replica: 'local' });
      assert.deepEqual([...recovered.items.values()], [accepted]);
      assert.deepEqual([markers[0]!.held.size, markers[1]!.held.size], [0, 0], 'the table holds it now: its markers are gone in both regions');
    });

    it('one region\'s window is enough: a request still reads the markers when the other region\'s S3 fails', async () => {
      const { p, windows } = ports({ ...outage(), windowsFail: [true, false] });
      assert.equal((await commitPayment(item(100), p)).kind, 'queued');
      assert.equal(windows[1]!.state !== undefined, true);
      await assert.rejects(commitPayment(item(200), { ...p, local: new MemoryReplica(), peer: new MemoryReplica() }), IdempotencyKeyReusedError);
    });

    it('a key that already holds another committed payment gets 422, not a 202 that could never be committed', async () => {
      const local = new MemoryReplica();
      const { p, markers, queues } = ports({ local });
      await commitPayment(item(100), p);
      const throttledNow = refusingWrites(local);
      await assert.rejects(commitPayment(item(200), { ...p, local: throttledNow, peer: new MemoryReplica(throttled) }), IdempotencyKeyReusedError);
      assert.deepEqual([markers[0]!.held.size + markers[1]!.held.size, queues[0]!.sent.length + queues[1]!.sent.length], [0, 0], 'its markers withdrawn, nothing queued');
    });

    it('the same request already committed (its 201 lost) is answered with the stored payment', async () => {
      const local = new MemoryReplica();
      const { p, queues } = ports({ local });
      await commitPayment(item(100), p);
      const throttledNow = refusingWrites(local);
      assert.deepEqual(await commitPayment(item(100), { ...p, local: throttledNow, peer: new MemoryReplica(throttled) }), { kind: 'replayed', payment: item(100) });
      assert.equal(queues[0]!.sent.length + queues[1]!.sent.length, 0);
    });

    it('promises nothing when no replica can be read either: unavailable (503), its markers withdrawn, nothing queued', async () => {
      const { p, markers, queues } = ports({ local: new MemoryReplica(throttled, throttled), peer: new MemoryReplica(throttled, throttled) });
      assert.equal((await commitPayment(item(), p)).kind, 'unavailable');
      assert.deepEqual([markers[0]!.held.size + markers[1]!.held.size, queues[0]!.sent.length + queues[1]!.sent.length], [0, 0]);
    });

    it('the check reads BOTH replicas: a payment only the peer holds (eventual mode, not yet replicated) refuses another body', async () => {
      const peer = new MemoryReplica();
      const { p } = ports({ peer });
      await commitPayment(item(100), { ...p, local: new MemoryReplica(throttled) });
      const throttledPeer = refusingWrites(peer);
      await assert.rejects(commitPayment(item(200), { ...p, local: new MemoryReplica(throttled), peer: throttledPeer }), IdempotencyKeyReusedError);
    });

    it('with a window open, the marker is claimed before the write (where concurrent requests meet), and withdrawn once the table holds the payment', async () => {
      const { p, markers } = ports(outage());
      await commitPayment(item(100), p); // opens the windows
      const x = newPaymentItem({ request: { merchantId: 'm-1', amount: 1, currency: 'EUR' }, idempotencyKey: 'k-race', region: 'us-east-1', now: new Date() });
      const y = newPaymentItem({ request: { merchantId: 'm-1', amount: 2, currency: 'EUR' }, idempotencyKey: 'k-race', region: 'us-east-2', now: new Date() });
      const table = new MemoryReplica();
      let yMeanwhile: Promise<unknown> | undefined;
      // While x's write is in flight, y (another body) arrives: it must meet x's marker.
      const slow: Replica = {
        insert: async (i) => {
          yMeanwhile ??= commitPayment(y, { ...p, local: table, peer: table }).then(() => 'committed', (e: Error) => e.name);
          assert.deepEqual([markers[0]!.held.get(i.transactionId)?.amount, markers[1]!.held.get(i.transactionId)?.amount], [1, 1], 'x holds both markers while it writes');
          await yMeanwhile;
          return table.insert(i);
        },
        get: (id) => table.get(id),
      };
      assert.equal((await commitPayment(x, { ...p, local: slow, peer: slow })).kind, 'committed');
      assert.equal(await yMeanwhile, 'IdempotencyKeyReusedError');
      assert.equal(markers[0]!.held.has(x.transactionId) || markers[1]!.held.has(x.transactionId), false, 'no marker left behind once committed');
    });

    it('a refused request leaves no marker behind (it could later answer for a payment it is not)', async () => {
      const local = new MemoryReplica();
      const { p, markers } = ports({ local });
      await commitPayment(item(100), p);
      await p.windows[0]!.window.open(Date.now() + OPEN_MS, CACHE_MS, 700);
      await assert.rejects(commitPayment(item(200), p), IdempotencyKeyReusedError);
      assert.equal(markers[0]!.held.size + markers[1]!.held.size, 0);
    });

    it('an attempt that meets an earlier accepted attempt\'s marker in one region only answers that earlier payment, and leaves no contradicting marker', async () => {
      const { p, markers } = ports(outage());
      await p.windows[0]!.window.open(Date.now() + OPEN_MS, CACHE_MS, 700);
      const earlier = newPaymentItem({ request: { merchantId: 'm-1', amount: 9, currency: 'EUR' }, idempotencyKey: 'k-one', region: 'us-east-1', now: new Date('2026-01-01T00:00:01Z') });
      const later = newPaymentItem({ request: { merchantId: 'm-1', amount: 9, currency: 'EUR' }, idempotencyKey: 'k-one', region: 'us-east-2', now: new Date('2026-01-01T00:00:09Z') });
      await markers[1]!.claim(earlier); // us-east-1's bucket refused the earlier attempt's marker
      const outcome = await commitPayment(later, p);
      assert.deepEqual(outcome, { kind: 'queued', payment: earlier, replay: true });
      assert.deepEqual([markers[0]!.held.get(later.transactionId), markers[1]!.held.get(later.transactionId)], [earlier, earlier], 'every region\'s marker holds the earlier payment');
    });

    it('an attempt that only adopted markers answers what they hold, never its own item, even when its own is older', async () => {
      const { p, markers } = ports(outage());
      const older = newPaymentItem({ request: { merchantId: 'm-1', amount: 9, currency: 'EUR' }, idempotencyKey: 'k-adopt', region: 'us-east-1', now: new Date('2026-01-01T00:00:01Z') });
      const held = newPaymentItem({ request: { merchantId: 'm-1', amount: 9, currency: 'EUR' }, idempotencyKey: 'k-adopt', region: 'us-east-2', now: new Date('2026-01-01T00:00:02Z') });
      await markers[0]!.claim(held);
      await markers[1]!.claim(held);
      assert.deepEqual(await commitPayment(older, p), { kind: 'queued', payment: held, replay: true });
    });

    it('a refused body leaves no marker, even one a concurrent attempt of it adopted', async () => {
      const local = new MemoryReplica();
      const { p, markers } = ports({ local });
      await commitPayment(item(100), p);
      await p.windows[0]!.window.open(Date.now() + OPEN_MS, CACHE_MS, 700);
      await markers[0]!.claim(item(200)); // a concurrent attempt of the refused body holds this one
      await assert.rejects(commitPayment(item(200), p), IdempotencyKeyReusedError);
      assert.equal(markers[0]!.held.size + markers[1]!.held.size, 0);
    });

    it('two attempts of one request in different regions, each creating one region\'s marker, agree on one payment', async () => {
      const { p, markers } = ports(outage());
      const inEast1 = newPaymentItem({ request: { merchantId: 'm-1', amount: 7, currency: 'EUR' }, idempotencyKey: 'k-twice', region: 'us-east-1', now: new Date('2026-01-01T00:00:01Z') });
      const inEast2 = newPaymentItem({ request: { merchantId: 'm-1', amount: 7, currency: 'EUR' }, idempotencyKey: 'k-twice', region: 'us-east-2', now: new Date('2026-01-01T00:00:02Z') });
      // Each created its own region's marker first: us-east-1 holds inEast1's item, us-east-2 inEast2's.
      await markers[0]!.claim(inEast1);
      await markers[1]!.claim(inEast2);
      const reversed = { ...p, markers: [...p.markers].reverse() }; // us-east-2's function lists its own bucket first
      const a = await commitPayment(inEast1, p);
      const b = await commitPayment(inEast2, reversed);
      assert.equal(a.kind, 'queued');
      assert.equal(b.kind, 'queued');
      assert.deepEqual(a.kind === 'queued' && a.payment, b.kind === 'queued' && b.payment, 'the same payment answered to both');
      assert.deepEqual(a.kind === 'queued' && a.payment, inEast1, 'the earliest accepted');
    });

    it('a marker of another body does not refuse this request\'s own committed payment: its replay answers it', async () => {
      const local = new MemoryReplica();
      const { p } = ports({ local });
      await commitPayment(item(100), p);
      // A stray marker of another body under the key (a refused request that left it), then a window.
      await commitPayment(item(200), { ...p, local: new MemoryReplica(throttled), peer: new MemoryReplica(throttled) }).catch(() => undefined);
      await (p.markers[0]!.markers as MemoryMarkers).claim(item(300));
      await p.windows[0]!.window.open(Date.now() + OPEN_MS, CACHE_MS, 700);
      assert.deepEqual(await commitPayment(item(100), p), { kind: 'replayed', payment: item(100) });
    });
  });
});
