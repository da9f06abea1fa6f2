/**
 * One instance of each target per run, opened on first use and closed in AfterAll.
 * The live target is loaded lazily so the AWS SDK clients it needs are only imported when used.
 */
import type { DrParameters } from '../parameters';
import type { TargetKind, VerificationTarget } from './target';

const opened = new Map<TargetKind, Promise<VerificationTarget>>();

async function create(kind: TargetKind, params: DrParameters): Promise<VerificationTarget> {
  switch (kind) {
    case 'sandbox': {
      const { SandboxTarget } = await import('./sandboxTarget');
      return new SandboxTarget({ stack: params.stack, timeScale: params.timeScale, controlUrl: params.sandboxControlUrl });
    }
    case 'plan': {
      const { PlanTarget } = await import('./planTarget');
      return new PlanTarget({ program: params.planProgram, stack: params.stack, captureFile: params.planCaptureFile });
    }
    case 'live': {
      const { LiveTarget } = await import('./liveTarget');
      return new LiveTarget({ stack: params.stack, outputsFile: params.stackOutputsFile });
    }
  }
}

/** The open target of a kind, creating and opening it on first use (concurrent callers share it). */
export function targetOf(kind: TargetKind, params: DrParameters): Promise<VerificationTarget> {
  let target = opened.get(kind);
  if (!target) {
    target = create(kind, params).then(async (t) => {
      try {
        await t.open();
        return t;
      } catch (error) {
        await t.close().catch(() => undefined);
        throw error;
      }
    });
    // A failed open is not cached: the next scenario gets a fresh attempt and its own error.
    target.catch(() => opened.delete(kind));
    opened.set(kind, target);
  }
  return target;
}

/** The targets opened so far (resolved ones only), for reporting. */
export async function openedTargets(): Promise<VerificationTarget[]> {
  const settled = await Promise.allSettled([...opened.values()]);
  return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
}

/** Closes every opened target; errors are collected and rethrown together. */
export async function closeAllTargets(): Promise<void> {
  const targets = await openedTargets();
  opened.clear();
  const errors: string[] = [];
  for (const t of targets) {
    try {
      await t.close();
    } catch (error) {
      errors.push(`${t.kind}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (errors.length > 0) throw new Error(`closing targets failed: ${errors.join('; ')}`);
}
