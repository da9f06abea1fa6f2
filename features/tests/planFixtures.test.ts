/**
 * Proof that each configuration scenario can fail: the suite runs on the `plan` target against the
 * real DR stack's plan with exactly one property broken, and exactly the matching scenario fails
 * while every other configuration scenario passes.
 *
 * To stay fast the real program is captured once and each break (features/fixtures/breakers.ts) is
 * applied to that capture; one fixture PROGRAM (features/fixtures/pitrOff.ts, the same breaker
 * applied to the program's declarations) is captured alongside, proving the program path too.
 *
 * The real program's run is also the auditor's: the policy gate runs on the same capture, and the
 * page both produce (reports/verification.html) is read back and its first screen checked against
 * the run's summary, the gate's report and the PCI DSS requirements of the policies.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONTROL_IDS } from '../../policy-pack/controls';
import { capturePlanDetailed, DEFAULT_PROGRAM } from '../../policy-pack/offline/capture';
import { WAIVERS_FILE } from '../../policy-pack/lib/waivers';
import { runGate } from '../../scripts/gate';
import type { GateReport } from '../../scripts/gate/report';
import { renderAuditorHtml } from '../../scripts/verify/auditor';
import { requirementsByControl, type RunResult } from '../../scripts/verify/run';
import { CHECKED_MEDIA_TYPE, parseNdjson, summarise } from '../../scripts/verify/summary';
import { alarmMissing, breakPlan, pitrOff, wildcardIam, type Breaker } from '../fixtures/breakers';
import { fromCaptured, saveCapture, type SavedCapture } from '../support/targets/planTarget';
import { byStatus, SuiteRunner } from './proofHelpers';

const CONFIGURATION_SCENARIOS = 18;
const PITR = 'The payments table can be restored to any second of its recovery window in both regions';
const ON_DEMAND = 'The payments table scales on demand in both regions';

/** The first screen of the auditor page: everything before the evidence per control. */
function firstScreen(html: string): string {
  const end = html.indexOf('<h2>Evidence per control</h2>');
  assert.ok(end > 0, 'the page has no evidence section');
  return html.slice(0, end);
}

interface ControlRow {
  verdictClass: string;
  id: string;
  title: string;
  pci: string;
  runtime: string;
  gate: string;
  scenarios: string;
}

