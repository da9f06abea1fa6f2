/**
 * The sandbox end to end with the REAL handlers, routing: the ready shape, and failover to the
 * secondary within the budget's detection term (health-check interval x failure threshold, plus the
 * one check that may be in flight when the fault lands) when the primary goes down or its health
 * check fails, then failback when it recovers. Time is counted in health checks, the sandbox's own
 * clock (each check is one interval of modelled time), never in wall-clock milliseconds, so a
 * loaded machine that runs its timers late cannot fail (or pass) these tests.
 * One sandbox for the file; every test clears its faults.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { computeDrBudget } from '../infra/budget';
import { useSandbox } from './fixture';
import { createPayment, getHealth, refusesConnections, waitFor, waitForPayment } from './testkit';
import type { RoutingChange } from './types';

/** 10 s x 3 checks run as 0.5 s x 3: wide enough that a loaded CI machine's timer jitter stays inside one interval. */
const TIME_SCALE = 0.05;
/**
 * The health handler caches the flag for Powertools' default 5 s, which the sandbox scales through
 * POWERTOOLS_PARAMETERS_MAX_AGE (whole seconds: floor(5 x scale), 0 = no cache at this scale).
 */
const FLAG_CACHE_SECONDS = Math.floor(5 * TIME_SCALE);

