// Runs every *.test.ts in the repository with Node's built-in test runner (TypeScript through tsx).
// Node 20's `--test` takes no globs, so the files are found here; pass paths or substrings to narrow the run:
//   node scripts/run-tests.mjs infra/lambda
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const skip = new Set(['node_modules', '.git', 'reports', '.bundle-cache', 'bin']);

function find(dir, out) {
  for (const entry of readdirSync(dir)) {
    if (skip.has(entry) || entry.startsWith('.sandbox-')) continue;
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) find(full, out);
    else if (entry.endsWith('.test.ts')) out.push(relative(root, full));
  }
  return out;
}

const filters = process.argv.slice(2);
const files = find(root, []).sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ') || '*.test.ts'}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  // --test-timeout: a hung test (say, an SDK call that never times out) fails by name instead of stalling CI.
  // --test-concurrency=4 on 2 cores: the sandbox files spend much of their time waiting on modelled
  // timers, so four files at once keep both cores busy (measured: 197 s wall against 245 s at 2).
  // The sandbox's timing tests count health checks on its own clock, not wall time, so load does not change them.
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=4', '--test-timeout=180000', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
