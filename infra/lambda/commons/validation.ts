/**
 * Validation of POST /payments, by kind: every problem is reported at once as
 * `{ field, issue, reason }` details (`reason` machine-readable), nothing a client sends can turn
 * into a 5xx, and nothing is stored for a refused request.
 *
 * The same field rules (`validatePaymentFields`) judge retry-queue messages in the retry processor.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { PaymentRules } from './config';
import {
  ConflictingHeaderError,
  MalformedJsonError,
  MerchantMismatchError,
  MissingIdempotencyKeyError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
  type FieldIssue,
} from './errors';
import { headerValues } from './http';
import type { Metadata, PaymentRequest } from './payment';
import { integerOf, isJsonObject, JsonNumber, parseStrictJson, StrictJsonError, textProblem, type JsonObject, type JsonValue } from './strictJson';

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
export const MERCHANT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const METADATA_KEY = /^[A-Za-z0-9_.-]+$/;

/** The Idempotency-Key header: exactly one distinct value, 1 to 128 visible ASCII characters. */
export function readIdempotencyKey(event: Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'>): string {
  const values = [...new Set(headerValues(event, 'Idempotency-Key').map((v) => v.trim()))];
  if (values.length > 1) throw new ConflictingHeaderError('Idempotency-Key');
  const key = values[0];
  if (key === undefined || key === '') throw new MissingIdempotencyKeyError();
  if (key.length > LIMITS.idempotencyKeyMaxLength) throw new MissingIdempotencyKeyError(`longer than ${LIMITS.idempotencyKeyMaxLength} characters`);
  if (!IDEMPOTENCY_KEY.test(key)) throw new MissingIdempotencyKeyError('must be visible ASCII characters only');
  return key;
}

/**
 * The body must be declared JSON: `application/json`, optionally with `charset=utf-8` (RFC 8259
 * section 8.1: JSON exchanged between systems is UTF-8). Anything else, a missing Content-Type or two
 * different ones is 415: API Gateway applies request models only to the declared content type, so a
 * body under another type would skip the gateway's model validation.
 */
export function requireJsonContentType(event: Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'>): void {
  const values = [...new Set(headerValues(event, 'Content-Type').map((v) => v.trim().toLowerCase()))];
  if (values.length === 0) throw new UnsupportedMediaTypeError('is required', 'MISSING_CONTENT_TYPE');
  if (values.length > 1) throw new UnsupportedMediaTypeError('sent more than once with different values', 'CONFLICTING_DUPLICATE_HEADER');
  const [type = '', ...params] = values[0]!.split(';').map((p) => p.trim());
  if (type !== 'application/json') throw new UnsupportedMediaTypeError('must be application/json', 'UNSUPPORTED_MEDIA_TYPE');
  for (const param of params) {
    if (param !== '' && param.replace(/\s+/g, '') !== 'charset=utf-8') throw new UnsupportedMediaTypeError('the only accepted parameter is charset=utf-8', 'UNSUPPORTED_CHARSET');
  }
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text; a base64 body (binary media type) must be valid UTF-8. */
function bodyText(event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>): string {
  if (event.body === null || event.body === undefined) return '';
  if (!event.isBase64Encoded) return event.body;
  const bytes = Buffer.from(event.body, 'base64');
  if (bytes.length > LIMITS.maxBodyBytes) throw new PayloadTooLargeError(LIMITS.maxBodyBytes);
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    throw new MalformedJsonError([{ field: 'body', issue: 'is not valid UTF-8', reason: 'INVALID_UTF8' }]);
  }
}