/** The controls table of the first screen, one row per control (strict: a row of another shape is not read). */
function controlRows(screen: string): ControlRow[] {
  const row =
    /<tr class="v-([a-z-]+)"><td><a href="#([A-Z0-9-]+)">\2<\/a><\/td><td>([^<]*)<\/td><td>([^<]*)<\/td>\n<td class="verdict">([^<]*)<\/td><td class="verdict">([^<]*)<\/td>\n<td>(.*?)<\/td><\/tr>/g;
  return [...screen.matchAll(row)].map((m) => ({ verdictClass: m[1], id: m[2], title: m[3], pci: m[4], runtime: m[5], gate: m[6], scenarios: m[7] }));
}

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
  let gate: GateReport | undefined;
  let realRun: RunResult | undefined;

  before(async () => {
    // Two captures (child processes), side by side; the gate evaluates the real one into the real run's reports.
    const [raw] = await Promise.all([capturePlanDetailed({ program: DEFAULT_PROGRAM, stack: 'dev' }), saveCapture('features/fixtures/pitrOff.ts', 'dev', pitrProgramFile)]);
    real = { resources: raw.resources.map(fromCaptured), outputs: raw.outputs };
    writeFileSync(realFile, JSON.stringify(real));
    const reportDir = join(dir, 'real');
    mkdirSync(reportDir, { recursive: true });
    gate = await runGate(
      { program: DEFAULT_PROGRAM, stack: 'dev', preview: false, waiversFile: WAIVERS_FILE, reportDir, quiet: true },
      () => undefined,
      raw,
    );
  }, { timeout: 120_000 });

  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (name: string, captureFile: string, program = 'infra/index.ts') =>
    runner.run({ profile: 'plan', reportsDir: join(dir, name.replace(/\W+/g, '-')), program, worldParameters: { planCaptureFile: captureFile } });

  it('the real program passes every configuration scenario', async () => {
    const result = await run('real', realFile);
    realRun = result;
    assert.deepEqual(byStatus(result, 'failed'), []);
    assert.equal(byStatus(result, 'passed').length, CONFIGURATION_SCENARIOS);
    assert.ok(result.summary.scenarios.every((s) => s.answeredBy?.kind === 'plan'), 'every scenario must state the plan target answered it');
    for (const s of result.summary.scenarios) {
      assert.ok(s.checked.reduce((n, c) => n + c.count, 0) > 0, `"${s.name}" passed; its steps must say what they checked`);
    }
  });

  it("the run's auditor page states on its first screen the run, every control's verdicts with its PCI DSS requirements, and per scenario the target, time scale and what it checked", () => {
    assert.ok(realRun && gate, 'the real program was not verified or gated');
    const summary = realRun.summary;
    const screen = firstScreen(readFileSync(realRun.files.html, 'utf8'));
    const header = /<p>Stack <b>([^<]+)<\/b> · profile <b>([^<]+)<\/b> · commit <code>([^<]+)<\/code> · started (\S+) · finished (\S+) \(UTC\)/.exec(screen);
    assert.ok(header, 'the run line is missing');
    const [, stack, profile, commit, started, finished] = header;
    assert.deepEqual([stack, profile], ['dev', 'plan']);
    assert.match(commit, /^([0-9a-f]{40}(\+uncommitted-changes)?|unknown)$/);
    for (const t of [started, finished]) assert.match(t, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Date.parse(started) <= Date.parse(finished));
    assert.match(screen, new RegExp(`Policy gate: <b>${gate.result.toUpperCase()}</b> on <code>infra/index.ts</code>, stack <code>dev</code>`));

    const rows = controlRows(screen);
    assert.deepEqual(rows.map((r) => r.id).sort(), [...CONTROL_IDS].sort(), 'one row per control of the catalog');
    const requirements = requirementsByControl();
    for (const r of rows) {
      const runtime = summary.controls.find((c) => c.id === r.id)?.verdict ?? 'not-verified-here';
      assert.equal(r.verdictClass, runtime, `${r.id}: runtime verdict`);
      assert.equal(r.pci, (requirements[r.id] ?? []).join(', '), `${r.id}: PCI DSS requirements`);
      assert.equal(r.gate, gate.controls.find((c) => c.id === r.id)?.status ?? 'gate not run', `${r.id}: the gate's verdict beside the runtime one`);
      const scenarios = summary.scenarios.filter((s) => s.controls.includes(r.id));
      if (scenarios.length === 0) assert.equal(r.scenarios, '<em>no scenario evidences it in this run</em>');
      for (const s of scenarios) assert.ok(r.scenarios.includes(`<li>${s.name} — <b>${s.status}</b>, plan (real time), checked `), `${r.id}: ${s.name}`);
    }
    const capacity = rows.find((r) => r.id === 'CAP-01');
    assert.equal(capacity?.runtime, 'passed');
    assert.equal(capacity?.scenarios, `<ul><li>${ON_DEMAND} — <b>passed</b>, plan (real time), checked 2 table replicas</li></ul>`);
    assert.ok(rows.some((r) => r.runtime === 'not verified here'), 'the runtime controls are not verified by a configuration-only run');
  });

  it('the same run, with the checks of one scenario removed, reports that scenario and its control not applicable, never passed', () => {
    assert.ok(realRun, 'the real program was not verified');
    const envelopes = parseNdjson(readFileSync(realRun.files.messages, 'utf8')) as Array<Record<string, { id?: string; name?: string; pickleId?: string; testCaseId?: string; testCaseStartedId?: string; mediaType?: string }>>;
    const pickleId = envelopes.find((e) => e.pickle?.name === ON_DEMAND)?.pickle?.id;
    const testCaseId = envelopes.find((e) => e.testCase?.pickleId === pickleId)?.testCase?.id;
    const startedId = envelopes.find((e) => e.testCaseStarted?.testCaseId === testCaseId)?.testCaseStarted?.id;
    assert.ok(startedId, `the run has no "${ON_DEMAND}"`);
    const checkedNothing = envelopes.filter((e) => !(e.attachment?.testCaseStartedId === startedId && e.attachment.mediaType === CHECKED_MEDIA_TYPE));
    assert.ok(checkedNothing.length < envelopes.length, 'the scenario recorded what it checked');
    const summary = summarise(checkedNothing, { profile: 'plan', stack: 'dev', commit: 'recorded', startedAt: realRun.summary.startedAt, finishedAt: realRun.summary.finishedAt, tagExpression: '' });
    assert.equal(summary.scenarios.find((s) => s.name === ON_DEMAND)?.status, 'not-applicable');
    assert.equal(summary.controls.find((c) => c.id === 'CAP-01')?.verdict, 'not-applicable');
    assert.equal(summary.counts.passed, CONFIGURATION_SCENARIOS - 1);
    const row = controlRows(firstScreen(renderAuditorHtml({ summary, gate, requirements: requirementsByControl(), detailsFile: 'verification-details.html' }))).find((r) => r.id === 'CAP-01');
    assert.equal(row?.verdictClass, 'not-applicable');
    assert.equal(row?.runtime, 'not applicable (nothing to check)');
    assert.match(row?.scenarios ?? '', /<b>not-applicable<\/b>, plan \(real time\), checked nothing \(every step passed but none checked anything/);
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
