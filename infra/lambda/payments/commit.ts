/**
 * Committing a new payment, whatever region answers: the business logic behind POST /payments,
 * free of HTTP (the adapter is handlers/createPayment.ts, which maps each outcome to a status code).
 *
 * 1. The commit is a conditional PutItem (`attribute_not_exists(pk)`): it is the payment and the
 *    idempotency record at once (one write, no lock). If the key exists, DynamoDB hands back the
 *    stored item with the failure (`ReturnValuesOnConditionCheckFailure: ALL_OLD`): same request
 *    hash -> the stored payment (replay), another -> IdempotencyKeyReusedError. Nothing ever
 *    overwrites a stored payment. The transaction log is written from the table's stream
 *    (transactionLogWriter), not here: the success path makes no S3 or SQS call.
 * 2. If this region's replica refuses the write retryably (throttling, 5xx, timeout), the same
 *    conditional write goes to the peer region's replica: a global table accepts writes in every
 *    replica Region, in both consistency modes.
 * 3. Only if neither replica accepts it: the payment is durably queued. A pending-payment marker is
 *    claimed in S3 (conditional create, both regions' buckets), both regions' pending windows are
 *    opened (commons/pendingWindow.ts), strongly consistent reads of both replicas make sure the key
 *    holds no committed payment, and the payment is sent to BOTH regions' retry queues; `queued` if
 *    a marker, a window and a queue accepted it and a replica could be read, else `unavailable`
 *    with nothing accepted. Either region's retry processor then commits it with the same
 *    conditional write.
 * 4. While any region's pending window is open, step 1 is preceded by claiming the key's marker
 *    (both regions): another body -> IdempotencyKeyReusedError (unless the table holds this very
 *    request); the same body -> the earliest accepted attempt's payment is the one written. So a
 *    202 is honoured after DynamoDB recovers too: a same-key request answers that payment or 422.
 *    The windows are cached for `windowCacheMs`; a 202 waits until every cached copy has seen them
 *    (`openWindows`). While every window is closed the success path reads nothing: one DynamoDB
 *    write per new payment.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { describeError, IdempotencyKeyReusedError, isRetryableAwsError } from '../commons/errors';
import { acceptedEarlier, type PaymentItem } from '../commons/payment';
import type { MarkerClaim, MarkerWithdrawal } from '../commons/pendingMarkers';
import type { WindowOpened } from '../commons/pendingWindow';
import { logger, METRIC, metrics } from '../commons/powertools';
import type { InsertOutcome } from '../commons/repository';

/** Per call budget of the pending path's S3 and SQS calls, ms (whatever the SDK's own timeouts say). */
export const PENDING_CALL_BUDGET_MS = 1_500;

/** A replica of the payments table (commons/repository.ts's PaymentRepository). */
export interface Replica {
  insert(item: PaymentItem): Promise<InsertOutcome>;
  /** Strongly consistent read of a payment; undefined when the key holds none. */
  get(transactionId: string): Promise<PaymentItem | undefined>;
}
/** A region's pending-payment markers (commons/pendingMarkers.ts's PendingMarkers). */
export interface MarkerStore {
  claim(item: PaymentItem, timeoutMs: number): Promise<MarkerClaim>;
  withdraw(transactionId: string, etag: string, timeoutMs: number): Promise<MarkerWithdrawal>;
  get(transactionId: string, timeoutMs: number): Promise<PaymentItem | undefined>;
  clear(transactionId: string, requestHash: string, timeoutMs: number): Promise<MarkerWithdrawal>;
  align(transactionId: string, chosen: PaymentItem, timeoutMs: number): Promise<unknown>;
}
/** A region's pending window (commons/pendingWindow.ts): the stored object and this environment's cached copy. */
export interface WindowPort {
  open(untilMs: number, cacheMaxAgeMs: number, timeoutMs: number): Promise<WindowOpened>;
}
export interface WindowView {
  isOpen(): Promise<boolean>;
}
/** A region's retry queue (commons/retryQueue.ts's RetryQueue). */
export interface Queue {
  send(item: PaymentItem, abortSignal?: AbortSignal): Promise<void>;
}

