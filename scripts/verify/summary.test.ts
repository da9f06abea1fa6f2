/** The JSON summary is computed from Cucumber messages alone: statuses, targets, measurements, control verdicts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHECKED_MEDIA_TYPE, controlVerdict, MEASUREMENT_MEDIA_TYPE, parseNdjson, SKIPPED_MEDIA_TYPE, summarise, TARGET_MEDIA_TYPE } from './summary';

const META = { profile: 'default', stack: 'dev', commit: 'abc123', startedAt: '2026-11-29T12:00:00.000Z', finishedAt: '2026-11-29T12:00:30.000Z', tagExpression: '' };

const target = (kind: string, timeScale: number) =>
  JSON.stringify({ kind, summary: `${kind} target`, stack: 'dev', account: kind === 'live' ? '111122223333' : 'local', regions: { primaryRegion: 'us-east-1', drRegion: 'us-east-2' }, timeScale, capability: 'runtime' });

const CHECKED_ONE = JSON.stringify({ kind: 'payment records', count: 1 });

/** A run: one scenario per entry, each with step statuses and attachments (by default each scenario checked one record). */
function messages(
  scenarios: Array<{ name: string; tags: string[]; steps: string[]; attachments?: Array<[string, string]>; retriedFirst?: boolean; checkedNothing?: boolean }>,
): unknown[] {
  const out: unknown[] = [{ gherkinDocument: { uri: 'features/x.feature', feature: { name: 'Feature X' } } }];
  scenarios.forEach((s, i) => {
    out.push({ pickle: { id: `p${i}`, uri: 'features/x.feature', name: s.name, tags: s.tags.map((name) => ({ name })) } });
    out.push({ testCase: { id: `tc${i}`, pickleId: `p${i}` } });
    const attempts = s.retriedFirst ? 2 : 1;
    for (let a = 0; a < attempts; a += 1) {
      const started = `s${i}-${a}`;
      out.push({ testCaseStarted: { id: started, testCaseId: `tc${i}`, attempt: a } });
      const statuses = s.retriedFirst && a === 0 ? ['FAILED'] : s.steps;
      for (const st of statuses) out.push({ testStepFinished: { testCaseStartedId: started, testStepResult: { status: st, message: st === 'FAILED' ? 'boom\nat line' : undefined } } });
      const attachments: Array<[string, string]> = [...(s.attachments ?? []), ...(s.checkedNothing ? [] : ([[CHECKED_MEDIA_TYPE, CHECKED_ONE]] as Array<[string, string]>))];
      for (const [mediaType, body] of attachments) out.push({ attachment: { testCaseStartedId: started, mediaType, body } });
      out.push({ testCaseFinished: { testCaseStartedId: started, willBeRetried: s.retriedFirst === true && a === 0 } });
    }
  });
  return out;
}

