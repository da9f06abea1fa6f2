/**
 * Domain errors: each maps to one HTTP status and one machine-readable code.
 * Anything else reaching a handler's catch-all is an internal error (500, generic message).
 */

export interface FieldIssue {
  readonly field: string;
  readonly issue: string;
  /** Machine-readable kind of the problem (e.g. `DUPLICATE_KEY`, `NUMBER_FRACTION`), when it has one. */
  readonly reason?: string;
}

export abstract class PaymentsError extends Error {
  abstract readonly statusCode: number;
  abstract readonly code: string;
  readonly details?: readonly FieldIssue[];
  /** Seconds a client should wait before retrying (sent as Retry-After). */
  readonly retryAfterSeconds?: number;

  constructor(message: string, extra: { details?: readonly FieldIssue[]; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = new.target.name;
    this.details = extra.details;
    this.retryAfterSeconds = extra.retryAfterSeconds;
  }
}

export class ValidationError extends PaymentsError {
  readonly statusCode = 400;
  readonly code = 'VALIDATION_FAILED';
  constructor(details: readonly FieldIssue[]) {
    super('The request is invalid; see details.', { details });
  }
}

export class MalformedJsonError extends PaymentsError {
  readonly statusCode = 400;
  readonly code = 'MALFORMED_JSON';
  constructor(details?: readonly FieldIssue[]) {
    super('The request body must be a JSON object.', { details });
  }
}

/** 415: the body is not declared as JSON (`Content-Type: application/json`), or declared twice differently. */
export class UnsupportedMediaTypeError extends PaymentsError {
  readonly statusCode = 415;
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  constructor(issue: string, reason: string) {
    super('The request body must be sent as Content-Type: application/json.', { details: [{ field: 'Content-Type', issue, reason }] });
  }
}

/** A header sent more than once with different values (which one the client meant is unknowable). */
export class ConflictingHeaderError extends PaymentsError {
  readonly statusCode = 400;
  readonly code = 'CONFLICTING_HEADERS';
  constructor(header: string) {
    super(`The ${header} header was sent more than once with different values.`, { details: [{ field: header, issue: 'sent more than once with different values', reason: 'CONFLICTING_DUPLICATE_HEADER' }] });
  }
}

/** No merchant identity from the authorizer (the API must not route payment requests without it). */
export class UnauthenticatedError extends PaymentsError {
  readonly statusCode = 401;
  readonly code = 'UNAUTHENTICATED';
  constructor() {
    super('The request carries no authenticated merchant.');
  }
}

/** The body names another merchant than the credential's. */
export class MerchantMismatchError extends PaymentsError {
  readonly statusCode = 403;
  readonly code = 'MERCHANT_MISMATCH';
  constructor() {
    super('merchantId must be the merchant of the credential (or be omitted).', { details: [{ field: 'merchantId', issue: 'differs from the authenticated merchant', reason: 'MERCHANT_MISMATCH' }] });
  }
}

export class PayloadTooLargeError extends PaymentsError {
  readonly statusCode = 400;
  readonly code = 'PAYLOAD_TOO_LARGE';
  constructor(limitBytes: number) {
    super(`The request body must not exceed ${limitBytes} bytes.`, { details: [{ field: 'body', issue: `larger than ${limitBytes} bytes` }] });
  }
}

export class MissingIdempotencyKeyError extends PaymentsError {
  readonly statusCode = 400;
  readonly code = 'MISSING_IDEMPOTENCY_KEY';
  constructor(issue = 'required') {
    super('The Idempotency-Key header is required: 1 to 128 visible ASCII characters.', {
      details: [{ field: 'Idempotency-Key', issue }],
    });
  }
}

export class IdempotencyKeyReusedError extends PaymentsError {
  readonly statusCode = 422;
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor() {
    super('This Idempotency-Key was already used with a different request body; use a new key for a new payment.');
  }
}

export class RequestInProgressError extends PaymentsError {
  readonly statusCode = 409;
  readonly code = 'REQUEST_IN_PROGRESS';
  constructor(retryAfterSeconds = 1) {
    super('A request with this Idempotency-Key is still being processed; retry shortly.', { retryAfterSeconds });
  }
}

export class NotFoundError extends PaymentsError {
  readonly statusCode = 404;
  readonly code = 'NOT_FOUND';
  constructor(what: string) {
    super(`${what} was not found.`);
  }
}

export class ServiceUnavailableError extends PaymentsError {
  readonly statusCode = 503;
  readonly code = 'SERVICE_UNAVAILABLE';
  constructor(message: string, retryAfterSeconds = 2, cause?: unknown) {
    super(message, { retryAfterSeconds, cause });
  }
}

/** The retry processor met an item with the same transactionId but another request: never overwrite it. */
export class ConflictingPaymentError extends Error {
  constructor(readonly transactionId: string) {
    super(`payment ${transactionId} already exists with a different request`);
    this.name = 'ConflictingPaymentError';
  }
}

/** The fields of an AWS SDK v3 service or client error that classification needs. */
interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TransactionConflictException',
  'ReplicatedWriteConflictException',
  'LimitExceededException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'AbortError',
]);

const RETRYABLE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNABORTED']);

/**
 * True when an AWS call failed in a way a later attempt can fix: throttling, a server-side
 * fault (5xx), a timeout or a network failure. Validation and conditional-check failures are not.
 * Walks `cause` chains (Powertools wraps persistence errors).
 */
export function isRetryableAwsError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (typeof current !== 'object') return false;
    const e = current as SdkErrorShape;
    if (typeof e.name === 'string' && RETRYABLE_NAMES.has(e.name)) return true;
    if (typeof e.code === 'string' && RETRYABLE_NETWORK_CODES.has(e.code)) return true;
    if (e.$retryable !== undefined && e.$retryable !== null && e.$retryable !== false) return true;
    if (e.$fault === 'server') return true;
    const status = e.$metadata?.httpStatusCode;
    if (typeof status === 'number' && status >= 500) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** A short, log-safe description of any thrown value (name and message only, never payloads). */
export function describeError(error: unknown): { errorName: string; errorMessage: string } {
  if (error instanceof Error) return { errorName: error.name, errorMessage: error.message.slice(0, 300) };
  return { errorName: typeof error, errorMessage: String(error).slice(0, 300) };
}

/** The name of the innermost error in a `cause` chain (Powertools wraps SDK errors). */
export function rootErrorName(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5; depth++) {
    const cause: unknown = current instanceof Error ? current.cause : undefined;
    if (cause === undefined || cause === null) break;
    current = cause;
  }
  return describeError(current).errorName;
}
