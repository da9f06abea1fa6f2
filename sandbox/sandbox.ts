/**
 * The local two-region sandbox: `startSandbox()` starts one child process per region (see
 * `region.ts`), the global-table replicator, the Route 53 failover front door and the control
 * interface, and resolves once both regions answer their first health check.
 *
 * Time scale: every AWS-managed duration (health-check interval, check timeout, SQS visibility
 * timeouts and delays, the handlers' parameter cache) runs `timeScale` times real time; e.g. 0.05
 * runs the stack's 10 s x 3 health checks in 0.5 s x 3. Replication delays (`replicationDelayMs`,
 * `replication-delay` faults) are wall-clock milliseconds as given.
 */
import { join } from 'node:path';
import { manualFailoverParameterName, PENDING_WINDOW_CACHE_MS, RETRY_QUEUE, serviceEnvironment, TRANSACTION_LOG_PREFIX, TRANSACTION_LOG_STREAM } from '../contract';
import { loadStackSettings, PROJECT, type StackSettings } from '../infra/settings';
import { bucketName, parameterPath, resourceName } from '../infra/naming';
import { ControlServer } from './control';
import { FaultInjector } from './faults';
import { FrontDoor } from './frontDoor';
import { RegionProcess, type LogMode } from './regionProcess';
import { ObjectReplicator } from './objectReplicator';
import { Replicator } from './replicator';
import type { EventSourceMappingStats } from '../localaws/eventSourceMapping';
import { CONSISTENCY_MODES, type ActiveFault, type ConsistencyMode, type FaultKind, type FaultSpec, type RegionConfig, type RegionEndpoints, type RegionRole, type SandboxEndpoints, type SandboxState, type StreamState } from './types';
import { DEFAULT_SANDBOX_MERCHANTS, seedMerchants } from './merchants';

export type { SandboxEndpoints, SandboxState, FaultSpec, ActiveFault, ConsistencyMode } from './types';

export interface SandboxOptions {
  /** Multiplier applied to AWS-managed durations (health checks, SQS timeouts). Default 1 (real time). */
  timeScale?: number;
  /** Stack whose `Pulumi.<stack>.yaml` supplies the health-check interval and threshold. Default `dev`. */
  stack?: string;
  /** Wall-clock delay added to every replicated change. Default 0. */
  replicationDelayMs?: number;
  /** Where the regions' handler logs go. Default `silent` (the CLI uses `stderr`). */
  logs?: LogMode;
  /** Emulate S3 cross-region replication of the transaction-log buckets (both directions). Default true. */
  objectReplication?: boolean;
  /** Directory of the handler entry files. Default `infra/lambda/handlers`. */
  handlersDir?: string;
  /**
   * The global table's consistency mode to emulate: `strong` (MRSC) or `eventual` (MREC). Default: the
   * stack's `consistencyMode` (`Pulumi.<stack>.yaml`, see `infra/settings.ts`).
   */
  consistencyMode?: ConsistencyMode;
  /**
   * Module (path without extension) whose `handler(event: DynamoDBStreamEvent)` consumes each region's
   * DynamoDB stream instead of the stack's `transactionLogWriter` (tests of the delivery itself).
   */
  streamConsumer?: string;
  /** Test merchants to seed (credentials issued at start, listed in the ready line). Default `merchant-a`, `merchant-b`. */
  merchants?: readonly string[];
}

export interface SandboxHandle {
  endpoints: SandboxEndpoints;
  /** The same document as `GET {control}/state`. */
  state(): SandboxState;
  injectFault(spec: FaultSpec): Promise<ActiveFault>;
  clearFault(fault: FaultKind, region: string): Promise<boolean>;
  clearFaults(): Promise<ActiveFault[]>;
  /** Process ids of the region child processes (for leak checks). */
  readonly pids: number[];
  /** Stops everything: children exited, servers closed, temp dirs removed. Idempotent. */
  stop(): Promise<void>;
}

const REPO_ROOT = join(__dirname, '..');
// Names follow the stack's (`infra/naming.ts`); sizing, queue and stream settings and the functions'
// environment are the service contract's (contract/), as the stack deploys them.

/** The stage the stack deploys (`PaymentApi` default `stageName`). */
export const STAGE = 'v1';
/** The account id the sandbox pretends to run in (part of bucket names and ARNs). */
export const SANDBOX_ACCOUNT_ID = '000000000000';
/** The stack's stream event source mapping batch size. Its batching window is not emulated: records are delivered as they arrive. */
export const STREAM_BATCH_SIZE = TRANSACTION_LOG_STREAM.batchSize;
/** Powertools Parameters' default cache age, seconds. */
const PARAMETERS_MAX_AGE_SECONDS = 5;

