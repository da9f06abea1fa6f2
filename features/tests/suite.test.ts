/** The suite's own rules: scenario tags and size, live safety (restores), parameters, the sandbox contract. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfiguration, loadSources } from '@cucumber/cucumber/api';
import { isControlId } from '../../policy-pack/controls';
import { REPO_ROOT } from '../../scripts/verify/run';
import { resolveParameters } from '../support/parameters';
import { installSignalRestore, pendingRestores, registerRestore, restoreAll } from '../support/safety';
import { parseSandboxReady } from '../support/sandboxReady';

describe('scenarios', () => {
  it('parse, and the live profile leaves the drills out', async () => {
    const { runConfiguration } = await loadConfiguration({ file: 'cucumber.js', profiles: ['default'] }, { cwd: REPO_ROOT });
    const { plan, errors } = await loadSources(runConfiguration.sources, { cwd: REPO_ROOT });
    assert.deepEqual(errors, []);
    assert.ok(plan.length >= 20, `expected the whole suite, got ${plan.length} scenarios`);
    const { runConfiguration: live } = await loadConfiguration({ file: 'cucumber.js', profiles: ['live'] }, { cwd: REPO_ROOT });
    const liveNames = new Set((await loadSources(live.sources, { cwd: REPO_ROOT })).plan.map((p) => p.name));
    // A drill is what carries the @drill tag (on the scenario or its feature), whatever its name says.
    const drills = (await loadSources({ ...runConfiguration.sources, tagExpression: '@drill' }, { cwd: REPO_ROOT })).plan;
    assert.ok(drills.length > 0);
    for (const d of drills) assert.ok(!liveNames.has(d.name), `the live profile must exclude the drill "${d.name}"`);
  });

  it('the live profile excludes a drill by its tag, not its name (a drill named innocently is still excluded)', async () => {
    const { runConfiguration: live } = await loadConfiguration({ file: 'cucumber.js', profiles: ['live'] }, { cwd: REPO_ROOT });
    const { default: parse } = await import('@cucumber/tag-expressions');
    const excludes = (tags: string[]) => !parse(live.sources.tagExpression).evaluate(tags);
    assert.equal(excludes(['@runtime', '@drill']), true, 'a scenario tagged @drill must be excluded from live runs');
    assert.equal(excludes(['@runtime']), false, 'an untagged runtime scenario, even one named "failover drill", runs live');
  });

  it('tag and step rules hold for every pickle', async () => {
    const { runConfiguration } = await loadConfiguration({ file: 'cucumber.js', profiles: ['default'] }, { cwd: REPO_ROOT });
    const pickles: Array<{ name: string; tags: string[]; steps: number }> = [];
    const { runCucumber } = await import('@cucumber/cucumber/api');
    await runCucumber(
      { ...runConfiguration, runtime: { ...runConfiguration.runtime, dryRun: true }, formats: { ...runConfiguration.formats, stdout: 'summary', files: {}, publish: false } },
      { cwd: REPO_ROOT, stdout: new (await import('node:stream')).PassThrough().resume() },
      (envelope) => {
        if (envelope.pickle) pickles.push({ name: envelope.pickle.name, tags: envelope.pickle.tags.map((t) => t.name), steps: envelope.pickle.steps?.length ?? 0 });
      },
    );
    for (const p of pickles) {
      const controls = p.tags.filter((t) => t.startsWith('@control-')).map((t) => t.slice(9));
      assert.ok(controls.length > 0 && controls.every(isControlId), `"${p.name}" must name controls of policy-pack/controls.ts: ${controls.join(', ')}`);
      assert.equal(p.tags.filter((t) => t === '@runtime' || t === '@configuration').length, 1, `"${p.name}" must be @runtime or @configuration`);
      if (p.tags.includes('@drill')) assert.ok(p.tags.includes('@runtime'));
      assert.ok(p.steps >= 3 && p.steps <= 6, `"${p.name}" has ${p.steps} steps; scenarios stay between 3 and 6`);
    }
  });
});

describe('live safety: restores', () => {
  it('retries a failing restore once, keeps what still fails pending, and reports it', async () => {
    let calls = 0;
    registerRestore({
      description: 'flaky',
      restore: async () => {
        calls += 1;
        if (calls === 1) throw new Error('throttled');
      },
    });
    registerRestore({ description: 'broken', restore: async () => { throw new Error('access denied'); } });
    const outcomes = await restoreAll(1_000);
    assert.deepEqual(outcomes.map((o) => [o.description, o.ok]), [['flaky', true], ['broken', false]]);
    assert.equal(calls, 2);
    assert.match(outcomes[1].error ?? '', /access denied/);
    assert.equal(pendingRestores(), 1, 'what could not be restored stays pending for AfterAll and SIGINT');
  });

  it('bounds a restore that hangs', async () => {
    await restoreAll(10); // the previous test's broken restore fails again and stays pending
    registerRestore({ description: 'hangs', restore: () => new Promise(() => undefined) });
    const started = Date.now();
    const outcome = (await restoreAll(50)).find((o) => o.description === 'hangs');
    assert.ok(outcome);
    assert.equal(outcome.ok, false);
    assert.match(outcome.error ?? '', /did not finish within 50 ms/);
    assert.ok(Date.now() - started < 1_000);
  });

  it('installs its signal handlers once', () => {
    const before = process.listenerCount('SIGINT');
    installSignalRestore(async () => undefined);
    installSignalRestore(async () => undefined);
    assert.equal(process.listenerCount('SIGINT'), before + 1);
  });
});

describe('world parameters', () => {
  it('fills defaults, lets the environment override, keeps live at real time', () => {
    const p = resolveParameters({ profile: 'default' }, {});
    assert.deepEqual([p.runtimeTarget, p.configurationTarget, p.stack, p.timeScale, p.allowLiveDrills], ['sandbox', 'plan', 'dev', 0.05, false]);
    const live = resolveParameters({ profile: 'live' }, { DR_TIME_SCALE: '0.1', DR_ALLOW_LIVE_DRILLS: 'true', DR_STACK: 'prod' });
    assert.deepEqual([live.runtimeTarget, live.timeScale, live.allowLiveDrills, live.stack], ['live', 1, true, 'prod']);
  });

  it('refuses a non-loopback sandbox and a bad time scale', () => {
    assert.throws(() => resolveParameters({}, { SANDBOX_CONTROL_URL: 'http://10.0.0.5:8080' }), /must be a loopback http URL/);
    assert.throws(() => resolveParameters({ timeScale: 2 }, {}), /time scale must be a number in \(0, 1\]/);
  });
});

describe('sandbox contract', () => {
  const region = (role: string) => ({ role, api: 'http://127.0.0.1:1/v1', dynamodb: 'http://127.0.0.1:2', s3: 'http://127.0.0.1:3', sqs: '', ssm: '', bucket: 'b', retryQueueUrl: '' });
  const merchants = [{ merchantId: 'merchant-a', headers: { Authorization: 'Bearer pdr_x' } }];
  it('parses the ready description and names what is missing', () => {
    const ready = parseSandboxReady({ frontDoor: 'http://127.0.0.1:4', control: 'http://127.0.0.1:5', timeScale: 0.05, tableName: 't', merchants, regions: { 'us-east-1': region('primary'), 'us-east-2': region('secondary') } });
    assert.equal(ready.timeScale, 0.05);
    assert.deepEqual(ready.merchants, merchants);
    assert.throws(() => parseSandboxReady({ control: 'x', tableName: 't', merchants, regions: { a: region('primary'), b: region('secondary') } }), /sandbox contract: missing frontDoor/);
    assert.throws(() => parseSandboxReady({ frontDoor: 'x', control: 'x', tableName: 't', regions: { a: region('primary'), b: region('secondary') } }), /missing merchants/);
    assert.throws(() => parseSandboxReady({ frontDoor: 'x', control: 'x', tableName: 't', regions: { a: region('primary') } }), /one primary and one secondary/);
  });
});

describe('example scheduled pipeline (docs/ci/verify-scheduled.yml)', () => {
  it('is scheduled, assumes an OIDC role, runs the live profile without drills and keeps the reports', async () => {
    const { readFileSync } = await import('node:fs');
    const yaml = await import('js-yaml');
    const doc = yaml.load(readFileSync(`${REPO_ROOT}/docs/ci/verify-scheduled.yml`, 'utf8')) as {
      on: { schedule: Array<{ cron: string }> };
      permissions: Record<string, string>;
      jobs: { verify: { steps: Array<{ uses?: string; run?: string; if?: string; with?: Record<string, unknown> }> } };
    };
    assert.ok(doc.on.schedule.length > 0);
    assert.equal(doc.permissions['id-token'], 'write');
    const steps = doc.jobs.verify.steps;
    assert.ok(steps.some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials') && typeof s.with?.['role-to-assume'] === 'string'));
    const scheduled = steps.find((s) => s.run?.includes('npm run verify') && s.if?.includes("!= 'true'"));
    assert.ok(scheduled?.run?.includes('--profile live') && !scheduled.run.includes('--drills'), 'the scheduled run must exclude drills');
    assert.ok(steps.some((s) => s.uses?.startsWith('actions/upload-artifact') && s.if === 'always()'));
  });
});

describe('docs/verification.md', () => {
  it('maps every scenario to all of its controls (the table cannot drift from the features)', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const doc = readFileSync(`${REPO_ROOT}/docs/verification.md`, 'utf8').split('\n').filter((l) => l.startsWith('| '));
    for (const file of readdirSync(`${REPO_ROOT}/features`).filter((f) => f.endsWith('.feature'))) {
      const lines = readFileSync(`${REPO_ROOT}/features/${file}`, 'utf8').split('\n').map((l) => l.trim());
      let featureTags: string[] = [];
      let pending: string[] = [];
      for (const line of lines) {
        if (line.startsWith('@')) pending.push(...line.split(/\s+/));
        else if (line.startsWith('Feature:')) [featureTags, pending] = [pending, []];
        else if (line.startsWith('Scenario')) {
          const name = line.slice(line.indexOf(':') + 1).trim().replace(/`/g, '');
          const controls = [...featureTags, ...pending].filter((t) => t.startsWith('@control-')).map((t) => t.slice(9));
          pending = [];
          const row = doc.find((l) => l.replace(/`/g, '').includes(`| ${name}`));
          assert.ok(row, `docs/verification.md has no row for "${name}" (${file})`);
          const rowsOfScenario = doc.filter((l) => l.replace(/`/g, '').includes(`| ${name}`)).join(' ');
          for (const c of controls) assert.ok(rowsOfScenario.includes(c), `docs/verification.md must map "${name}" to ${c}`);
        }
      }
    }
  });
});
