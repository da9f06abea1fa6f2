/**
 * Validation of POST /payments: every problem is reported at once as { field, issue } details,
 * and nothing a client sends can turn into a 500.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { PaymentRules } from './config';
import { MalformedJsonError, MissingIdempotencyKeyError, PayloadTooLargeError, ValidationError, type FieldIssue } from './errors';
import { getHeader, rawBody } from './http';
import type { Metadata, PaymentRequest } from './payment';

export const LIMITS = {
  /** Largest accepted request body, bytes (a payment is a few hundred bytes). */
  maxBodyBytes: 16 * 1024,
  idempotencyKeyMaxLength: 128,
  merchantIdMaxLength: 64,
  referenceMaxLength: 128,
  metadataMaxEntries: 20,
  metadataKeyMaxLength: 40,
  metadataValueMaxLength: 256,
  /** Serialized metadata, bytes. */
  metadataMaxBytes: 2 * 1024,
} as const;

const ALLOWED_FIELDS = new Set(['amount', 'currency', 'merchantId', 'reference', 'metadata']);
const IDEMPOTENCY_KEY = /^[\x21-\x7E]+$/; // visible ASCII
const MERCHANT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const METADATA_KEY = /^[A-Za-z0-9_.-]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001F\u007F]/;

export function readIdempotencyKey(event: Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'>): string {
  const key = getHeader(event, 'Idempotency-Key')?.trim();
  if (key === undefined || key === '') throw new MissingIdempotencyKeyError();
  if (key.length > LIMITS.idempotencyKeyMaxLength) throw new MissingIdempotencyKeyError(`longer than ${LIMITS.idempotencyKeyMaxLength} characters`);
  if (!IDEMPOTENCY_KEY.test(key)) throw new MissingIdempotencyKeyError('must be visible ASCII characters only');
  return key;
}

function parseJsonObject(text: string): Record<string, unknown> {
  if (Buffer.byteLength(text, 'utf8') > LIMITS.maxBodyBytes) throw new PayloadTooLargeError(LIMITS.maxBodyBytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MalformedJsonError();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new MalformedJsonError();
  return parsed as Record<string, unknown>;
}

function checkText(issues: FieldIssue[], field: string, value: unknown, maxLength: number, pattern?: RegExp): value is string {
  if (typeof value !== 'string') {
    issues.push({ field, issue: 'must be a string' });
    return false;
  }
  if (value.length === 0 || value.length > maxLength) {
    issues.push({ field, issue: `must be 1 to ${maxLength} characters` });
    return false;
  }
  if (pattern !== undefined && !pattern.test(value)) {
    issues.push({ field, issue: `must match ${pattern.source}` });
    return false;
  }
  if (CONTROL_CHARS.test(value)) {
    issues.push({ field, issue: 'must not contain control characters' });
    return false;
  }
  return true;
}

function checkMetadata(issues: FieldIssue[], value: unknown): Metadata | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({ field: 'metadata', issue: 'must be an object of string values' });
    return undefined;
  }
  const entries = Object.entries(value);
  if (entries.length > LIMITS.metadataMaxEntries) {
    issues.push({ field: 'metadata', issue: `must have at most ${LIMITS.metadataMaxEntries} entries` });
    return undefined;
  }
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > LIMITS.metadataMaxBytes) {
    issues.push({ field: 'metadata', issue: `must not exceed ${LIMITS.metadataMaxBytes} bytes` });
    return undefined;
  }
  const out: Record<string, string> = {};
  let ok = true;
  for (const [key, entry] of entries) {
    if (key.length > LIMITS.metadataKeyMaxLength || !METADATA_KEY.test(key)) {
      issues.push({ field: 'metadata', issue: `key "${key.slice(0, LIMITS.metadataKeyMaxLength)}" must be 1 to ${LIMITS.metadataKeyMaxLength} of A-Z a-z 0-9 _ . -` });
      ok = false;
      continue;
    }
    if (checkText(issues, `metadata.${key}`, entry, LIMITS.metadataValueMaxLength)) out[key] = entry;
    else ok = false;
  }
  return ok ? out : undefined;
}

/** Parses and validates the body; throws MalformedJsonError, PayloadTooLargeError or ValidationError. */
export function parsePaymentRequest(event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>, rules: PaymentRules): PaymentRequest {
  const body = parseJsonObject(rawBody(event));
  const issues: FieldIssue[] = [];

  for (const field of Object.keys(body)) {
    // Unknown fields are refused rather than ignored: a card number sent by mistake must not be stored.
    if (!ALLOWED_FIELDS.has(field)) issues.push({ field: field.slice(0, 64), issue: 'is not a recognised field' });
  }

  const { amount, currency, merchantId, reference, metadata } = body;
  if (amount === undefined) issues.push({ field: 'amount', issue: 'is required' });
  else if (typeof amount !== 'number' || !Number.isFinite(amount)) issues.push({ field: 'amount', issue: 'must be an integer number of minor units' });
  else if (!Number.isInteger(amount)) issues.push({ field: 'amount', issue: 'must be an integer number of minor units (no fractions)' });
  else if (amount <= 0) issues.push({ field: 'amount', issue: 'must be greater than 0' });
  else if (amount > rules.maxAmountMinor) issues.push({ field: 'amount', issue: `must be at most ${rules.maxAmountMinor}` });

  if (currency === undefined) issues.push({ field: 'currency', issue: 'is required' });
  else if (typeof currency !== 'string') issues.push({ field: 'currency', issue: 'must be a string' });
  else if (!rules.allowedCurrencies.has(currency)) issues.push({ field: 'currency', issue: `must be one of ${[...rules.allowedCurrencies].join(', ')}` });

  if (merchantId === undefined) issues.push({ field: 'merchantId', issue: 'is required' });
  else checkText(issues, 'merchantId', merchantId, LIMITS.merchantIdMaxLength, MERCHANT_ID);

  if (reference !== undefined) checkText(issues, 'reference', reference, LIMITS.referenceMaxLength);
  const checkedMetadata = metadata === undefined ? undefined : checkMetadata(issues, metadata);

  if (issues.length > 0) throw new ValidationError(issues);
  return {
    merchantId: merchantId as string,
    amount: amount as number,
    currency: currency as string,
    ...(reference === undefined ? {} : { reference: reference as string }),
    ...(checkedMetadata === undefined ? {} : { metadata: checkedMetadata }),
  };
}