/** What committing needs: both replicas, and both regions' markers and queues (own region first). */
export interface CommitPorts {
  readonly local: Replica;
  readonly peer: Replica;
  readonly markers: readonly { readonly region: string; readonly markers: MarkerStore }[];
  readonly queues: readonly { readonly region: string; readonly queue: Queue }[];
  /** Both regions' pending windows (own region first). */
  readonly windows: readonly { readonly region: string; readonly window: WindowPort; readonly view: WindowView }[];
  readonly timing: CommitTiming;
}

/** The pending window's timing (contract/environment.ts). */
export interface CommitTiming {
  /** Oldest cached copy of a window a request may decide on, ms (PENDING_WINDOW_CACHE_MS). */
  readonly windowCacheMs: number;
  /** How long a 202 keeps the windows open, ms (the retry queue's redelivery budget and a margin). */
  readonly windowOpenMs: number;
  /** Epoch ms (default Date.now). */
  readonly now?: () => number;
  /** Waits `ms` (default setTimeout). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * - `committed`: this call wrote the payment, in this region's replica or the peer's;
 * - `replayed`: the key already holds this very request, committed (the stored payment);
 * - `queued`: no replica took it; a marker and a retry queue hold it (`replay`: a marker already did);
 * - `unavailable`: nothing accepted it; the client must retry with the same key.
 */
export type CommitOutcome =
  | { readonly kind: 'committed'; readonly payment: PaymentItem; readonly replica: 'local' | 'peer' }
  | { readonly kind: 'replayed'; readonly payment: PaymentItem }
  | { readonly kind: 'queued'; readonly payment: PaymentItem; readonly replay: boolean }
  | { readonly kind: 'unavailable'; readonly cause: unknown };

function committed(outcome: InsertOutcome, item: PaymentItem, replica: 'local' | 'peer'): CommitOutcome {
  if (outcome.created) {
    metrics.addMetric(METRIC.paymentCommitted, MetricUnit.Count, 1);
    if (replica === 'peer') metrics.addMetric(METRIC.paymentCommittedInPeer, MetricUnit.Count, 1);
    logger.info('payment committed', { transactionId: item.transactionId, replica });
    return { kind: 'committed', payment: item, replica };
  }
  if (outcome.existing.requestHash !== item.requestHash) throw new IdempotencyKeyReusedError();
  metrics.addMetric(METRIC.paymentReplayed, MetricUnit.Count, 1);
  logger.info('payment already committed; returning it', { transactionId: item.transactionId, committedIn: outcome.existing.region });
  return { kind: 'replayed', payment: outcome.existing };
}

function unavailable(cause: unknown): CommitOutcome {
  metrics.addMetric(METRIC.paymentUnavailable, MetricUnit.Count, 1);
  return { kind: 'unavailable', cause };
}

/** Budget of one pending-window read or write, ms. */
export const WINDOW_CALL_BUDGET_MS = 700;

/**
 * The latest a window write is taken to be applied after its writer stamped `openSince`, ms. A
 * writer that started the window knows when S3 answered it; a writer joining a window someone else
 * started knows only the stamp. An S3 write applied later than this after it was sent is not
 * something AWS documents a bound for: this is the one timing assumption of the pending window.
 */
export const WINDOW_WRITE_APPLIED_WITHIN_MS = 10_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * This request's pending-marker claims in every region: what it created (and may withdraw), and
 * what other requests hold under the key.
 */
class Claims {
  private constructor(
    private readonly item: PaymentItem,
    private readonly ports: CommitPorts,
    private readonly results: readonly PromiseSettledResult<MarkerClaim>[],
  ) {}

  /** Claims the key's marker in every region (conditional create; failures logged, never thrown). */
  static async make(item: PaymentItem, ports: CommitPorts): Promise<Claims> {
    const results = await Promise.allSettled(ports.markers.map((m) => m.markers.claim(item, PENDING_CALL_BUDGET_MS)));
    results.forEach((c, i) => {
      if (c.status === 'fulfilled') return;
      metrics.addMetric(METRIC.pendingMarkerFailed, MetricUnit.Count, 1);
      logger.warn('pending marker could not be written', { transactionId: item.transactionId, markerRegion: ports.markers[i]!.region, ...describeError(c.reason) });
    });
    return new Claims(item, ports, results);
  }

  /** Regions whose marker this request created or joined. */
  get held(): number {
    return this.results.filter((c) => c.status === 'fulfilled').length;
  }

  private get existing(): PaymentItem[] {
    return this.results.flatMap((c) => (c.status === 'fulfilled' && c.value.outcome !== 'created' ? [c.value.existing] : []));
  }

