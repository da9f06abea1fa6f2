/** Small typed HTTP helpers shared by the targets (Node 20 `fetch`). */
import type { PaymentReceipt, PaymentRequest } from './targets/target';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Fetch with a hard deadline; a timeout or refused connection becomes `undefined`-free errors. */
export async function fetchWithDeadline(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await fetch(url, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

export async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { raw: text.slice(0, 200) };
  }
}

/** Turns an API answer to POST /payments into a receipt (the handler contract's response shapes). */
export function toReceipt(httpStatus: number, body: unknown): PaymentReceipt {
  if (!isObject(body)) return { httpStatus };
  const error = body.error;
  return {
    httpStatus,
    transactionId: str(body.transactionId),
    status: str(body.status),
    region: str(body.region),
    errorCode: isObject(error) ? str(error.code) : undefined,
  };
}

/** POST /payments on an API base URL; network failures become a receipt with status 0. */
export async function postPayment(
  baseUrl: string,
  request: PaymentRequest,
  timeoutMs: number,
  extraHeaders: Record<string, string> = {},
): Promise<PaymentReceipt> {
  const body = JSON.stringify({
    merchantId: request.merchantId,
    amount: request.amount,
    currency: request.currency,
    reference: request.reference,
  });
  try {
    const response = await fetchWithDeadline(
      `${baseUrl.replace(/\/$/, '')}/payments`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': request.idempotencyKey, ...extraHeaders },
        body,
      },
      timeoutMs,
    );
    return toReceipt(response.status, await readJson(response));
  } catch (error) {
    return { httpStatus: 0, errorCode: error instanceof Error ? `NETWORK: ${error.message}` : 'NETWORK' };
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