export function regionConfig(
  settings: StackSettings,
  stack: string,
  region: string,
  role: RegionRole,
  timeScale: number,
  handlersDir: string,
  objectReplication: boolean,
  credentialRecords: Record<string, string>[] = [],
  consistencyMode: ConsistencyMode = settings.consistencyMode,
  streamConsumer?: string,
): RegionConfig {
  const suffix = settings.environmentSuffix;
  const path = parameterPath(PROJECT, suffix, region);
  // The settings-derived half of the functions' environment; each region adds its resources' half
  // (`resourceEnvironment`, sandbox/region.ts) once its engines run.
  const env: Record<string, string> = serviceEnvironment(settings);
  // The parameter cache is AWS-facing timing too: scale it with the health checks (0 disables it).
  if (timeScale < 1) env.POWERTOOLS_PARAMETERS_MAX_AGE = String(Math.floor(PARAMETERS_MAX_AGE_SECONDS * timeScale));
  // So is the pending window's cache (and with it the wait before a window-opening 202).
  if (timeScale < 1) env.PENDING_WINDOW_CACHE_MS = String(Math.max(1, Math.round(PENDING_WINDOW_CACHE_MS * timeScale)));
  return {
    region,
    role,
    stack,
    stage: STAGE,
    tableName: resourceName('payments-table', suffix),
    bucket: bucketName('transaction-logs', suffix, region, SANDBOX_ACCOUNT_ID),
    retryQueueName: resourceName('payments-retry', suffix, region),
    deadLetterQueueName: resourceName('payments-retry-dlq', suffix, region),
    manualFailoverParameter: manualFailoverParameterName(path),
    parameterPath: path,
    timeScale,
    handlersDir,
    env,
    environmentSuffix: suffix,
    visibilityTimeoutSeconds: RETRY_QUEUE.visibilityTimeoutSeconds,
    maxReceiveCount: RETRY_QUEUE.maxReceiveCount,
    batchSize: RETRY_QUEUE.batchSize,
    objectReplication,
    consistencyMode,
    accountId: SANDBOX_ACCOUNT_ID,
    ...(streamConsumer !== undefined ? { streamConsumer } : {}),
    streamBatchSize: STREAM_BATCH_SIZE,
    credentialsTableName: resourceName('merchant-credentials', suffix),
    credentialRecords,
  };
}

/** How long start-up may wait for the regions' health checks to pass. */
const READY_TIMEOUT_MS = 30_000;