/** Parses a JSON object strictly; StrictJsonError kinds become 400s with their reason. */
export function parseJsonObjectStrict(text: string): JsonObject {
  if (Buffer.byteLength(text, 'utf8') > LIMITS.maxBodyBytes) throw new PayloadTooLargeError(LIMITS.maxBodyBytes);
  let parsed: JsonValue;
  try {
    parsed = parseStrictJson(text);
  } catch (error) {
    if (!(error instanceof StrictJsonError)) throw error;
    const issue = { field: error.path === '$' ? 'body' : error.path.replace(/^\$\./, ''), issue: error.message, reason: error.reason };
    if (error.reason === 'SYNTAX' || error.reason === 'TOO_DEEP') throw new MalformedJsonError([issue]);
    throw new ValidationError([issue]);
  }
  if (!isJsonObject(parsed)) throw new MalformedJsonError([{ field: 'body', issue: 'must be a JSON object', reason: 'NOT_AN_OBJECT' }]);
  return parsed;
}

function checkText(issues: FieldIssue[], field: string, value: JsonValue | undefined, maxLength: number, pattern?: RegExp): value is string {
  if (typeof value !== 'string') {
    issues.push({ field, issue: 'must be a string', reason: 'WRONG_TYPE' });
    return false;
  }
  if (value.length === 0 || value.length > maxLength) {
    issues.push({ field, issue: `must be 1 to ${maxLength} characters`, reason: 'LENGTH' });
    return false;
  }
  // Parsed text was checked already; values built in code (retry messages) are checked here too.
  const problem = textProblem(value);
  if (problem !== undefined) {
    issues.push({ field, issue: problem === 'CONTROL_CHARACTER' ? 'must not contain control characters' : 'must not contain unpaired surrogates', reason: problem });
    return false;
  }
  if (pattern !== undefined && !pattern.test(value)) {
    issues.push({ field, issue: `must match ${pattern.source}`, reason: 'PATTERN' });
    return false;
  }
  return true;
}

function checkMetadata(issues: FieldIssue[], value: JsonValue): Metadata | undefined {
  if (!isJsonObject(value)) {
    issues.push({ field: 'metadata', issue: 'must be an object of string values', reason: 'WRONG_TYPE' });
    return undefined;
  }
  const entries = Object.entries(value);
  if (entries.length > LIMITS.metadataMaxEntries) {
    issues.push({ field: 'metadata', issue: `must have at most ${LIMITS.metadataMaxEntries} entries`, reason: 'TOO_MANY_ENTRIES' });
    return undefined;
  }
  const out: Record<string, string> = {};
  let ok = true;
  for (const [key, entry] of entries) {
    if (key.length > LIMITS.metadataKeyMaxLength || !METADATA_KEY.test(key)) {
      issues.push({ field: 'metadata', issue: `key "${key.slice(0, LIMITS.metadataKeyMaxLength)}" must be 1 to ${LIMITS.metadataKeyMaxLength} of A-Z a-z 0-9 _ . -`, reason: 'PATTERN' });
      ok = false;
      continue;
    }
    if (checkText(issues, `metadata.${key}`, entry, LIMITS.metadataValueMaxLength)) out[key] = entry;
    else ok = false;
  }
  if (ok && Buffer.byteLength(JSON.stringify(out), 'utf8') > LIMITS.metadataMaxBytes) {
    issues.push({ field: 'metadata', issue: `must not exceed ${LIMITS.metadataMaxBytes} bytes`, reason: 'TOO_LARGE' });
    return undefined;
  }
  return ok ? out : undefined;
}

