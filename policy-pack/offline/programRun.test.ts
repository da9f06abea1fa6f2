/**
 * One capture harness: a program run in this process (as the unit tests run ours) and the same
 * program run in the gate's child process (as the gate and the plan target run any program) are
 * recorded by the same code, so they record the same plan; and what the mocks answered (the unit
 * tests' view) is the same set of resources.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { capturePlanDetailed, REPO_ROOT } from './capture';
import { loadProgram, resolveOutputs, startMockRun } from './programRun';

const PROGRAM = join(REPO_ROOT, 'policy-pack', 'fixtures', 'external', 'provider-region-bucket.ts');

describe('the one capture harness', () => {
  it('records the same plan in-process and in the gate\'s child process, and the mocks answered every custom resource of it', async () => {
    const child = capturePlanDetailed({ program: PROGRAM, stack: 'dev' });
    const run = await startMockRun({ project: 'external-cases', stack: 'dev', config: {}, defaultRegion: 'us-east-1', dryRun: true, mocksPreview: false });
    await resolveOutputs(run.pulumi, await loadProgram(PROGRAM));
    const inProcess = await run.finish();
    const captured = (await child).resources;

    assert.ok(inProcess.length >= 14, `${inProcess.length} resources`);
    assert.deepEqual(inProcess, captured);
    const regions = Object.fromEntries(inProcess.filter((r) => r.type === 'aws:s3/bucket:Bucket').map((r) => [r.name, r.region]));
    assert.deepEqual(regions, { 'txlog-dev-us-east-1': 'us-east-1', 'txlog-dev-us-east-2': 'us-east-2' }, 'each bucket is in its provider\'s region');

    const planned = inProcess.filter((r) => r.custom && !r.urn.includes('::default_')).map((r) => `${r.type} ${r.name}`).sort();
    assert.deepEqual(run.mocked.filter((r) => r.custom).map((r) => `${r.type} ${r.name}`).sort(), planned);
  });

  it('runs once per process', async () => {
    await assert.rejects(
      startMockRun({ project: 'external-cases', stack: 'dev', config: {}, defaultRegion: 'us-east-1', dryRun: true, mocksPreview: false }),
      /a program runs under mocks once per process/,
    );
  });
});
