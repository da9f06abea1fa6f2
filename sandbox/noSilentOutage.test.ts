/**
 * No silent outage, on the sandbox with the REAL handlers: when the primary region's DynamoDB
 * writes fail (fault `throttling`), its /health fails (the write probe), Route 53's emulation moves
 * traffic to the secondary, and payments keep committing meanwhile. Figures in modelled seconds
 * counted on the sandbox's own clock (health checks of the primary, each one `intervalSeconds` of
 * modelled time; never wall-clock milliseconds, which a loaded machine stretches), asserted against
 * the 15-minute RTO objective and the 3-minute alarm bound (every alarm of a region that cannot
 * commit fires within 180 s: paymentAlarms.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTO_OBJECTIVE_SECONDS } from '../infra/budget';
import { ALARM_BOUND_SECONDS } from '../infra/components/paymentAlarms';
import { useSandbox } from './fixture';
import { createPayment, getHealth, waitFor, waitForPayment } from './testkit';
import type { RoutingChange } from './types';

/** 10 s x 3 health checks run as 0.5 s x 3. */
const TIME_SCALE = 0.05;

describe('no silent outage: DynamoDB writes failing in the primary (sandbox, real handlers)', { timeout: 90_000 }, () => {
  const f = useSandbox({ timeScale: TIME_SCALE }, { clearFaultsAfterEach: false });

  const primaryChecks = async (): Promise<number> => (await f.control.state()).health[f.primary].checks;
  /** The first routing change to `region` decided after the primary's `sinceChecks`-th check (a wait, not a bound). */
  const routedTo = (region: string, sinceChecks: number): Promise<RoutingChange> =>
    waitFor(
      `routing to ${region}`,
      async () => (await f.control.state()).routing.history.find((h) => h.target === region && h.primaryChecks > sinceChecks),
      60_000,
    );

  it('fails the primary health check, fails over within the alarm bound and the RTO, and keeps committing', async (t) => {
    const intervalSeconds = f.sandbox.endpoints.healthCheck.intervalSeconds;
    const before = await primaryChecks();
    await f.control.injectFault({ fault: 'throttling', region: f.primary });
    // Counted from once the fault is in place (a check in flight then may still pass; none before it can fail).
    const landed = await primaryChecks();

    // A payment sent to the primary meanwhile is still committed (its replica refuses; the peer's commits).
    const during = await createPayment(f.sandbox.endpoints.regions[f.primary].api, f.auth);
    assert.equal(during.status, 201, JSON.stringify(during.body));

    const unhealthy = await waitFor('primary /health failing', async () => {
      const h = await getHealth(f.sandbox.endpoints.regions[f.primary].api);
      return h.status === 503 ? h : undefined;
    }, 10_000);
    assert.equal(unhealthy.body.status, 'unhealthy');

    const failover = await routedTo(f.secondary, before);
    const failoverSeconds = Math.max(0, failover.primaryChecks - landed) * intervalSeconds;
    t.diagnostic(`throttling -> failover after ${failoverSeconds / intervalSeconds} checks = ${failoverSeconds} modelled s (time scale ${TIME_SCALE}; RTO objective ${RTO_OBJECTIVE_SECONDS} s, alarm bound ${ALARM_BOUND_SECONDS} s)`);
    assert.ok(failoverSeconds <= ALARM_BOUND_SECONDS, `failover after ${failoverSeconds} modelled s`);
    assert.ok(failoverSeconds <= RTO_OBJECTIVE_SECONDS);

    const after = await createPayment(f.sandbox.endpoints.frontDoor, f.auth);
    assert.deepEqual([after.status, after.servedBy], [201, f.secondary]);
    await waitForPayment(f.sandbox.endpoints.regions[f.secondary].api, f.auth, during.body.transactionId, 10_000, 'COMMITTED');

    const beforeClear = await primaryChecks();
    await f.control.clearFaults();
    const cleared = await primaryChecks();
    const failback = await routedTo(f.primary, beforeClear);
    t.diagnostic(`failback after ${Math.max(0, failback.primaryChecks - cleared) * intervalSeconds} modelled s`);
  });
});
