/**
 * The sandbox in EVENTUAL mode (multi-Region eventual consistency, asynchronous, last writer wins)
 * with the real handlers: what the cross-region race and the DR retry after a primary 201 give in
 * this mode, stated precisely (a second commit that replication resolves by overwriting), and the
 * DynamoDB stream records each region delivers to its real consumer (transactionLogWriter), which
 * keeps both versions of such a conflict as a conflict object. One sandbox for the file.
 * An accepted payment (202 PENDING) survives the loss of the region that accepted it.
 * The same cases in strong mode: consistency.strong.test.ts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { drRetryAfterPrimary201, useSandbox } from './fixture';
import { createPayment, getPayment, pendingHonouredAfterRecovery, pendingSurvivesRegionLoss, readTransactionLog, waitFor, type PaymentBody } from './testkit';

const TIME_SCALE = 0.02;
/** Replication lag of the races: long enough that both requests commit before either replicates, even on a busy machine. */
const DELAY_MS = 1_500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('eventual consistency mode (MREC, real handlers and stream consumer)', { timeout: 120_000 }, () => {
  const f = useSandbox({ timeScale: TIME_SCALE, consistencyMode: 'eventual' }, { warm: true });
  const { api } = f;
  const transactionLog = (region: string) => readTransactionLog(f.endpoints.regions[region].s3, region, f.endpoints.regions[region].bucket);
  /** Waits until both regions converge on one version of the payment, and returns it. */
  const converged = (transactionId: string): Promise<PaymentBody> =>
    waitFor(`${transactionId} converged`, async () => {
      if ((await f.control.state()).replication.pending > 0) return undefined;
      const [a, b] = await Promise.all([getPayment(api(f.primary), f.auth, transactionId), getPayment(api(f.secondary), f.auth, transactionId)]);
      return a.status === 200 && JSON.stringify(a.body) === JSON.stringify(b.body) ? a.body : undefined;
    }, 10_000);
  /** The conflict the stream consumer of `region` kept for `transactionId`: both versions. */
  const conflictKept = (region: string, transactionId: string) =>
    waitFor(`conflict of ${transactionId} kept in ${region}`, async () => (await transactionLog(region)).conflicts.find((c) => c.transactionId === transactionId), 10_000);

  /** Once both streams are delivered: the payment is in both regions' logs and neither kept a conflict for it. */
  const sameRequestLogged = async (transactionId: string, amount: number): Promise<void> => {
    await waitFor('streams delivered', async () => {
      const s = await f.control.state();
      return s.replication.pending === 0 && [f.primary, f.secondary].every((r) => s.streams[r]?.pending === 0) ? true : undefined;
    }, 15_000);
    for (const region of [f.primary, f.secondary]) {
      const log = await transactionLog(region);
      assert.equal(log.payments.get(transactionId)?.amount, amount, `${transactionId} logged by ${region}`);
      assert.deepEqual(log.conflicts.filter((c) => c.transactionId === transactionId), [], `${region}: same request, no conflict`);
    }
  };

  it('reports the eventual mode in the ready line and GET /state', async () => {
    assert.equal(f.endpoints.consistencyMode, 'eventual');
    const state = await f.control.state();
    assert.equal(state.consistencyMode, 'eventual');
    assert.equal(state.strongConsistency, undefined);
  });

  it('delivers every change to both regions\' stream consumers: a payment committed in one region is in each region\'s own transaction log', async () => {
    const created = await createPayment(api(f.primary), f.auth, randomUUID(), { amount: 555 });
    assert.equal(created.status, 201);
    for (const region of [f.primary, f.secondary]) {
      const logged = await waitFor(`${created.body.transactionId} logged by ${region}`, async () => (await transactionLog(region)).payments.get(created.body.transactionId), 10_000);
      assert.equal(logged.amount, 555);
      assert.equal(logged.createdAt, created.body.createdAt);
    }
    const streams = (await f.control.state()).streams;
    for (const region of [f.primary, f.secondary]) assert.equal(streams[region].consumer, `transaction-log-writer-${f.endpoints.stack}-${region}`);
  });

  /**
   * Of two confirmed versions of one key, the one both regions converged on (last writer wins by
   * commit time, which on a busy machine need not follow the requests' order) and the overwritten one.
   */
  const resolved = async (a: PaymentBody, b: PaymentBody): Promise<{ winner: PaymentBody; loser: PaymentBody }> => {
    const stored = await converged(a.transactionId);
    const same = (x: PaymentBody) => JSON.stringify(x) === JSON.stringify(stored);
    assert.ok(same(a) || same(b), 'both regions hold one of the two confirmed versions');
    return same(a) ? { winner: a, loser: b } : { winner: b, loser: a };
  };

  it('cross-region race, same body within the replication lag: both regions commit (201 each), last writer wins on createdAt and region, and the log holds the payment once, without a conflict', async () => {
    for (const region of [f.primary, f.secondary]) await f.control.injectFault({ fault: 'replication-delay', region, delayMs: DELAY_MS });
    const key = randomUUID();
    const body = { amount: 1000, currency: 'USD' };
    const first = createPayment(api(f.primary), f.auth, key, body);
    await sleep(200);
    const [a, b] = await Promise.all([first, createPayment(api(f.secondary), f.auth, key, body)]);
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.equal(b.body.transactionId, a.body.transactionId, 'one transaction id per key');
    assert.equal(a.body.region, f.primary);
    assert.equal(b.body.region, f.secondary);
    const { loser } = await resolved(a.body, b.body);
    assert.notDeepEqual((await getPayment(api(loser.region), f.auth, loser.transactionId)).body, loser, 'a confirmed version is no longer what its own region answers');
    // The same request (same request hash) committed twice: the stream consumer logs the payment once
    // and keeps no conflict; only its createdAt and region differ between the two versions.
    await sameRequestLogged(a.body.transactionId, 1000);
  });

  it('cross-region race, different bodies within the replication lag: both 201, the later amount replaces the other confirmed one, the overwritten region keeps both versions as a conflict, and a replay of the overwritten request gets 422', async () => {
    for (const region of [f.primary, f.secondary]) await f.control.injectFault({ fault: 'replication-delay', region, delayMs: DELAY_MS });
    const key = randomUUID();
    const bodyA = { amount: 1000, currency: 'USD' };
    const bodyB = { amount: 900000, currency: 'USD' };
    const first = createPayment(api(f.primary), f.auth, key, bodyA);
    await sleep(200);
    const [a, b] = await Promise.all([first, createPayment(api(f.secondary), f.auth, key, bodyB)]);
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.equal(a.body.amount, 1000);
    assert.equal(b.body.amount, 900000);
    const { winner, loser } = await resolved(a.body, b.body);
    const conflict = await conflictKept(loser.region, a.body.transactionId);
    assert.equal(conflict.committed.amount, loser.amount, 'the overwritten confirmed amount is kept');
    assert.equal(conflict.current?.amount, winner.amount);
    await f.control.clearFaults();
    const loserBody = loser === a.body ? bodyA : bodyB;
    assert.equal((await createPayment(api(loser.region), f.auth, key, loserBody)).status, 422);
  });

  it('DR retry 100 ms after a 201 from the primary (failover before replication): a second commit in the DR region, which replaces the first (same amount; createdAt and region change), logged once without a conflict', async () => {
    const { first, retry } = await drRetryAfterPrimary201(f, DELAY_MS);
    assert.equal(retry.status, 201);
    assert.equal(retry.body.transactionId, first.body.transactionId);
    assert.equal(retry.body.amount, first.body.amount);
    assert.notEqual(retry.body.createdAt, first.body.createdAt, 'committed a second time');
    const stored = await converged(first.body.transactionId);
    assert.deepEqual(stored, retry.body);
    await sameRequestLogged(first.body.transactionId, 4200);
  });

  it('an accepted payment (202 PENDING) survives the loss of the region that accepted it: the DR region answers it, refuses its key with another body, and commits it', async () => {
    const committed = await pendingSurvivesRegionLoss(f);
    assert.equal(committed.status, 'COMMITTED');
  });

  it('a 202 is honoured after DynamoDB recovers, before any retry processor commits it: another body is 422 in both regions, the same body gets the accepted payment', async () => {
    const committed = await pendingHonouredAfterRecovery(f);
    assert.equal(committed.status, 'COMMITTED');
  });

  it('afterwards the two tables hold the same payments (converged), and each region\'s log holds the version the table holds', async () => {
    await waitFor('replication idle and streams delivered', async () => {
      const s = await f.control.state();
      return s.replication.pending === 0 && [f.primary, f.secondary].every((r) => s.streams[r]?.pending === 0) ? true : undefined;
    }, 15_000);
    const logs = await Promise.all([f.primary, f.secondary].map(transactionLog));
    const ids = new Set(logs.flatMap((l) => [...l.payments.keys()]));
    assert.ok(ids.size >= 4);
    for (const id of ids) {
      const stored = await converged(id);
      for (const log of logs) {
        const logged = log.payments.get(id);
        assert.equal(logged?.amount, stored.amount, `${id}: the logged amount is the stored one`);
        assert.equal(logged?.currency, stored.currency);
      }
    }
  });
});
