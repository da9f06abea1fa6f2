/**
 * `npm run sandbox` as a user runs it: one JSON ready line on stdout, the control interface answers
 * with the same endpoints, and SIGINT/SIGTERM stop it leaving no process or port behind; `--help`
 * prints the options and starts nothing.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HANDLERS } from '../contract';
import { parseCli } from './cli';
import { SandboxControlClient } from './controlClient';
import { startSandbox } from './sandbox';
import { processExists, refusesConnections } from './testkit';
import type { SandboxEndpoints } from './types';

const REPO_ROOT = join(__dirname, '..');

/** Pids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

describe('sandbox CLI', { timeout: 150_000 }, () => {
  it('parses its flags and refuses bad ones', () => {
    assert.deepEqual(parseCli([]), { timeScale: 1, stack: 'dev', replicationDelayMs: 0, quiet: false, objectReplication: true });
    assert.deepEqual(parseCli(['--time-scale', '0.05', '--stack', 'staging', '--quiet', '--no-object-replication']), {
      timeScale: 0.05,
      stack: 'staging',
      replicationDelayMs: 0,
      quiet: true,
      objectReplication: false,
    });
    assert.throws(() => parseCli(['--time-scale', '0']), /timeScale/);
    assert.throws(() => parseCli(['--time-scale', 'fast']), /timeScale/);
    assert.throws(() => parseCli(['--stack', '../etc']), /stack/);
    // The stack has no API keys (per-merchant credentials): the option is refused, not ignored.
    assert.throws(() => parseCli(['--api-key', 'k'.repeat(20)]), /api-key/);
    assert.throws(() => parseCli(['--bogus']));
    assert.equal(parseCli(['--consistency-mode', 'strong']).consistencyMode, 'strong');
    assert.equal(parseCli(['--consistency-mode', 'eventual']).consistencyMode, 'eventual');
    assert.equal(parseCli([]).consistencyMode, undefined, 'default: the stack decides');
    assert.throws(() => parseCli(['--consistency-mode', 'linearizable']), /consistency-mode/);
  });

  // SIGINT and SIGTERM share one handler in cli.ts; one start-up keeps the suite fast.
  for (const signal of ['SIGTERM'] as const) {
    it(`prints exactly one ready line and stops on ${signal} leaving nothing behind`, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/cli.ts', '--time-scale', '0.05', '--stack', 'staging', '--quiet'], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_TEST_CONTEXT: undefined },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        const line = await new Promise<string>((resolve, reject) => {
          // A hang detector, not a speed aim: start-up on a busy 2-core machine can take tens of seconds.
          const timer = setTimeout(() => reject(new Error(`no ready line; stderr:\n${stderr.slice(-2000)}`)), 90_000);
          const check = (): void => {
            if (stdout.includes('\n')) {
              clearTimeout(timer);
              resolve(stdout.slice(0, stdout.indexOf('\n')));
            }
          };
          child.stdout.on('data', check);
          child.once('exit', () => reject(new Error(`exited before ready; stderr:\n${stderr.slice(-2000)}`)));
        });
        const ready = JSON.parse(line) as { event: string } & SandboxEndpoints;
        assert.equal(ready.event, 'sandbox.ready');
        assert.equal(ready.timeScale, 0.05);
        const { event, ...endpoints } = ready;
        assert.equal(event, 'sandbox.ready');
        assert.deepEqual(endpoints.healthCheck, { intervalSeconds: 30, failureThreshold: 2 }); // Pulumi.staging.yaml
        assert.equal(endpoints.tableName, 'payments-table-stg');
        assert.deepEqual(Object.keys(endpoints.regions).sort(), ['us-east-1', 'us-east-2']);
        assert.deepEqual(Object.values(endpoints.regions).map((r) => r.role).sort(), ['primary', 'secondary']);
        // Attach by the control URL alone: the same endpoints come back.
        assert.deepEqual(await new SandboxControlClient(endpoints.control).endpoints(), endpoints);

        const regionPids = childrenOf(child.pid ?? -1);
        assert.equal(regionPids.length, 2, 'one child process per region');
        child.kill(signal);
        assert.equal(await exited, 0, stderr.slice(-2000));
        assert.equal(stdout.trim().split('\n').length, 1, 'exactly one line on stdout');
        assert.ok(regionPids.every((pid) => !processExists(pid)), 'a region process survived');
        const urls = [endpoints.frontDoor, endpoints.control, ...Object.values(endpoints.regions).flatMap((r) => [r.api, r.dynamodb, r.s3, r.sqs, r.ssm])];
        for (const url of urls) assert.equal(await refusesConnections(url), true, `${url} still open`);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    });
  }
});

describe('sandbox start-up failure', { timeout: 60_000 }, () => {
  it('rejects with the region\'s error and leaves no process or temporary directory behind', async () => {
    // Handlers whose module initialisation fails, as a misconfigured deployment's would.
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-broken-handlers-'));
    try {
      for (const name of HANDLERS) {
        writeFileSync(
          join(dir, `${name}.js`),
          `require('node:fs').writeFileSync(require('node:path').join(__dirname, 'pid-' + process.pid), ''); throw new Error('invalid function configuration: TABLE_NAME is required');\n`,
        );
      }
      // Handlers load once the regions know each other (connectPeer), so the error is the region's reply.
      await assert.rejects(startSandbox({ timeScale: 0.05, handlersDir: dir }), /us-east-\d: .*invalid function configuration: TABLE_NAME is required/s);
      const pids = readdirSync(dir)
        .filter((f) => f.startsWith('pid-'))
        .map((f) => Number(f.slice(4)));
      assert.equal(pids.length, 2, 'both regions tried to load the handlers');
      assert.ok(pids.every((pid) => !processExists(pid)), 'a region process survived');
      const leaked = readdirSync(tmpdir()).filter((d) => pids.some((pid) => d.startsWith('payments-dr-sandbox-s3-') && d.includes(`-${pid}-`)));
      assert.deepEqual(leaked, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sandbox command line', () => {
  it('--help prints the usage and exits 0 without starting the sandbox', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'sandbox', 'cli.ts'), '--help'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Usage: npm run sandbox -- \[options\]/);
    assert.doesNotMatch(run.stdout, /sandbox\.ready/);
    assert.doesNotMatch(run.stdout, /--api-key/, 'the stack has no API keys: no option offers one');
  });
});
