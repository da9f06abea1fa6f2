/** API Gateway REST proxy (payload 1.0) helpers: header lookup, body decoding, JSON responses. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { PaymentsError } from './errors';

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
  error: { code: string; message: string; details?: { field: string; issue: string }[] };
}

export function errorResponse(error: PaymentsError, requestId?: string): APIGatewayProxyResult {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.details !== undefined && error.details.length > 0) body.error.details = error.details.map((d) => ({ field: d.field, issue: d.issue }));
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
  if (requestId !== undefined) headers['X-Request-Id'] = requestId;
  return jsonResponse(error.statusCode, body, headers);
}

export function internalErrorResponse(requestId?: string): APIGatewayProxyResult {
  const headers: Record<string, string> = requestId === undefined ? {} : { 'X-Request-Id': requestId };
  return jsonResponse(500, { error: { code: 'INTERNAL_ERROR', message: 'An unexpected error occurred; the request can be retried with the same Idempotency-Key.' } }, headers);
}
