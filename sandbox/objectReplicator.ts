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
import { nowMs } from '../localaws/http';
import { ReplicationDirection, type PendingChange } from './replicationDirection';
import type { RegionProcess } from './regionProcess';
import type { ObjectReplicationDirectionState } from './types';

export const REPLICA_MARKER_HEADER = 'x-amz-meta-sandbox-replication-status';

/** Path-style URL of an object (each key segment encoded). */
export function objectUrl(endpoint: string, bucket: string, key: string): string {
  return `${endpoint}/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** What holds object copies: the same region outages and stalls as the table's replication. */
export interface ReplicationLinks {
  isDown(region: string): boolean;
  isStalled(source: string): boolean;
}

/** One direction of the buckets' replication (see replicationDirection.ts for the queue and retries). */
class ObjectDirection extends ReplicationDirection<PendingChange> {
  constructor(
    readonly source: RegionProcess,
    readonly target: RegionProcess,
    private readonly links: ReplicationLinks,
  ) {
    super(source.region, target.region, { concurrency: Infinity, backoff: { baseMs: 50, maxMs: 2000 } });
  }

  get paused(): boolean {
    return this.links.isDown(this.source.region) || this.links.isDown(this.target.region) || this.links.isStalled(this.source.region);
  }

  /** Queues an object created at `ts` (nowMs) in the source bucket. */
  enqueue(key: string, ts: number): void {
    this.queue(key, { firstTs: ts, notBefore: 0, attempts: 0 });
  }

  protected async apply(key: string, p: PendingChange): Promise<void> {
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
    this.recordSample(key, nowMs() - p.firstTs);
  }

  state(): ObjectReplicationDirectionState {
    return {
      source: this.source.region,
      target: this.target.region,
      sourceBucket: this.source.config.bucket,
      targetBucket: this.target.config.bucket,
      paused: this.paused,
      pending: this.backlog,
      replicated: this.replicated,
      errors: this.errors,
      lag: this.lag(),
    };
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
    for (const d of this.directions) d.schedule();
  }

  state(): { directions: ObjectReplicationDirectionState[] } {
    return { directions: this.directions.map((d) => d.state()) };
  }

  stop(): void {
    for (const d of this.directions) d.stop();
  }
}