  /** A marker of another request (another body) under the key, if any. */
  get other(): PaymentItem | undefined {
    return this.existing.find((e) => e.requestHash !== this.item.requestHash);
  }

  /**
   * The payment every attempt of this request agrees on: among the same-body items the markers hold
   * (earlier or concurrent attempts accepted them) and this attempt's own item if it created a
   * marker (only then can other attempts see it), the one accepted first (`acceptedEarlier`). Two
   * simultaneous attempts that each created one region's marker and adopted the other's pick the
   * same; an attempt that meets an older accepted one answers that one. Undefined when it is this
   * attempt's own item.
   */
  get same(): PaymentItem | undefined {
    const created = this.results.some((c) => c.status === 'fulfilled' && c.value.outcome === 'created');
    // Held items first: on a tie, an item a marker already holds wins over this attempt's own.
    const items = [...this.existing.filter((e) => e.requestHash === this.item.requestHash), ...(created ? [this.item] : [])];
    if (items.length === 0) return undefined;
    const first = items.reduce((a, b) => (acceptedEarlier(b, a) ? b : a));
    return first === this.item ? undefined : first;
  }

  /** Makes every region's marker of this request hold `chosen` (commons/pendingMarkers.ts's `align`). */
  async align(chosen: PaymentItem): Promise<void> {
    await Promise.allSettled(this.ports.markers.map((m) => m.markers.align(this.item.transactionId, chosen, PENDING_CALL_BUDGET_MS)));
  }

  /**
   * Withdraws the markers this request created. Conditional: a marker another same-request replay
   * adopted meanwhile stays, with that request's queued message behind it (commons/pendingMarkers.ts).
   */
  async withdraw(): Promise<void> {
    await Promise.allSettled(
      this.results.map((c, i) => (c.status === 'fulfilled' && c.value.outcome === 'created' ? this.ports.markers[i]!.markers.withdraw(this.item.transactionId, c.value.etag, PENDING_CALL_BUDGET_MS) : undefined)),
    );
  }

