/**
 * Run as the Pulumi engine runs it (no mocks monitor), the program refuses the committed dev stack
 * (no domain chosen) with a SettingsError naming the key, before it declares a single resource.
 * The engine is simulated by letting `pulumi.runtime.getMonitor()` answer something that is not
 * the mocks' monitor; every registration would still reach the recording mocks.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as pulumi from '@pulumi/pulumi';
import { startMockRun } from '../policy-pack/offline/programRun';
import { PROJECT, REPO_ROOT, SettingsError } from './settings';
import { stackConfig } from './testing/harness';

describe('stack refusal: no deployable domain', () => {
  it('throws payments-dr:domainName before any resource exists', async () => {
    const run = await startMockRun({ project: PROJECT, stack: 'dev', config: stackConfig('dev'), defaultRegion: 'us-east-1', dryRun: true, mocksPreview: false, strictInvokes: true });
    const runtime = pulumi.runtime as unknown as { getMonitor: () => unknown };
    const original = runtime.getMonitor;
    runtime.getMonitor = () => ({ engine: 'not the mocks' });
    try {
      await assert.rejects(import(join(REPO_ROOT, 'infra', 'index.ts')), (error: Error) => {
        assert.equal(error.name, SettingsError.name);
        assert.match(error.message, /^payments-dr:domainName is required to deploy/);
        return true;
      });
    } finally {
      runtime.getMonitor = original;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(run.mocked.map((r) => r.type), []);
    assert.deepEqual(run.planned().map((r) => r.type), []);
  });
});