describe('sandbox failover (two regions, real handlers)', { timeout: 60_000 }, () => {
  const f = useSandbox({ timeScale: TIME_SCALE }, { clearFaultsAfterEach: false });
  let intervalSeconds: number;
  let threshold: number;
  /** The budget's detection term (interval x threshold, infra/budget.ts), in modelled seconds. */
  let detectionSeconds: number;

  before(async () => {
    intervalSeconds = f.endpoints.healthCheck.intervalSeconds;
    threshold = f.endpoints.healthCheck.failureThreshold;
    detectionSeconds = computeDrBudget({
      healthCheckIntervalSeconds: intervalSeconds,
      healthCheckFailureThreshold: threshold,
      dnsTtlSeconds: 60,
      customDomainsEnabled: false,
      consistencyMode: f.endpoints.consistencyMode,
    }).rto.detectionSeconds;
  });

  /** Health checks of the primary completed so far. */
  async function primaryChecks(): Promise<number> {
    return (await f.control.state()).health[f.primary].checks;
  }

  /** The first routing change to `region` decided after the primary's `sinceChecks`-th check. */
  async function routedTo(region: string, sinceChecks: number): Promise<RoutingChange> {
    return waitFor(
      `routing to ${region}`,
      async () => (await f.control.state()).routing.history.find((h) => h.target === region && h.primaryChecks > sinceChecks),
      // A generous wait for the event, not a bound on it: the bound is counted in checks below.
      60_000,
    );
  }

  /**
   * Checks from the fault (or its clearing) to the routing change, bounded on both sides:
   * - no earlier than `threshold` checks after `before` (the count read before the fault: every
   *   check that could see the fault completed after it), as Route 53 decides;
   * - no later than `threshold` + 1 checks after `landed` (read once the fault is in place: at most
   *   one check was in flight and may have passed) + `extraChecks`.
   */
  function assertDecidedInChecks(change: RoutingChange, before: number, landed: number, extraChecks = 0): number {
    assert.ok(change.primaryChecks - before >= threshold, `decided after only ${change.primaryChecks - before} checks`);
    const checks = change.primaryChecks - landed;
    assert.ok(checks <= threshold + 1 + extraChecks, `decided after ${checks} checks`);
    return checks;
  }

  it('reports its endpoints in the ready shape, and GET /state returns the same endpoints', async () => {
    assert.equal(f.endpoints.stack, 'dev');
    assert.equal(f.endpoints.timeScale, TIME_SCALE);
    assert.deepEqual(f.endpoints.healthCheck, { intervalSeconds: 10, failureThreshold: 3 }); // Pulumi.dev.yaml
    assert.equal(f.primary, 'us-east-1');
    assert.equal(f.secondary, 'us-east-2');
    for (const [region, r] of Object.entries(f.endpoints.regions)) {
      assert.match(r.api, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${f.endpoints.stage}$`), `${region} api`);
      for (const url of [r.dynamodb, r.s3, r.sqs, r.ssm, r.retryQueueUrl]) assert.match(url, /^http:\/\/127\.0\.0\.1:\d+/);
      assert.ok(r.bucket.includes(region));
    }
    assert.match(f.endpoints.frontDoor, /^http:\/\/127\.0\.0\.1:\d+$/);
    const state = await f.control.state();
    assert.deepEqual(state.endpoints, f.endpoints);
    assert.equal(state.routing.target, f.primary);
    assert.equal(state.health[f.primary].healthy, true);
  });

  it('fails over within the detection budget (modelled seconds) when the primary region goes down, serves from the secondary, and fails back', async (t) => {
    const before = await primaryChecks();
    await f.control.injectFault({ fault: 'region-down', region: f.primary });
    const landed = await primaryChecks();
    const failover = await routedTo(f.secondary, before);
    const checks = assertDecidedInChecks(failover, before, landed);
    const failoverSeconds = checks * intervalSeconds;
    t.diagnostic(`region-down failover after ${checks} checks = ${failoverSeconds} modelled s (detection budget ${detectionSeconds} s + one ${intervalSeconds} s check in flight)`);
    assert.ok(failoverSeconds <= detectionSeconds + intervalSeconds, `failover after ${failoverSeconds} modelled s`);
    // Exactly at the threshold-th consecutive failed check, as Route 53 decides.
    assert.match(failover.reason, new RegExp(`\\(${threshold} consecutive failed checks\\)`));

    assert.equal(await refusesConnections(f.endpoints.regions[f.primary].api), true);
    const created = await createPayment(f.endpoints.frontDoor, f.auth);
    assert.equal(created.status, 201);
    assert.equal(created.servedBy, f.secondary);
    assert.equal(created.body.region, f.secondary);

    const beforeClear = await primaryChecks();
    assert.equal(await f.control.clearFault('region-down', f.primary), true);
    const cleared = await primaryChecks();
    const failback = await routedTo(f.primary, beforeClear);
    const failbackChecks = assertDecidedInChecks(failback, beforeClear, cleared);
    t.diagnostic(`failback after ${failbackChecks} checks = ${failbackChecks * intervalSeconds} modelled s`);
    // Replication was paused during the outage and catches up: the payment reaches the primary.
    await waitForPayment(f.endpoints.regions[f.primary].api, f.auth, created.body.transactionId, 5_000);
  });

  it('fails over within the detection budget (modelled seconds) when the REAL health handler reports the manual failover flag (health-failing), and fails back', async (t) => {
    const api = f.endpoints.regions[f.primary].api;
    // The flag cache delays the handler's view by up to its age: as many more checks.
    const cacheChecks = Math.ceil(FLAG_CACHE_SECONDS / (intervalSeconds * TIME_SCALE));
    const before = await primaryChecks();
    await f.control.injectFault({ fault: 'health-failing', region: f.primary });
    const landed = await primaryChecks();
    const failover = await routedTo(f.secondary, before);
    const checks = assertDecidedInChecks(failover, before, landed, cacheChecks);
    const failoverSeconds = checks * intervalSeconds;
    t.diagnostic(`health-failing failover after ${checks} checks = ${failoverSeconds} modelled s (detection budget ${detectionSeconds} s + one check in flight + flag cache ${cacheChecks} checks)`);
    assert.ok(failoverSeconds <= detectionSeconds + (1 + cacheChecks) * intervalSeconds, `failover after ${failoverSeconds} modelled s`);
    assert.match(failover.reason, new RegExp(`\\(${threshold} consecutive failed checks\\)`));
    // The real handler answers 503 with the reason; the front door now serves the secondary's.
    const unhealthy = await getHealth(api);
    assert.equal(unhealthy.status, 503);
    assert.equal(unhealthy.body.status, 'unhealthy');
    assert.equal(unhealthy.body.checks.manualFailover, 'on');
    const viaFrontDoor = await getHealth(f.endpoints.frontDoor);
    assert.equal(viaFrontDoor.servedBy, f.secondary);
    assert.equal(viaFrontDoor.status, 200);

    const beforeClear = await primaryChecks();
    await f.control.clearFaults();
    const cleared = await primaryChecks();
    const failback = await routedTo(f.primary, beforeClear);
    const failbackChecks = assertDecidedInChecks(failback, beforeClear, cleared, cacheChecks);
    t.diagnostic(`failback after ${failbackChecks} checks = ${failbackChecks * intervalSeconds} modelled s`);
    assert.equal((await getHealth(api)).status, 200);
  });

});