function checkAmount(issues: FieldIssue[], amount: JsonValue | undefined, rules: PaymentRules): number | undefined {
  if (amount === undefined) {
    issues.push({ field: 'amount', issue: 'is required', reason: 'REQUIRED' });
    return undefined;
  }
  // Numbers built in code (not parsed) are judged on their canonical text, the same way.
  const number = amount instanceof JsonNumber ? amount : typeof amount === 'number' && Number.isFinite(amount) ? new JsonNumber(String(amount)) : undefined;
  if (number === undefined) {
    issues.push({ field: 'amount', issue: 'must be an integer number of minor units', reason: 'WRONG_TYPE' });
    return undefined;
  }
  const integer = integerOf(number);
  if (!integer.ok) {
    const issue = {
      NUMBER_FRACTION: 'must be an integer number of minor units (no fractions)',
      NUMBER_EXPONENT_NOT_INTEGRAL: 'must be an integer number of minor units (the exponent form is not an integer)',
      NUMBER_PRECISION_LOSS: 'must be an integer of at most 2^53 - 1 (beyond it a double loses precision)',
    }[integer.reason];
    issues.push({ field: 'amount', issue, reason: integer.reason });
    return undefined;
  }
  if (integer.value <= 0) issues.push({ field: 'amount', issue: 'must be greater than 0', reason: 'OUT_OF_RANGE' });
  else if (integer.value > rules.maxAmountMinor) issues.push({ field: 'amount', issue: `must be at most ${rules.maxAmountMinor}`, reason: 'OUT_OF_RANGE' });
  else return integer.value;
  return undefined;
}

/**
 * The field rules of a payment, on a strictly parsed body (or an object built in code).
 * `merchantId` is the authenticated merchant; a body `merchantId`, if present, must equal it
 * (MerchantMismatchError, 403). Throws ValidationError with every problem.
 */
export function validatePaymentFields(body: Readonly<Record<string, JsonValue | number | undefined>>, rules: PaymentRules, merchantId: string): PaymentRequest {
  const issues: FieldIssue[] = [];
  for (const field of Object.keys(body)) {
    // Unknown fields are refused rather than ignored: a card number sent by mistake must not be stored.
    if (!ALLOWED_FIELDS.has(field)) issues.push({ field: field.slice(0, 64), issue: 'is not a recognised field', reason: 'UNKNOWN_FIELD' });
  }
  const { currency, reference, metadata } = body as Record<string, JsonValue | undefined>;
  const amount = checkAmount(issues, body.amount as JsonValue | undefined, rules);

  if (currency === undefined) issues.push({ field: 'currency', issue: 'is required', reason: 'REQUIRED' });
  else if (typeof currency !== 'string') issues.push({ field: 'currency', issue: 'must be a string', reason: 'WRONG_TYPE' });
  else if (!rules.allowedCurrencies.has(currency)) issues.push({ field: 'currency', issue: `must be one of ${[...rules.allowedCurrencies].join(', ')}`, reason: 'NOT_ALLOWED' });

  checkText(issues, 'merchantId', merchantId, LIMITS.merchantIdMaxLength, MERCHANT_ID);
  const bodyMerchant = body.merchantId as JsonValue | undefined;
  const bodyMerchantValid = bodyMerchant === undefined || checkText(issues, 'merchantId', bodyMerchant, LIMITS.merchantIdMaxLength, MERCHANT_ID);

  if (reference !== undefined) checkText(issues, 'reference', reference, LIMITS.referenceMaxLength);
  const checkedMetadata = metadata === undefined ? undefined : checkMetadata(issues, metadata);

  if (issues.length > 0) throw new ValidationError(issues);
  // Only a well-formed body merchantId can be compared; a malformed one is a 400 above.
  if (bodyMerchantValid && bodyMerchant !== undefined && bodyMerchant !== merchantId) throw new MerchantMismatchError();
  return {
    merchantId,
    amount: amount!,
    currency: currency as string,
    ...(reference === undefined ? {} : { reference: reference as string }),
    ...(checkedMetadata === undefined ? {} : { metadata: checkedMetadata }),
  };
}

/**
 * Parses and validates a POST /payments request for the authenticated `merchantId`: content type
 * (415), strict JSON (400 by kind), field rules (400), body merchant (403).
 */
export function parsePaymentRequest(event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded' | 'headers' | 'multiValueHeaders'>, rules: PaymentRules, merchantId: string): PaymentRequest {
  requireJsonContentType(event);
  return validatePaymentFields(parseJsonObjectStrict(bodyText(event)), rules, merchantId);
}
