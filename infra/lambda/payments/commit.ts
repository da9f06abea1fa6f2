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
 *    opened (commons/pendingWindow.ts), a strongly consistent read makes sure the key holds no
 *    committed payment, and the payment is sent to BOTH regions' retry queues; `queued` if a marker
 *    and a queue accepted it, else `unavailable` with nothing accepted. Either region's retry
 *    processor then commits it with the same conditional write.
 * 4. While any region's pending window is open, step 1 is preceded by a read of the key's markers
 *    (both regions): another body -> IdempotencyKeyReusedError; the same body -> the marker's
 *    payment is the one committed. So a 202 is honoured after DynamoDB recovers too: a same-key
 *    request answers that payment or 422. The windows are cached for `windowCacheMs`; a writer that
 *    OPENS a window answers 202 only once every cached copy has seen it (`openSince` +
 *    `windowCacheMs`), so no request sent after a 202 can miss it. While every window is closed the
 *    success path reads nothing: one DynamoDB write per new payment.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { describeError, IdempotencyKeyReusedError, isRetryableAwsError } from '../commons/errors';
import type { PaymentItem } from '../commons/payment';
import type { MarkerClaim, MarkerWithdrawal } from '../commons/pendingMarkers';
import type { WindowState } from '../commons/pendingWindow';
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
}
/** A region's pending window (commons/pendingWindow.ts): the stored object and this environment's cached copy. */
export interface WindowPort {
  open(untilMs: number, cacheMaxAgeMs: number, timeoutMs: number): Promise<WindowState>;
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

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Opens both regions' pending windows and waits until every cached copy of at least one of them
 * has seen it open. Resolves false when no window could be written (logged; the payment is still
 * queued, but a request whose environment read the windows before cannot know of it).
 */
async function openWindows(item: PaymentItem, ports: CommitPorts): Promise<boolean> {
  const { windows, timing } = ports;
  const now = timing.now ?? Date.now;
  const opened = await Promise.allSettled(windows.map((w) => w.window.open(now() + timing.windowOpenMs, timing.windowCacheMs, WINDOW_CALL_BUDGET_MS)));
  const since: number[] = [];
  opened.forEach((o, i) => {
    if (o.status === 'fulfilled') since.push(o.value.openSince);
    else {
      metrics.addMetric(METRIC.pendingWindowFailed, MetricUnit.Count, 1);
      logger.warn('pending window could not be opened', { transactionId: item.transactionId, windowRegion: windows[i]!.region, ...describeError(o.reason) });
    }
  });
  if (since.length === 0) return false;
  const visibleAt = Math.min(...since) + timing.windowCacheMs;
  const wait = visibleAt - now();
  if (wait > 0) await (timing.sleep ?? defaultSleep)(wait);
  return true;
}

/**
 * The key's committed payment, by a strongly consistent read of this region's replica, else the
 * peer's; undefined when neither read answers (DynamoDB unreadable too).
 */
async function committedPayment(transactionId: string, ports: CommitPorts): Promise<{ found: PaymentItem | undefined } | undefined> {
  for (const replica of [ports.local, ports.peer]) {
    try {
      return { found: await replica.get(transactionId) };
    } catch (error) {
      logger.warn('committed-payment check failed', { transactionId, ...describeError(error) });
    }
  }
  return undefined;
}

/**
 * Neither replica took the write: claim the pending markers, open the pending windows, make sure
 * the key holds no committed payment, then queue to both regions. Throws IdempotencyKeyReusedError
 * if a marker or a committed payment holds another request under the key.
 */
async function queuePending(item: PaymentItem, cause: unknown, ports: CommitPorts): Promise<CommitOutcome> {
  const { markers, queues } = ports;
  const claims = await Promise.allSettled(markers.map((m) => m.markers.claim(item, PENDING_CALL_BUDGET_MS)));
  const held: MarkerClaim[] = [];
  claims.forEach((c, i) => {
    if (c.status === 'fulfilled') held.push(c.value);
    else {
      metrics.addMetric(METRIC.pendingMarkerFailed, MetricUnit.Count, 1);
      logger.warn('pending marker could not be written', { transactionId: item.transactionId, markerRegion: markers[i]!.region, ...describeError(c.reason) });
    }
  });
  const existing = held.flatMap((c) => (c.outcome === 'created' ? [] : [c.existing]));
  // Conditional withdrawal: a marker another same-request replay adopted meanwhile stays, with that
  // request's queued message behind it (commons/pendingMarkers.ts).
  const withdraw = () =>
    Promise.allSettled(
      claims.map((c, i) => (c.status === 'fulfilled' && c.value.outcome === 'created' ? markers[i]!.markers.withdraw(item.transactionId, c.value.etag, PENDING_CALL_BUDGET_MS) : undefined)),
    );
  if (existing.some((e) => e.requestHash !== item.requestHash)) {
    await withdraw();
    throw new IdempotencyKeyReusedError();
  }
  if (held.length === 0) {
    logger.error('payment could not be committed nor marked pending; client must retry', { transactionId: item.transactionId, dynamodb: describeError(cause) });
    return unavailable(cause);
  }
  // A pending replay queues the original item again (same content; the processors' write is idempotent).
  const payment = existing[0] ?? item;
  await openWindows(item, ports);
  // The conditional writes failed without saying whether the key holds a payment: a request that
  // committed before (or while a window was opening) must not be answered with a pending other one.
  const check = await committedPayment(item.transactionId, ports);
  if (check?.found !== undefined) {
    if (check.found.requestHash !== item.requestHash) {
      await withdraw();
      throw new IdempotencyKeyReusedError();
    }
    metrics.addMetric(METRIC.paymentReplayed, MetricUnit.Count, 1);
    logger.info('payment already committed; returning it', { transactionId: item.transactionId, committedIn: check.found.region });
    return { kind: 'replayed', payment: check.found };
  }
  const sends = await Promise.allSettled(queues.map((q) => q.queue.send(payment, AbortSignal.timeout(PENDING_CALL_BUDGET_MS))));
  sends.forEach((s, i) => {
    if (s.status === 'rejected') {
      metrics.addMetric(METRIC.retryQueueFailed, MetricUnit.Count, 1);
      logger.warn('retry queue refused the payment', { transactionId: item.transactionId, queueRegion: queues[i]!.region, ...describeError(s.reason) });
    }
  });
  if (!sends.some((s) => s.status === 'fulfilled')) {
    await withdraw();
    logger.error('payment could not be committed nor queued; client must retry', { transactionId: item.transactionId, dynamodb: describeError(cause) });
    return unavailable(cause);
  }
  metrics.addMetric(existing.length > 0 ? METRIC.paymentReplayed : METRIC.paymentQueued, MetricUnit.Count, 1);
  logger.warn('payment queued: no replica accepted the write', { transactionId: item.transactionId, ...describeError(cause) });
  return { kind: 'queued', payment, replay: existing.length > 0 };
}

/**
 * While a pending window is open: the key's markers in both regions. Resolves the item to commit
 * (the marker's, if it holds this very request); throws IdempotencyKeyReusedError when a marker
 * holds another request. An unreadable marker is skipped (logged): the other region's copy, and
 * the retry processor's conflict check, remain.
 */
async function pendingForKey(item: PaymentItem, ports: CommitPorts): Promise<PaymentItem> {
  const reads = await Promise.allSettled(ports.markers.map((m) => m.markers.get(item.transactionId, PENDING_CALL_BUDGET_MS)));
  let pending: PaymentItem | undefined;
  reads.forEach((r, i) => {
    if (r.status === 'rejected') {
      logger.warn('pending marker unreadable while a pending window is open', { transactionId: item.transactionId, markerRegion: ports.markers[i]!.region, ...describeError(r.reason) });
      return;
    }
    if (r.value === undefined) return;
    if (r.value.requestHash !== item.requestHash) throw new IdempotencyKeyReusedError();
    pending ??= r.value;
  });
  if (pending !== undefined) logger.info('committing the pending payment this request replays', { transactionId: item.transactionId });
  return pending ?? item;
}

/** Whether any region's pending window is open (cached copies; never throws). */
async function anyWindowOpen(ports: CommitPorts): Promise<boolean> {
  return (await Promise.all(ports.windows.map((w) => w.view.isOpen()))).some(Boolean);
}

/**
 * Commits a new payment item (built by commons/payment.ts's newPaymentItem): the pending markers
 * first while a pending window is open, then this region's replica, then the peer's on a retryable
 * failure, then the pending path. Throws IdempotencyKeyReusedError (the key holds another request)
 * and any non-retryable AWS error (the adapter answers 500).
 */
export async function commitPayment(request: PaymentItem, ports: CommitPorts): Promise<CommitOutcome> {
  const item = (await anyWindowOpen(ports)) ? await pendingForKey(request, ports) : request;
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
  return queuePending(item, cause, ports);
}
