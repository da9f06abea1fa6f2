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
 * (s3rver, the local engine, ignores If-None-Match on PUT; the tests and the sandbox put
 * localaws/s3Front.ts in front of it, which emulates this documented behaviour.)
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PaymentItem } from './payment';

export type MarkerClaim = { readonly outcome: 'created' } | { readonly outcome: 'exists'; readonly existing: PaymentItem };

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

function errorStatus(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
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

  /** Creates the marker unless one exists; then returns the existing one. Throws on S3 failures. */
  async claim(item: PaymentItem, timeoutMs: number): Promise<MarkerClaim> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.keyFor(item.transactionId),
          Body: JSON.stringify(item),
          ContentType: 'application/json',
          IfNoneMatch: '*',
        }),
        { abortSignal: AbortSignal.timeout(timeoutMs) },
      );
      return { outcome: 'created' };
    } catch (error) {
      const status = errorStatus(error);
      if (status !== 412 && status !== 409) throw error;
    }
    const existing = await this.get(item.transactionId, timeoutMs);
    if (existing === undefined) throw Object.assign(new Error(`marker ${item.transactionId} conflicted but cannot be read`), { name: 'ConditionalRequestConflict', $retryable: {} });
    return { outcome: 'exists', existing };
  }

  /** The marker's payment item, or undefined when there is none. */
  async get(transactionId: string, timeoutMs: number): Promise<PaymentItem | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyFor(transactionId) }), { abortSignal: AbortSignal.timeout(timeoutMs) });
      const text = (await out.Body?.transformToString('utf8')) ?? '';
      const parsed: unknown = JSON.parse(text);
      if (!isPaymentItemShape(parsed)) throw new Error(`marker ${transactionId} is not a payment item`);
      return parsed;
    } catch (error) {
      if (errorStatus(error) === 404 || (error instanceof Error && error.name === 'NoSuchKey')) return undefined;
      throw error;
    }
  }

  /** Withdraws a marker this request created when the payment could not be queued after all. */
  async remove(transactionId: string, timeoutMs: number): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyFor(transactionId) }), { abortSignal: AbortSignal.timeout(timeoutMs) });
  }
}