describe('verification summary', () => {
  it('gives each scenario the worst step status, its target and measurements', () => {
    const measurement = JSON.stringify({ name: 'failover time', wallClockMs: 6000, seconds: 120, clock: 'modelled', budgetSeconds: 150, timeScale: 0.05 });
    const s = summarise(
      messages([
        { name: 'drill', tags: ['@runtime', '@control-DR-03'], steps: ['PASSED', 'PASSED'], attachments: [[TARGET_MEDIA_TYPE, target('sandbox', 0.05)], [MEASUREMENT_MEDIA_TYPE, measurement]] },
        { name: 'pitr', tags: ['@configuration', '@control-DR-02'], steps: ['PASSED', 'FAILED', 'SKIPPED'], attachments: [[TARGET_MEDIA_TYPE, target('plan', 1)]] },
      ]),
      META,
    );
    assert.equal(s.result, 'failed');
    assert.deepEqual(s.scenarios.map((x) => [x.name, x.status, x.answeredBy?.kind]), [['drill', 'passed', 'sandbox'], ['pitr', 'failed', 'plan']]);
    assert.equal(s.scenarios[0].measurements[0].seconds, 120);
    assert.equal(s.scenarios[0].measurements[0].clock, 'modelled');
    assert.equal(s.scenarios[1].error, 'boom\nat line');
    assert.deepEqual(s.timeScale, { sandbox: 0.05, plan: 1 });
    assert.deepEqual(s.regions, { primaryRegion: 'us-east-1', drRegion: 'us-east-2' });
    assert.deepEqual(s.scenarios[0].checked, [{ kind: 'payment records', count: 1 }]);
    assert.equal(s.durationSeconds, 30);
  });

  it('judges each control of the catalog by all its scenarios', () => {
    const s = summarise(
      messages([
        { name: 'a', tags: ['@control-DR-01'], steps: ['PASSED'] },
        { name: 'b', tags: ['@control-DR-01'], steps: ['SKIPPED'] },
        { name: 'c', tags: ['@control-SEC-03'], steps: ['PASSED'] },
        { name: 'd', tags: ['@control-SEC-03'], steps: ['UNDEFINED'] },
        { name: 'e', tags: ['@control-CAP-01'], steps: ['SKIPPED'] },
      ]),
      META,
    );
    const verdict = (id: string) => s.controls.find((c) => c.id === id)?.verdict;
    assert.equal(verdict('DR-01'), 'passed');
    assert.equal(verdict('SEC-03'), 'failed');
    assert.equal(verdict('CAP-01'), 'skipped');
    assert.equal(verdict('GOV-01'), 'not-verified-here');
    assert.equal(s.result, 'failed');
  });

  it('reports a scenario that passed having checked nothing as not applicable, never passed', () => {
    const s = summarise(
      messages([
        { name: 'empty', tags: ['@control-CAP-01'], steps: ['PASSED', 'PASSED'], checkedNothing: true, attachments: [[CHECKED_MEDIA_TYPE, JSON.stringify({ kind: 'buckets', count: 0 })]] },
        { name: 'real', tags: ['@control-DR-02'], steps: ['PASSED'] },
      ]),
      META,
    );
    const empty = s.scenarios.find((x) => x.name === 'empty');
    assert.equal(empty?.status, 'not-applicable');
    assert.match(empty?.reason ?? '', /none checked anything/);
    assert.equal(s.controls.find((c) => c.id === 'CAP-01')?.verdict, 'not-applicable');
    assert.equal(s.controls.find((c) => c.id === 'DR-02')?.verdict, 'passed');
    assert.equal(s.counts['not-applicable'], 1);
    assert.equal(s.counts.passed, 1);
    assert.equal(s.result, 'passed', 'nothing failed');
  });

  it('carries the reason a scenario was skipped', () => {
    const s = summarise(
      messages([{ name: 'objects', tags: ['@control-DR-01'], steps: ['SKIPPED'], checkedNothing: true, attachments: [[SKIPPED_MEDIA_TYPE, JSON.stringify({ reason: 'the plan target has no runtime capability' })]] }]),
      META,
    );
    assert.equal(s.scenarios[0].status, 'skipped');
    assert.equal(s.scenarios[0].reason, 'the plan target has no runtime capability');
    assert.equal(s.controls.find((c) => c.id === 'DR-01')?.verdict, 'skipped');
  });

  it('judges a control passed only when a scenario passed having checked something', () => {
    assert.equal(controlVerdict(['not-applicable', 'passed']), 'passed');
    assert.equal(controlVerdict(['not-applicable', 'not-applicable']), 'not-applicable');
    assert.equal(controlVerdict(['not-applicable', 'skipped']), 'skipped');
    assert.equal(controlVerdict(['not-applicable', 'failed']), 'failed');
    assert.equal(controlVerdict([]), 'not-verified-here');
  });

  it('counts only the final attempt of a retried scenario', () => {
    const s = summarise(messages([{ name: 'flaky', tags: ['@control-DR-01'], steps: ['PASSED'], retriedFirst: true }]), META);
    assert.deepEqual(s.scenarios.map((x) => x.status), ['passed']);
    assert.equal(s.result, 'passed');
  });

  it('fails a run that ran nothing', () => {
    assert.equal(summarise(messages([]), META).result, 'failed');
  });

  it('reads NDJSON and names a bad line', () => {
    assert.equal(parseNdjson('{"a":1}\n\n{"b":2}\n').length, 2);
    assert.throws(() => parseNdjson('{"a":1}\nnot json\n'), /messages line 2 is not JSON/);
  });
});
