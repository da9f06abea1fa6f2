/**
 * The `sandbox` target: the local two-region sandbox (sandbox/, docs/sandbox.md).
 *
 * Started by the suite through `startSandbox()` unless `SANDBOX_CONTROL_URL` points to a running
 * one. Payments go through each region's API Gateway emulation, table reads go straight to the
 * region's DynamoDB engine (dynalite), transaction logs to the region's S3 (s3rver). The primary
 * is made unhealthy through the same mechanism as in AWS — its manual failover flag in SSM — when
 * the sandbox names the parameter, otherwise through the control API's `health-failing` fault.
 * Times measured here are wall-clock; the World converts them to modelled time with the scale.
 */
import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { join } from 'node:path';
import { loadStackSettings } from '../../../infra/settings';
import { budgetFromSettings } from '../budget';
import { sandboxMerchant } from '../../../sandbox/merchants';
import { fetchWithDeadline, isObject, postPayment, readJson, str } from '../http';
import { parseSandboxReady, SandboxContractError, type SandboxReady, type SandboxRegion } from '../sandboxReady';
import { toStoredPayment } from './facts';
import type {
  Capability,
  DrBudget,
  FailoverObservation,
  PaymentReceipt,
  PaymentRequest,
  RestoreAction,
  RuntimeBehaviour,
  RuntimeTarget,
  StoredPayment,
  TargetDescription,
} from './target';

/** Local engines accept any credentials; explicit ones keep the SDK off the default chain. */
const LOCAL_CREDENTIALS = { accessKeyId: 'verification', secretAccessKey: 'verification' };
const REQUEST_TIMEOUT_MS = 5_000;

interface RunningSandbox {
  ready: SandboxReady;
  stop(): Promise<void>;
}

export interface SandboxTargetOptions {
  stack: string;
  timeScale: number;
  /** Control URL of a sandbox someone else runs; the target neither starts nor stops it. */
  controlUrl?: string;
}

