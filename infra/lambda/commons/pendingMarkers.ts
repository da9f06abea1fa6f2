/**
 * Pending-payment markers: the lookup for payments that were queued (202 PENDING) because no
 * replica of the payments table accepted the write. It must work exactly when DynamoDB writes fail,
 * so it lives in S3: one object per transaction, `<prefix><transactionId>.json`, holding the payment
 * item exactly as it will be committed.
 *
 * A marker is created only if none exists (`PutObject` with `If-None-Match: *`; S3 answers 412
 * PreconditionFailed when the key exists, and 409 ConditionalRequestConflict when a concurrent
 * conditional write to the same key is in flight). So the first accepted request for a
 * (merchant, Idempotency-Key) owns the marker, and a later one learns it: same request -> the same
 * 202, another body -> 422. Source: Amazon S3 User Guide, "How to prevent object overwrites with
 * conditional writes", https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 *
 * A marker is never withdrawn from under a request that relies on it. A same-request replay that
 * finds the marker ADOPTS it: it rewrites the marker with `If-Match: <ETag it read>` and one more
 * holder, so the object's ETag changes. The creator withdraws its marker (when no queue took the
 * payment) only with `DeleteObject` `If-Match: <ETag of its own write>`; after an adoption that
 * delete fails with 412 and the marker stays, with the adopter's queued message behind it. If the
 * creator's delete wins the race instead, the adopter's rewrite finds no object (404) or another
 * ETag (412) and claims afresh. Sources: "How to prevent object overwrites with conditional writes"
 * (If-Match on PutObject; 412 when the ETag differs, 404 NoSuchKey when no current version exists:
 * section "Conditional write behavior") and "How to perform conditional deletes"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-deletes.html; a delete with an
 * ETag needs s3:DeleteObject and s3:GetObject).
 *
 * Every write carries the writer's random claim token. The SDK retries a PUT whose answer was lost
 * (a 500 or a timeout after S3 applied it); the retry then meets its own marker and gets 412. A
 * claim that reads back its own token knows it created the marker (and withdraws with the ETag it
 * read), instead of mistaking itself for another holder and leaving an orphan marker behind.
 * Adopters write their own token, so a creator never mistakes an adopted marker for its own.
 * (The SDK retries 500 and timeouts, never 409 or 412: @smithy/service-error-classification.)
 *
 * Markers are NOT replicated by S3 (the replication rule covers the transaction-log prefix only):
 * the handler writes both regions' buckets itself, and a replica arriving later would overwrite the
 * destination's current version without any condition, resurrecting a withdrawn marker or
 * replacing an adopted one. (s3rver, the local engine, ignores If-None-Match and If-Match on writes;
 * the tests and the sandbox put localaws/s3Front.ts in front of it, which emulates these
 * documented behaviours.)
 */
import { randomUUID } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { acceptedEarlier, type PaymentItem } from './payment';

/**
 * What a claim found. `created`: this request wrote the marker (`etag` is its version, the only one
 * it may withdraw). `adopted`: the same request's marker existed and now also names this request as
 * a holder. `exists`: another request's marker (another request hash) holds the key.
 */
export type MarkerClaim =
  | { readonly outcome: 'created'; readonly etag: string }
  | { readonly outcome: 'adopted'; readonly existing: PaymentItem }
  | { readonly outcome: 'exists'; readonly existing: PaymentItem };

/**
 * What a withdrawal did: `withdrawn`; `kept` (the marker has another ETag: another request adopted
 * it, or in a versioned bucket a delete marker is current, for which S3 answers 412); `absent` (404).
 */
export type MarkerWithdrawal = 'withdrawn' | 'kept' | 'absent';

/** The stored marker: the payment item exactly as it will be committed, its holder count and the last writer's claim token. */
interface MarkerBody extends PaymentItem {
  readonly markerHolders: number;
  readonly claimToken?: string;
}

