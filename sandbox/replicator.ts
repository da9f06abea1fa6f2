/**
 * Global-table replication between the regional tables, emulated (it is AWS-managed), in the
 * stack's consistency mode.
 *
 * Eventual (multi-Region eventual consistency, MREC): asynchronous, in both directions, last writer
 * wins by commit time, never echoing a replicated write back. "Item changes in an MREC global table
 * replica are asynchronously replicated to all other replicas, typically within a second or less";
 * "DynamoDB will resolve the conflict by using the modification with the latest internal timestamp on
 * a per-item basis"; "Conditional writes evaluate the condition expression against the version of the
 * item in the Region." (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html).
 * The change feed comes from each region's DynamoDB front end (dynalite has no streams); each change
 * is applied in the other region after `baseDelayMs` plus any `replication-delay` fault, unless the
 * direction is stalled or an end is down, in which case it waits (and is counted as pending). Lag
 * per item = time the write became visible in the target minus its commit time in the source.
 *
 * Strong (multi-Region strong consistency, MRSC, two replicas and a witness; emulated, dynalite has
 * no MRSC). Sources, all from "Key facts about MRSC" in
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-global-table-design.html:
 *  - "Item changes in an MRSC global table replica are synchronously replicated to at least one
 *    other Region before the write operation returns a successful response." Here: the parent holds
 *    one lock per key across the regions (the serialisation point); a write takes it, commits in its
 *    replica, is applied to the other replica (after `baseDelayMs` + the source's `replication-delay`,
 *    which therefore delay the acknowledgement) and only then is acknowledged.
 *  - "Strongly consistent read operations on any MRSC replica always return the latest version of an
 *    item. Conditional write operations always evaluate the condition expression against the latest
 *    version of an item." Here: a strongly consistent read waits while its key is being written; a
 *    conditional write runs against its replica, which already holds every acknowledged write.
 *  - "A write operation fails with a ReplicatedWriteConflictException exception when it attempts to
 *    modify an item that is already being modified in another Region. Write operations that fail with
 *    the ReplicatedWriteConflictException exception can be retried and will succeed if the item is no
 *    longer being modified in another Region." Here: a write of a key whose lock another region holds
 *    for a write that changed its replica (being replicated) answers exactly that; writes of the
 *    same region, and writes meeting another region's write still evaluating its condition, queue
 *    behind it, as on one replica.
 *  - "The local Region accepts all read and write operations as long as there is a second Region that
 *    hosts a replica or witness to establish quorum. If a second Region isn't available, the local
 *    Region can only service eventually consistent reads." Here: the witness (the stack's
 *    `witnessRegion`) is always reachable, so a region keeps committing while the other is down
 *    (`region-down`); a region cut off from both (`replication-stalled`) has no quorum: its writes and
 *    strongly consistent reads fail, while the other region keeps committing.
 *  - "when it comes back online later, it will automatically catch up. Until it's caught up, write
 *    operations and strongly consistent read operations only to the catching up Region will return
 *    errors while requests to other Regions will continue to perform normally." Here: writes the
 *    region missed are queued for it and applied when it is back; until none is left it has no quorum.
 */
import { nowMs, sleep } from '../localaws/http';
import { lagStats, ReplicationDirection, type PendingChange } from './replicationDirection';
import type { AcquireResult, ChangeRecord, ConsistencyMode, ParentCallName, ParentCalls, ItemJson, LagStats, ReplicationDirectionState, WriteVersion } from './types';
import type { RegionProcess } from './regionProcess';

const SAMPLES_IN_STATE = 50;
const CONCURRENCY = 8;

interface PendingItem extends PendingChange {
  key: ItemJson;
}

/** One direction of the table's replication (see replicationDirection.ts for the queue and retries). */
class Direction extends ReplicationDirection<PendingItem> {
  /**
   * Strong mode: committed changes the target missed while unreachable, in commit order with their
   * images, replayed in order when it is back (so its stream records match the other replica's).
   */
  readonly catchUp: ChangeRecord[] = [];
  private draining = false;
  stalled = false;
  delayMs = 0;
  conflictsResolved = 0;

  constructor(
    readonly source: RegionProcess,
    readonly target: RegionProcess,
    private readonly replicator: Replicator,
  ) {
    super(source.region, target.region, { concurrency: CONCURRENCY, backoff: { baseMs: 20, maxMs: 1000 } });
  }

  get paused(): boolean {
    return !this.replicator.reachable(this.source.region) || !this.replicator.reachable(this.target.region);
  }

  protected override get held(): boolean {
    return this.stalled;
  }

  /** Changes still to apply in the target (queued, in flight, or to catch up). */
  override get backlog(): number {
    return super.backlog + this.catchUp.length;
  }

  /** Strong mode: queues a committed change for a target that could not take it synchronously. */
  enqueueCatchUp(change: ChangeRecord): void {
    this.catchUp.push(change);
    this.schedule();
  }

