/**
 * Global-table replication between the regional tables, emulated (it is AWS-managed):
 * asynchronous, in both directions, last writer wins by commit time, never echoing a replicated
 * write back. The change feed comes from each region's DynamoDB front end (dynalite has no
 * streams); each change is applied in the other region after `baseDelayMs` plus any
 * `replication-delay` fault, unless the direction is stalled or an end is down, in which case it
 * waits (and is counted as pending). Lag per item = time the write became visible in the target
 * minus its commit time in the source.
 */
import { nowMs, percentile } from './http';
import type { ChangeRecord, ItemJson, LagSample, LagStats, ReplicationDirectionState, WriteVersion } from './types';
import type { RegionProcess } from './regionProcess';

const MAX_SAMPLES = 2000;
const SAMPLES_IN_STATE = 50;
const CONCURRENCY = 8;

interface PendingChange {
  key: ItemJson;
  /** Commit time of the first change of the key not yet replicated. */
  firstTs: number;
  attempts: number;
  notBefore: number;
}

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

class Direction {
  readonly pending = new Map<string, PendingChange>();
  stalled = false;
  delayMs = 0;
  inflight = 0;
  replicated = 0;
  conflictsResolved = 0;
  errors = 0;
  readonly samples: LagSample[] = [];
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    readonly source: RegionProcess,
    readonly target: RegionProcess,
    private readonly replicator: Replicator,
  ) {}

  get name(): string {
    return `${this.source.region}->${this.target.region}`;
  }

  get paused(): boolean {
    return this.replicator.isDown(this.source.region) || this.replicator.isDown(this.target.region);
  }

  enqueue(change: ChangeRecord): void {
    const existing = this.pending.get(change.keyId);
    if (existing) return; // the replicator reads the latest image when it applies the key
    this.pending.set(change.keyId, { key: change.key, firstTs: change.version.ts, attempts: 0, notBefore: 0 });
    this.schedule();
  }

  private dueAt(p: PendingChange): number {
    return Math.max(p.firstTs + this.replicator.baseDelayMs + this.delayMs, p.notBefore);
  }

  schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, 0);
  }

  private pump(): void {
    if (this.stopped || this.stalled || this.paused) return;
    const now = nowMs();
    let nextDue = Infinity;
    for (const [keyId, p] of this.pending) {
      if (this.inflight >= CONCURRENCY) break;
      const due = this.dueAt(p);
      if (due > now) {
        nextDue = Math.min(nextDue, due);
        continue;
      }
      this.pending.delete(keyId);
      this.inflight += 1;
      void this.replicate(keyId, p).finally(() => {
        this.inflight -= 1;
        this.schedule();
      });
    }
    if (nextDue !== Infinity && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, Math.max(1, nextDue - now));
    }
  }

  private async replicate(keyId: string, p: PendingChange): Promise<void> {
    try {
      const { item, version } = await this.source.call('readItem', { key: p.key });
      const v: WriteVersion = version ?? { ts: p.firstTs, origin: this.source.region };
      const { applied, visibleAt } = await this.target.call('applyReplica', { key: p.key, item, version: v });
      if (applied) {
        this.replicated += 1;
        this.samples.push({ at: new Date().toISOString(), key: keyId, lagMs: Math.round((visibleAt - v.ts) * 100) / 100 });
        if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
      } else {
        this.conflictsResolved += 1;
      }
    } catch {
      if (this.stopped) return;
      this.errors += 1;
      // Retry with a capped backoff, keeping the original commit time for the pending age.
      const retry: PendingChange = { ...p, attempts: p.attempts + 1, notBefore: nowMs() + Math.min(1000, 20 * 2 ** p.attempts) };
      const newer = this.pending.get(keyId);
      if (newer) newer.firstTs = Math.min(newer.firstTs, p.firstTs);
      else this.pending.set(keyId, retry);
    }
  }

  state(): ReplicationDirectionState {
    const now = nowMs();
    let oldest = 0;
    for (const p of this.pending.values()) oldest = Math.max(oldest, now - p.firstTs);
    return {
      source: this.source.region,
      target: this.target.region,
      stalled: this.stalled,
      paused: this.paused,
      delayMs: this.delayMs,
      pending: this.pending.size + this.inflight,
      oldestPendingMs: Math.round(oldest),
      replicated: this.replicated,
      conflictsResolved: this.conflictsResolved,
      errors: this.errors,
      lag: lagStats(this.samples.map((s) => s.lagMs)),
      samples: this.samples.slice(-SAMPLES_IN_STATE),
    };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

export class Replicator {
  private readonly directions: Direction[] = [];
  private readonly down = new Set<string>();

  constructor(
    regions: readonly RegionProcess[],
    /** Wall-clock delay applied to every change (0: as fast as possible). */
    readonly baseDelayMs: number,
  ) {
    for (const source of regions) {
      for (const target of regions) {
        if (source !== target) this.directions.push(new Direction(source, target, this));
      }
      source.onChanges((changes) => {
        for (const d of this.directions) {
          if (d.source === source) for (const c of changes) d.enqueue(c);
        }
      });
    }
  }

  isDown(region: string): boolean {
    return this.down.has(region);
  }

  /** Whether changes leaving `source` are held (`replication-stalled`). */
  isStalled(source: string): boolean {
    return this.from(source).some((d) => d.stalled);
  }

  private from(source: string): Direction[] {
    const list = this.directions.filter((d) => d.source.region === source);
    if (list.length === 0) throw new Error(`unknown region ${source}`);
    return list;
  }

  setStalled(source: string, stalled: boolean): void {
    for (const d of this.from(source)) {
      d.stalled = stalled;
      d.schedule();
    }
  }

  setDelay(source: string, delayMs: number): void {
    for (const d of this.from(source)) {
      d.delayMs = delayMs;
      d.schedule();
    }
  }

  /** A region outage pauses replication to and from it; it catches up when the region is back. */
  setRegionDown(region: string, down: boolean): void {
    if (down) this.down.add(region);
    else this.down.delete(region);
    for (const d of this.directions) d.schedule();
  }

  state(): { directions: ReplicationDirectionState[]; lag: LagStats; pending: number } {
    const directions = this.directions.map((d) => d.state());
    const all = this.directions.flatMap((d) => d.samples.map((s) => s.lagMs));
    return { directions, lag: lagStats(all), pending: directions.reduce((n, d) => n + d.pending, 0) };
  }

  stop(): void {
    for (const d of this.directions) d.stop();
  }
}