/** Starts the sandbox through its programmatic API (`sandbox/sandbox.ts`). */
async function startLocalSandbox(stack: string, timeScale: number): Promise<RunningSandbox> {
  const modulePath = join(__dirname, '..', '..', '..', 'sandbox', 'sandbox');
  let mod: unknown;
  try {
    mod = await import(modulePath);
  } catch (error) {
    throw new SandboxContractError(`cannot load ${modulePath}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const start = isObject(mod) || typeof mod === 'object' ? (mod as Record<string, unknown>).startSandbox : undefined;
  if (typeof start !== 'function') throw new SandboxContractError('sandbox/sandbox.ts does not export startSandbox()');
  const handle: unknown = await (start as (opts: { timeScale: number; stack: string }) => Promise<unknown>)({ timeScale, stack });
  if (typeof handle !== 'object' || handle === null) throw new SandboxContractError('startSandbox() returned no handle');
  const h = handle as { endpoints?: unknown; stop?: unknown };
  if (typeof h.stop !== 'function') throw new SandboxContractError('the sandbox handle has no stop()');
  const stop = h.stop as () => Promise<void>;
  try {
    return { ready: parseSandboxReady(h.endpoints), stop: () => stop.call(handle) };
  } catch (error) {
    await stop.call(handle);
    throw error;
  }
}

/** Describes a sandbox someone else started, through its control API. */
async function attachToSandbox(controlUrl: string): Promise<RunningSandbox> {
  const base = controlUrl.replace(/\/$/, '');
  const response = await fetchWithDeadline(`${base}/state`, { method: 'GET' }, REQUEST_TIMEOUT_MS).catch((error: unknown) => {
    throw new SandboxContractError(`no sandbox answers at ${controlUrl}: ${error instanceof Error ? error.message : String(error)}`);
  });
  if (!response.ok) throw new SandboxContractError(`GET ${base}/state answered ${response.status}`);
  const body = await readJson(response);
  // The sandbox someone else started is theirs to stop.
  return { ready: parseSandboxReady(isObject(body) ? body.endpoints : undefined), stop: async () => undefined };
}

/**
 * The terms of the stack's budget (infra/budget.ts) the sandbox does not emulate, with why. AWS
 * behaviour behind each: resolvers cache a record for its TTL
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-failover.html);
 * DynamoDB publishes `ReplicationLatency` per Region pair as an observed metric, not a bound
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_monitoring.html).
 */
export const SANDBOX_NOT_EXERCISED: TargetDescription['notExercised'] = [
  { term: 'propagationSeconds', why: 'the sandbox switches its failover endpoint at once; it does not model Route 53 change propagation' },
  { term: 'dnsCacheSeconds', why: 'the sandbox has no DNS resolvers, so no answer is cached for the TTL' },
  {
    term: 'replicationLagBoundSeconds',
    why: "the sandbox's replication is a local emulation: its lag says nothing of DynamoDB's ReplicationLatency, for which AWS gives no bound",
  },
  { term: 'alarmWindowSeconds', why: 'the sandbox runs no CloudWatch alarm, so the ReplicationLatency alarm window is not exercised' },
];

export class SandboxTarget implements RuntimeTarget {
  readonly kind = 'sandbox' as const;
  readonly capabilities: readonly Capability[] = ['runtime'];
  private running?: RunningSandbox;
  private readonly tables = new Map<string, DynamoDBDocumentClient>();
  private readonly s3 = new Map<string, S3Client>();
  private readonly ssm = new Map<string, SSMClient>();

  constructor(private readonly options: SandboxTargetOptions) {}

  async open(): Promise<void> {
    if (this.running) return;
    this.running = this.options.controlUrl
      ? await attachToSandbox(this.options.controlUrl)
      : await startLocalSandbox(this.options.stack, this.options.timeScale);
    // Start from a clean slate: faults of a previous run on a shared sandbox are not ours to keep.
    if (!this.options.controlUrl) await this.control('DELETE', '/faults');
  }

  async close(): Promise<void> {
    for (const c of this.tables.values()) c.destroy();
    for (const c of this.s3.values()) c.destroy();
    for (const c of this.ssm.values()) c.destroy();
    this.tables.clear();
    this.s3.clear();
    this.ssm.clear();
    const running = this.running;
    this.running = undefined;
    if (running) await running.stop();
  }

  get ready(): SandboxReady {
    if (!this.running) throw new Error('the sandbox target is not open');
    return this.running.ready;
  }

  private regionNamed(region: string): SandboxRegion {
    const r = this.ready.regions[region];
    if (!r) throw new Error(`the sandbox has no region ${region} (it has ${Object.keys(this.ready.regions).join(', ')})`);
    return r;
  }

  private regionWithRole(role: 'primary' | 'secondary'): string {
    const found = Object.entries(this.ready.regions).find(([, r]) => r.role === role);
    if (!found) throw new Error(`the sandbox has no ${role} region`);
    return found[0];
  }

  describe(): TargetDescription {
    const ready = this.ready;
    return {
      kind: 'sandbox',
      summary: `local two-region sandbox (${this.options.controlUrl ? 'already running' : 'started by the suite'}) at time scale ${ready.timeScale}`,
      stack: ready.stack,
      regions: { primaryRegion: this.regionWithRole('primary'), drRegion: this.regionWithRole('secondary') },
      account: 'local',
      timeScale: ready.timeScale,
      notExercised: SANDBOX_NOT_EXERCISED,
      replication:
        ready.consistencyMode === 'strong'
          ? 'synchronous to the peer region (sandbox emulation of DynamoDB multi-Region strong consistency)'
          : 'asynchronous (sandbox emulation of DynamoDB global table eventual replication)',
    };
  }

  async budget(): Promise<DrBudget> {
    return budgetFromSettings(loadStackSettings(this.ready.stack));
  }

  /** Calls the sandbox control API. */
  async control(method: 'GET' | 'POST' | 'DELETE', path: string, body?: Record<string, unknown>): Promise<unknown> {
    const response = await fetchWithDeadline(
      `${this.ready.control.replace(/\/$/, '')}${path}`,
      { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined },
      REQUEST_TIMEOUT_MS,
    );
    const parsed = await readJson(response);
    if (!response.ok) throw new Error(`sandbox control ${method} ${path} answered ${response.status}: ${JSON.stringify(parsed)}`);
    return parsed;
  }

  private tableClient(region: string): DynamoDBDocumentClient {
    let client = this.tables.get(region);
    if (!client) {
      client = DynamoDBDocumentClient.from(
        new DynamoDBClient({ region, endpoint: this.regionNamed(region).dynamodb, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 }),
      );
      this.tables.set(region, client);
    }
    return client;
  }

  private bucketClient(region: string): S3Client {
    let client = this.s3.get(region);
    if (!client) {
      client = new S3Client({ region, endpoint: this.regionNamed(region).s3, forcePathStyle: true, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
      this.s3.set(region, client);
    }
    return client;
  }

  private ssmClient(region: string): SSMClient {
    let client = this.ssm.get(region);
    if (!client) {
      client = new SSMClient({ region, endpoint: this.regionNamed(region).ssm, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
      this.ssm.set(region, client);
    }
    return client;
  }

  /** The request as the sandbox merchant it is sent for (the named one if seeded, else the first) and its credential headers. */
  private asMerchant(request: PaymentRequest): { request: PaymentRequest; headers: Record<string, string> } {
    const merchant = sandboxMerchant(this.ready, this.ready.merchants.some((m) => m.merchantId === request.merchantId) ? request.merchantId : undefined);
    return { request: { ...request, merchantId: merchant.merchantId }, headers: merchant.headers };
  }

  submitPayment(region: string, request: PaymentRequest): Promise<PaymentReceipt> {
    const m = this.asMerchant(request);
    return postPayment(this.regionNamed(region).api, m.request, REQUEST_TIMEOUT_MS, m.headers);
  }

  submitPaymentViaFailover(request: PaymentRequest): Promise<PaymentReceipt> {
    const m = this.asMerchant(request);
    return postPayment(this.ready.frontDoor, m.request, REQUEST_TIMEOUT_MS, m.headers);
  }

  async readPayment(region: string, transactionId: string): Promise<StoredPayment | undefined> {
    try {
      const out = await this.tableClient(region).send(
        new GetCommand({ TableName: this.ready.tableName, Key: { pk: `PAYMENT#${transactionId}` }, ConsistentRead: false }),
      );
      return toStoredPayment(out.Item);
    } catch (error) {
      // A region that is down answers nothing: for a reader that is "not there (yet)".
      if (isConnectionError(error)) return undefined;
      throw error;
    }
  }

  async writeTransactionLog(region: string, key: string, body: string): Promise<void> {
    await this.bucketClient(region).send(
      new PutObjectCommand({ Bucket: this.regionNamed(region).bucket, Key: key, Body: body, ContentType: 'application/json' }),
    );
  }

  async readTransactionLog(region: string, key: string): Promise<string | undefined> {
    try {
      const out = await this.bucketClient(region).send(new GetObjectCommand({ Bucket: this.regionNamed(region).bucket, Key: key }));
      const body = out.Body ? await out.Body.transformToString() : '';
      // s3rver (the sandbox's S3 engine) lists an object a moment before its body is flushed; a body
      // that does not match its ETag (the MD5 of a single-part upload) is not there yet: keep polling.
      const etag = out.ETag?.replace(/"/g, '');
      if (etag && etag !== createHash('md5').update(body).digest('hex')) return undefined;
      return body;
    } catch (error) {
      if (error instanceof NoSuchKey || (error instanceof Error && error.name === 'NoSuchKey') || isConnectionError(error)) return undefined;
      throw error;
    }
  }

  async observeFailover(): Promise<FailoverObservation> {
    // The front door is the sandbox's Route 53: ask where it routes, then confirm with /health.
    let routed: string | undefined;
    try {
      const state = await this.control('GET', '/state');
      routed = isObject(state) && isObject(state.routing) ? str(state.routing.target) : undefined;
    } catch {
      routed = undefined;
    }
    try {
      const response = await fetchWithDeadline(`${this.ready.frontDoor.replace(/\/$/, '')}/health`, { method: 'GET' }, REQUEST_TIMEOUT_MS);
      const body = await readJson(response);
      const region = isObject(body) ? str(body.region) : undefined;
      return {
        servingRegion: response.ok ? region : undefined,
        detail: `front door routes to ${routed ?? 'unknown'}; GET /health answered ${response.status} from ${region ?? 'no region'}`,
      };
    } catch (error) {
      return { detail: `front door unreachable: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  /**
   * The sandbox emulates S3 cross-region replication only if its state reports it (a
   * `replication.objects` / `objectReplication` section); older sandboxes do not.
   */
  async limitation(behaviour: RuntimeBehaviour): Promise<string | undefined> {
    if (behaviour !== 'object-replication') return undefined;
    const state = await this.control('GET', '/state');
    const replication = isObject(state) ? state.replication : undefined;
    const emulated = isObject(state) && (state.objectReplication !== undefined || (isObject(replication) && (replication.objects !== undefined || replication.buckets !== undefined)));
    return emulated
      ? undefined
      : 'this sandbox does not emulate S3 cross-region replication of the transaction-log buckets (its state reports no object replication); the bucket replication configuration is verified by the plan target (@control-DR-01, "each bucket replicates to the bucket of the other region") and the object copy by the live target';
  }

  async makeUnhealthy(region: string): Promise<RestoreAction> {
    const r = this.regionNamed(region);
    if (r.manualFailoverParameter && r.ssm) {
      const name = r.manualFailoverParameter;
      const set = (value: 'true' | 'false') =>
        this.ssmClient(region).send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }));
      await set('true');
      return { description: `set ${name} in ${region} back to "false"`, restore: async () => void (await set('false')) };
    }
    await this.control('POST', '/faults', { fault: 'health-failing', region });
    return {
      description: `cleared the health-failing fault of ${region}`,
      restore: async () => void (await this.control('DELETE', `/faults/health-failing/${region}`)),
    };
  }
}

export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET'].includes(String(code)) ||
    /ECONNREFUSED|ECONNRESET|socket hang up|TimeoutError/i.test(`${error.name} ${error.message}`)
  );
}