/** Claim attempts before giving up (each lost race means another request changed the marker). */
export const MARKER_CLAIM_ATTEMPTS = 4;

function isPaymentItemShape(value: unknown): value is PaymentItem {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.pk === 'string' &&
    typeof v.transactionId === 'string' &&
    typeof v.merchantId === 'string' &&
    typeof v.amount === 'number' &&
    typeof v.currency === 'string' &&
    typeof v.createdAt === 'string' &&
    typeof v.region === 'string' &&
    typeof v.requestHash === 'string' &&
    typeof v.idempotencyKey === 'string'
  );
}

/** The payment item inside a marker body (the holder count and claim token dropped). */
function itemOf(body: PaymentItem): PaymentItem {
  const { markerHolders: _holders, claimToken: _token, ...item } = body as MarkerBody;
  return item;
}

function errorStatus(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** 412 PreconditionFailed, 409 ConditionalRequestConflict, or 404 NoSuchKey for an If-Match write. */
function lostRace(error: unknown): boolean {
  const status = errorStatus(error);
  return status === 412 || status === 409 || status === 404 || (error instanceof Error && error.name === 'NoSuchKey');
}

function conflictError(transactionId: string): Error {
  return Object.assign(new Error(`marker ${transactionId} kept changing; claim abandoned`), { name: 'ConditionalRequestConflict', $retryable: {} });
}

export class PendingMarkers {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  keyFor(transactionId: string): string {
    return `${this.prefix}${transactionId}.json`;
  }

  private async put(item: PaymentItem, holders: number, claimToken: string, condition: { IfNoneMatch: '*' } | { IfMatch: string }, timeoutMs: number): Promise<string> {
    const body: MarkerBody = { ...item, markerHolders: holders, claimToken };
    const out = await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.keyFor(item.transactionId), Body: JSON.stringify(body), ContentType: 'application/json', ...condition }),
      { abortSignal: AbortSignal.timeout(timeoutMs) },
    );
    return out.ETag ?? '';
  }

  /**
   * Creates the marker unless one exists; a same-request marker is adopted (conditional rewrite),
   * another request's is returned. Throws on S3 failures and after MARKER_CLAIM_ATTEMPTS lost races.
   */
  async claim(item: PaymentItem, timeoutMs: number): Promise<MarkerClaim> {
    const token = randomUUID();
    for (let attempt = 0; attempt < MARKER_CLAIM_ATTEMPTS; attempt++) {
      try {
        return { outcome: 'created', etag: await this.put(item, 1, token, { IfNoneMatch: '*' }, timeoutMs) };
      } catch (error) {
        if (!lostRace(error)) throw error;
      }
      const current = await this.read(item.transactionId, timeoutMs);
      if (current === undefined) continue; // withdrawn meanwhile: create afresh
      // Our own write whose answer was lost: our create (one holder), or our adoption (more).
      if (current.body.claimToken === token) return current.body.markerHolders === 1 ? { outcome: 'created', etag: current.etag } : { outcome: 'adopted', existing: itemOf(current.body) };
      if (current.body.requestHash !== item.requestHash) return { outcome: 'exists', existing: itemOf(current.body) };
      try {
        await this.put(itemOf(current.body), current.body.markerHolders + 1, token, { IfMatch: current.etag }, timeoutMs);
        return { outcome: 'adopted', existing: itemOf(current.body) };
      } catch (error) {
        if (!lostRace(error)) throw error;
      }
      // Another replay's adoption won the race: the marker already has an ETag its creator cannot
      // withdraw (more than one holder), which is all an adoption is for. Concurrent replays of one
      // request therefore never exhaust their attempts on each other.
      const after = await this.read(item.transactionId, timeoutMs);
      if (after !== undefined && after.body.requestHash === item.requestHash && after.body.markerHolders > 1) return { outcome: 'adopted', existing: itemOf(after.body) };
    }
    throw conflictError(item.transactionId);
  }

  private async read(transactionId: string, timeoutMs: number): Promise<{ body: MarkerBody; etag: string } | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyFor(transactionId) }), { abortSignal: AbortSignal.timeout(timeoutMs) });
      const text = (await out.Body?.transformToString('utf8')) ?? '';
      const parsed: unknown = JSON.parse(text);
      if (!isPaymentItemShape(parsed)) throw new Error(`marker ${transactionId} is not a payment item`);
      const holders = (parsed as { markerHolders?: unknown }).markerHolders;
      const claimToken = (parsed as { claimToken?: unknown }).claimToken;
      return {
        body: { ...parsed, markerHolders: typeof holders === 'number' && Number.isSafeInteger(holders) && holders > 0 ? holders : 1, claimToken: typeof claimToken === 'string' ? claimToken : undefined },
        etag: out.ETag ?? '',
      };
    } catch (error) {
      if (errorStatus(error) === 404 || (error instanceof Error && error.name === 'NoSuchKey')) return undefined;
      throw error;
    }
  }

  /** The marker's payment item, or undefined when there is none. Throws on S3 failures. */
  async get(transactionId: string, timeoutMs: number): Promise<PaymentItem | undefined> {
    const current = await this.read(transactionId, timeoutMs);
    return current === undefined ? undefined : itemOf(current.body);
  }

  /**
   * Makes the key's marker hold `chosen` when it holds the same request (`requestHash`) accepted
   * later (a later `createdAt`, then region by name): attempts of one request then agree on one
   * payment in every region. Only ever moves a marker to an earlier attempt, so concurrent aligners
   * converge. Keeps the holder count; conditional on the ETag read. Throws on S3 failures.
   */
  async align(transactionId: string, chosen: PaymentItem, timeoutMs: number): Promise<'aligned' | 'unchanged' | 'absent' | 'kept'> {
    for (let attempt = 0; attempt < MARKER_CLAIM_ATTEMPTS; attempt++) {
      const current = await this.read(transactionId, timeoutMs);
      if (current === undefined) return 'absent';
      if (current.body.requestHash !== chosen.requestHash) return 'kept';
      if (!acceptedEarlier(chosen, current.body)) return 'unchanged';
      try {
        await this.put(chosen, current.body.markerHolders, randomUUID(), { IfMatch: current.etag }, timeoutMs);
        return 'aligned';
      } catch (error) {
        if (!lostRace(error)) throw error;
      }
    }
    throw conflictError(transactionId);
  }

  /**
   * Removes the key's marker if it holds this very request (`requestHash`), whoever wrote or adopted
   * it: for use once the table holds the payment, when the marker has no further use. Conditional
   * on the ETag read, so a marker replaced meanwhile (another body) stays. Throws on S3 failures.
   */
  async clear(transactionId: string, requestHash: string, timeoutMs: number): Promise<MarkerWithdrawal> {
    const current = await this.read(transactionId, timeoutMs);
    if (current === undefined) return 'absent';
    if (current.body.requestHash !== requestHash) return 'kept';
    return this.withdraw(transactionId, current.etag, timeoutMs);
  }

  /**
   * Withdraws a marker this request created (`etag` from its claim) when the payment could not be
   * queued after all: a conditional delete, so a marker another request adopted stays. Throws on
   * other S3 failures.
   */
  async withdraw(transactionId: string, etag: string, timeoutMs: number): Promise<MarkerWithdrawal> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyFor(transactionId), IfMatch: etag }), { abortSignal: AbortSignal.timeout(timeoutMs) });
      return 'withdrawn';
    } catch (error) {
      const status = errorStatus(error);
      // 412: another ETag (adopted; or, in a versioned bucket, a delete marker is current); 409: a
      // concurrent conditional write to the key (an adoption) finished first. Either way not ours to remove.
      if (status === 412 || status === 409) return 'kept';
      if (status === 404 || (error instanceof Error && error.name === 'NoSuchKey')) return 'absent';
      throw error;
    }
  }
}
