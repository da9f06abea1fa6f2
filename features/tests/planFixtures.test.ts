/**
 * Proof that each configuration scenario can fail: the suite runs on the `plan` target against the
 * real DR stack's plan with exactly one property broken, and exactly the matching scenario fails
 * while every other configuration scenario passes.
 *
 * To stay fast the real program is captured once and each break (features/fixtures/breakers.ts) is
 * applied to that capture; one fixture PROGRAM (features/fixtures/pitrOff.ts, the same breaker
 * applied to the program's declarations) is captured alongside, proving the program path too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { alarmMissing, breakPlan, pitrOff, wildcardIam, type Breaker } from '../fixtures/breakers';
import { saveCapture, type SavedCapture } from '../support/targets/planTarget';
import { byStatus, SuiteRunner } from './proofHelpers';

const CONFIGURATION_SCENARIOS = 18;
const PITR = 'The payments table can be restored to any second of its recovery window in both regions';

const BREAKS: Array<{ name: string; breaker: Breaker; fails: string[] }> = [
  { name: 'alarm missing', breaker: alarmMissing, fails: ['Replication falling behind by more than 30 seconds raises an alarm in each region'] },
  { name: 'point-in-time recovery off', breaker: pitrOff, fails: [PITR] },
  { name: 'wildcard IAM', breaker: wildcardIam, fails: ['The createPayment function may not do what it must never do'] },
];

describe('configuration scenarios fail exactly where the program is broken (plan target)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verify-plan-fixtures-'));
  const runner = new SuiteRunner();
  const realFile = join(dir, 'real.json');
  const pitrProgramFile = join(dir, 'pitr-program.json');
  let real: SavedCapture | undefined;

  before(async () => {
    // Two captures (child processes), side by side.
    [real] = await Promise.all([saveCapture('infra/index.ts', 'dev', realFile), saveCapture('features/fixtures/pitrOff.ts', 'dev', pitrProgramFile)]);
  }, { timeout: 120_000 });

  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (name: string, captureFile: string, program = 'infra/index.ts') =>
    runner.run({ profile: 'plan', reportsDir: join(dir, name.replace(/\W+/g, '-')), program, worldParameters: { planCaptureFile: captureFile } });

  it('the real program passes every configuration scenario', async () => {
    const result = await run('real', realFile);
    assert.deepEqual(byStatus(result, 'failed'), []);
    assert.equal(byStatus(result, 'passed').length, CONFIGURATION_SCENARIOS);
    assert.ok(result.summary.scenarios.every((s) => s.answeredBy?.kind === 'plan'), 'every scenario must state the plan target answered it');
  });

  for (const b of BREAKS) {
    it(`${b.name}: only "${b.fails.join('", "')}" fails`, async () => {
      assert.ok(real, 'the real program was not captured');
      const file = join(dir, `${b.name.replace(/\W+/g, '-')}.json`);
      writeFileSync(file, JSON.stringify(breakPlan(real, b.breaker)));
      const result = await run(b.name, file);
      assert.deepEqual(byStatus(result, 'failed'), [...b.fails].sort());
      assert.equal(byStatus(result, 'passed').length, CONFIGURATION_SCENARIOS - b.fails.length);
      assert.equal(result.success, false);
    });
  }

  it('the fixture program features/fixtures/pitrOff.ts fails only the point-in-time recovery scenario', async () => {
    const result = await run('pitr-program', pitrProgramFile, 'features/fixtures/pitrOff.ts');
    assert.deepEqual(byStatus(result, 'failed'), [PITR]);
    assert.match(result.summary.scenarios.find((s) => s.name === PITR)?.error ?? '', /point-in-time recovery of \S+ must be on in us-east-2, it is off/);
  });
});
