/**
 * No silent outage, on the sandbox with the REAL handlers: when the primary region's DynamoDB
 * writes fail (fault `throttling`), its /health fails (the write probe), Route 53's emulation moves
 * traffic to the secondary, and payments keep committing meanwhile. Figures in modelled seconds
 * (wall-clock ms / time scale), asserted against the 15-minute RTO objective and the 3-minute alarm
 * bound (every alarm of a region that cannot commit fires within 180 s: paymentAlarms.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RTO_OBJECTIVE_SECONDS } from '../infra/budget';
import { ALARM_BOUND_SECONDS } from '../infra/components/paymentAlarms';
import { SandboxControlClient } from './controlClient';
import { merchantHeaders } from './merchants';
import { startSandbox, type SandboxHandle } from './sandbox';
import { createPayment, getHealth, waitFor, waitForPayment } from './testkit';
import type { RoutingChange } from './types';

/** 10 s x 3 health checks run as 0.5 s x 3. */
const TIME_SCALE = 0.05;

describe('no silent outage: DynamoDB writes failing in the primary (sandbox, real handlers)', { timeout: 90_000 }, () => {
  let sandbox: SandboxHandle;
  let control: SandboxControlClient;
  let auth: Record<string, string>;
  let primary: string;
  let secondary: string;

  before(async () => {
    sandbox = await startSandbox({ timeScale: TIME_SCALE });
    control = new SandboxControlClient(sandbox.endpoints.control);
    auth = merchantHeaders(sandbox.endpoints);
    [primary, secondary] = Object.entries(sandbox.endpoints.regions)
      .sort(([, a], [, b]) => (a.role === 'primary' ? -1 : b.role === 'primary' ? 1 : 0))
      .map(([name]) => name);
  });
  after(async () => {
    await sandbox?.stop();
  });

  const routedTo = (region: string, afterMs: number): Promise<RoutingChange> =>
    waitFor(
      `routing to ${region}`,
      async () => (await control.state()).routing.history.find((h) => h.target === region && Date.parse(h.at) >= afterMs),
      30_000,
    );

  it('fails the primary health check, fails over within the alarm bound and the RTO, and keeps committing', async (t) => {
    const injectedAt = Date.now();
    await control.injectFault({ fault: 'throttling', region: primary });

    // A payment sent to the primary meanwhile is still committed (its replica refuses; the peer's commits).
    const during = await createPayment(sandbox.endpoints.regions[primary].api, auth);
    assert.equal(during.status, 201, JSON.stringify(during.body));

    const unhealthy = await waitFor('primary /health failing', async () => {
      const h = await getHealth(sandbox.endpoints.regions[primary].api);
      return h.status === 503 ? h : undefined;
    }, 10_000);
    assert.equal(unhealthy.body.status, 'unhealthy');

    const failover = await routedTo(secondary, injectedAt);
    const failoverSeconds = (Date.parse(failover.at) - injectedAt) / TIME_SCALE / 1000;
    t.diagnostic(`throttling -> failover after ${failoverSeconds.toFixed(0)} modelled s (time scale ${TIME_SCALE}; RTO objective ${RTO_OBJECTIVE_SECONDS} s, alarm bound ${ALARM_BOUND_SECONDS} s)`);
    assert.ok(failoverSeconds <= ALARM_BOUND_SECONDS, `failover after ${failoverSeconds} modelled s`);
    assert.ok(failoverSeconds <= RTO_OBJECTIVE_SECONDS);

    const after = await createPayment(sandbox.endpoints.frontDoor, auth);
    assert.deepEqual([after.status, after.servedBy], [201, secondary]);
    await waitForPayment(sandbox.endpoints.regions[secondary].api, auth, during.body.transactionId, 10_000, 'COMMITTED');

    const clearedAt = Date.now();
    await control.clearFaults();
    const failback = await routedTo(primary, clearedAt);
    t.diagnostic(`failback after ${((Date.parse(failback.at) - clearedAt) / TIME_SCALE / 1000).toFixed(0)} modelled s`);
  });
});
