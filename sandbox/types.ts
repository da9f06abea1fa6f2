/**
 * Public and internal types of the local two-region sandbox.
 * Public: `SandboxEndpoints` (the ready line and `GET /state` `.endpoints`), `SandboxState`, `FaultSpec`.
 * Internal: the messages exchanged between the parent process and each region's child process.
 */

export type RegionRole = 'primary' | 'secondary';

/** One region's endpoints, as printed in the ready line. */
export interface RegionEndpoints {
  role: RegionRole;
  /** API base URL including the stage, e.g. `http://127.0.0.1:PORT/v1`, so `POST {api}/payments` works. */
  api: string;
  /** The region's DynamoDB endpoint (dynalite behind the sandbox's throttling/change-feed front end). */
  dynamodb: string;
  /** The region's S3 endpoint (s3rver, path-style). */
  s3: string;
  /** The region's SQS endpoint (emulated, AWS JSON 1.0 protocol). */
  sqs: string;
  /** The region's SSM endpoint (emulated, AWS JSON 1.1 protocol). */
  ssm: string;
  /** The transaction-log bucket in this region. */
  bucket: string;
  retryQueueUrl: string;
  deadLetterQueueUrl: string;
  /** SSM parameter holding the region's maintenance flag (`true`/`false`). */
  maintenanceParameter: string;
}

/**
 * A test merchant seeded in the sandbox's credentials table (both regions): the headers that
 * authenticate it against the sandbox's payment API (`Authorization: Bearer <credential>`).
 */
export interface SandboxMerchant {
  merchantId: string;
  headers: Record<string, string>;
}

/** Everything a client needs to use a running sandbox; the ready line is `{ event: 'sandbox.ready', ...endpoints }`. */
export interface SandboxEndpoints {
  /** Route 53 failover emulation: `POST {frontDoor}/payments` reaches the region the failover record answers with. */
  frontDoor: string;
  /** Control interface: `GET /state`, `POST /faults`, `DELETE /faults`, `DELETE /faults/<fault>/<region>`. */
  control: string;
  timeScale: number;
  stack: string;
  /** The configured (real-time) Route 53 health-check figures; the sandbox runs them scaled by `timeScale`. */
  healthCheck: { intervalSeconds: number; failureThreshold: number };
  tableName: string;
  /** API Gateway stage name (the last path segment of each region's `api`). */
  stage: string;
  /** The API key `POST/GET /payments` require in `x-api-key`, when the sandbox enforces one (`--api-key`). */
  apiKey?: string;
  /** Test merchants and the headers that authenticate each (payment routes run the real authorizer). */
  merchants: SandboxMerchant[];
  regions: Record<string, RegionEndpoints>;
}

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

export interface SandboxState {
  endpoints: SandboxEndpoints;
  startedAt: string;
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
  maintenanceParameter: string;
  parameterPath: string;
  timeScale: number;
  /** Directory holding `createPayment.ts`, `getPayment.ts`, `health.ts`, `retryProcessor.ts`. */
  handlersDir: string;
  /** Extra environment variables for the handlers (configuration from the stack settings). */
  env: Record<string, string>;
  /** API key the payment methods require (`x-api-key`); undefined: not enforced. */
  apiKey?: string;
  /** The stack's suffix (function names are `<handler>-<suffix>-<region>`). */
  environmentSuffix: string;
  apiTimeoutMs: number;
  healthTimeoutMs: number;
  retryProcessorTimeoutMs: number;
  /** Retry queue visibility timeout in (real) seconds; the emulator scales it by `timeScale`. */
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  batchSize: number;
  /** Report new objects of the bucket to the parent (S3 cross-region replication emulation). */
  objectReplication: boolean;
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
  applyReplica: { args: { key: ItemJson; item: ItemJson | null; version: WriteVersion }; result: { applied: boolean; visibleAt: number } };
  /** Wires the handlers to the peer region and starts them (API routes, retry processor). Once, before use. */
  connectPeer: { args: PeerInfo; result: { connected: true } };
  stop: { args: Record<string, never>; result: { stopped: true } };
}
export type RegionCallName = keyof RegionCalls;

export type ParentMessage = { type: 'init'; config: RegionConfig } | { type: 'call'; id: number; name: RegionCallName; args: unknown };

export type ChildMessage =
  | { type: 'ready'; info: RegionReadyInfo }
  | { type: 'fatal'; message: string }
  | { type: 'changes'; region: string; changes: ChangeRecord[] }
  | { type: 'objectChanges'; region: string; objects: { key: string; ts: number }[] }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };
