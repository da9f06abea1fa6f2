/** Helpers shared by the sandbox's tests (and usable by anyone driving a sandbox from code). */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';

export interface PaymentBody {
  transactionId: string;
  status: string;
  amount: number;
  currency: string;
  merchantId: string;
  createdAt: string;
  region: string;
}

export interface HttpResult<T> {
  status: number;
  body: T;
  /** The region the front door routed to (only set on front-door answers). */
  servedBy: string | null;
}

/** Polls `probe` until it returns a value (not undefined) or the timeout passes. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function call<T>(url: string, init: RequestInit): Promise<HttpResult<T>> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T, servedBy: res.headers.get('x-sandbox-region') };
}

/**
 * POST /payments as the merchant whose headers `auth` carries (`merchantHeaders(endpoints, id)` from
 * ./merchants). The body names no merchant: the credential decides.
 */
export function createPayment(baseUrl: string, auth: Record<string, string>, key: string = randomUUID(), body: Record<string, unknown> = {}): Promise<HttpResult<PaymentBody>> {
  return call<PaymentBody>(`${baseUrl}/payments`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', 'Idempotency-Key': key },
    body: JSON.stringify({ amount: 1250, currency: 'USD', reference: 'sandbox test', ...body }),
  });
}

export function getPayment(baseUrl: string, auth: Record<string, string>, transactionId: string): Promise<HttpResult<PaymentBody>> {
  return call<PaymentBody>(`${baseUrl}/payments/${encodeURIComponent(transactionId)}`, { method: 'GET', headers: auth });
}

export interface HealthBody {
  status: string;
  region: string;
  checks: { dynamodbWrite: 'ok' | 'failing'; maintenance: 'off' | 'on' | 'unknown' };
}

export function getHealth(baseUrl: string): Promise<HttpResult<HealthBody>> {
  return call<HealthBody>(`${baseUrl}/health`, { method: 'GET' });
}

/** Waits until a payment is readable (200) at `baseUrl` by the merchant of `auth`. */
export function waitForPayment(baseUrl: string, auth: Record<string, string>, transactionId: string, timeoutMs: number, status?: string): Promise<PaymentBody> {
  return waitFor(
    `payment ${transactionId} at ${baseUrl}`,
    async () => {
      const r = await getPayment(baseUrl, auth, transactionId);
      return r.status === 200 && (status === undefined || r.body.status === status) ? r.body : undefined;
    },
    timeoutMs,
  );
}

/** True when nothing accepts TCP connections at the URL's port any more (a fresh connection, no pooling). */
export function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/** True while a process with this pid exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Answers a client should retry with the same Idempotency-Key (accepted for later, busy, or temporarily unavailable). */
export const RETRY_LATER_STATUSES: readonly number[] = [202, 409, 429, 500, 502, 503];

/**
 * Sends the request again, as a client would, while its answer is one to retry later, until the
 * answer is final (201 or a 4xx other than 409/429) or `attempts` are used. Returns every answer.
 */
export async function settlePayment(
  baseUrl: string,
  auth: Record<string, string>,
  key: string,
  body: Record<string, unknown>,
  first: HttpResult<PaymentBody>,
  { attempts = 25, everyMs = 200 }: { attempts?: number; everyMs?: number } = {},
): Promise<HttpResult<PaymentBody>[]> {
  const answers = [first];
  let last = first;
  for (let i = 0; i < attempts && RETRY_LATER_STATUSES.includes(last.status); i++) {
    await new Promise((r) => setTimeout(r, everyMs));
    last = await createPayment(baseUrl, auth, key, body);
    answers.push(last);
  }
  return answers;
}

/**
 * Warms each API's createPayment once (its first invocation creates the SDK clients), so that cases
 * about regions are not decided by a cold start on a busy machine. Waits out "retry later" answers.
 */
export async function warmPayments(apis: readonly string[], auth: Record<string, string>): Promise<void> {
  for (const api of apis) {
    const key = randomUUID();
    await settlePayment(api, auth, key, {}, await createPayment(api, auth, key));
  }
}
