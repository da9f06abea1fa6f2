/**
 * Public and internal types of the local two-region sandbox.
 * Public: `SandboxEndpoints` (the ready line and `GET /state` `.endpoints`: the service contract's,
 * contract/sandboxReadyLine.ts), `SandboxState`, `FaultSpec`.
 * Internal: the messages exchanged between the parent process and each region's child process.
 */

export type { ConsistencyMode, RegionEndpoints, RegionRole, SandboxEndpoints, SandboxMerchant } from '../contract/sandboxReadyLine';
export { CONSISTENCY_MODES } from '../contract/sandboxReadyLine';
import type { EventSourceMappingStats } from '../localaws/eventSourceMapping';
import type { ConsistencyMode, RegionRole, SandboxEndpoints } from '../contract/sandboxReadyLine';

export type FaultKind = 'region-down' | 'health-failing' | 'replication-stalled' | 'replication-delay' | 'throttling';
export const FAULT_KINDS: readonly FaultKind[] = ['region-down', 'health-failing', 'replication-stalled', 'replication-delay', 'throttling'];

/** Which DynamoDB operations a `throttling` fault rejects. */
export type ThrottleScope = 'writes' | 'all';

export interface FaultSpec {
  fault: FaultKind;
  /** The region affected; for replication faults, the SOURCE region of the direction affected. */
  region: string;
  /** `replication-delay` only: extra wall-clock milliseconds added to every change leaving `region`. */
  delayMs?: number;
  /** `throttling` only: `writes` (default: PutItem, UpdateItem, DeleteItem, BatchWriteItem) or `all` data-plane operations. */
  operations?: ThrottleScope;
}

export interface ActiveFault extends FaultSpec {
  since: string;
}

export interface HealthCheckSample {
  at: string;
  ok: boolean;
  status?: number;
  error?: string;
  latencyMs: number;
}

export interface RegionHealthState {
  role: RegionRole;
  healthy: boolean;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** When the health-check status last changed. */
  since: string;
  checks: number;
  /** The most recent checks, oldest first. */
  history: HealthCheckSample[];
}

export interface RoutingChange {
  at: string;
  /** Region the failover record answers with from this moment. */
  target: string;
  reason: string;
  /**
   * Health checks of the primary region completed when the answer changed: the sandbox's own clock
   * for failover (Route 53 decides on counted checks; each check stands for one `intervalSeconds`
   * of modelled time), unaffected by how late a loaded machine runs its timers.
   */
  primaryChecks: number;
}

export interface LagStats {
  count: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  maxMs?: number;
}

export interface LagSample {
  at: string;
  key: string;
  lagMs: number;
}

export interface ReplicationDirectionState {
  source: string;
  target: string;
  stalled: boolean;
  /** Paused because the source or target region is down. */
  paused: boolean;
  delayMs: number;
  /** Changes waiting to be applied in the target. */
  pending: number;
  /** Age of the oldest pending change (the emulated `ReplicationLatency`), 0 when nothing is pending. */
  oldestPendingMs: number;
  replicated: number;
  /** Changes not applied because the target held a newer write (last writer wins). */
  conflictsResolved: number;
  errors: number;
  lag: LagStats;
  /** The most recent lag samples, oldest first. */
  samples: LagSample[];
}

export interface ObjectReplicationDirectionState {
  source: string;
  target: string;
  sourceBucket: string;
  targetBucket: string;
  paused: boolean;
  pending: number;
  replicated: number;
  errors: number;
  lag: LagStats;
}

/** One region's DynamoDB Streams emulation and the Lambda event source mapping reading it. */
export interface StreamState {
  /** The function the mapping invokes (`transaction-log-writer-<suffix>-<region>`, or a test consumer), null when none. */
  consumer: string | null;
  /** Stream records emitted (every change visible in this replica). */
  emitted: number;
  /** Records the consumer has processed successfully (checkpointed). */
  delivered: number;
  /** Records emitted and not yet checkpointed. */
  pending: number;
  /** Age of the oldest record not yet checkpointed, ms (Lambda's `IteratorAge`). */
  iteratorAgeMs: number;
  invocations: number;
  /** Invocations that threw or timed out (the whole batch is retried). */
  failedInvocations: number;
  /** Invocations that reported `batchItemFailures` (retried from the lowest failed sequence number). */
  partialFailures: number;
  /** Records delivered again after a failure. */
  retriedRecords: number;
  /** Records dropped because no consumer read them within the stream's retention (emulated as a count cap). */
  trimmed: number;
  lastSequenceNumber: string | null;
}

export interface SandboxState {
  endpoints: SandboxEndpoints;
  startedAt: string;
  /** Same as `endpoints.consistencyMode`. */
  consistencyMode: ConsistencyMode;
  routing: {
    /** Region the front door currently sends traffic to. */
    target: string;
    primary: string;
    secondary: string;
    history: RoutingChange[];
  };
  health: Record<string, RegionHealthState>;
  replication: {
    baseDelayMs: number;
    directions: ReplicationDirectionState[];
    lag: LagStats;
    pending: number;
    /** S3 cross-region replication of the transaction-log buckets; present only when enabled (`objectReplication`). */
    objects?: { directions: ObjectReplicationDirectionState[] };
  };
  /** Strong mode only: writes refused by the emulated MRSC coordination, by reason, per region. */
  strongConsistency?: Record<string, { committed: number; replicatedWriteConflicts: number; unavailable: number }>;
  streams: Record<string, StreamState>;
  /** Each region's retry-queue event source mapping (the retry processor's deliveries). */
  retryProcessing: Record<string, EventSourceMappingStats>;
  faults: ActiveFault[];
}