  protected override beforePump(): void {
    if (this.catchUp.length > 0) void this.drainCatchUp();
  }

  private async drainCatchUp(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.catchUp.length > 0 && !this.stopped && !this.paused) {
        const c = this.catchUp[0];
        try {
          const { visibleAt } = await this.target.call('applyReplica', { key: c.key, item: c.item ?? null, version: c.version, force: true });
          this.catchUp.shift();
          this.recordSample(c.keyId, visibleAt - c.version.ts);
        } catch {
          if (this.stopped) return;
          this.errors += 1;
          await sleep(100);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** Eventual mode: queues a changed key (the target gets the key's latest image when it is applied). */
  enqueue(change: ChangeRecord): void {
    this.queue(change.keyId, { key: change.key, firstTs: change.version.ts, attempts: 0, notBefore: 0 });
  }

  protected override dueAt(p: PendingItem): number {
    return Math.max(p.firstTs + this.replicator.baseDelayMs + this.delayMs, p.notBefore);
  }

  protected async apply(keyId: string, p: PendingItem): Promise<void> {
    const { item, version } = await this.source.call('readItem', { key: p.key });
    const v: WriteVersion = version ?? { ts: p.firstTs, origin: this.source.region };
    const { applied, visibleAt } = await this.target.call('applyReplica', { key: p.key, item, version: v });
    if (applied) this.recordSample(keyId, visibleAt - v.ts);
    else this.conflictsResolved += 1;
  }

  state(): ReplicationDirectionState {
    const now = nowMs();
    let oldest = 0;
    for (const p of this.pending.values()) oldest = Math.max(oldest, now - p.firstTs);
    for (const c of this.catchUp) oldest = Math.max(oldest, now - c.version.ts);
    return {
      source: this.source.region,
      target: this.target.region,
      stalled: this.stalled || this.replicator.isIsolated(this.source.region),
      paused: this.paused,
      delayMs: this.delayMs,
      pending: this.backlog,
      oldestPendingMs: Math.round(oldest),
      replicated: this.replicated,
      conflictsResolved: this.conflictsResolved,
      errors: this.errors,
      lag: this.lag(),
      samples: this.samples.slice(-SAMPLES_IN_STATE),
    };
  }
}

interface KeyLock {
  region: string;
  token: number;
  released: Promise<void>;
  release: () => void;
  /** The write changed its replica and is being replicated (from `commit` until released). */
  modifying: boolean;
}

export interface StrongStats {
  committed: number;
  replicatedWriteConflicts: number;
  unavailable: number;
}

export class Replicator {
  private readonly directions: Direction[] = [];
  private readonly down = new Set<string>();
  /** Strong mode: regions cut off from the other replica and the witness (`replication-stalled`). */
  private readonly isolated = new Set<string>();
  private readonly keyLocks = new Map<string, KeyLock>();
  private readonly tokens = new Map<number, { region: string; keyIds: string[] }>();
  private nextToken = 1;
  private readonly strongStats = new Map<string, StrongStats>();

  constructor(
    regions: readonly RegionProcess[],
    /** Wall-clock delay applied to every change (0: as fast as possible); in strong mode it delays each write's acknowledgement. */
    readonly baseDelayMs: number,
    readonly mode: ConsistencyMode = 'eventual',
  ) {
    for (const r of regions) this.strongStats.set(r.region, { committed: 0, replicatedWriteConflicts: 0, unavailable: 0 });
    for (const source of regions) {
      for (const target of regions) {
        if (source !== target) this.directions.push(new Direction(source, target, this));
      }
      source.onRequest((name, args) => this.answer(name, args));
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

  /** A region's call to the parent (strong mode). */
  private async answer(name: ParentCallName, args: unknown): Promise<unknown> {
    switch (name) {
      case 'acquire': {
        const a = args as ParentCalls['acquire']['args'];
        return this.acquire(a.region, a.keyIds);
      }
      case 'commit': {
        const a = args as ParentCalls['commit']['args'];
        return this.commit(a.token, a.changes);
      }
      case 'release': {
        this.release((args as ParentCalls['release']['args']).token);
        return {};
      }
      case 'readBarrier': {
        const a = args as ParentCalls['readBarrier']['args'];
        return this.readBarrier(a.region, a.keyIds);
      }
    }
  }

  isIsolated(region: string): boolean {
    return this.isolated.has(region);
  }

  /** Whether replication can reach the region (not down; in strong mode, not cut off). */
  reachable(region: string): boolean {
    return !this.down.has(region) && !this.isolated.has(region);
  }

  /** Strong mode: the region can reach a second Region (the other replica or the witness) and has caught up. */
  hasQuorum(region: string): boolean {
    if (!this.reachable(region)) return false;
    return this.directions.every((d) => d.target.region !== region || d.backlog === 0);
  }

  private stats(region: string): StrongStats {
    const s = this.strongStats.get(region);
    if (!s) throw new Error(`unknown region ${region}`);
    return s;
  }

  /** Strong mode: takes the cross-region lock of `keyIds` for a write in `region`. */
  async acquire(region: string, keyIds: readonly string[]): Promise<AcquireResult> {
    for (;;) {
      if (!this.hasQuorum(region)) {
        this.stats(region).unavailable += 1;
        return { ok: false, reason: 'unavailable' };
      }
      let wait: Promise<void> | undefined;
      for (const id of keyIds) {
        const holder = this.keyLocks.get(id);
        if (!holder) continue;
        // Another region's write that is modifying the item: AWS's conflict. One still evaluating its
        // condition (which may fail and modify nothing) is waited for, as writes of one region are.
        if (holder.region !== region && holder.modifying) {
          this.stats(region).replicatedWriteConflicts += 1;
          return { ok: false, reason: 'conflict' };
        }
        wait = holder.released;
        break;
      }
      if (wait) {
        await wait;
        continue;
      }
      const token = this.nextToken++;
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      for (const id of keyIds) this.keyLocks.set(id, { region, token, released, release, modifying: false });
      this.tokens.set(token, { region, keyIds: [...keyIds] });
      return { ok: true, token };
    }
  }

  /** Strong mode: releases a lock (the write failed, or after `commit`). */
  release(token: number): void {
    const held = this.tokens.get(token);
    if (!held) return;
    this.tokens.delete(token);
    let release: (() => void) | undefined;
    for (const id of held.keyIds) {
      const holder = this.keyLocks.get(id);
      if (holder?.token === token) {
        this.keyLocks.delete(id);
        release = holder.release;
      }
    }
    release?.();
  }

  /**
   * Strong mode: applies committed changes to every reachable replica (the synchronous replication,
   * after the configured delay), queues them for an unreachable one (it catches up when back), then
   * releases the lock. The writer acknowledges only after this returns.
   */
  async commit(token: number, changes: readonly ChangeRecord[]): Promise<{ replicatedTo: string[]; queuedFor: string[] }> {
    const held = this.tokens.get(token);
    if (!held) throw new Error(`unknown write token ${token}`);
    const replicatedTo: string[] = [];
    const queuedFor: string[] = [];
    for (const id of held.keyIds) {
      const holder = this.keyLocks.get(id);
      if (holder?.token === token) holder.modifying = true;
    }
    try {
      const outgoing = this.from(held.region);
      const delay = this.baseDelayMs + Math.max(0, ...outgoing.map((d) => d.delayMs));
      if (delay > 0) await sleep(delay);
      for (const d of outgoing) {
        let done = false;
        if (this.reachable(d.target.region) && d.backlog === 0) {
          try {
            for (const c of changes) {
              const { visibleAt } = await d.target.call('applyReplica', { key: c.key, item: c.item ?? null, version: c.version, force: true });
              d.recordSample(c.keyId, visibleAt - c.version.ts);
            }
            done = true;
          } catch {
            d.errors += 1;
          }
        }
        if (done) replicatedTo.push(d.target.region);
        else {
          for (const c of changes) d.enqueueCatchUp(c);
          queuedFor.push(d.target.region);
        }
      }
      this.stats(held.region).committed += 1;
    } finally {
      this.release(token);
    }
    return { replicatedTo, queuedFor };
  }

  /** Strong mode: a strongly consistent read in `region` waits for in-flight writes of its keys and needs quorum. */
  async readBarrier(region: string, keyIds: readonly string[]): Promise<{ ok: boolean }> {
    if (!this.hasQuorum(region)) {
      this.stats(region).unavailable += 1;
      return { ok: false };
    }
    for (const id of keyIds) {
      for (let holder = this.keyLocks.get(id); holder; holder = this.keyLocks.get(id)) await holder.released;
    }
    return { ok: true };
  }

  strongState(): Record<string, StrongStats> {
    return Object.fromEntries([...this.strongStats].map(([region, s]) => [region, { ...s }]));
  }

  /** Whether changes leaving `source` are held (`replication-stalled`). */
  isStalled(source: string): boolean {
    return this.isolated.has(source) || this.from(source).some((d) => d.stalled);
  }

  private from(source: string): Direction[] {
    const list = this.directions.filter((d) => d.source.region === source);
    if (list.length === 0) throw new Error(`unknown region ${source}`);
    return list;
  }

  /**
   * Eventual mode: holds changes leaving `source`. Strong mode: cuts `source`'s replica off from the
   * other replica and the witness (no quorum: writes and strongly consistent reads there fail; the
   * other region's writes queue for it and it catches up when the fault is cleared).
   */
  setStalled(source: string, stalled: boolean): void {
    if (this.mode === 'strong') {
      this.from(source); // validates the region
      if (stalled) this.isolated.add(source);
      else this.isolated.delete(source);
      for (const d of this.directions) d.schedule();
      return;
    }
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
