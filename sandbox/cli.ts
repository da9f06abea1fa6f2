/**
 * `npm run sandbox [-- --time-scale <n>] [--stack <name>] [--consistency-mode strong|eventual] [--replication-delay-ms <n>] [--no-object-replication] [--quiet]`
 * Starts the local two-region sandbox, prints ONE JSON line on stdout when ready
 * (`{"event":"sandbox.ready", ...endpoints}`), sends the regions' logs to stderr, and stops cleanly
 * on SIGINT/SIGTERM (children stopped, temporary directories removed).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startSandbox, validateTimeScale } from './sandbox';
import { CONSISTENCY_MODES, type ConsistencyMode } from './types';

export interface CliOptions {
  timeScale: number;
  stack: string;
  replicationDelayMs: number;
  quiet: boolean;
  objectReplication: boolean;
  /** Overrides the stack's `consistencyMode`. */
  consistencyMode?: ConsistencyMode;
}

export function parseCli(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'time-scale': { type: 'string' },
      stack: { type: 'string' },
      'replication-delay-ms': { type: 'string' },
      quiet: { type: 'boolean' },
      'no-object-replication': { type: 'boolean' },
      'consistency-mode': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const timeScale = validateTimeScale(Number(values['time-scale'] ?? '1'));
  const stack = values.stack ?? 'dev';
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new Error(`--stack must be a stack name, got "${stack}"`);
  const replicationDelayMs = Number(values['replication-delay-ms'] ?? '0');
  if (!Number.isInteger(replicationDelayMs) || replicationDelayMs < 0) throw new Error('--replication-delay-ms must be a non-negative integer');
  const mode = values['consistency-mode'];
  if (mode !== undefined && !(CONSISTENCY_MODES as readonly string[]).includes(mode)) throw new Error(`--consistency-mode must be ${CONSISTENCY_MODES.join(' or ')}, got "${mode}"`);
  return {
    timeScale,
    stack,
    replicationDelayMs,
    quiet: values.quiet ?? false,
    objectReplication: !(values['no-object-replication'] ?? false),
    ...(mode !== undefined ? { consistencyMode: mode as ConsistencyMode } : {}),
  };
}

/** Our process group (Linux /proc), or undefined where it cannot be read. */
function processGroup(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    return Number.isInteger(pgrp) && pgrp > 0 ? pgrp : undefined;
  } catch {
    return undefined;
  }
}

function isNpm(pid: number): boolean {
  try {
    // npm sets its process title ("npm run sandbox ..."), or the command line is node + npm-cli.js.
    return /(^|[/\0 ])npm(-cli\.js)?([\0 ]|$)/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const SANDBOX_USAGE = `Usage: npm run sandbox -- [options]

Starts the local two-region sandbox and prints one JSON ready line on stdout; logs go to stderr; stops on SIGINT/SIGTERM.

Options:
  --time-scale <n>            wall-clock seconds per modelled second, in (0, 1] (default 1)
  --stack <name>              stack whose Pulumi.<name>.yaml settings the sandbox runs (default dev)
  --consistency-mode <mode>   strong (multi-Region strong consistency) or eventual (default: the stack's consistencyMode)
  --replication-delay-ms <n>  extra delay of cross-region replication, milliseconds (default 0)
  --no-object-replication     do not emulate S3 cross-region replication
  --quiet                     no region logs
  --help                      this text
(see docs/sandbox.md for every option)`;

async function main(): Promise<void> {
  if (process.argv.slice(2).some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(`${SANDBOX_USAGE}\n`);
    process.exit(0);
  }
  let options: CliOptions;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const sandbox = await startSandbox({
    timeScale: options.timeScale,
    stack: options.stack,
    replicationDelayMs: options.replicationDelayMs,
    objectReplication: options.objectReplication,
    consistencyMode: options.consistencyMode,
    logs: options.quiet ? 'silent' : 'stderr',
  });
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`sandbox: ${signal}, stopping\n`);
    sandbox.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`sandbox: stop failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  // `npm run sandbox` is npm -> sh -> tsx -> node: a SIGTERM sent to npm alone stops npm and sh but
  // is not passed on. When we were launched by npm and that npm is gone, stop as if signalled, so
  // nothing is left running.
  const group = processGroup();
  if (group !== undefined && group !== process.pid && isNpm(group)) {
    setInterval(() => {
      if (!alive(group)) shutdown('SIGHUP');
    }, 500).unref();
  }
  process.stdout.write(`${JSON.stringify({ event: 'sandbox.ready', ...sandbox.endpoints })}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`sandbox: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
