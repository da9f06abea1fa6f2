/**
 * The transaction log, written from the payments table's DynamoDB stream (off the request path).
 *
 * Shapes:
 * - Each stream batch becomes ONE gzip'd JSON-lines object (`application/gzip`; inside, one committed
 *   payment per line, `LogLine`) at a deterministic key
 *   `<prefix><region>/YYYY/MM/DD/HH/<first sequence number>-<digest of the batch's event ids>.jsonl.gz`.
 *   A retried batch (same records) overwrites its own object, as a new version of the same key.
 *   `<region>` is the region whose stream was read, so the two regions' objects never share a key,
 *   and S3 cross-region replication copies each region's log into the other bucket beside the
 *   local one. YYYY/MM/DD/HH is the first record's ApproximateCreationDateTime (UTC), not the
 *   time of writing, so a retry computes the same key.
 * - A committed payment changed or removed afterwards (the last-writer-wins resolution of a
 *   conflicting write in multi-Region eventual consistency) becomes a conflict object, JSON, at
 *   `<prefix><region>/conflicts/YYYY/MM/DD/<transactionId>/<eventID>.json`, holding BOTH images.
 *
 * Why a stream consumer: each replica's stream carries every change visible in that replica,
 * local writes and replicated ones (DynamoDB global tables replicate through the table's change
 * data; https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/globaltables-CoreConcepts.html),
 * so each region's log is complete whichever region committed, including while the other region
 * is down. Why batches: S3 Lifecycle does not transition objects smaller than 128 KB by default
 * (`TransitionDefaultMinimumObjectSize` `all_storage_classes_128K`,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html); one
 * object per payment never transitions, a stream batch of up to 10,000 records gathered for up to
 * 300 s (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-params.html) does where volume
 * allows (see `TRANSITION_MINIMUM_BYTES`).
 *
 * Pure functions only (no clients): the handler `handlers/transactionLogWriter.ts` wires S3.
 */
import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { METRIC } from '../../../contract/observability';

/** Metric names the transaction-log writer emits (alarms in infra/components/paymentAlarms.ts rely on them). */
export const LOG_WRITER_METRIC = {
  written: METRIC.transactionLogWritten,
  failed: METRIC.transactionLogFailed,
  conflict: METRIC.paymentConflictDetected,
} as const;

/** Items whose partition key starts with this are payments; everything else in the table is skipped. */
export const PAYMENT_KEY_PREFIX = 'PAYMENT#';
/** The status of a payment that has been committed (confirmed to the client with 201). */
export const COMMITTED = 'COMMITTED';
/** S3 Lifecycle's default minimum object size for transitions (128 KB). */
export const TRANSITION_MINIMUM_BYTES = 128 * 1024;
/** Attributes that are storage mechanics, not the payment: dropped from log lines. */
const STORAGE_ATTRIBUTES = new Set(['pk', 'expiration']);

/** A payment as the table holds it, without storage attributes. */
export type PaymentImage = Record<string, unknown> & { transactionId?: string; status?: string; requestHash?: string };

/** One line of a log object. */
export interface LogLine {
  /** The payment as committed. */
  readonly payment: PaymentImage;
  /** Where in the stream it was seen. */
  readonly stream: StreamPosition;
}

export interface StreamPosition {
  readonly eventID: string;
  readonly eventName: string;
  readonly sequenceNumber: string;
  /** ISO 8601, from ApproximateCreationDateTime. */
  readonly approximateCreationDateTime: string;
}

/** Why a committed payment's record is a conflict. */
export type ConflictKind = 'overwritten' | 'removed';

/** The content of a conflict object: both versions, never only the survivor. */
export interface ConflictRecord {
  readonly kind: ConflictKind;
  readonly transactionId: string;
  /** The region whose stream showed the change. */
  readonly detectedIn: string;
  readonly stream: StreamPosition;
  /** The committed version that was replaced (or removed). */
  readonly committed: PaymentImage;
  /** What the table holds now (absent when the item was removed). */
  readonly current?: PaymentImage;
}

/** What one stream record means for the log. */
export type Classified =
  | { readonly kind: 'log'; readonly line: LogLine }
  | { readonly kind: 'conflict'; readonly conflict: ConflictRecord; readonly line?: LogLine }
  | { readonly kind: 'skip'; readonly reason: 'not-a-payment' | 'not-committed' | 'already-logged' };

function decode(image: Record<string, AttributeValue> | undefined): Record<string, unknown> | undefined {
  if (image === undefined) return undefined;
  // aws-lambda's stream AttributeValue and the SDK's are the same wire shape, typed separately.
  return unmarshall(image as unknown as Record<string, SdkAttributeValue>);
}

