/** Helpers shared by the sandbox's tests (and usable by anyone driving a sandbox from code). */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { refusesConnections, waitFor } from '../localaws/http';

export { refusesConnections, waitFor };

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
  checks: { dynamodbWrite: 'ok' | 'failing'; manualFailover: 'off' | 'on' | 'unknown' };
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

/** One region's transaction log as its stream consumer wrote it: the payments of its log objects and its conflict objects. */
export interface RegionTransactionLog {
  /** Every logged payment (one per log line), keyed by transactionId (the last line seen wins). */
  payments: Map<string, Record<string, unknown>>;
  /** Conflict objects: `{ kind, transactionId, committed, current? }`. */
  conflicts: { kind: string; transactionId: string; committed: Record<string, unknown>; current?: Record<string, unknown> }[];
}

/**
 * Reads the transaction-log objects the region's own stream consumer wrote (`<prefix><region>/...`,
 * replicas of the other region's objects excluded): gzip'd JSON lines `{ payment, stream }` and
 * JSON conflict objects.
 */
export async function readTransactionLog(s3Endpoint: string, region: string, bucket: string, prefix = 'transactions/'): Promise<RegionTransactionLog> {
  const client = new S3Client({ region, endpoint: s3Endpoint, forcePathStyle: true, credentials: { accessKeyId: 'any', secretAccessKey: 'any' } });
  const log: RegionTransactionLog = { payments: new Map(), conflicts: [] };
  try {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}${region}/`, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        if (!object.Key) continue;
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
        const bytes = Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
        if (object.Key.includes('/conflicts/')) {
          log.conflicts.push(JSON.parse(bytes.toString('utf8')) as RegionTransactionLog['conflicts'][number]);
          continue;
        }
        const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
        for (const line of text.split('\n').filter(Boolean)) {
          const { payment } = JSON.parse(line) as { payment: Record<string, unknown> };
          if (typeof payment.transactionId === 'string') log.payments.set(payment.transactionId, payment);
        }
      }
      token = page.NextContinuationToken;
    } while (token);
  } finally {
    client.destroy();
  }
  return log;
}

/** What a sandbox case drives: the control API (the calls it needs), each region's API, a merchant's headers, the regions by role. */
export interface SandboxCase<Control> {
  control: Control;
  api: (region: string) => string;
  auth: Record<string, string>;
  primary: string;
  secondary: string;
}

/**
 * The accepted-payment case of both consistency modes: with DynamoDB writes failing in BOTH regions
 * (`throttling`), a payment gets 202 PENDING in the primary; the primary then goes down. The DR region
 * must answer it as PENDING, refuse its key with another body (422), and commit it itself once its
 * own writes work again, without the primary coming back; the primary then catches up.
 * Returns the payment as finally committed. Clears every fault it injected.
 */
export async function pendingSurvivesRegionLoss(
  ctx: SandboxCase<{ injectFault(spec: { fault: 'throttling' | 'region-down'; region: string }): Promise<unknown>; clearFault(fault: 'throttling' | 'region-down', region: string): Promise<boolean>; clearFaults(): Promise<unknown> }>,
): Promise<PaymentBody> {
  const { control, api, auth, primary, secondary } = ctx;
  const key = randomUUID();
  const bodyA = { amount: 2500, currency: 'USD' };
  try {
    for (const region of [primary, secondary]) await control.injectFault({ fault: 'throttling', region });
    const accepted = await createPayment(api(primary), auth, key, bodyA);
    assert.equal(accepted.status, 202, `accepted for later: ${JSON.stringify(accepted.body)}`);
    assert.equal(accepted.body.status, 'PENDING');
    await control.injectFault({ fault: 'region-down', region: primary });
    const seen = await getPayment(api(secondary), auth, accepted.body.transactionId);
    assert.equal(seen.status, 200, 'the DR region knows the accepted payment while the accepting region is down');
    assert.equal(seen.body.status, 'PENDING');
    assert.equal((await createPayment(api(secondary), auth, key, { amount: 999, currency: 'USD' })).status, 422, 'another body for a pending key');
    const again = await createPayment(api(secondary), auth, key, bodyA);
    assert.ok(again.status === 202 || again.status === 201, `the same body answers the pending payment, got ${again.status}`);
    assert.equal(again.body.transactionId, accepted.body.transactionId);
    await control.clearFault('throttling', secondary);
    const committed = await waitForPayment(api(secondary), auth, accepted.body.transactionId, 20_000, 'COMMITTED');
    assert.equal(committed.amount, bodyA.amount);
    assert.equal(committed.currency, bodyA.currency);
    await control.clearFaults();
    assert.deepEqual(await waitForPayment(api(primary), auth, accepted.body.transactionId, 10_000, 'COMMITTED'), committed, 'the primary caught up');
    return committed;
  } finally {
    await control.clearFaults();
  }
}

/**
 * The accepted-payment case after recovery, in both consistency modes: with DynamoDB writes failing
 * in BOTH regions, a payment gets 202 PENDING; both retry processors try it once and fail, so its
 * messages are invisible for a visibility timeout. DynamoDB then recovers and, before any processor
 * runs again, the same key with another body must get 422 in both regions (the pending window makes
 * them read the marker first; the conditional write alone would accept it), and the same body must
 * get 201 with the accepted payment exactly as accepted. Returns it. Clears every fault it injected.
 */
export async function pendingHonouredAfterRecovery(
  ctx: SandboxCase<{
    injectFault(spec: { fault: 'throttling'; region: string }): Promise<unknown>;
    clearFaults(): Promise<unknown>;
    state(): Promise<{ retryProcessing: Record<string, { failed: number }> }>;
  }>,
): Promise<PaymentBody> {
  const { control, api, auth, primary, secondary } = ctx;
  const regions = [primary, secondary];
  const failedSoFar = async () => (await control.state()).retryProcessing;
  const key = randomUUID();
  const bodyA = { amount: 4100, currency: 'USD' };
  try {
    for (const region of regions) await control.injectFault({ fault: 'throttling', region });
    const before = await failedSoFar();
    const accepted = await createPayment(api(primary), auth, key, bodyA);
    assert.equal(accepted.status, 202, `accepted for later: ${JSON.stringify(accepted.body)}`);
    // Both processors received the payment and failed it: nothing commits it for a visibility timeout.
    await waitFor('both retry processors tried and failed', async () => {
      const now = await failedSoFar();
      return regions.every((r) => (now[r]?.failed ?? 0) > (before[r]?.failed ?? 0)) ? true : undefined;
    }, 10_000, 20);
    await control.clearFaults();
    const other = await Promise.all(regions.map((r) => createPayment(api(r), auth, key, { amount: 999_999, currency: 'USD' })));
    assert.deepEqual(other.map((o) => o.status), [422, 422], `another body for the pending key, in both regions: ${JSON.stringify(other.map((o) => o.body))}`);
    const same = await createPayment(api(secondary), auth, key, bodyA);
    assert.equal(same.status, 201, JSON.stringify(same.body));
    assert.deepEqual(same.body, { ...accepted.body, status: 'COMMITTED' }, 'the accepted payment, exactly as accepted');
    // In eventual mode the other region answers PENDING (its marker) until the commit replicates.
    for (const region of regions) assert.deepEqual(await waitForPayment(api(region), auth, accepted.body.transactionId, 10_000, 'COMMITTED'), same.body, `answered unchanged in ${region}`);
    return same.body;
  } finally {
    await control.clearFaults();
  }
}