// ---------------------------------------------------------------------------------------------
// Parent <-> region child process protocol (IPC).

/** A DynamoDB attribute value in the wire (JSON) form, e.g. `{ "S": "x" }`. */
export type AttributeValueJson = Record<string, unknown>;
export type ItemJson = Record<string, AttributeValueJson>;

/** The commit timestamp of a write (global tables resolve conflicts by it: last writer wins). */
export interface WriteVersion {
  ts: number;
  origin: string;
}

export interface ChangeRecord {
  keyId: string;
  key: ItemJson;
  version: WriteVersion;
  /** Strong mode: the image after the write (null: deleted), sent with the synchronous replication. */
  item?: ItemJson | null;
}

export interface RegionConfig {
  region: string;
  role: RegionRole;
  stack: string;
  stage: string;
  tableName: string;
  bucket: string;
  retryQueueName: string;
  deadLetterQueueName: string;
  /** The region's manual failover flag (SSM). */
  manualFailoverParameter: string;
  parameterPath: string;
  timeScale: number;
  /** Directory holding `createPayment.ts`, `getPayment.ts`, `health.ts`, `retryProcessor.ts`. */
  handlersDir: string;
  /** Extra environment variables for the handlers (configuration from the stack settings). */
  env: Record<string, string>;
  /** The stack's suffix (function names are `<handler>-<suffix>-<region>`). */
  environmentSuffix: string;
  /** Retry queue visibility timeout in (real) seconds; the emulator scales it by `timeScale`. */
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  batchSize: number;
  /** Report new objects of the bucket to the parent (S3 cross-region replication emulation). */
  objectReplication: boolean;
  consistencyMode: ConsistencyMode;
  /** The account id in ARNs (stream ARNs). */
  accountId: string;
  /**
   * Module exporting the stream consumer `handler(event: DynamoDBStreamEvent)`; default: the
   * stack's `transactionLogWriter` when `infra/lambdaCode.ts` HANDLERS lists it, else none.
   */
  streamConsumer?: string;
  streamBatchSize: number;
  /** The merchant credentials table (same name in both regions) and its seeded records (hashes only). */
  credentialsTableName: string;
  credentialRecords: Record<string, string>[];
}

/** What a region's handlers need of the other region (peer replica, queue, bucket). */
export interface PeerInfo {
  region: string;
  /** The peer's DynamoDB front end (its faults apply to writes from this region too, as in AWS). */
  dynamodb: string;
  sqs: string;
  s3: string;
  bucket: string;
  retryQueueUrl: string;
}

export interface RegionReadyInfo {
  api: string;
  dynamodb: string;
  /** dynalite itself, bypassing the throttling/change-feed front end (the replicator's write path). */
  dynamodbEngine: string;
  s3: string;
  sqs: string;
  ssm: string;
  retryQueueUrl: string;
  deadLetterQueueUrl: string;
}

export interface RegionCalls {
  setDown: { args: { down: boolean }; result: { down: boolean } };
  putParameter: { args: { name: string; value: string }; result: { version: number } };
  setThrottling: { args: { scope: ThrottleScope | 'off' }; result: { scope: ThrottleScope | 'off' } };
  readItem: { args: { key: ItemJson }; result: { item: ItemJson | null; version: WriteVersion | null } };
  applyReplica: { args: { key: ItemJson; item: ItemJson | null; version: WriteVersion; force?: boolean }; result: { applied: boolean; visibleAt: number } };
  streamState: { args: Record<string, never>; result: StreamState };
  /** Wires the handlers to the peer region and starts them (API routes, retry processor). Once, before use. */
  connectPeer: { args: PeerInfo; result: { connected: true } };
  stop: { args: Record<string, never>; result: { stopped: true } };
}
export type RegionCallName = keyof RegionCalls;

/**
 * Calls a region makes to the parent in strong mode: the parent is the one per-key serialisation
 * point across the regions (the emulated MRSC coordination, see `replicator.ts`).
 */
export type AcquireResult = { ok: true; token: number } | { ok: false; reason: 'conflict' | 'unavailable' };
export interface ParentCalls {
  /** Takes the cross-region lock of the keys for a write in `region`. */
  acquire: { args: { region: string; keyIds: string[] }; result: AcquireResult };
  /** Replicates the committed changes synchronously, then releases the lock. */
  commit: { args: { token: number; changes: ChangeRecord[] }; result: { replicatedTo: string[]; queuedFor: string[] } };
  /** Releases the lock without changes (the write failed). */
  release: { args: { token: number }; result: Record<string, never> };
  /** Strongly consistent read barrier: waits while the keys are being written; refuses when the region has no quorum. */
  readBarrier: { args: { region: string; keyIds: string[] }; result: { ok: boolean } };
}
export type ParentCallName = keyof ParentCalls;

export type ParentMessage =
  | { type: 'init'; config: RegionConfig }
  | { type: 'call'; id: number; name: RegionCallName; args: unknown }
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: string };

export type ChildMessage =
  | { type: 'ready'; info: RegionReadyInfo }
  | { type: 'fatal'; message: string }
  | { type: 'changes'; region: string; changes: ChangeRecord[] }
  | { type: 'objectChanges'; region: string; objects: { key: string; ts: number }[] }
  | { type: 'streamState'; region: string; state: StreamState }
  | { type: 'retryProcessingState'; region: string; state: EventSourceMappingStats }
  | { type: 'request'; id: number; name: ParentCallName; args: unknown }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };
