/**
 * The set-up the sandbox's end-to-end test files share: one sandbox for the enclosing `describe`
 * (started in `before`, stopped in `after`), its control client, the first seeded merchant's
 * headers, the primary and DR regions by role, and optionally warm payment paths and faults cleared
 * after every test.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before } from 'node:test';
import { SandboxControlClient } from './controlClient';
import { merchantHeaders } from './merchants';
import { startSandbox, type SandboxHandle, type SandboxOptions } from './sandbox';
import { createPayment, warmPayments, type HttpResult, type PaymentBody } from './testkit';
import type { SandboxEndpoints } from './types';

export interface SandboxFixture {
  readonly sandbox: SandboxHandle;
  readonly endpoints: SandboxEndpoints;
  readonly control: SandboxControlClient;
  /** The headers of the first seeded test merchant. */
  readonly auth: Record<string, string>;
  /** The primary region's name. */
  readonly primary: string;
  /** The DR region's name. */
  readonly secondary: string;
  /** A region's API base URL (including the stage). */
  api(region: string): string;
}

export interface SandboxFixtureOptions {
  /** Commit one payment through each region's API before the first test (cold starts out of the way). Default false. */
  warm?: boolean;
  /** Clear every fault after each test. Default true. */
  clearFaultsAfterEach?: boolean;
}

/** The primary and DR regions of a sandbox, by their role in the ready line. */
export function regionsByRole(endpoints: SandboxEndpoints): { primary: string; secondary: string } {
  const byRole = (role: string): string => {
    const found = Object.entries(endpoints.regions).find(([, r]) => r.role === role);
    if (!found) throw new Error(`the sandbox reports no ${role} region`);
    return found[0];
  };
  return { primary: byRole('primary'), secondary: byRole('secondary') };
}

/**
 * Registers the hooks of one sandbox for the enclosing `describe` and returns its fixture, whose
 * fields are set once `before` has run (read them inside hooks and tests, not at describe time).
 */
export function useSandbox(options: SandboxOptions, fixtureOptions: SandboxFixtureOptions = {}): SandboxFixture {
  let state: Omit<SandboxFixture, 'api'> | undefined;
  const current = (): Omit<SandboxFixture, 'api'> => {
    if (!state) throw new Error('the sandbox fixture is read before its `before` hook ran');
    return state;
  };
  before(async () => {
    const sandbox = await startSandbox(options);
    const endpoints = sandbox.endpoints;
    state = { sandbox, endpoints, control: new SandboxControlClient(endpoints.control), auth: merchantHeaders(endpoints), ...regionsByRole(endpoints) };
    if (fixtureOptions.warm === true) await warmPayments([endpoints.regions[state.primary].api, endpoints.regions[state.secondary].api], state.auth);
  });
  if (fixtureOptions.clearFaultsAfterEach ?? true) {
    afterEach(async () => {
      await state?.control.clearFaults();
    });
  }
  after(async () => {
    await state?.sandbox.stop();
  });
  const fields = ['sandbox', 'endpoints', 'control', 'auth', 'primary', 'secondary'] as const;
  const fixture = { api: (region: string) => current().endpoints.regions[region].api };
  for (const name of fields) Object.defineProperty(fixture, name, { enumerable: true, get: () => current()[name] });
  return fixture as SandboxFixture;
}

/** Delay between the primary's 201 and the client's retry in the DR region (a failover before replication). */
const DR_RETRY_AFTER_MS = 100;

/**
 * The DR retry case: with replication from the primary delayed by `replicationDelayMs`, a payment is
 * confirmed (201) by the primary, and the same request (same Idempotency-Key and body) is sent to
 * the DR region 100 ms later. Returns the key, the body, the primary's 201 and the DR region's first answer.
 */
export async function drRetryAfterPrimary201(
  f: SandboxFixture,
  replicationDelayMs: number,
): Promise<{ key: string; body: Record<string, unknown>; first: HttpResult<PaymentBody>; retry: HttpResult<PaymentBody> }> {
  await f.control.injectFault({ fault: 'replication-delay', region: f.primary, delayMs: replicationDelayMs });
  const key = randomUUID();
  const body = { amount: 4200, currency: 'EUR' };
  const first = await createPayment(f.api(f.primary), f.auth, key, body);
  assert.equal(first.status, 201);
  await new Promise((resolve) => setTimeout(resolve, DR_RETRY_AFTER_MS));
  const retry = await createPayment(f.api(f.secondary), f.auth, key, body);
  return { key, body, first, retry };
}
