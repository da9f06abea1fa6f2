/**
 * `npm run sandbox [-- --time-scale <n>] [--stack <name>] [--replication-delay-ms <n>] [--api-key <key>] [--object-replication] [--quiet]`
 * Starts the local two-region sandbox, prints ONE JSON line on stdout when ready
 * (`{"event":"sandbox.ready", ...endpoints}`), sends the regions' logs to stderr, and stops cleanly
 * on SIGINT/SIGTERM (children stopped, temporary directories removed).
 */
import { parseArgs } from 'node:util';
import { startSandbox, validateTimeScale } from './sandbox';

export interface CliOptions {
  timeScale: number;
  stack: string;
  replicationDelayMs: number;
  quiet: boolean;
  objectReplication: boolean;
  apiKey?: string;
}

export function parseCli(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'time-scale': { type: 'string' },
      stack: { type: 'string' },
      'replication-delay-ms': { type: 'string' },
      quiet: { type: 'boolean' },
      'api-key': { type: 'string' },
      'object-replication': { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  const timeScale = validateTimeScale(Number(values['time-scale'] ?? '1'));
  const stack = values.stack ?? 'dev';
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new Error(`--stack must be a stack name, got "${stack}"`);
  const replicationDelayMs = Number(values['replication-delay-ms'] ?? '0');
  if (!Number.isInteger(replicationDelayMs) || replicationDelayMs < 0) throw new Error('--replication-delay-ms must be a non-negative integer');
  const apiKey = values['api-key'];
  return {
    timeScale,
    stack,
    replicationDelayMs,
    quiet: values.quiet ?? false,
    objectReplication: values['object-replication'] ?? false,
    ...(apiKey !== undefined ? { apiKey } : {}),
  };
}

async function main(): Promise<void> {
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
    apiKey: options.apiKey,
    objectReplication: options.objectReplication,
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
  process.stdout.write(`${JSON.stringify({ event: 'sandbox.ready', ...sandbox.endpoints })}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`sandbox: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