function paymentOf(item: Record<string, unknown>): PaymentImage {
  const out: PaymentImage = {};
  for (const key of Object.keys(item).sort()) {
    if (STORAGE_ATTRIBUTES.has(key) || key.startsWith('aws:rep:')) continue;
    out[key] = item[key];
  }
  return out;
}

function isPayment(item: Record<string, unknown> | undefined): item is Record<string, unknown> {
  return item !== undefined && typeof item.pk === 'string' && item.pk.startsWith(PAYMENT_KEY_PREFIX);
}

function positionOf(record: DynamoDBRecord): StreamPosition {
  const seconds = record.dynamodb?.ApproximateCreationDateTime;
  return {
    eventID: record.eventID ?? '',
    eventName: record.eventName ?? '',
    sequenceNumber: record.dynamodb?.SequenceNumber ?? '',
    approximateCreationDateTime: new Date((seconds ?? 0) * 1000).toISOString(),
  };
}

/**
 * What a stream record (NEW_AND_OLD_IMAGES) means:
 * - INSERT or MODIFY whose new image is a committed payment that was not committed before: a log line.
 * - MODIFY whose old image is a committed payment and whose new image is not the same committed
 *   payment (other request hash, or no longer committed): a conflict (both images kept), plus a
 *   log line for the new version when it is committed.
 * - REMOVE of a committed payment: a conflict (payments are never deleted).
 * - Anything else (other items in the table, PENDING payments, a re-write of the same committed
 *   payment): skipped.
 */
export function classify(record: DynamoDBRecord, region: string): Classified {
  const oldItem = decode(record.dynamodb?.OldImage);
  const newItem = decode(record.dynamodb?.NewImage);
  if (!isPayment(oldItem) && !isPayment(newItem)) return { kind: 'skip', reason: 'not-a-payment' };
  const stream = positionOf(record);
  const oldCommitted = isPayment(oldItem) && oldItem.status === COMMITTED ? paymentOf(oldItem) : undefined;
  const newCommitted = isPayment(newItem) && newItem.status === COMMITTED ? paymentOf(newItem) : undefined;
  const line = newCommitted ? { payment: newCommitted, stream } : undefined;
  if (oldCommitted === undefined) return line ? { kind: 'log', line } : { kind: 'skip', reason: 'not-committed' };
  const transactionId = String(oldCommitted.transactionId ?? (oldItem?.pk as string).slice(PAYMENT_KEY_PREFIX.length));
  if (record.eventName === 'REMOVE' || newItem === undefined) {
    return { kind: 'conflict', conflict: { kind: 'removed', transactionId, detectedIn: region, stream, committed: oldCommitted } };
  }
  if (newCommitted !== undefined && newCommitted.requestHash === oldCommitted.requestHash) return { kind: 'skip', reason: 'already-logged' };
  return {
    kind: 'conflict',
    conflict: { kind: 'overwritten', transactionId, detectedIn: region, stream, committed: oldCommitted, current: isPayment(newItem) ? paymentOf(newItem) : newItem },
    line,
  };
}

function datePath(isoTime: string, withHour: boolean): string {
  const [date, time] = isoTime.split('T');
  const [y, m, d] = date.split('-');
  return withHour ? `${y}/${m}/${d}/${time.slice(0, 2)}` : `${y}/${m}/${d}`;
}

/**
 * The key of a batch's log object: deterministic in the batch's records (first sequence number,
 * first record's time, digest of all event ids), so a retry of the same batch overwrites it.
 */
export function batchObjectKey(prefix: string, region: string, records: readonly DynamoDBRecord[]): string {
  if (records.length === 0) throw new Error('a batch object needs at least one record');
  const first = positionOf(records[0]);
  const digest = createHash('sha256')
    .update(records.map((r) => r.eventID ?? '').join('\n'))
    .digest('hex')
    .slice(0, 16);
  return `${prefix}${region}/${datePath(first.approximateCreationDateTime, true)}/${first.sequenceNumber}-${digest}.jsonl.gz`;
}

/** The key of a conflict object: one per stream record, so a retry overwrites it. */
export function conflictObjectKey(prefix: string, region: string, conflict: ConflictRecord): string {
  const safeId = conflict.transactionId.replace(/[^A-Za-z0-9-]/g, '_');
  return `${prefix}${region}/conflicts/${datePath(conflict.stream.approximateCreationDateTime, false)}/${safeId}/${conflict.stream.eventID}.json`;
}

/** The body of a log object: JSON lines (one `LogLine` each, newline-terminated), gzip'd. */
export function encodeLines(lines: readonly LogLine[]): Buffer {
  return gzipSync(Buffer.from(lines.map((l) => `${JSON.stringify(l)}\n`).join(''), 'utf8'));
}
