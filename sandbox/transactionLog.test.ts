/**
 * The transaction log on the sandbox, written by the REAL stream consumer (transactionLogWriter) from
 * each region's DynamoDB stream (local and replicated writes), eventual mode:
 * - a cross-region race that last-writer-wins resolves by overwriting a confirmed payment is
 *   detected in the overwritten region and kept: a conflict object holds BOTH versions;
 * - each region's own log is complete whichever region committed, including payments committed
 *   while the other region was down, and S3 replication copies it beside the other region's.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { ConflictRecord, LogLine } from '../infra/lambda/streamLog/transactionLogBatch';
import { useSandbox } from './fixture';
import { objectUrl } from './objectReplicator';
import { createPayment, waitFor, type PaymentBody } from './testkit';

const TIME_SCALE = 0.02;
/** Long enough that both racing requests commit before either replicates. */
const DELAY_MS = 1_500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('transaction log from the stream (sandbox, eventual mode, real stream consumer)', { timeout: 120_000 }, () => {
  const f = useSandbox({ timeScale: TIME_SCALE, consistencyMode: 'eventual' }, { warm: true });
  const region = (name: string) => f.sandbox.endpoints.regions[name];

  /** Keys of a bucket under a prefix (s3rver serves unsigned path-style requests). */
  async function keys(inRegion: string, prefix: string): Promise<string[]> {
    const r = region(inRegion);
    const res = await fetch(`${r.s3}/${r.bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}&max-keys=1000`);
    return [...(await res.text()).matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]);
  }
  async function object(inRegion: string, key: string): Promise<Buffer> {
    const r = region(inRegion);
    return Buffer.from(await (await fetch(objectUrl(r.s3, r.bucket, key))).arrayBuffer());
  }
  /** Every log line under `<prefix><writer>/` in `inRegion`'s bucket. */
  async function logLines(inRegion: string, writer: string): Promise<LogLine[]> {
    const lines: LogLine[] = [];
    for (const key of await keys(inRegion, `transactions/${writer}/`)) {
      if (!key.endsWith('.jsonl.gz')) continue;
      lines.push(...gunzipSync(await object(inRegion, key)).toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as LogLine));
    }
    return lines;
  }
  const logged = (inRegion: string, writer: string, transactionId: string): Promise<LogLine[]> =>
    waitFor(`${transactionId} in ${inRegion}'s copy of ${writer}'s log`, async () => {
      const found = (await logLines(inRegion, writer)).filter((l) => l.payment.transactionId === transactionId);
      return found.length > 0 ? found : undefined;
    }, 20_000, 200);

  it('keeps both confirmed versions when a cross-region race is resolved by overwriting one', async () => {
    for (const r of [f.primary, f.secondary]) await f.control.injectFault({ fault: 'replication-delay', region: r, delayMs: DELAY_MS });
    const key = randomUUID();
    const first = createPayment(region(f.primary).api, f.auth, key, { amount: 1000 });
    await sleep(200);
    const [a, b] = await Promise.all([first, createPayment(region(f.secondary).api, f.auth, key, { amount: 900000 })]);
    assert.deepEqual([a.status, b.status], [201, 201], 'eventual mode checks the condition in one region only');
    const confirmed = new Set([1000, 900000]);
    // One region's confirmed version is overwritten by the other's: that region's writer keeps both.
    const conflict = await waitFor('a conflict object in either region', async () => {
      for (const r of [f.primary, f.secondary]) {
        const [conflictKey] = await keys(r, `transactions/${r}/conflicts/`);
        if (conflictKey) return { key: conflictKey, record: JSON.parse((await object(r, conflictKey)).toString('utf8')) as ConflictRecord };
      }
      return undefined;
    }, 20_000, 200);
    assert.equal(conflict.record.kind, 'overwritten');
    assert.equal(conflict.record.transactionId, a.body.transactionId);
    assert.deepEqual(new Set([conflict.record.committed.amount, conflict.record.current?.amount]), confirmed, 'both confirmed amounts are kept');
    assert.notEqual(conflict.record.committed.requestHash, conflict.record.current?.requestHash);
    assert.match(conflict.key, new RegExp(`^transactions/${conflict.record.detectedIn}/conflicts/\\d{4}/\\d{2}/\\d{2}/${a.body.transactionId}/`));
  });

  it('logs in each region a payment committed while the other region was down, and replicates each log to the other bucket', async () => {
    await f.control.injectFault({ fault: 'region-down', region: f.secondary });
    const res = await createPayment(region(f.primary).api, f.auth, randomUUID(), { amount: 4242 });
    assert.equal(res.status, 201);
    const payment: PaymentBody = res.body;
    // The primary's own log has it while the secondary is down.
    const [line] = await logged(f.primary, f.primary, payment.transactionId);
    assert.deepEqual([line.payment.amount, line.payment.status, line.stream.eventName], [4242, 'COMMITTED', 'INSERT']);
    await f.control.clearFaults();
    // Back up: the secondary's stream carries the replicated write, so its own log has it too ...
    await logged(f.secondary, f.secondary, payment.transactionId);
    // ... and each region's log objects are copied into the other's bucket, under their own region prefix.
    await logged(f.secondary, f.primary, payment.transactionId);
    await logged(f.primary, f.secondary, payment.transactionId);
  });

  it('replicates the transaction-log prefix only: a pending-payment marker stays in the region that wrote it', async () => {
    const id = randomUUID();
    const put = (key: string) => fetch(objectUrl(region(f.primary).s3, region(f.primary).bucket, key), { method: 'PUT', body: '{}', headers: { 'Content-Type': 'application/json' } });
    // The marker first: were it replicated, it would be copied no later than the log object after it.
    assert.equal((await put(`pending/${id}.json`)).status, 200);
    assert.equal((await put(`transactions/probe/${id}.json`)).status, 200);
    await waitFor('the log object in the other region', async () => ((await keys(f.secondary, `transactions/probe/${id}`)).length > 0 ? true : undefined), 20_000, 200);
    await sleep(500);
    assert.deepEqual(await keys(f.secondary, `pending/${id}`), [], 'the marker is not replicated');
    assert.deepEqual(await keys(f.primary, `pending/${id}`), [`pending/${id}.json`]);
  });
});
