/**
 * The sandbox end to end with the REAL handlers, data: global-table replication in both directions
 * with measured lag and no echo, the replication-stalled / replication-delay faults, last writer
 * wins, DynamoDB throttling (the peer region's replica commits; both throttled: 202 PENDING, then
 * the real retry processor commits), the control
 * interface's validation, and a clean stop. One sandbox for the file; every test clears its faults.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SandboxControlError } from './controlClient';
import { useSandbox } from './fixture';
import { createPayment, getHealth, getPayment, processExists, refusesConnections, waitFor, waitForPayment } from './testkit';

const TIME_SCALE = 0.02;

describe('sandbox replication and faults (two regions, real handlers)', { timeout: 60_000 }, () => {
  const f = useSandbox({ timeScale: TIME_SCALE, objectReplication: true, consistencyMode: 'eventual' }, { clearFaultsAfterEach: false });
  const dynamo = new Map<string, DynamoDBClient>();
  const s3 = new Map<string, S3Client>();

  before(async () => {
    for (const [region, r] of Object.entries(f.endpoints.regions)) {
      dynamo.set(region, new DynamoDBClient({ region, endpoint: r.dynamodb, credentials: { accessKeyId: 'any', secretAccessKey: 'any' } }));
      s3.set(region, new S3Client({ region, endpoint: r.s3, forcePathStyle: true, credentials: { accessKeyId: 'any', secretAccessKey: 'any' } }));
    }
  });

  after(async () => {
    for (const c of [...dynamo.values(), ...s3.values()]) c.destroy();
  });

  it('replicates payments in both directions with measured lag, without echoing replicated writes back', async (t) => {
    const east1 = f.endpoints.regions[f.primary].api;
    const east2 = f.endpoints.regions[f.secondary].api;
    const fromPrimary = await createPayment(east1, f.auth);
    const fromSecondary = await createPayment(east2, f.auth);
    assert.equal(fromPrimary.status, 201);
    assert.equal(fromSecondary.status, 201);
    const seenInSecondary = await waitForPayment(east2, f.auth, fromPrimary.body.transactionId, 3_000);
    const seenInPrimary = await waitForPayment(east1, f.auth, fromSecondary.body.transactionId, 3_000);
    assert.deepEqual(seenInSecondary, fromPrimary.body);
    assert.deepEqual(seenInPrimary, fromSecondary.body);

    const state = await waitFor('nothing pending', async () => {
      const s = await f.control.state();
      return s.replication.pending === 0 ? s : undefined;
    }, 3_000);
    for (const d of state.replication.directions) {
      assert.ok(d.replicated > 0, `${d.source}->${d.target} replicated nothing`);
      assert.ok(d.lag.count > 0 && d.lag.p50Ms !== undefined && d.lag.p50Ms > 0, `${d.source}->${d.target} has no lag samples`);
      t.diagnostic(`replication ${d.source}->${d.target}: ${d.lag.count} items, lag p50 ${d.lag.p50Ms} ms, p95 ${d.lag.p95Ms} ms, max ${d.lag.maxMs} ms`);
    }
    // No echo: once converged, nothing more is replicated in either direction.
    const counts = state.replication.directions.map((d) => d.replicated);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual((await f.control.state()).replication.directions.map((d) => d.replicated), counts);
  });

  it('replication-stalled stops convergence and clearing it resumes', async () => {
    await f.control.injectFault({ fault: 'replication-stalled', region: f.primary });
    const created = await createPayment(f.endpoints.regions[f.primary].api, f.auth);
    assert.equal(created.status, 201);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await getPayment(f.endpoints.regions[f.secondary].api, f.auth, created.body.transactionId)).status, 404);
    const stalled = (await f.control.state()).replication.directions.find((d) => d.source === f.primary);
    assert.ok(stalled?.stalled);
    assert.ok((stalled?.pending ?? 0) > 0);
    assert.ok((stalled?.oldestPendingMs ?? 0) >= 400);
    // The other direction still flows.
    const other = await createPayment(f.endpoints.regions[f.secondary].api, f.auth);
    await waitForPayment(f.endpoints.regions[f.primary].api, f.auth, other.body.transactionId, 3_000);

    await f.control.clearFault('replication-stalled', f.primary);
    await waitForPayment(f.endpoints.regions[f.secondary].api, f.auth, created.body.transactionId, 3_000);
  });

  it('replication-delay delays every change leaving the region by delayMs', async (t) => {
    const delayMs = 400;
    await f.control.injectFault({ fault: 'replication-delay', region: f.primary, delayMs });
    const started = Date.now();
    const created = await createPayment(f.endpoints.regions[f.primary].api, f.auth);
    await waitForPayment(f.endpoints.regions[f.secondary].api, f.auth, created.body.transactionId, 5_000);
    const visibleAfter = Date.now() - started;
    await f.control.clearFaults();
    const d = (await f.control.state()).replication.directions.find((x) => x.source === f.primary);
    const last = d?.samples.at(-1);
    t.diagnostic(`with replication-delay ${delayMs} ms: visible in ${f.secondary} after ${visibleAfter} ms, last lag sample ${last?.lagMs} ms`);
    assert.ok(last && last.lagMs >= delayMs, `lag ${last?.lagMs} ms below the injected delay`);
  });

  it('resolves concurrent writes of one key by last writer wins in both regions', async () => {
    const key = { pk: { S: `SANDBOX-TEST#${randomUUID()}` } };
    await f.control.injectFault({ fault: 'replication-stalled', region: f.primary });
    await f.control.injectFault({ fault: 'replication-stalled', region: f.secondary });
    const before = (await f.control.state()).replication.directions.find((d) => d.source === f.primary)?.conflictsResolved ?? 0;
    await dynamo.get(f.primary)?.send(new PutItemCommand({ TableName: f.endpoints.tableName, Item: { ...key, writer: { S: f.primary } } }));
    await new Promise((r) => setTimeout(r, 5));
    await dynamo.get(f.secondary)?.send(new PutItemCommand({ TableName: f.endpoints.tableName, Item: { ...key, writer: { S: f.secondary } } }));
    await f.control.clearFaults();
    for (const region of [f.primary, f.secondary]) {
      await waitFor(
        `${region} converged on the later write`,
        async () => {
          const out = await dynamo.get(region)?.send(new GetItemCommand({ TableName: f.endpoints.tableName, Key: key, ConsistentRead: true }));
          return out?.Item?.writer?.S === f.secondary ? true : undefined;
        },
        3_000,
      );
    }
    const afterState = (await f.control.state()).replication.directions.find((d) => d.source === f.primary);
    assert.equal(afterState?.conflictsResolved, before + 1, 'the older write must lose in the other region');
  });

  it('throttled writes in one region: the peer region\'s replica commits (201) and that region\'s health fails', async () => {
    const api = f.endpoints.regions[f.primary].api;
    await f.control.injectFault({ fault: 'throttling', region: f.primary });
    try {
      const created = await createPayment(api, f.auth);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.status, 'COMMITTED');
      const health = await getHealth(api);
      assert.equal(health.status, 503, 'a region that cannot commit fails its health check (Route 53 moves traffic away)');
      assert.deepEqual(health.body.checks, { dynamodbWrite: 'failing', manualFailover: 'off' });
      // Committed in the secondary's replica, replicated back to the primary's.
      await waitForPayment(f.endpoints.regions[f.secondary].api, f.auth, created.body.transactionId, 3_000);
    } finally {
      await f.control.clearFault('throttling', f.primary);
    }
  });

  it('throttled writes in both regions: 202 PENDING, GET answers PENDING, and a retry processor commits it once throttling stops', async (t) => {
    const api = f.endpoints.regions[f.primary].api;
    await f.control.injectFault({ fault: 'throttling', region: f.primary });
    await f.control.injectFault({ fault: 'throttling', region: f.secondary });
    const queued = await createPayment(api, f.auth);
    if (queued.status !== 202) await f.control.clearFaults();
    assert.equal(queued.status, 202, JSON.stringify(queued.body));
    assert.equal(queued.body.status, 'PENDING');
    assert.match(queued.body.transactionId, /^[0-9a-f-]{36}$/);
    const pending = await getPayment(f.endpoints.regions[f.secondary].api, f.auth, queued.body.transactionId);
    assert.equal(pending.status, 200);
    assert.equal(pending.body.status, 'PENDING');
    const clearedAt = Date.now();
    await f.control.clearFaults();
    // The message is redelivered after the (scaled) visibility timeout at the latest.
    const committed = await waitForPayment(api, f.auth, queued.body.transactionId, 180_000 * TIME_SCALE + 3_000, 'COMMITTED');
    t.diagnostic(`queued payment committed ${Date.now() - clearedAt} ms after throttling stopped`);
    assert.equal(committed.transactionId, queued.body.transactionId);
    assert.equal(committed.amount, 1250);
    await waitForPayment(f.endpoints.regions[f.secondary].api, f.auth, queued.body.transactionId, 3_000, 'COMMITTED');
  });

  it('copies transaction-log objects to the other region (S3 cross-region replication, opt-in) without copying replicas back', async (t) => {
    // A transaction-log object as the log writer puts it (the request path writes none).
    const transactionId = randomUUID();
    const key = `transactions/${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/${transactionId}.json`;
    await s3.get(f.primary)?.send(new PutObjectCommand({ Bucket: f.endpoints.regions[f.primary].bucket, Key: key, Body: JSON.stringify({ transactionId }), ContentType: 'application/json' }));
    const created = { body: { transactionId } };
    const read = async (region: string): Promise<{ body: string; replica: string | undefined } | undefined> => {
      try {
        const out = await s3.get(region)?.send(new GetObjectCommand({ Bucket: f.endpoints.regions[region].bucket, Key: key }));
        return out?.Body ? { body: await out.Body.transformToString(), replica: out.Metadata?.['sandbox-replication-status'] } : undefined;
      } catch {
        return undefined;
      }
    };
    // Both buckets end with the same object; only the copy carries the replica marker.
    const { original, replica } = await waitFor(
      'transaction log copied to the secondary bucket',
      async () => {
        const [o, r] = [await read(f.primary), await read(f.secondary)];
        return o && r && o.body.length > 0 && o.body === r.body ? { original: o, replica: r } : undefined;
      },
      5_000,
    );
    assert.equal(original.replica, undefined);
    assert.equal(replica.replica, 'REPLICA');
    assert.equal(JSON.parse(replica.body).transactionId, created.body.transactionId);
    const direction = (await f.control.state()).replication.objects?.directions.find((d) => d.source === f.primary);
    assert.ok(direction && direction.replicated > 0 && direction.lag.p50Ms !== undefined);
    t.diagnostic(`object replication ${f.primary}->${f.secondary}: ${direction.replicated} objects, lag p50 ${direction.lag.p50Ms} ms`);
    // The replica is not copied back: the primary's object is still the original.
    await new Promise((r) => setTimeout(r, 200));
    const head = await s3.get(f.primary)?.send(new HeadObjectCommand({ Bucket: f.endpoints.regions[f.primary].bucket, Key: key }));
    assert.equal(head?.Metadata?.['sandbox-replication-status'], undefined);
  });

  it('rejects unknown faults and regions with a machine-readable error, and 404s clearing an inactive fault', async () => {
    const bad = await fetch(`${f.endpoints.control}/faults`, { method: 'POST', body: JSON.stringify({ fault: 'meteor', region: 'eu-west-9' }) });
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: { code: string; details: { field: string }[] } };
    assert.equal(body.error.code, 'VALIDATION_FAILED');
    assert.deepEqual(body.error.details.map((d) => d.field).sort(), ['fault', 'region']);
    const noDelay = await fetch(`${f.endpoints.control}/faults`, { method: 'POST', body: JSON.stringify({ fault: 'replication-delay', region: f.primary }) });
    assert.equal(noDelay.status, 400);
    assert.equal(await f.control.clearFault('throttling', f.secondary), false);
    await assert.rejects(f.control.injectFault({ fault: 'region-down', region: 'mars-1' }), SandboxControlError);
    assert.deepEqual((await f.control.state()).faults, []);
  });

  it('stops cleanly: child processes exited and every port closed', async () => {
    const { pids } = f.sandbox;
    assert.equal(pids.length, 2);
    assert.ok(pids.every(processExists));
    await f.sandbox.stop();
    assert.ok(pids.every((pid) => !processExists(pid)), 'a region process survived stop()');
    const urls = [f.endpoints.frontDoor, f.endpoints.control, ...Object.values(f.endpoints.regions).flatMap((r) => [r.api, r.dynamodb, r.s3, r.sqs, r.ssm])];
    for (const url of urls) assert.equal(await refusesConnections(url), true, `${url} still accepts connections`);
  });
});
