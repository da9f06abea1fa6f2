/**
 * Proof that each runtime scenario can fail: one sandbox for the file, the suite runs against it
 * (sandbox profile, through SANDBOX_CONTROL_URL semantics) healthy and then with each fault
 * injected, and exactly the matching scenarios fail. Time scale 0.05: the stack's 10 s x 3 health
 * checks run in 0.5 s x 3.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type SandboxHandle } from '../../sandbox/sandbox';
import type { FaultSpec } from '../../sandbox/types';
import { sleep } from '../support/http';
import { byStatus, failureOf, SuiteRunner } from './proofHelpers';

const TIME_SCALE = 0.05;
const PRIMARY_TO_DR = 'A payment accepted in the primary region reaches the DR region within 30 seconds';
const DR_TO_PRIMARY = 'A payment accepted in the DR region reaches the primary region within 30 seconds, for failback';
const TRANSACTION_LOG = 'A transaction log written in the primary region is copied to the DR region';
const DRILL = 'The DR region serves payments within the RTO when the primary becomes unhealthy';
/** The transaction-log scenario waits up to 15 modelled minutes: its failures are proven below, at a smaller scale. */
const WITHOUT_OBJECTS = 'not @transaction-log';
const OBJECT_TIME_SCALE = 0.002;

/** One runner for the file: Cucumber's support code is loaded once per process and then reused. */
const runner = new SuiteRunner();

describe('runtime scenarios fail exactly under the matching fault (sandbox target)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verify-sandbox-faults-'));
  let sandbox: SandboxHandle | undefined;

  before(async () => {
    // Eventual consistency: the mode in which a stalled replication loses what the primary accepted
    // (the RPO case below); in strong mode replication-stalled cuts the primary's replica off instead.
    sandbox = await startSandbox({ timeScale: TIME_SCALE, stack: 'dev', consistencyMode: 'eventual' });
  }, { timeout: 60_000 });

  after(async () => {
    await sandbox?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Waits until the failover record answers with the primary and both regions are healthy. */
  async function settled(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = sandbox?.state();
      if (state && state.routing.target === state.routing.primary && Object.values(state.health).every((h) => h.healthy)) return;
      if (Date.now() > deadline) throw new Error(`the sandbox did not settle: ${JSON.stringify(state?.routing)}`);
      await sleep(50);
    }
  }

  async function runWith(name: string, faults: FaultSpec[], ready?: () => boolean, tags?: string) {
    assert.ok(sandbox, 'no sandbox');
    await sandbox.clearFaults();
    await settled();
    for (const f of faults) await sandbox.injectFault(f);
    if (ready) {
      const deadline = Date.now() + 10_000;
      while (!ready()) {
        assert.ok(Date.now() < deadline, `the fault ${name} did not take effect`);
        await sleep(25);
      }
    }
    try {
      return await runner.run({
        profile: 'sandbox',
        reportsDir: join(dir, name),
        ...(tags ? { tags } : {}),
        worldParameters: { sandboxControlUrl: sandbox.endpoints.control, timeScale: TIME_SCALE },
      });
    } finally {
      await sandbox.clearFaults();
    }
  }

  it('healthy: every runtime scenario passes, the drill included', async () => {
    const result = await runWith('healthy', []);
    assert.deepEqual(byStatus(result, 'failed'), [], failureOf(result, DRILL));
    assert.deepEqual(byStatus(result, 'passed'), [PRIMARY_TO_DR, DR_TO_PRIMARY, TRANSACTION_LOG, DRILL].sort());
    assert.deepEqual(byStatus(result, 'skipped'), []);
    const failover = result.summary.scenarios.find((s) => s.name === DRILL)?.measurements.find((m) => m.name === 'failover time');
    assert.ok(failover && failover.seconds > 0 && failover.budgetSeconds !== undefined && failover.seconds <= failover.budgetSeconds);
    assert.equal(failover.clock, 'modelled');
    assert.deepEqual(failover.judgedAgainst?.notExercised.map((n) => n.term), ['propagationSeconds', 'dnsCacheSeconds']);
    assert.equal(failover.timeScale, TIME_SCALE);
    assert.ok(result.summary.scenarios.every((s) => s.answeredBy?.kind === 'sandbox'));
  });

  it('replication stalled from the primary: the primary-to-DR scenario and the drill (RPO) fail', async () => {
    const result = await runWith('replication-stalled', [{ fault: 'replication-stalled', region: 'us-east-1' }], undefined, WITHOUT_OBJECTS);
    assert.deepEqual(byStatus(result, 'failed'), [DRILL, PRIMARY_TO_DR].sort());
    assert.deepEqual(byStatus(result, 'passed'), [DR_TO_PRIMARY]);
    assert.match(failureOf(result, DRILL), /missing in us-east-2/);
  });

  it('primary health stuck failing: only the drill fails', async () => {
    const result = await runWith('health-stuck', [{ fault: 'health-failing', region: 'us-east-1' }], () => sandbox?.state().routing.target === 'us-east-2');
    assert.deepEqual(byStatus(result, 'failed'), [DRILL]);
    assert.deepEqual(byStatus(result, 'passed'), [PRIMARY_TO_DR, DR_TO_PRIMARY, TRANSACTION_LOG].sort());
  });

  it('primary region down: both table replication scenarios and the drill fail', async () => {
    const result = await runWith('region-down', [{ fault: 'region-down', region: 'us-east-1' }], undefined, WITHOUT_OBJECTS);
    assert.deepEqual(byStatus(result, 'failed'), [DRILL, DR_TO_PRIMARY, PRIMARY_TO_DR].sort());
    assert.match(failureOf(result, PRIMARY_TO_DR), /must accept the payment, it answered/);
    assert.match(failureOf(result, DR_TO_PRIMARY), /was not readable in us-east-1/);
  });
});

