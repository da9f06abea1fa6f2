/** The payment model: request, stored item, API view, and the deterministic identifiers. */
import { createHash } from 'node:crypto';

export type Metadata = Readonly<Record<string, string>>;

/** A validated POST /payments body. */
export interface PaymentRequest {
  readonly merchantId: string;
  readonly amount: number;
  readonly currency: string;
  readonly reference?: string;
  readonly metadata?: Metadata;
}

export type PaymentStatus = 'COMMITTED' | 'PENDING';

/** The DynamoDB item (schema: tableSchema.ts). */
export interface PaymentItem extends PaymentRequest {
  readonly pk: string;
  readonly transactionId: string;
  readonly status: PaymentStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The region that accepted the request. */
  readonly region: string;
  readonly requestHash: string;
  readonly idempotencyKey: string;
}

/** The response body of 201/200 (and 202 with status PENDING). */
export interface PaymentView {
  readonly transactionId: string;
  readonly status: PaymentStatus;
  readonly amount: number;
  readonly currency: string;
  readonly merchantId: string;
  readonly reference?: string;
  readonly metadata?: Metadata;
  readonly createdAt: string;
  readonly region: string;
}

export const PAYMENT_PK_PREFIX = 'PAYMENT#';

export function paymentPk(transactionId: string): string {
  return `${PAYMENT_PK_PREFIX}${transactionId}`;
}

/**
 * The transaction id is a pure function of (merchantId, Idempotency-Key): a retry of the same request
 * in the other region computes the same id, so the conditional write there can never create a
 * second transaction. Shaped as an RFC 9562 UUIDv8 (custom, hash-based) from SHA-256.
 */
export function transactionIdFor(merchantId: string, idempotencyKey: string): string {
  const hash = createHash('sha256').update(`payments-dr/v1\n${merchantId}\n${idempotencyKey}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x80; // version 8
  hash[8] = (hash[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export const TRANSACTION_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Metadata with its keys sorted, so stored items and responses are byte-for-byte reproducible. */
function sortedMetadata(metadata: Metadata | undefined): Metadata | undefined {
  if (metadata === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const key of Object.keys(metadata).sort()) out[key] = metadata[key]!;
  return out;
}

/** SHA-256 over a canonical form of the validated request: equal requests hash equally whatever their key order. */
export function requestHashOf(request: PaymentRequest): string {
  const canonical = JSON.stringify([request.merchantId, request.amount, request.currency, request.reference ?? null, sortedMetadata(request.metadata) ?? null]);
  return createHash('sha256').update(canonical).digest('hex');
}

export function newPaymentItem(args: { request: PaymentRequest; idempotencyKey: string; region: string; now: Date }): PaymentItem {
  const { request, idempotencyKey, region, now } = args;
  const transactionId = transactionIdFor(request.merchantId, idempotencyKey);
  const at = now.toISOString();
  return {
    pk: paymentPk(transactionId),
    transactionId,
    merchantId: request.merchantId,
    amount: request.amount,
    currency: request.currency,
    ...(request.reference === undefined ? {} : { reference: request.reference }),
    ...(request.metadata === undefined ? {} : { metadata: sortedMetadata(request.metadata) }),
    status: 'COMMITTED',
    createdAt: at,
    updatedAt: at,
    region,
    requestHash: requestHashOf(request),
    idempotencyKey,
  };
}

/** The API view, always built in the same field order (replays must be identical). */
export function toView(p: PaymentView): PaymentView {
  return {
    transactionId: p.transactionId,
    status: p.status,
    amount: p.amount,
    currency: p.currency,
    merchantId: p.merchantId,
    ...(p.reference === undefined ? {} : { reference: p.reference }),
    ...(p.metadata === undefined ? {} : { metadata: sortedMetadata(p.metadata) }),
    createdAt: p.createdAt,
    region: p.region,
  };
}

/** Narrows an unknown value (e.g. a stored idempotency response) to a PaymentView. */
export function isPaymentView(value: unknown): value is PaymentView {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.transactionId === 'string' &&
    (v.status === 'COMMITTED' || v.status === 'PENDING') &&
    typeof v.amount === 'number' &&
    typeof v.currency === 'string' &&
    typeof v.merchantId === 'string' &&
    typeof v.createdAt === 'string' &&
    typeof v.region === 'string'
  );
}

/**
 * Whether `a` was accepted before `b`: the earlier `createdAt` (ISO 8601 UTC, so text order is time
 * order), then the region by name. The order the attempts of one request agree on
 * (payments/commit.ts, pendingMarkers.ts).
 */
export function acceptedEarlier(a: PaymentItem, b: PaymentItem): boolean {
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.region < b.region);
}
