/**
 * The sandbox in EVENTUAL mode (multi-Region eventual consistency, asynchronous, last writer wins)
 * with the real handlers: what the cross-region race and the DR retry after a primary 201 give in
 * this mode, stated precisely (a second commit that replication resolves by overwriting), and the
 * DynamoDB stream records each region delivers to its consumer, which carry both versions of such a
 * conflict (old and new image). One sandbox for the file, with a recording stream consumer.
 * The same cases in strong mode: consistency.strong.test.ts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { DynamoDBRecord } from 'aws-lambda';
import { SandboxControlClient } from './controlClient';
import { merchantHeaders } from './merchants';
import { startSandbox, type SandboxHandle } from './sandbox';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createPayment, getPayment, waitFor, warmPayments, type PaymentBody } from './testkit';
import type { SandboxEndpoints } from './types';

const TIME_SCALE = 0.02;
/** Replication lag of the races: long enough that both requests commit before either replicates, even on a busy machine. */
const DELAY_MS = 1_500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('eventual consistency mode (MREC, real handlers, recording stream consumer)', { timeout: 120_000 }, () => {
  let sandbox: SandboxHandle;
  let endpoints: SandboxEndpoints;
  let control: SandboxControlClient;
  /** The headers of the first seeded test merchant (every payment here is that merchant's). */
  let auth: Record<string, string>;
  let primary: string;
  let secondary: string;
  const logDir = mkdtempSync(join(tmpdir(), 'payments-dr-stream-test-'));
  const api = (region: string): string => endpoints.regions[region].api;

  /** Stream records the region's consumer received so far. */
  const delivered = (region: string): DynamoDBRecord[] => {
    try {
      return readFileSync(join(logDir, `${region}.jsonl`), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as DynamoDBRecord);
    } catch {
      return [];
    }
  };
  const recordsOf = (region: string, transactionId: string): DynamoDBRecord[] =>
    delivered(region).filter((r) => r.dynamodb?.Keys?.pk?.S?.endsWith(transactionId) && r.dynamodb.Keys.pk.S.startsWith('PAYMENT#'));
  /** Waits until both regions converge on one version of the payment, and returns it. */
  const converged = (transactionId: string): Promise<PaymentBody> =>
    waitFor(`${transactionId} converged`, async () => {
      if ((await control.state()).replication.pending > 0) return undefined;
      const [a, b] = await Promise.all([getPayment(api(primary), auth, transactionId), getPayment(api(secondary), auth, transactionId)]);
      return a.status === 200 && JSON.stringify(a.body) === JSON.stringify(b.body) ? a.body : undefined;
    }, 10_000);
  /** The overwrite the consumer of `region` sees: a MODIFY carrying the confirmed version as old image. */
  const overwriteSeen = (region: string, transactionId: string): Promise<DynamoDBRecord> =>
    waitFor(`MODIFY of ${transactionId} delivered in ${region}`, async () => recordsOf(region, transactionId).find((r) => r.eventName === 'MODIFY'), 5_000);

  before(async () => {
    process.env.SANDBOX_STREAM_LOG_DIR = logDir; // inherited by the region processes
    sandbox = await startSandbox({ timeScale: TIME_SCALE, consistencyMode: 'eventual', streamConsumer: join(__dirname, 'testStreamConsumer') });
    endpoints = sandbox.endpoints;
    control = new SandboxControlClient(endpoints.control);
    auth = merchantHeaders(endpoints);
    [primary, secondary] = Object.entries(endpoints.regions)
      .sort(([, a], [, b]) => (a.role === 'primary' ? -1 : b.role === 'primary' ? 1 : 0))
      .map(([name]) => name);
    await warmPayments([api(primary), api(secondary)], auth);
  });

  afterEach(async () => {
    await control.clearFaults();
  });

  after(async () => {
    await sandbox?.stop();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('reports the eventual mode in the ready line and GET /state', async () => {
    assert.equal(endpoints.consistencyMode, 'eventual');
    const state = await control.state();
    assert.equal(state.consistencyMode, 'eventual');
    assert.equal(state.strongConsistency, undefined);
  });

  it('delivers a stream record for local and for replicated writes in each region, shaped as DynamoDBStreamEvent records', async () => {
    const client = new DynamoDBClient({ region: primary, endpoint: endpoints.regions[primary].dynamodb, credentials: { accessKeyId: 'any', secretAccessKey: 'any' } });
    const pk = `PAYMENT#stream-${randomUUID()}`;
    try {
      await client.send(new PutItemCommand({ TableName: endpoints.tableName, Item: { pk: { S: pk }, amount: { N: '555' } } }));
    } finally {
      client.destroy();
    }
    for (const region of [primary, secondary]) {
      const [insert] = await waitFor(`INSERT in ${region}`, async () => {
        const records = delivered(region).filter((r) => r.dynamodb?.Keys?.pk?.S === pk);
        return records.length > 0 ? records : undefined;
      }, 5_000);
      assert.equal(insert.eventName, 'INSERT');
      assert.equal(insert.eventSource, 'aws:dynamodb');
      assert.equal(insert.awsRegion, region);
      assert.equal(insert.dynamodb?.StreamViewType, 'NEW_AND_OLD_IMAGES');
      assert.deepEqual(insert.dynamodb?.NewImage, { pk: { S: pk }, amount: { N: '555' } });
      assert.equal(insert.dynamodb?.OldImage, undefined);
      assert.match(insert.dynamodb?.SequenceNumber ?? '', /^\d{21,}$/);
      assert.ok(Number.isInteger(insert.dynamodb?.ApproximateCreationDateTime));
    }
    const streams = (await control.state()).streams;
    for (const region of [primary, secondary]) assert.ok(streams[region].consumer?.startsWith('transaction-log-writer-'));
  });

  /** Of two commits of one key, last writer wins: the later one (by creation, 200 ms apart) is kept. */
  const byCreation = (a: PaymentBody, b: PaymentBody): [PaymentBody, PaymentBody] => (Date.parse(a.createdAt) < Date.parse(b.createdAt) ? [a, b] : [b, a]);

  it('cross-region race, same body within the replication lag: both regions commit (201 each), last writer wins, and the overwrite is a MODIFY in the overwritten region\'s stream', async () => {
    for (const region of [primary, secondary]) await control.injectFault({ fault: 'replication-delay', region, delayMs: DELAY_MS });
    const key = randomUUID();
    const body = { amount: 1000, currency: 'USD' };
    const first = createPayment(api(primary), auth, key, body);
    await sleep(200);
    const [a, b] = await Promise.all([first, createPayment(api(secondary), auth, key, body)]);
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.equal(b.body.transactionId, a.body.transactionId, 'one transaction id per key');
    assert.equal(a.body.region, primary);
    assert.equal(b.body.region, secondary);
    const [loser, winner] = byCreation(a.body, b.body);
    const stored = await converged(a.body.transactionId);
    assert.deepEqual(stored, winner, 'the later write replaced the other confirmed version in both regions');
    const modify = await overwriteSeen(loser.region, a.body.transactionId);
    assert.equal(modify.dynamodb?.OldImage?.region?.S, loser.region);
    assert.equal(modify.dynamodb?.NewImage?.region?.S, winner.region);
  });

  it('cross-region race, different bodies within the replication lag: both 201, the later amount replaces the other confirmed one, and a replay of the overwritten request gets 422', async () => {
    for (const region of [primary, secondary]) await control.injectFault({ fault: 'replication-delay', region, delayMs: DELAY_MS });
    const key = randomUUID();
    const bodyA = { amount: 1000, currency: 'USD' };
    const bodyB = { amount: 900000, currency: 'USD' };
    const first = createPayment(api(primary), auth, key, bodyA);
    await sleep(200);
    const [a, b] = await Promise.all([first, createPayment(api(secondary), auth, key, bodyB)]);
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.equal(a.body.amount, 1000);
    assert.equal(b.body.amount, 900000);
    const [loser, winner] = byCreation(a.body, b.body);
    const stored = await converged(a.body.transactionId);
    assert.equal(stored.amount, winner.amount);
    const modify = await overwriteSeen(loser.region, a.body.transactionId);
    assert.equal(modify.dynamodb?.OldImage?.amount?.N, String(loser.amount), 'the stream keeps the overwritten version');
    assert.equal(modify.dynamodb?.NewImage?.amount?.N, String(winner.amount));
    await control.clearFaults();
    const loserBody = loser === a.body ? bodyA : bodyB;
    assert.equal((await createPayment(api(loser.region), auth, key, loserBody)).status, 422);
  });

  it('DR retry 100 ms after a 201 from the primary (failover before replication): a second commit in the DR region, which replaces the first', async () => {
    await control.injectFault({ fault: 'replication-delay', region: primary, delayMs: DELAY_MS });
    const key = randomUUID();
    const body = { amount: 4200, currency: 'EUR' };
    const first = await createPayment(api(primary), auth, key, body);
    assert.equal(first.status, 201);
    await sleep(100);
    const retry = await createPayment(api(secondary), auth, key, body);
    assert.equal(retry.status, 201);
    assert.equal(retry.body.transactionId, first.body.transactionId);
    assert.equal(retry.body.amount, first.body.amount);
    assert.notEqual(retry.body.createdAt, first.body.createdAt, 'committed a second time');
    const stored = await converged(first.body.transactionId);
    assert.deepEqual(stored, retry.body);
    await overwriteSeen(primary, first.body.transactionId);
  });

  it('afterwards the two tables hold the same payments (converged)', async () => {
    await waitFor('replication idle', async () => ((await control.state()).replication.pending === 0 ? true : undefined), 10_000);
    const ids = new Set([...delivered(primary), ...delivered(secondary)].flatMap((r) => (r.dynamodb?.Keys?.pk?.S?.startsWith('PAYMENT#') && r.dynamodb.NewImage?.transactionId ? [r.dynamodb.Keys.pk.S.slice('PAYMENT#'.length)] : [])));
    assert.ok(ids.size >= 3);
    for (const id of ids) await converged(id);
  });
});
