/**
 * The sandbox end to end with the REAL handlers, routing: the ready shape, and failover to the
 * secondary within the configured health-check interval x failure threshold (scaled by the time
 * scale, plus one interval of tolerance) when the primary goes down or its health check fails,
 * then failback when it recovers. One sandbox for the file; every test clears its faults.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SandboxControlClient } from './controlClient';
import { startSandbox, type SandboxHandle } from './sandbox';
import { merchantHeaders } from './merchants';
import { createPayment, getHealth, refusesConnections, waitFor, waitForPayment } from './testkit';
import type { RoutingChange, SandboxEndpoints } from './types';

/** 10 s x 3 checks run as 0.5 s x 3: wide enough that a loaded CI machine's timer jitter stays inside one interval. */
const TIME_SCALE = 0.05;
/**
 * The health handler caches the flag for Powertools' default 5 s, which the sandbox scales through
 * POWERTOOLS_PARAMETERS_MAX_AGE (whole seconds: floor(5 x scale), 0 = no cache at this scale).
 */
const FLAG_CACHE_MS = Math.floor(5 * TIME_SCALE) * 1000;

describe('sandbox failover (two regions, real handlers)', { timeout: 60_000 }, () => {
  let sandbox: SandboxHandle;
  let endpoints: SandboxEndpoints;
  let auth: Record<string, string>;
  let control: SandboxControlClient;
  let primary: string;
  let secondary: string;
  let intervalMs: number;
  let threshold: number;
  /** interval x threshold, scaled, plus one interval of tolerance. */
  let failoverBoundMs: number;

  before(async () => {
    sandbox = await startSandbox({ timeScale: TIME_SCALE });
    endpoints = sandbox.endpoints;
    auth = merchantHeaders(endpoints);
    control = new SandboxControlClient(endpoints.control);
    [primary, secondary] = Object.entries(endpoints.regions)
      .sort(([, a], [, b]) => (a.role === 'primary' ? -1 : b.role === 'primary' ? 1 : 0))
      .map(([name]) => name);
    intervalMs = endpoints.healthCheck.intervalSeconds * 1000 * TIME_SCALE;
    threshold = endpoints.healthCheck.failureThreshold;
    failoverBoundMs = intervalMs * threshold + intervalMs;
  });

  after(async () => {
    await sandbox?.stop();
  });

  async function routedTo(region: string, afterMs: number): Promise<RoutingChange> {
    return waitFor(
      `routing to ${region}`,
      async () => {
        const state = await control.state();
        return state.routing.history.find((h) => h.target === region && Date.parse(h.at) >= afterMs);
      },
      20_000,
    );
  }

  it('reports its endpoints in the ready shape, and GET /state returns the same endpoints', async () => {
    assert.equal(endpoints.stack, 'dev');
    assert.equal(endpoints.timeScale, TIME_SCALE);
    assert.deepEqual(endpoints.healthCheck, { intervalSeconds: 10, failureThreshold: 3 }); // Pulumi.dev.yaml
    assert.equal(primary, 'us-east-1');
    assert.equal(secondary, 'us-east-2');
    for (const [region, r] of Object.entries(endpoints.regions)) {
      assert.match(r.api, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${endpoints.stage}$`), `${region} api`);
      for (const url of [r.dynamodb, r.s3, r.sqs, r.ssm, r.retryQueueUrl]) assert.match(url, /^http:\/\/127\.0\.0\.1:\d+/);
      assert.ok(r.bucket.includes(region));
    }
    assert.match(endpoints.frontDoor, /^http:\/\/127\.0\.0\.1:\d+$/);
    const state = await control.state();
    assert.deepEqual(state.endpoints, endpoints);
    assert.equal(state.routing.target, primary);
    assert.equal(state.health[primary].healthy, true);
  });

  it('fails over within interval x threshold when the primary region goes down, serves from the secondary, and fails back', async (t) => {
    const injectedAt = Date.now();
    await control.injectFault({ fault: 'region-down', region: primary });
    const failover = await routedTo(secondary, injectedAt);
    const failoverMs = Date.parse(failover.at) - injectedAt;
    t.diagnostic(`region-down failover after ${failoverMs} ms (bound ${failoverBoundMs} ms = ${intervalMs} ms x ${threshold} + ${intervalMs} ms)`);
    assert.ok(failoverMs <= failoverBoundMs, `failover took ${failoverMs} ms`);
    // Not before the threshold: at least threshold-1 further intervals after the first failed check.
    assert.ok(failoverMs >= intervalMs * (threshold - 1) - intervalMs / 2, `failover after only ${failoverMs} ms`);
    // Exactly at the threshold-th consecutive failed check, as Route 53 decides.
    assert.match(failover.reason, new RegExp(`\\(${threshold} consecutive failed checks\\)`));

    assert.equal(await refusesConnections(endpoints.regions[primary].api), true);
    const created = await createPayment(endpoints.frontDoor, auth);
    assert.equal(created.status, 201);
    assert.equal(created.servedBy, secondary);
    assert.equal(created.body.region, secondary);

    const clearedAt = Date.now();
    assert.equal(await control.clearFault('region-down', primary), true);
    const failback = await routedTo(primary, clearedAt);
    const failbackMs = Date.parse(failback.at) - clearedAt;
    t.diagnostic(`failback after ${failbackMs} ms`);
    assert.ok(failbackMs <= failoverBoundMs, `failback took ${failbackMs} ms`);
    // Replication was paused during the outage and catches up: the payment reaches the primary.
    await waitForPayment(endpoints.regions[primary].api, auth, created.body.transactionId, 5_000);
  });

  it('fails over within interval x threshold when the REAL health handler reports the maintenance flag (health-failing), and fails back', async (t) => {
    const api = endpoints.regions[primary].api;
    const injectedAt = Date.now();
    await control.injectFault({ fault: 'health-failing', region: primary });
    const failover = await routedTo(secondary, injectedAt);
    const failoverMs = Date.parse(failover.at) - injectedAt;
    t.diagnostic(`health-failing failover after ${failoverMs} ms (bound ${failoverBoundMs} ms + flag cache ${FLAG_CACHE_MS} ms)`);
    assert.ok(failoverMs <= failoverBoundMs + FLAG_CACHE_MS, `failover took ${failoverMs} ms`);
    assert.match(failover.reason, new RegExp(`\\(${threshold} consecutive failed checks\\)`));
    // The real handler answers 503 with the reason; the front door now serves the secondary's.
    const unhealthy = await getHealth(api);
    assert.equal(unhealthy.status, 503);
    assert.equal(unhealthy.body.status, 'unhealthy');
    assert.equal(unhealthy.body.checks.maintenance, 'on');
    const viaFrontDoor = await getHealth(endpoints.frontDoor);
    assert.equal(viaFrontDoor.servedBy, secondary);
    assert.equal(viaFrontDoor.status, 200);

    const clearedAt = Date.now();
    await control.clearFaults();
    const failback = await routedTo(primary, clearedAt);
    const failbackMs = Date.parse(failback.at) - clearedAt;
    t.diagnostic(`failback after ${failbackMs} ms`);
    assert.ok(failbackMs <= failoverBoundMs + FLAG_CACHE_MS, `failback took ${failbackMs} ms`);
    assert.equal((await getHealth(api)).status, 200);
  });

});