  /**
   * Once the table holds the payment, or the request is refused: removes every marker of this
   * request in every region (its own and those it or its concurrent attempts adopted), which have no
   * further use; a marker of another body stays.
   */
  async clear(): Promise<void> {
    await Promise.allSettled(this.ports.markers.map((m) => m.markers.clear(this.item.transactionId, this.item.requestHash, PENDING_CALL_BUDGET_MS)));
  }
}

/**
 * The key's committed payments, by strongly consistent reads of BOTH replicas at once (in
 * eventual mode the peer may hold one this replica has not received yet). Undefined when neither
 * read answered.
 */
async function committedPayments(transactionId: string, ports: CommitPorts): Promise<PaymentItem[] | undefined> {
  const reads = await Promise.allSettled([ports.local.get(transactionId), ports.peer.get(transactionId)]);
  reads.forEach((r, i) => {
    if (r.status === 'rejected') logger.warn('committed-payment check failed', { transactionId, replica: i === 0 ? 'local' : 'peer', ...describeError(r.reason) });
  });
  const found = reads.flatMap((r) => (r.status === 'fulfilled' && r.value !== undefined ? [r.value] : []));
  if (found.length > 0) return found;
  return reads.some((r) => r.status === 'fulfilled') ? [] : undefined;
}

/**
 * What a request may be answered when the key may already hold a payment: `proceed` (none is
 * committed), the committed payment of this very request (`replayed`), IdempotencyKeyReusedError
 * (another request's), or `unavailable` when no replica could be read (nothing can be promised).
 */
async function checkCommitted(item: PaymentItem, cause: unknown, ports: CommitPorts): Promise<'proceed' | CommitOutcome> {
  const found = await committedPayments(item.transactionId, ports);
  if (found === undefined) {
    logger.error('no replica could be read to check the key; client must retry', { transactionId: item.transactionId, dynamodb: describeError(cause) });
    return unavailable(cause);
  }
  if (found.some((f) => f.requestHash !== item.requestHash)) throw new IdempotencyKeyReusedError();
  const mine = found[0];
  if (mine === undefined) return 'proceed';
  metrics.addMetric(METRIC.paymentReplayed, MetricUnit.Count, 1);
  logger.info('payment already committed; returning it', { transactionId: item.transactionId, committedIn: mine.region });
  return { kind: 'replayed', payment: mine };
}

/**
 * A marker of another body holds the key. That other request may have been refused since, or this
 * request may be the committed one (a race): the table decides. Clears this request's markers,
 * then resolves the committed answer of this request, or throws IdempotencyKeyReusedError; when no
 * replica can be read, `unavailable` (a 422 could refuse a payment that is committed). One replica
 * answering suffices, so the DR region still refuses another body while the primary is down.
 */
async function answerAgainstOther(item: PaymentItem, claims: Claims, ports: CommitPorts): Promise<CommitOutcome> {
  await claims.clear();
  const verdict = await checkCommitted(item, new IdempotencyKeyReusedError(), ports);
  if (verdict === 'proceed') throw new IdempotencyKeyReusedError();
  return verdict;
}

/**
 * Opens both regions' pending windows and waits until every execution environment's cached copies
 * of the windows it opened show them open: a copy is used at most max(cache age, read budget) after
 * its read was sent, so that long after each window was applied (S3's answer to the write that
 * started it; for a window another request started, this request's read of it, or `openSince` +
 * WINDOW_WRITE_APPLIED_WITHIN_MS if earlier). Resolves false when no window could be written.
 */
async function openWindows(item: PaymentItem, ports: CommitPorts): Promise<boolean> {
  const { windows, timing } = ports;
  const now = timing.now ?? Date.now;
  const opened = await Promise.allSettled(windows.map((w) => w.window.open(now() + timing.windowOpenMs, timing.windowCacheMs, WINDOW_CALL_BUDGET_MS)));
  const copyAge = Math.max(timing.windowCacheMs, WINDOW_CALL_BUDGET_MS);
  const visibleAt: number[] = [];
  opened.forEach((o, i) => {
    if (o.status === 'rejected') {
      metrics.addMetric(METRIC.pendingWindowFailed, MetricUnit.Count, 1);
      logger.warn('pending window could not be opened', { transactionId: item.transactionId, windowRegion: windows[i]!.region, ...describeError(o.reason) });
      return;
    }
    const { state, started, answeredAt } = o.value;
    const appliedBy = started ? answeredAt : Math.min(answeredAt, state.openSince + WINDOW_WRITE_APPLIED_WITHIN_MS);
    visibleAt.push(appliedBy + copyAge);
  });
  if (visibleAt.length === 0) return false;
  // The latest of them: a reader whose read of one region's window fails relies on the other's.
  const wait = Math.max(...visibleAt) - now();
  if (wait > 0) await (timing.sleep ?? defaultSleep)(wait);
  return true;
}

/**
 * Neither replica took the write: claim the pending markers (unless the request already did, while
 * a window was open), open the pending windows, make sure the key holds no committed payment, then
 * queue to both regions. Throws IdempotencyKeyReusedError if a marker or a committed payment holds
 * another request under the key.
 */
async function queuePending(item: PaymentItem, cause: unknown, ports: CommitPorts, prior?: Claims): Promise<CommitOutcome> {
  const claims = prior ?? (await Claims.make(item, ports));
  if (claims.other !== undefined) return answerAgainstOther(item, claims, ports);
  if (claims.held === 0) {
    logger.error('payment could not be committed nor marked pending; client must retry', { transactionId: item.transactionId, dynamodb: describeError(cause) });
    return unavailable(cause);
  }
  // A pending replay queues the original item again (same content; the processors' write is idempotent).
  const payment = claims.same ?? item;
  if (prior === undefined && claims.same !== undefined) await claims.align(payment);
  if (!(await openWindows(item, ports))) {
    await claims.withdraw();
    logger.error('no pending window could be opened; client must retry', { transactionId: item.transactionId, dynamodb: describeError(cause) });
    return unavailable(cause);
  }
  // The conditional writes failed without saying whether the key holds a payment: a request that
  // committed before must not be answered with a pending other one, nor this one twice.
  let verdict: 'proceed' | CommitOutcome;
  try {
    verdict = await checkCommitted(payment, cause, ports);
  } catch (error) {
    await claims.clear();
    throw error;
  }
  if (verdict !== 'proceed') {
    await claims.withdraw();
    return verdict;
  }
  const sends = await Promise.allSettled(ports.queues.map((q) => q.queue.send(payment, AbortSignal.timeout(PENDING_CALL_BUDGET_MS))));
  sends.forEach((s, i) => {
    if (s.status === 'rejected') {
      metrics.addMetric(METRIC.retryQueueFailed, MetricUnit.Count, 1);
      logger.warn('retry queue refused the payment', { transactionId: item.transactionId, queueRegion: ports.queues[i]!.region, ...describeError(s.reason) });
    }
  });
  if (!sends.some((s) => s.status === 'fulfilled')) {
    await claims.withdraw();
    logger.error('payment could not be committed nor queued; client must retry', { transactionId: item.transactionId, dynamodb: describeError(cause) });
    return unavailable(cause);
  }
  const replay = claims.same !== undefined;
  metrics.addMetric(replay ? METRIC.paymentReplayed : METRIC.paymentQueued, MetricUnit.Count, 1);
  logger.warn('payment queued: no replica accepted the write', { transactionId: item.transactionId, ...describeError(cause) });
  return { kind: 'queued', payment, replay };
}

/** Whether any region's pending window is open (cached copies; never throws). */
async function anyWindowOpen(ports: CommitPorts): Promise<boolean> {
  return (await Promise.all(ports.windows.map((w) => w.view.isOpen()))).some(Boolean);
}

/**
 * While a pending window is open, the key's marker is claimed BEFORE the write (S3's conditional
 * create is the one place concurrent requests for a key meet, whichever replica later takes or
 * refuses their writes). Resolves the item to write and the claims (kept for the pending path), or
 * a final outcome: this request's committed payment, `unavailable` (no marker could be claimed in
 * any region, so a pending payment could be missed), or throws IdempotencyKeyReusedError.
 */
async function claimFirst(request: PaymentItem, ports: CommitPorts): Promise<{ item: PaymentItem; claims: Claims } | { outcome: CommitOutcome }> {
  const claims = await Claims.make(request, ports);
  if (claims.other !== undefined) return { outcome: await answerAgainstOther(request, claims, ports) };
  if (claims.held === 0) {
    const cause = new Error('no pending marker could be claimed while a pending window is open');
    logger.error('pending payments may exist and none of their markers could be checked; client must retry', { transactionId: request.transactionId });
    return { outcome: unavailable(cause) };
  }
  const pending = claims.same;
  if (pending !== undefined) {
    // An earlier attempt's payment is the one: no marker may hold this attempt's own instead.
    await claims.align(pending);
    logger.info('committing the pending payment this request replays', { transactionId: request.transactionId });
  }
  return { item: pending ?? request, claims };
}

/**
 * Commits a new payment item (built by commons/payment.ts's newPaymentItem): the pending marker
 * first while a pending window is open, then this region's replica, then the peer's on a retryable
 * failure, then the pending path. Throws IdempotencyKeyReusedError (the key holds another request)
 * and any non-retryable AWS error (the adapter answers 500).
 */
export async function commitPayment(request: PaymentItem, ports: CommitPorts): Promise<CommitOutcome> {
  if (!(await anyWindowOpen(ports))) return write(request, ports);
  const guarded = await claimFirst(request, ports);
  if ('outcome' in guarded) return guarded.outcome;
  const { item, claims } = guarded;
  let outcome: CommitOutcome;
  try {
    outcome = await write(item, ports, claims);
  } catch (error) {
    // Refused (another body committed): no marker of this body stays, whoever adopted it. Failed:
    // this attempt's own markers go (a concurrent attempt may have queued behind an adopted one).
    await (error instanceof IdempotencyKeyReusedError ? claims.clear() : claims.withdraw());
    throw error;
  }
  // Committed: the table guards the key from now on, so this request's markers go, whoever wrote them.
  if (outcome.kind === 'committed' || outcome.kind === 'replayed') await claims.clear();
  return outcome;
}

/** This region's replica, the peer's on a retryable refusal, then the pending path. */
async function write(item: PaymentItem, ports: CommitPorts, claims?: Claims): Promise<CommitOutcome> {
  try {
    return committed(await ports.local.insert(item), item, 'local');
  } catch (error) {
    if (!isRetryableAwsError(error)) throw error;
    logger.warn('local replica refused the write; trying the peer region', { transactionId: item.transactionId, ...describeError(error) });
  }
  let cause: unknown;
  try {
    return committed(await ports.peer.insert(item), item, 'peer');
  } catch (error) {
    if (!isRetryableAwsError(error)) throw error;
    cause = error;
  }
  return queuePending(item, cause, ports, claims);
}
