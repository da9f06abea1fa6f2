/** `npm run sandbox -- --help` prints the options and starts nothing. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

describe('sandbox command line', () => {
  it('--help prints the usage and exits 0 without starting the sandbox', () => {
    const root = join(__dirname, '..');
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'sandbox', 'cli.ts'), '--help'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Usage: npm run sandbox -- \[options\]/);
    assert.doesNotMatch(run.stdout, /sandbox\.ready/);
    assert.doesNotMatch(run.stdout, /--api-key/, 'the stack has no API keys: no option offers one');
  });
});