/** Calls `{api}/health` until it answers 200 (generous timeouts: the first call is a cold start). */
async function warmUp(api: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${api}/health`, { signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) });
      const body = await res.text();
      if (res.status === 200) return;
      last = `${res.status} ${body.slice(0, 300)}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${api}/health did not answer 200 within ${timeoutMs} ms: ${last}`);
}

export function validateTimeScale(value: number): number {
  if (!Number.isFinite(value) || value <= 0 || value > 10) throw new RangeError(`timeScale must be a number in (0, 10], got ${value}`);
  return value;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<SandboxHandle> {
  const timeScale = validateTimeScale(opts.timeScale ?? 1);
  const stack = opts.stack ?? 'dev';
  const baseDelayMs = opts.replicationDelayMs ?? 0;
  if (!Number.isFinite(baseDelayMs) || baseDelayMs < 0) throw new RangeError(`replicationDelayMs must be >= 0, got ${baseDelayMs}`);
  const settings = loadStackSettings(stack);
  const consistencyMode = opts.consistencyMode ?? settings.consistencyMode;
  if (!CONSISTENCY_MODES.includes(consistencyMode)) throw new RangeError(`consistencyMode must be one of ${CONSISTENCY_MODES.join(', ')}, got ${String(consistencyMode)}`);
  const handlersDir = opts.handlersDir ?? join(REPO_ROOT, 'infra', 'lambda', 'handlers');
  const logs = opts.logs ?? 'silent';
  const objectReplication = opts.objectReplication ?? true;
  const roles: [string, RegionRole][] = [
    [settings.primaryRegion, 'primary'],
    [settings.drRegion, 'secondary'],
  ];

  const seeded = seedMerchants(opts.merchants ?? DEFAULT_SANDBOX_MERCHANTS);
  const started = await Promise.allSettled(
    roles.map(([region, role]) =>
      RegionProcess.spawn(regionConfig(settings, stack, region, role, timeScale, handlersDir, objectReplication, seeded.records, consistencyMode, opts.streamConsumer), logs),
    ),
  );
  const processes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) {
    await Promise.all(processes.map((p) => p.stop()));
    throw failure.reason instanceof Error ? failure.reason : new Error(String(failure.reason));
  }
  const regions = new Map(processes.map((p) => [p.region, p]));
  const replicator = new Replicator(processes, baseDelayMs, consistencyMode);
  const streams: Record<string, StreamState> = {};
  for (const p of processes) p.onStreamState((s) => (streams[p.region] = s));
  const retryProcessing: Record<string, EventSourceMappingStats> = Object.fromEntries(processes.map((p) => [p.region, { batches: 0, succeeded: 0, failed: 0 }]));
  for (const p of processes) p.onRetryProcessingState((s) => (retryProcessing[p.region] = s));
  // As the stack's replication rules: only the transaction logs replicate.
  const objectReplicator = objectReplication ? new ObjectReplicator(processes, replicator, TRANSACTION_LOG_PREFIX) : undefined;
  const faults = new FaultInjector(
    regions,
    replicator,
    new Map(processes.map((p) => [p.region, p.config.manualFailoverParameter])),
    () => objectReplicator?.resume(),
  );
  const intervalMs = settings.healthCheckIntervalSeconds * 1000 * timeScale;
  const frontDoor = new FrontDoor({
    regions: processes.map((p) => ({ name: p.region, role: p.config.role, api: p.info.api })),
    intervalMs,
    failureThreshold: settings.healthCheckFailureThreshold,
    // Route 53 allows 4 s for an HTTP check; scaled, but never below 500 ms so a busy machine is not an outage.
    timeoutMs: Math.min(4000, Math.max(500, 4000 * timeScale)),
  });
  const startedAt = new Date().toISOString();
  let endpoints: SandboxEndpoints | undefined;
  const state = (): SandboxState => {
    if (!endpoints) throw new Error('sandbox not started');
    const replication = replicator.state();
    return {
      endpoints,
      startedAt,
      consistencyMode,
      routing: { target: frontDoor.target, primary: settings.primaryRegion, secondary: settings.drRegion, history: [...frontDoor.routingHistory] },
      health: frontDoor.health(),
      replication: { baseDelayMs, ...replication, ...(objectReplicator ? { objects: objectReplicator.state() } : {}) },
      ...(consistencyMode === 'strong' ? { strongConsistency: replicator.strongState() } : {}),
      streams: { ...streams },
      retryProcessing: { ...retryProcessing },
      faults: faults.list(),
    };
  };
  const control = new ControlServer({ state, faults, regions: [...regions.keys()] });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      replicator.stop();
      objectReplicator?.stop();
      await frontDoor.stop();
      await control.stop();
      await Promise.all(processes.map((p) => p.stop()));
    })();
    return stopping;
  };

  try {
    // Each region's handlers get the other region as their peer (replica, retry queue, marker bucket).
    const connected = await Promise.allSettled(
      processes.map((p) => {
        const peer = processes.find((q) => q !== p)!;
        // Loading the handlers is the regions' start-up too: a failure there is a failed start.
        return p
          .call('connectPeer', { region: peer.region, dynamodb: peer.info.dynamodb, sqs: peer.info.sqs, s3: peer.info.s3, bucket: peer.config.bucket, retryQueueUrl: peer.info.retryQueueUrl })
          .catch((err: unknown) => {
            throw new Error(`region ${p.region} failed to start: ${err instanceof Error ? err.message : String(err)}`);
          });
      }),
    );
    // Both regions try (each loads its handlers); the first failure is the start's error.
    const notConnected = connected.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (notConnected !== undefined) throw notConnected.reason instanceof Error ? notConnected.reason : new Error(String(notConnected.reason));
    const controlUrl = await control.start();
    // Cold starts (first SDK calls of each handler) happen before Route 53 starts judging, as
    // after a deployment: warm every region's health function first.
    await Promise.all(processes.map((p) => warmUp(p.info.api, READY_TIMEOUT_MS)));
    const frontDoorUrl = await frontDoor.start(READY_TIMEOUT_MS);
    const regionEndpoints: Record<string, RegionEndpoints> = {};
    for (const p of processes) {
      regionEndpoints[p.region] = {
        role: p.config.role,
        api: p.info.api,
        dynamodb: p.info.dynamodb,
        s3: p.info.s3,
        sqs: p.info.sqs,
        ssm: p.info.ssm,
        bucket: p.config.bucket,
        retryQueueUrl: p.info.retryQueueUrl,
        deadLetterQueueUrl: p.info.deadLetterQueueUrl,
        manualFailoverParameter: p.config.manualFailoverParameter,
      };
    }
    endpoints = {
      frontDoor: frontDoorUrl,
      control: controlUrl,
      timeScale,
      stack,
      consistencyMode,
      healthCheck: { intervalSeconds: settings.healthCheckIntervalSeconds, failureThreshold: settings.healthCheckFailureThreshold },
      tableName: processes[0].config.tableName,
      stage: STAGE,
      merchants: seeded.merchants,
      regions: regionEndpoints,
    };
  } catch (err) {
    await stop();
    throw err;
  }
  const ready = endpoints;
  return {
    endpoints: ready,
    state,
    injectFault: (spec) => faults.inject(spec),
    clearFault: (fault, region) => faults.clear(fault, region),
    clearFaults: () => faults.clearAll(),
    pids: processes.map((p) => p.pid).filter((pid): pid is number => pid !== undefined),
    stop,
  };
}
