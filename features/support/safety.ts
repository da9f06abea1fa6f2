/**
 * Live safety: every change a drill makes is registered here before it is made, and undone by
 * `restoreAll()` — from the scenario's After hook (which Cucumber runs on failure and timeout),
 * from AfterAll, and on SIGINT/SIGTERM. Restores are idempotent and bounded in time.
 */
import type { RestoreAction } from './targets/target';

const pending = new Set<RestoreAction>();
let signalHandlersInstalled = false;

export interface RestoreOutcome {
  description: string;
  ok: boolean;
  error?: string;
}

export function registerRestore(action: RestoreAction): void {
  pending.add(action);
}

export function pendingRestores(): number {
  return pending.size;
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Runs every pending restore (each bounded by `timeoutMs`), retrying once; reports each outcome. */
export async function restoreAll(timeoutMs = 30_000): Promise<RestoreOutcome[]> {
  const outcomes: RestoreOutcome[] = [];
  for (const action of [...pending]) {
    let lastError: unknown;
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      try {
        await withDeadline(action.restore(), timeoutMs, `restore "${action.description}"`);
        lastError = undefined;
        break;
      } catch (error) {
        lastError = error;
      }
    }
    if (lastError === undefined) {
      pending.delete(action);
      outcomes.push({ description: action.description, ok: true });
    } else {
      outcomes.push({ description: action.description, ok: false, error: lastError instanceof Error ? lastError.message : String(lastError) });
    }
  }
  return outcomes;
}

/**
 * On SIGINT/SIGTERM: restore what drills changed, run `cleanup` (close targets), then exit with
 * the conventional status (130/143). Installed once per process.
 */
export function installSignalRestore(cleanup: () => Promise<void>): void {
  if (signalHandlersInstalled) return;
  signalHandlersInstalled = true;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGINT' ? 130 : 143;
    process.stderr.write(`\nverification interrupted (${signal}): restoring ${pending.size} drill change(s) before exiting\n`);
    void restoreAll(15_000)
      .then((outcomes) => {
        for (const o of outcomes) process.stderr.write(`  ${o.ok ? 'restored' : 'FAILED TO RESTORE'}: ${o.description}${o.error ? ` (${o.error})` : ''}\n`);
        return cleanup();
      })
      .catch((error: unknown) => process.stderr.write(`cleanup failed: ${error instanceof Error ? error.message : String(error)}\n`))
      .finally(() => process.exit(code));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
