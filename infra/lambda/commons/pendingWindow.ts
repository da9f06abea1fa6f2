/**
 * The pending window: one S3 object per region (`pending-window.json`, PENDING_WINDOW_KEY, in the
 * bucket that holds the pending-payment markers) saying until when payments answered 202 PENDING may exist.
 * While a region's window is open, createPayment claims the pending-payment marker of a new
 * payment's key BEFORE its conditional write; while every window is closed it does not, so the
 * success path stays one DynamoDB write (payments/commit.ts).
 *
 * Why it is needed: the conditional write sees only committed payments. After DynamoDB recovers,
 * a request reusing a pending payment's Idempotency-Key with another body would pass it (201) and
 * the pending payment could never be committed. With the window open, that request meets the
 * marker first and gets 422.
 *
 * Readers cache the window for at most `maxAgeMs` (PENDING_WINDOW_CACHE_MS), so a 202 waits until
 * every cached copy was read after the window was applied (payments/commit.ts: `answeredAt`, and
 * `started`, say when that was). Extending a window that every cached copy still sees open keeps
 * its `openSince`; a window that a cached copy could already see closed (it ends within
 * `maxAgeMs`) starts afresh.
 *
 * Writes are compare-and-swap on the object's ETag (`If-Match`, or `If-None-Match: *` to create):
 * concurrent writers never shorten a window. S3 reads after a successful write return the new
 * object (strong read-after-write consistency). Sources: Amazon S3 User Guide, "Amazon S3 data
 * consistency model" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/Welcome.html#ConsistencyModel)
 * and "How to prevent object overwrites with conditional writes"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html: 412 when the
 * condition fails, 409 for a concurrent conditional write, 404 for If-Match on a missing key).
 * Like the markers, the window is not replicated by S3 (the replication rule covers
 * `transactions/` only): every writer writes both regions' windows itself.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PENDING_WINDOW_KEY } from '../../../contract/environment';

/** A stored window. Times are epoch milliseconds. */
export interface WindowState {
  /** When this continuous window opened. */
  readonly openSince: number;
  /** When it closes unless extended. */
  readonly openUntil: number;
}

/** What an open did: the stored state, whether this call started the window, and when its last call was answered (epoch ms). */
export interface WindowOpened {
  readonly state: WindowState;
  /** True when this call wrote a new `openSince` (the window was absent, closed, or ending within the cache age). */
  readonly started: boolean;
  /** When the call that settled it (the write, or the read that found it long enough) was answered. */
  readonly answeredAt: number;
}

/** Compare-and-swap attempts before giving up (each lost race means another writer extended it). */
export const WINDOW_WRITE_ATTEMPTS = 3;

function errorStatus(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

function isMissing(error: unknown): boolean {
  return errorStatus(error) === 404 || (error instanceof Error && error.name === 'NoSuchKey');
}

function isWindowState(value: unknown): value is WindowState {
  const v = value as Partial<WindowState> | null;
  return typeof v === 'object' && v !== null && Number.isSafeInteger(v.openSince) && Number.isSafeInteger(v.openUntil);
}

export class PendingWindow {
  /**
   * @param client S3 client of the bucket's region.
   * @param bucket the bucket holding the markers.
   * @param key the window's key (PENDING_WINDOW_KEY).
   * @param clock epoch milliseconds (tests pass a fake).
   */
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    readonly key: string = PENDING_WINDOW_KEY,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The stored window and its ETag, or undefined when none was ever written. Throws on S3 failures and on an unreadable object. */
  async read(timeoutMs: number): Promise<{ state: WindowState; etag: string } | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }), { abortSignal: AbortSignal.timeout(timeoutMs) });
      const parsed: unknown = JSON.parse((await out.Body?.transformToString('utf8')) ?? '');
      if (!isWindowState(parsed)) throw new Error(`${this.key} is not a pending window`);
      return { state: { openSince: parsed.openSince, openUntil: parsed.openUntil }, etag: out.ETag ?? '' };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /**
   * Makes the window open until at least `untilMs` (epoch ms) and resolves what is now stored.
   * `cacheMaxAgeMs` is how old a reader's copy may be: a window ending within it starts afresh
   * (`openSince` = now). Throws on S3 failures and after WINDOW_WRITE_ATTEMPTS lost races.
   */
  async open(untilMs: number, cacheMaxAgeMs: number, timeoutMs: number): Promise<WindowOpened> {
    for (let attempt = 0; attempt < WINDOW_WRITE_ATTEMPTS; attempt++) {
      const current = await this.read(timeoutMs);
      const now = this.clock();
      const continuing = current !== undefined && current.state.openUntil > now + cacheMaxAgeMs;
      if (continuing && current.state.openUntil >= untilMs) return { state: current.state, started: false, answeredAt: now };
      const next: WindowState = continuing ? { openSince: current.state.openSince, openUntil: untilMs } : { openSince: now, openUntil: untilMs };
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.key,
            Body: JSON.stringify(next),
            ContentType: 'application/json',
            ...(current === undefined ? { IfNoneMatch: '*' } : { IfMatch: current.etag }),
          }),
          { abortSignal: AbortSignal.timeout(timeoutMs) },
        );
        return { state: next, started: !continuing, answeredAt: this.clock() };
      } catch (error) {
        const status = errorStatus(error);
        if (status !== 412 && status !== 409 && !isMissing(error)) throw error;
      }
    }
    throw Object.assign(new Error(`${this.key} kept changing; not extended`), { name: 'ConditionalRequestConflict', $retryable: {} });
  }
}

/**
 * A reader's cached view of one region's window: read at most once per `maxAgeMs`, concurrent
 * callers share one read. A copy's age counts from when its read was SENT (the object may have
 * changed any time after). An unreadable window counts as closed for `maxAgeMs` (so an S3 outage
 * adds no call per payment); createPayment reads both regions' windows, and a pending payment
 * opens both, so one region's S3 failing does not hide a pending payment.
 */
export class CachedWindow {
  private copy: { readAt: number; state: WindowState | undefined } | undefined;
  private inFlight: Promise<WindowState | undefined> | undefined;

  /**
   * @param window the region's window (only `read` is used).
   * @param maxAgeMs oldest copy used, ms (PENDING_WINDOW_CACHE_MS).
   * @param timeoutMs budget of one read, ms.
   * @param onReadError told of a failed read (logging); the copy then counts as closed.
   */
  constructor(
    private readonly window: Pick<PendingWindow, 'read'>,
    private readonly maxAgeMs: number,
    private readonly timeoutMs: number,
    private readonly onReadError: (error: unknown) => void = () => {},
    private readonly clock: () => number = Date.now,
  ) {}

  /** Whether the window is open now, by a copy at most `maxAgeMs` old. Never throws. */
  async isOpen(): Promise<boolean> {
    const now = this.clock();
    if (this.copy === undefined || now - this.copy.readAt > this.maxAgeMs) await this.refresh(now);
    const state = this.copy?.state;
    return state !== undefined && state.openUntil > this.clock();
  }

  private refresh(sentAt: number): Promise<WindowState | undefined> {
    this.inFlight ??= this.window
      .read(this.timeoutMs)
      .then((found) => found?.state)
      .catch((error: unknown) => {
        this.onReadError(error);
        return undefined;
      })
      .then((state) => {
        this.copy = { readAt: sentAt, state };
        this.inFlight = undefined;
        return state;
      });
    return this.inFlight;
  }
}
