/**
 * S3 cross-region replication of the transaction-log buckets, emulated (on by default; `objectReplication: false` turns it off).
 * The stack replicates each region's bucket to the other's; S3 copies new objects asynchronously
 * and never replicates a replica again, and only objects under the rule's prefix (the transaction
 * logs; the pending-payment markers are per-region conditional state the handler writes to both
 * regions itself: infra/components/bucketReplication.ts). Here each region reports objects created in its bucket
 * (s3rver's event notifications; replicas carry `x-amz-meta-sandbox-replication-status: REPLICA`,
 * standing in for S3's `x-amz-replication-status`), and the parent copies them, body, content type
 * and user metadata, into the other region's bucket. Deletes are not replicated (S3's default for
 * delete markers). Copies wait while either region is down (`region-down`) or while replication
 * leaving the source is stalled (`replication-stalled`, the same fault that holds the table), and
 * catch up after.
 */
import { createHash } from 'node:crypto';
import { nowMs } from './http';
import { lagStats } from './replicator';
import type { RegionProcess } from './regionProcess';
import type { LagSample, ObjectReplicationDirectionState } from './types';

export const REPLICA_MARKER_HEADER = 'x-amz-meta-sandbox-replication-status';
const MAX_SAMPLES = 2000;

/** Path-style URL of an object (each key segment encoded). */
export function objectUrl(endpoint: string, bucket: string, key: string): string {
  return `${endpoint}/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** What holds object copies: the same region outages and stalls as the table's replication. */
export interface ReplicationLinks {
  isDown(region: string): boolean;
  isStalled(source: string): boolean;
}

interface Pending {
  firstTs: number;
  notBefore: number;
  attempts: number;
}

class ObjectDirection {
  readonly pending = new Map<string, Pending>();
  replicated = 0;
  errors = 0;
  inflight = 0;
  readonly samples: LagSample[] = [];
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    readonly source: RegionProcess,
    readonly target: RegionProcess,
    private readonly links: ReplicationLinks,
  ) {}

  get paused(): boolean {
    return this.links.isDown(this.source.region) || this.links.isDown(this.target.region) || this.links.isStalled(this.source.region);
  }

  enqueue(key: string, ts: number): void {
    const existing = this.pending.get(key);
    if (existing) existing.firstTs = Math.min(existing.firstTs, ts);
    else this.pending.set(key, { firstTs: ts, notBefore: 0, attempts: 0 });
    this.schedule(0);
  }

  schedule(delayMs: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, delayMs);
  }

  private pump(): void {
    if (this.stopped || this.paused) return;
    const now = nowMs();
    let next = Infinity;
    for (const [key, p] of this.pending) {
      if (p.notBefore > now) {
        next = Math.min(next, p.notBefore);
        continue;
      }
      this.pending.delete(key);
      this.inflight += 1;
      void this.copy(key, p).finally(() => {
        this.inflight -= 1;
      });
    }
    if (next !== Infinity) this.schedule(Math.max(1, next - now));
  }

  private async copy(key: string, p: Pending): Promise<void> {
    try {
      const from = await fetch(objectUrl(this.source.info.s3, this.source.config.bucket, key), { signal: AbortSignal.timeout(10_000) });
      if (from.status === 404) return; // deleted before it could be copied
      if (!from.ok) throw new Error(`GET answered ${from.status}`);
      const body = Buffer.from(await from.arrayBuffer());
      // s3rver can announce an object before its file is flushed: copy only a body that matches its ETag.
      const etag = from.headers.get('etag');
      if (etag && etag.replace(/"/g, '') !== createHash('md5').update(body).digest('hex')) throw new Error('object not fully written yet');
      const headers: Record<string, string> = { [REPLICA_MARKER_HEADER]: 'REPLICA' };
      from.headers.forEach((value, name) => {
        if (name === 'content-type' || (name.startsWith('x-amz-meta-') && name !== REPLICA_MARKER_HEADER)) headers[name] = value;
      });
      const to = await fetch(objectUrl(this.target.info.s3, this.target.config.bucket, key), { method: 'PUT', body, headers, signal: AbortSignal.timeout(10_000) });
      if (!to.ok) throw new Error(`PUT answered ${to.status}`);
      this.replicated += 1;
      this.samples.push({ at: new Date().toISOString(), key, lagMs: Math.round((nowMs() - p.firstTs) * 100) / 100 });
      if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
    } catch {
      if (this.stopped) return;
      this.errors += 1;
      const retry: Pending = { ...p, attempts: p.attempts + 1, notBefore: nowMs() + Math.min(2000, 50 * 2 ** p.attempts) };
      const newer = this.pending.get(key);
      if (newer) newer.firstTs = Math.min(newer.firstTs, p.firstTs);
      else this.pending.set(key, retry);
      this.schedule(Math.min(2000, 50 * 2 ** p.attempts));
    }
  }

  state(): ObjectReplicationDirectionState {
    return {
      source: this.source.region,
      target: this.target.region,
      sourceBucket: this.source.config.bucket,
      targetBucket: this.target.config.bucket,
      paused: this.paused,
      pending: this.pending.size + this.inflight,
      replicated: this.replicated,
      errors: this.errors,
      lag: lagStats(this.samples.map((s) => s.lagMs)),
    };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

export class ObjectReplicator {
  private readonly directions: ObjectDirection[] = [];

  /** `objectPrefix`: the replication rule's filter; other keys are never copied. */
  constructor(regions: readonly RegionProcess[], links: ReplicationLinks, private readonly objectPrefix: string) {
    for (const source of regions) {
      for (const target of regions) {
        if (source !== target) this.directions.push(new ObjectDirection(source, target, links));
      }
      source.onObjectChanges((objects) => {
        for (const d of this.directions) {
          if (d.source === source) for (const o of objects) if (o.key.startsWith(this.objectPrefix)) d.enqueue(o.key, o.ts);
        }
      });
    }
  }

  /** Resumes copies after a region comes back or a stall is cleared. */
  resume(): void {
    for (const d of this.directions) d.schedule(0);
  }

  state(): { directions: ObjectReplicationDirectionState[] } {
    return { directions: this.directions.map((d) => d.state()) };
  }

  stop(): void {
    for (const d of this.directions) d.stop();
  }
}
