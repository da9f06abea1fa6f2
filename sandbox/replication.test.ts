/**
 * The sandbox end to end with the REAL handlers, data: global-table replication in both directions
 * with measured lag and no echo, the replication-stalled / replication-delay faults, last writer
 * wins, DynamoDB throttling (202 PENDING, then the real retry processor commits), the control
 * interface's validation, and a clean stop. One sandbox for the file; every test clears its faults.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SandboxControlClient, SandboxControlError } from './controlClient';
import { startSandbox, type SandboxHandle } from './sandbox';
import { createPayment, getHealth, getPayment, processExists, refusesConnections, waitFor, waitForPayment } from './testkit';
import type { SandboxEndpoints } from './types';

const TIME_SCALE = 0.02;

describe('sandbox replication and faults (two regions, real handlers)', { timeout: 60_000 }, () => {
  let sandbox: SandboxHandle;
  let endpoints: SandboxEndpoints;
  let control: SandboxControlClient;
  let primary: string;
  let secondary: string;
  const dynamo = new Map<string, DynamoDBClient>();
  const s3 = new Map<string, S3Client>();

  before(async () => {
    sandbox = await startSandbox({ timeScale: TIME_SCALE, objectReplication: true, consistencyMode: 'eventual' });
    endpoints = sandbox.endpoints;
    control = new SandboxControlClient(endpoints.control);
    [primary, secondary] = Object.entries(endpoints.regions)
      .sort(([, a], [, b]) => (a.role === 'primary' ? -1 : b.role === 'primary' ? 1 : 0))
      .map(([name]) => name);
    for (const [region, r] of Object.entries(endpoints.regions)) {
      dynamo.set(region, new DynamoDBClient({ region, endpoint: r.dynamodb, credentials: { accessKeyId: 'any', secretAccessKey: 'any' } }));
      s3.set(region, new S3Client({ region, endpoint: r.s3, forcePathStyle: true, credentials: { accessKeyId: 'any', secretAccessKey: 'any' } }));
    }
  });

  after(async () => {
    for (const c of [...dynamo.values(), ...s3.values()]) c.destroy();
    await sandbox?.stop();
  });

  it('replicates payments in both directions with measured lag, without echoing replicated writes back', async (t) => {
    const east1 = endpoints.regions[primary].api;
    const east2 = endpoints.regions[secondary].api;
    const fromPrimary = await createPayment(east1);
    const fromSecondary = await createPayment(east2);
    assert.equal(fromPrimary.status, 201);
    assert.equal(fromSecondary.status, 201);
    const seenInSecondary = await waitForPayment(east2, fromPrimary.body.transactionId, 3_000);
    const seenInPrimary = await waitForPayment(east1, fromSecondary.body.transactionId, 3_000);
    assert.deepEqual(seenInSecondary, fromPrimary.body);
    assert.deepEqual(seenInPrimary, fromSecondary.body);

    const state = await waitFor('nothing pending', async () => {
      const s = await control.state();
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
    assert.deepEqual((await control.state()).replication.directions.map((d) => d.replicated), counts);
  });

  it('replication-stalled stops convergence and clearing it resumes', async () => {
    await control.injectFault({ fault: 'replication-stalled', region: primary });
    const created = await createPayment(endpoints.regions[primary].api);
    assert.equal(created.status, 201);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await getPayment(endpoints.regions[secondary].api, created.body.transactionId)).status, 404);
    const stalled = (await control.state()).replication.directions.find((d) => d.source === primary);
    assert.ok(stalled?.stalled);
    assert.ok((stalled?.pending ?? 0) > 0);
    assert.ok((stalled?.oldestPendingMs ?? 0) >= 400);
    // The other direction still flows.
    const other = await createPayment(endpoints.regions[secondary].api);
    await waitForPayment(endpoints.regions[primary].api, other.body.transactionId, 3_000);

    await control.clearFault('replication-stalled', primary);
    await waitForPayment(endpoints.regions[secondary].api, created.body.transactionId, 3_000);
  });

  it('replication-delay delays every change leaving the region by delayMs', async (t) => {
    const delayMs = 400;
    await control.injectFault({ fault: 'replication-delay', region: primary, delayMs });
    const started = Date.now();
    const created = await createPayment(endpoints.regions[primary].api);
    await waitForPayment(endpoints.regions[secondary].api, created.body.transactionId, 5_000);
    const visibleAfter = Date.now() - started;
    await control.clearFaults();
    const d = (await control.state()).replication.directions.find((x) => x.source === primary);
    const last = d?.samples.at(-1);
    t.diagnostic(`with replication-delay ${delayMs} ms: visible in ${secondary} after ${visibleAfter} ms, last lag sample ${last?.lagMs} ms`);
    assert.ok(last && last.lagMs >= delayMs, `lag ${last?.lagMs} ms below the injected delay`);
  });

  it('resolves concurrent writes of one key by last writer wins in both regions', async () => {
    const key = { pk: { S: `SANDBOX-TEST#${randomUUID()}` } };
    await control.injectFault({ fault: 'replication-stalled', region: primary });
    await control.injectFault({ fault: 'replication-stalled', region: secondary });
    const before = (await control.state()).replication.directions.find((d) => d.source === primary)?.conflictsResolved ?? 0;
    await dynamo.get(primary)?.send(new PutItemCommand({ TableName: endpoints.tableName, Item: { ...key, writer: { S: primary } } }));
    await new Promise((r) => setTimeout(r, 5));
    await dynamo.get(secondary)?.send(new PutItemCommand({ TableName: endpoints.tableName, Item: { ...key, writer: { S: secondary } } }));
    await control.clearFaults();
    for (const region of [primary, secondary]) {
      await waitFor(
        `${region} converged on the later write`,
        async () => {
          const out = await dynamo.get(region)?.send(new GetItemCommand({ TableName: endpoints.tableName, Key: key, ConsistentRead: true }));
          return out?.Item?.writer?.S === secondary ? true : undefined;
        },
        3_000,
      );
    }
    const afterState = (await control.state()).replication.directions.find((d) => d.source === primary);
    assert.equal(afterState?.conflictsResolved, before + 1, 'the older write must lose in the other region');
  });

  it('throttling makes POST /payments answer 202 PENDING, and the retry processor commits it once throttling stops', async (t) => {
    const api = endpoints.regions[primary].api;
    await control.injectFault({ fault: 'throttling', region: primary });
    const queued = await createPayment(api);
    assert.equal(queued.status, 202, JSON.stringify(queued.body));
    assert.equal(queued.body.status, 'PENDING');
    assert.match(queued.body.transactionId, /^[0-9a-f-]{36}$/);
    assert.equal((await getPayment(api, queued.body.transactionId)).status, 404);
    // Health stays green under write throttling: no failover is triggered by it.
    assert.equal((await getHealth(api)).status, 200);
    const clearedAt = Date.now();
    await control.clearFault('throttling', primary);
    // The message is redelivered after the (scaled) visibility timeout at the latest.
    const committed = await waitForPayment(api, queued.body.transactionId, 180_000 * TIME_SCALE + 3_000, 'COMMITTED');
    t.diagnostic(`queued payment committed ${Date.now() - clearedAt} ms after throttling stopped`);
    assert.equal(committed.transactionId, queued.body.transactionId);
    await waitForPayment(endpoints.regions[secondary].api, queued.body.transactionId, 3_000);
  });

  it('copies transaction-log objects to the other region (S3 cross-region replication, opt-in) without copying replicas back', async (t) => {
    const created = await createPayment(endpoints.regions[primary].api);
    assert.equal(created.status, 201);
    const key = `transactions/${created.body.createdAt.slice(0, 10).replace(/-/g, '/')}/${created.body.transactionId}.json`;
    const read = async (region: string): Promise<{ body: string; replica: string | undefined } | undefined> => {
      try {
        const out = await s3.get(region)?.send(new GetObjectCommand({ Bucket: endpoints.regions[region].bucket, Key: key }));
        return out?.Body ? { body: await out.Body.transformToString(), replica: out.Metadata?.['sandbox-replication-status'] } : undefined;
      } catch {
        return undefined;
      }
    };
    // Both buckets end with the same object; only the copy carries the replica marker.
    const { original, replica } = await waitFor(
      'transaction log copied to the secondary bucket',
      async () => {
        const [o, r] = [await read(primary), await read(secondary)];
        return o && r && o.body.length > 0 && o.body === r.body ? { original: o, replica: r } : undefined;
      },
      5_000,
    );
    assert.equal(original.replica, undefined);
    assert.equal(replica.replica, 'REPLICA');
    assert.equal(JSON.parse(replica.body).transactionId, created.body.transactionId);
    const direction = (await control.state()).replication.objects?.directions.find((d) => d.source === primary);
    assert.ok(direction && direction.replicated > 0 && direction.lag.p50Ms !== undefined);
    t.diagnostic(`object replication ${primary}->${secondary}: ${direction.replicated} objects, lag p50 ${direction.lag.p50Ms} ms`);
    // The replica is not copied back: the primary's object is still the original.
    await new Promise((r) => setTimeout(r, 200));
    const head = await s3.get(primary)?.send(new HeadObjectCommand({ Bucket: endpoints.regions[primary].bucket, Key: key }));
    assert.equal(head?.Metadata?.['sandbox-replication-status'], undefined);
  });

  it('rejects unknown faults and regions with a machine-readable error, and 404s clearing an inactive fault', async () => {
    const bad = await fetch(`${endpoints.control}/faults`, { method: 'POST', body: JSON.stringify({ fault: 'meteor', region: 'eu-west-9' }) });
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: { code: string; details: { field: string }[] } };
    assert.equal(body.error.code, 'VALIDATION_FAILED');
    assert.deepEqual(body.error.details.map((d) => d.field).sort(), ['fault', 'region']);
    const noDelay = await fetch(`${endpoints.control}/faults`, { method: 'POST', body: JSON.stringify({ fault: 'replication-delay', region: primary }) });
    assert.equal(noDelay.status, 400);
    assert.equal(await control.clearFault('throttling', secondary), false);
    await assert.rejects(control.injectFault({ fault: 'region-down', region: 'mars-1' }), SandboxControlError);
    assert.deepEqual((await control.state()).faults, []);
  });

  it('stops cleanly: child processes exited and every port closed', async () => {
    const { pids } = sandbox;
    assert.equal(pids.length, 2);
    assert.ok(pids.every(processExists));
    await sandbox.stop();
    assert.ok(pids.every((pid) => !processExists(pid)), 'a region process survived stop()');
    const urls = [endpoints.frontDoor, endpoints.control, ...Object.values(endpoints.regions).flatMap((r) => [r.api, r.dynamodb, r.s3, r.sqs, r.ssm])];
    for (const url of urls) assert.equal(await refusesConnections(url), true, `${url} still accepts connections`);
  });
});
