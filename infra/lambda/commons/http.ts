/** API Gateway REST proxy (payload 1.0) helpers: header lookup, body decoding, JSON responses. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { PaymentsError } from './errors';

/**
 * Every value a header was sent with, case-insensitively, from `multiValueHeaders` (all values) and
 * `headers` (API Gateway keeps the last value there). Repeated identical values count once.
 */
export function headerValues(event: Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'>, name: string): string[] {
  const wanted = name.toLowerCase();
  const values = new Set<string>();
  for (const [key, list] of Object.entries(event.multiValueHeaders ?? {})) {
    if (key.toLowerCase() === wanted) for (const v of list ?? []) values.add(v);
  }
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) values.add(value);
  }
  return [...values];
}

/** Case-insensitive header lookup (API Gateway preserves the client's casing). */
export function getHeader(event: Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  for (const [key, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (key.toLowerCase() === wanted && values !== undefined && values.length > 0) return values[0];
  }
  return undefined;
}

/** The raw request body as UTF-8 text (API Gateway base64-encodes binary media types). */
export function rawBody(event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>): string {
  if (event.body === null || event.body === undefined) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

const BASE_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' } as const;

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { ...BASE_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export interface ErrorBody {
  error: { code: string; message: string; details?: { field: string; issue: string; reason?: string }[] };
}

export function errorResponse(error: PaymentsError, requestId?: string): APIGatewayProxyResult {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.details !== undefined && error.details.length > 0) body.error.details = error.details.map((d) => ({ field: d.field, issue: d.issue, ...(d.reason === undefined ? {} : { reason: d.reason }) }));
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
  if (requestId !== undefined) headers['X-Request-Id'] = requestId;
  return jsonResponse(error.statusCode, body, headers);
}

export function internalErrorResponse(requestId?: string): APIGatewayProxyResult {
  const headers: Record<string, string> = requestId === undefined ? {} : { 'X-Request-Id': requestId };
  return jsonResponse(500, { error: { code: 'INTERNAL_ERROR', message: 'An unexpected error occurred; the request can be retried with the same Idempotency-Key.' } }, headers);
}

/**
 * The merchant the request acts for: only ever the authorizer's `context.merchantId`
 * (`event.requestContext.authorizer.merchantId`), never the body. Undefined without an authorizer.
 */
export function authenticatedMerchant(event: Pick<APIGatewayProxyEvent, 'requestContext'>): string | undefined {
  const authorizer = (event.requestContext as { authorizer?: Record<string, unknown> | null } | undefined)?.authorizer;
  const merchantId = authorizer?.merchantId;
  return typeof merchantId === 'string' && merchantId !== '' ? merchantId : undefined;
}
