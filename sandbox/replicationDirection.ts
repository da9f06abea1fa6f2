/**
 * One direction of emulated cross-region replication (source region -> target region), shared by
 * the global table's replication (`replicator.ts`) and S3 cross-region replication of the
 * transaction-log buckets (`objectReplicator.ts`): a queue of pending ids (item keys or object keys)
 * with the time of their first unreplicated change, applied in the target when due, retried with a
 * capped exponential backoff while the target cannot take them, held while the direction is paused
 * (an end is down or unreachable), with lag samples (milliseconds from the change in the source to
 * its visibility in the target) and counters for the sandbox's GET /state.
 */
import { nowMs, percentile } from '../localaws/http';
import type { LagSample, LagStats } from './types';

/** Lag samples kept per direction. */
const MAX_SAMPLES = 2000;

/** Count and percentiles (nearest rank) of lag samples, in milliseconds rounded to 0.01. */
export function lagStats(values: readonly number[]): LagStats {
  const round = (v: number | undefined): number | undefined => (v === undefined ? undefined : Math.round(v * 100) / 100);
  return {
    count: values.length,
    p50Ms: round(percentile(values, 50)),
    p95Ms: round(percentile(values, 95)),
    p99Ms: round(percentile(values, 99)),
    maxMs: round(values.length ? Math.max(...values) : undefined),
  };
}

/** A change waiting to be applied in the target. */
export interface PendingChange {
  /** Time (nowMs) of the first change of the id not yet replicated: the start of its lag. */
  firstTs: number;
  /** Not applied before this time (nowMs): the retry backoff. */
  notBefore: number;
  /** Failed attempts so far. */
  attempts: number;
}

export interface ReplicationDirectionOptions {
  /** Most applications in flight at once. */
  concurrency: number;
  /** Retry backoff: `min(maxMs, baseMs x 2^attempts)` milliseconds. */
  backoff: { baseMs: number; maxMs: number };
}

export abstract class ReplicationDirection<P extends PendingChange> {
  readonly pending = new Map<string, P>();
  replicated = 0;
  errors = 0;
  inflight = 0;
  readonly samples: LagSample[] = [];
  protected stopped = false;
  private timer?: NodeJS.Timeout;

  constructor(
    readonly sourceRegion: string,
    readonly targetRegion: string,
    private readonly options: ReplicationDirectionOptions,
  ) {}

  get name(): string {
    return `${this.sourceRegion}->${this.targetRegion}`;
  }

  /** True while nothing may be applied (an end is down or unreachable). */
  abstract get paused(): boolean;

  /** Applies one pending id in the target; throws to have it retried after the backoff. */
  protected abstract apply(id: string, change: P): Promise<void>;

  /** When a pending change is due (default: once its backoff has passed). */
  protected dueAt(change: P): number {
    return change.notBefore;
  }

  /** True while new applications are held although the direction is not paused (a stall). */
  protected get held(): boolean {
    return false;
  }

  /** Runs at each pump of an unpaused direction, before the hold is checked. */
  protected beforePump(): void {}

  /** Changes still to apply in the target (queued or in flight). */
  get backlog(): number {
    return this.pending.size + this.inflight;
  }

  /** Queues `id` (a queued id keeps the earliest first-change time; the target reads the latest state when applying). */
  protected queue(id: string, change: P): void {
    const existing = this.pending.get(id);
    if (existing) existing.firstTs = Math.min(existing.firstTs, change.firstTs);
    else this.pending.set(id, change);
    this.schedule();
  }

  /** Pumps after `delayMs` unless a pump is already scheduled. */
  schedule(delayMs = 0): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, delayMs);
  }

  private pump(): void {
    if (this.stopped || this.paused) return;
    this.beforePump();
    if (this.held) return;
    const now = nowMs();
    let nextDue = Infinity;
    for (const [id, change] of this.pending) {
      if (this.inflight >= this.options.concurrency) break;
      const due = this.dueAt(change);
      if (due > now) {
        nextDue = Math.min(nextDue, due);
        continue;
      }
      this.pending.delete(id);
      this.inflight += 1;
      void this.attempt(id, change).finally(() => {
        this.inflight -= 1;
        this.schedule();
      });
    }
    if (nextDue !== Infinity) this.schedule(Math.max(1, nextDue - now));
  }

  private async attempt(id: string, change: P): Promise<void> {
    try {
      await this.apply(id, change);
    } catch {
      if (this.stopped) return;
      this.errors += 1;
      const { baseMs, maxMs } = this.options.backoff;
      // Retried with the original first-change time, so the pending age keeps counting.
      const retry: P = { ...change, attempts: change.attempts + 1, notBefore: nowMs() + Math.min(maxMs, baseMs * 2 ** change.attempts) };
      const newer = this.pending.get(id);
      if (newer) newer.firstTs = Math.min(newer.firstTs, change.firstTs);
      else this.pending.set(id, retry);
    }
  }

  /** Records one replicated id with its lag (milliseconds). */
  recordSample(id: string, lagMs: number): void {
    this.replicated += 1;
    this.samples.push({ at: new Date().toISOString(), key: id, lagMs: Math.round(lagMs * 100) / 100 });
    if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
  }

  /** Lag statistics over the kept samples. */
  lag(): LagStats {
    return lagStats(this.samples.map((s) => s.lagMs));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