describe('the transaction-log copy scenario fails exactly when object replication is held (sandbox target)', () => {
  // 15 minutes at time scale 0.002 is a 1.8 s wait: long enough for a healthy copy (about 0.1-0.3 s
  // here), short enough that proving the failures costs seconds.
  const dir = mkdtempSync(join(tmpdir(), 'verify-sandbox-objects-'));
  let sandbox: SandboxHandle | undefined;

  before(async () => {
    sandbox = await startSandbox({ timeScale: OBJECT_TIME_SCALE, stack: 'dev' });
  }, { timeout: 60_000 });

  after(async () => {
    await sandbox?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(name: string, faults: FaultSpec[]) {
    assert.ok(sandbox, 'no sandbox');
    await sandbox.clearFaults();
    for (const f of faults) await sandbox.injectFault(f);
    try {
      return await runner.run({
        profile: 'sandbox',
        reportsDir: join(dir, name),
        tags: '@transaction-log',
        worldParameters: { sandboxControlUrl: sandbox.endpoints.control, timeScale: OBJECT_TIME_SCALE },
      });
    } finally {
      await sandbox.clearFaults();
    }
  }

  it('healthy: the object is copied to the DR bucket', async () => {
    const result = await run('objects-healthy', []);
    assert.deepEqual(byStatus(result, 'passed'), [TRANSACTION_LOG], failureOf(result, TRANSACTION_LOG));
  });

  it('replication stalled from the primary: the copy scenario fails', async () => {
    const result = await run('objects-stalled', [{ fault: 'replication-stalled', region: 'us-east-1' }]);
    assert.deepEqual(byStatus(result, 'failed'), [TRANSACTION_LOG]);
    assert.match(failureOf(result, TRANSACTION_LOG), /did not appear in us-east-2/);
  });

  it('primary region down: the copy scenario fails', async () => {
    const result = await run('objects-region-down', [{ fault: 'region-down', region: 'us-east-1' }]);
    assert.deepEqual(byStatus(result, 'failed'), [TRANSACTION_LOG]);
  });
});
