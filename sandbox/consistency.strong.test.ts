/**
 * The sandbox in STRONG mode (emulated DynamoDB multi-Region strong consistency, two replicas and a
 * witness) with the real handlers: the cross-region race with the same and with different bodies,
 * the DR retry right after a primary 201, region-down (the other region keeps committing),
 * replication-stalled (the cut-off replica refuses writes and strongly consistent reads and catches
 * up), ReplicatedWriteConflictException, and afterwards both replicas hold the same payments,
 * emitted the same stream records, and each region's transaction log (written by the real stream
 * consumer, transactionLogWriter) holds every confirmed payment with no conflict. One sandbox for the file; every test clears its faults.
 * An accepted payment (202 PENDING) survives the loss of the region that accepted it.
 * The same cases in eventual mode: consistency.eventual.test.ts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { drRetryAfterPrimary201, useSandbox } from './fixture';
import { createPayment, getPayment, readTransactionLog, RETRY_LATER_STATUSES, pendingHonouredAfterRecovery, pendingSurvivesRegionLoss, settlePayment, waitFor, type HttpResult, type PaymentBody } from './testkit';

const TIME_SCALE = 0.02;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('strong consistency mode (emulated MRSC, real handlers)', { timeout: 120_000 }, () => {
  const f = useSandbox({ timeScale: TIME_SCALE, consistencyMode: 'strong' }, { warm: true });
  const { api } = f;
  /** One attempt per call, so the test sees what DynamoDB answers rather than the SDK's retries. */
  const dynamo = new Map<string, DynamoDBClient>();
  /** Every 201 a client received in this file: each must still be what both regions answer at the end. */
  const confirmed: PaymentBody[] = [];
  const record = (answers: HttpResult<PaymentBody>[]): void => {
    for (const a of answers) if (a.status === 201) confirmed.push(a.body);
  };

  before(() => {
    for (const [region, r] of Object.entries(f.endpoints.regions)) {
      dynamo.set(region, new DynamoDBClient({ region, endpoint: r.dynamodb, maxAttempts: 1, credentials: { accessKeyId: 'any', secretAccessKey: 'any' } }));
    }
  });

  after(() => {
    for (const c of dynamo.values()) c.destroy();
  });

  const db = (region: string): DynamoDBClient => dynamo.get(region) as DynamoDBClient;
  const put = (region: string, pk: string, v: number, condition?: string) =>
    db(region).send(
      new PutItemCommand({
        TableName: f.endpoints.tableName,
        Item: { pk: { S: pk }, v: { N: String(v) } },
        ...(condition ? { ConditionExpression: condition } : {}),
      }),
    );
  const read = async (region: string, pk: string, consistent: boolean): Promise<number | undefined> => {
    const out = await db(region).send(new GetItemCommand({ TableName: f.endpoints.tableName, Key: { pk: { S: pk } }, ConsistentRead: consistent }));
    return out.Item?.v?.N === undefined ? undefined : Number(out.Item.v.N);
  };
  const errorName = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
      return 'no error';
    } catch (err) {
      return err instanceof Error ? err.name : String(err);
    }
  };

  it('reports the strong mode in the ready line and GET /state', async () => {
    assert.equal(f.endpoints.consistencyMode, 'strong');
    const state = await f.control.state();
    assert.equal(state.consistencyMode, 'strong');
    assert.ok(state.strongConsistency?.[f.primary] && state.strongConsistency[f.secondary]);
  });

  it('cross-region race, same body within the replication lag: one commit, both clients end with the same 201 body', async (t) => {
    for (const region of [f.primary, f.secondary]) await f.control.injectFault({ fault: 'replication-delay', region, delayMs: 300 });
    const key = randomUUID();
    const body = { amount: 1000, currency: 'USD' };
    const first = createPayment(api(f.primary), f.auth, key, body);
    await sleep(100);
    const second = createPayment(api(f.secondary), f.auth, key, body);
    const [a, b] = await Promise.all([first, second]);
    t.diagnostic(`first answers: ${f.primary} ${a.status}, ${f.secondary} ${b.status}`);
    const answersA = await settlePayment(api(f.primary), f.auth, key, body, a);
    const answersB = await settlePayment(api(f.secondary), f.auth, key, body, b);
    record([...answersA, ...answersB]);
    const finalA = answersA[answersA.length - 1];
    const finalB = answersB[answersB.length - 1];
    assert.equal(finalA.status, 201);
    assert.equal(finalB.status, 201);
    assert.deepEqual(finalB.body, finalA.body);
    for (const answer of [...answersA, ...answersB]) if (answer.status === 201) assert.deepEqual(answer.body, finalA.body);
    for (const region of [f.primary, f.secondary]) assert.deepEqual((await getPayment(api(region), f.auth, finalA.body.transactionId)).body, finalA.body);
  });

  it('cross-region race, different bodies within the replication lag: one commit, the other request gets 422', async (t) => {
    for (const region of [f.primary, f.secondary]) await f.control.injectFault({ fault: 'replication-delay', region, delayMs: 300 });
    const key = randomUUID();
    const bodyA = { amount: 1000, currency: 'USD' };
    const bodyB = { amount: 900000, currency: 'USD' };
    const first = createPayment(api(f.primary), f.auth, key, bodyA);
    await sleep(100);
    const second = createPayment(api(f.secondary), f.auth, key, bodyB);
    const [a, b] = await Promise.all([first, second]);
    t.diagnostic(`first answers: ${f.primary} ${a.status}, ${f.secondary} ${b.status}`);
    const answersA = await settlePayment(api(f.primary), f.auth, key, bodyA, a);
    const answersB = await settlePayment(api(f.secondary), f.auth, key, bodyB, b);
    record([...answersA, ...answersB]);
    const finals = [answersA[answersA.length - 1], answersB[answersB.length - 1]];
    assert.deepEqual(finals.map((f) => f.status).sort(), [201, 422]);
    const committed = finals.find((f) => f.status === 201) as HttpResult<PaymentBody>;
    const all201 = [...answersA, ...answersB].filter((x) => x.status === 201);
    for (const answer of all201) assert.deepEqual(answer.body, committed.body, 'no client ever saw a 201 for the other body');
    for (const region of [f.primary, f.secondary]) assert.deepEqual((await getPayment(api(region), f.auth, committed.body.transactionId)).body, committed.body);
  });

  it('DR retry 100 ms after a 201 from the primary: the same 201 body, one payment', async (t) => {
    const { key, body, first, retry } = await drRetryAfterPrimary201(f, 300);
    t.diagnostic(`DR retry first answered ${retry.status}`);
    const answers = await settlePayment(api(f.secondary), f.auth, key, body, retry);
    record([first, ...answers]);
    for (const answer of answers) assert.ok(answer.status === 201 || RETRY_LATER_STATUSES.includes(answer.status), `answered ${answer.status}`);
    const final = answers[answers.length - 1];
    assert.equal(final.status, 201);
    assert.deepEqual(final.body, first.body);
    for (const answer of answers) if (answer.status === 201) assert.deepEqual(answer.body, first.body);
    for (const region of [f.primary, f.secondary]) assert.deepEqual((await getPayment(api(region), f.auth, first.body.transactionId)).body, first.body);
  });

  it('ReplicatedWriteConflictException while another region writes the key; strongly consistent reads and conditions see the latest write in either region', async () => {
    await f.control.injectFault({ fault: 'replication-delay', region: f.primary, delayMs: 1_000 });
    const pk = `TEST#${randomUUID()}`;
    const write = put(f.primary, pk, 1);
    // In flight: written in the primary's replica, not yet acknowledged (the key is locked meanwhile).
    await waitFor('the write in flight', async () => ((await read(f.primary, pk, false)) === 1 ? true : undefined), 900, 5);
    assert.equal(await errorName(put(f.secondary, pk, 2)), 'ReplicatedWriteConflictException');
    // Started while the write is in flight, answered once it is acknowledged: the latest version.
    const strongRead = read(f.secondary, pk, true);
    await write;
    assert.equal(await strongRead, 1);
    assert.equal(await read(f.secondary, pk, false), 1, 'acknowledged only once visible in the other replica');
    // The condition is checked against the latest version, wherever it was written.
    assert.equal(await errorName(put(f.secondary, pk, 3, 'attribute_not_exists(pk)')), 'ConditionalCheckFailedException');
    await f.control.clearFaults();
    await put(f.secondary, pk, 4); // no longer being written elsewhere: the retry succeeds
    assert.equal(await read(f.primary, pk, true), 4);
    const state = await f.control.state();
    assert.ok((state.strongConsistency?.[f.secondary].replicatedWriteConflicts ?? 0) >= 1);
  });

  it('region-down: the other region keeps committing (quorum with the witness); the region catches up when back', async () => {
    await f.control.injectFault({ fault: 'region-down', region: f.primary });
    const created = await createPayment(api(f.secondary), f.auth, randomUUID(), { amount: 777, currency: 'USD' });
    record([created]);
    assert.equal(created.status, 201);
    // The down region's replica has no quorum: no writes, but eventually consistent reads.
    const pk = `TEST#${randomUUID()}`;
    assert.equal(await errorName(put(f.primary, pk, 1)), 'ServiceUnavailable');
    assert.equal(await read(f.primary, pk, false), undefined);
    const pending = (await f.control.state()).replication.directions.find((d) => d.target === f.primary);
    assert.ok((pending?.pending ?? 0) > 0, 'the committed writes wait for the down region');
    await f.control.clearFaults();
    const seen = await waitFor('the primary caught up', async () => {
      const r = await getPayment(api(f.primary), f.auth, created.body.transactionId);
      return r.status === 200 ? r.body : undefined;
    }, 10_000);
    assert.deepEqual(seen, created.body);
  });

  it('replication-stalled cuts a replica off: its writes and strongly consistent reads fail, the other region commits, and it catches up', async (t) => {
    await f.control.injectFault({ fault: 'replication-stalled', region: f.primary });
    const pk = `TEST#${randomUUID()}`;
    assert.equal(await errorName(put(f.primary, pk, 1)), 'ServiceUnavailable');
    assert.equal(await errorName(read(f.primary, pk, true)), 'ServiceUnavailable');
    assert.equal(await read(f.primary, pk, false), undefined, 'eventually consistent reads are still served');
    const inSecondary = await createPayment(api(f.secondary), f.auth, randomUUID(), { amount: 31, currency: 'GBP' });
    record([inSecondary]);
    assert.equal(inSecondary.status, 201);
    const inPrimaryKey = randomUUID();
    const inPrimary = await createPayment(api(f.primary), f.auth, inPrimaryKey, { amount: 32, currency: 'GBP' });
    t.diagnostic(`POST /payments in the cut-off region answered ${inPrimary.status}`);
    assert.ok(((await f.control.state()).strongConsistency?.[f.primary].unavailable ?? 0) > 0, 'the cut-off replica refused the write');
    if (inPrimary.status === 201) {
      // Not in the cut-off replica: the handler committed it through the other region's replica.
      assert.equal((await getPayment(api(f.secondary), f.auth, inPrimary.body.transactionId)).status, 200);
      assert.equal(await read(f.primary, `PAYMENT#${inPrimary.body.transactionId}`, false), undefined, 'the cut-off replica does not have it yet');
    }
    await f.control.clearFaults();
    await waitFor('the primary caught up', async () => ((await getPayment(api(f.primary), f.auth, inSecondary.body.transactionId)).status === 200 ? true : undefined), 10_000);
    assert.deepEqual((await getPayment(api(f.primary), f.auth, inSecondary.body.transactionId)).body, inSecondary.body);
    // Whatever the cut-off region answered, the same request now gets one final answer everywhere.
    const answers = await settlePayment(api(f.primary), f.auth, inPrimaryKey, { amount: 32, currency: 'GBP' }, inPrimary);
    record(answers);
    const final = answers[answers.length - 1];
    assert.equal(final.status, 201);
    assert.deepEqual((await getPayment(api(f.secondary), f.auth, final.body.transactionId)).body, final.body);
  });

  it('an accepted payment (202 PENDING) survives the loss of the region that accepted it: the DR region answers it, refuses its key with another body, and commits it', async () => {
    const committed = await pendingSurvivesRegionLoss(f);
    record([{ status: 201, body: committed, servedBy: null }]);
    assert.equal(committed.status, 'COMMITTED');
  });

  it('a 202 is honoured after DynamoDB recovers, before any retry processor commits it: another body is 422 in both regions, the same body gets the accepted payment', async () => {
    const committed = await pendingHonouredAfterRecovery(f);
    record([{ status: 201, body: committed, servedBy: null }]);
  });

  it('afterwards both regions answer every confirmed payment unchanged, both replicas emitted the same stream records, and each region\'s transaction log holds every confirmed payment with no conflict', async () => {
    await waitFor('replication idle', async () => ((await f.control.state()).replication.pending === 0 ? true : undefined), 10_000);
    assert.ok(confirmed.length >= 5);
    for (const body of confirmed) {
      for (const region of [f.primary, f.secondary]) assert.deepEqual((await getPayment(api(region), f.auth, body.transactionId)).body, body, `${body.transactionId} in ${region}`);
    }
    const streams = await waitFor('streams emitted alike and delivered', async () => {
      const s = (await f.control.state()).streams;
      const done = [f.primary, f.secondary].every((r) => s[r]?.pending === 0 && s[r].emitted > 0);
      return done && s[f.primary].emitted === s[f.secondary].emitted ? s : undefined;
    }, 15_000);
    for (const region of [f.primary, f.secondary]) assert.equal(streams[region].consumer, `transaction-log-writer-${f.endpoints.stack}-${region}`);
    for (const region of [f.primary, f.secondary]) {
      const log = await readTransactionLog(f.endpoints.regions[region].s3, region, f.endpoints.regions[region].bucket);
      assert.deepEqual(log.conflicts, [], `${region}: no confirmed payment was ever overwritten`);
      for (const body of confirmed) {
        const logged = log.payments.get(body.transactionId);
        assert.ok(logged, `${body.transactionId} is in ${region}'s transaction log`);
        assert.equal(logged.amount, body.amount);
        assert.equal(logged.currency, body.currency);
        assert.equal(logged.createdAt, body.createdAt);
      }
    }
  });
});
