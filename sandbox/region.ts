/**
 * One sandbox region, run as its own child process (so each region's handlers get their own module
 * instances and environment, as two Lambda deployments would):
 *   dynalite (real DynamoDB engine) behind the DynamoDB front end (throttling, change feed, the
 *   consistency mode, DynamoDB Streams with the event source mapping to the stream consumer),
 *   s3rver (real S3 engine, temporary directory removed on stop),
 *   SQS and SSM emulators, the API Gateway emulator in front of the real API handlers,
 *   and the SQS event source mapping in front of the real retry processor.
 * Driven by the parent over IPC (see `RegionCalls` in `types.ts`).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { credentialsTableInput } from '../infra/lambda/commons/credentials';
import { resourceEnvironment } from '../contract/environment';
import { paymentsTableInput } from '../contract/paymentsTable';
import { HANDLER_SIZING, handlerKey, HANDLERS, type HandlerName } from '../contract';
import { startS3Front, type S3Front } from '../localaws/s3Front';
import { resourceName } from '../infra/naming';
import { ApiGatewayEmulator, type ApiHandler, type ApiRoute, type RequestAuthorizerHandler } from '../localaws/apiGateway';
import { DynamoFrontend } from '../localaws/dynamoFrontend';
import { EventSourceMapping, type SqsHandler } from '../localaws/eventSourceMapping';
import { closeServer, listen, LOOPBACK, nowMs } from '../localaws/http';
import { objectUrl, REPLICA_MARKER_HEADER } from './objectReplicator';
import type { FunctionSpec } from '../localaws/lambdaRuntime';
import { SqsEmulator } from '../localaws/sqsEmulator';
import { SsmEmulator } from '../localaws/ssmEmulator';
import { RegionStream, type StreamHandler } from '../localaws/streams';
import type { ChildMessage, ParentCallName, ParentCalls, ParentMessage, PeerInfo, RegionCallName, RegionCalls, RegionConfig } from './types';
import { loadDynalite, loadS3rver, LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY, type S3rverInstance } from '../localaws/engines';

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Calls to the parent (strong mode's cross-region coordination), answered by `response` messages. */
const parentCalls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let nextParentCall = 1;

function callParent<N extends ParentCallName>(name: N, args: ParentCalls[N]['args']): Promise<ParentCalls[N]['result']> {
  const id = nextParentCall++;
  return new Promise((resolve, reject) => {
    parentCalls.set(id, { resolve: (v) => resolve(v as ParentCalls[N]['result']), reject });
    send({ type: 'request', id, name, args });
  });
}

/** The stream consumer: an explicit module, else the stack's `transactionLogWriter` once HANDLERS lists it. */
function streamConsumerFile(config: RegionConfig): string | undefined {
  if (config.streamConsumer) return config.streamConsumer;
  if (!(HANDLERS as readonly string[]).includes('transactionLogWriter')) return undefined;
  const file = join(config.handlersDir, 'transactionLogWriter');
  return existsSync(`${file}.ts`) || existsSync(`${file}.js`) ? file : undefined;
}

function log(region: string, line: string): void {
  process.stderr.write(`${JSON.stringify({ source: 'sandbox', region, message: line, timestamp: new Date().toISOString() })}\n`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function loadHandler<T>(file: string): T {
  const mod: unknown = require(file);
  if (!isObject(mod) || typeof mod.handler !== 'function') throw new Error(`${file} does not export a handler function`);
  return mod.handler as T;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref())]);
}

class Region {
  private dynalite?: Server;
  private dynamo?: DynamoFrontend;
  private s3?: S3rverInstance;
  private s3Dir?: string;
  private sqs?: SqsEmulator;
  private ssm?: SsmEmulator;
  private api?: ApiGatewayEmulator;
  private esm?: EventSourceMapping;
  private stream?: RegionStream;
  private s3Front?: S3Front;
  /** The API's routes: filled by `connectPeer`, once the handlers' environment is complete. */
  private readonly routes: ApiRoute[] = [];
  private engines?: { dynamodb: string; s3: string; sqsUrl: string; ssm: string; retryQueueUrl: string; retryQueue: ReturnType<SqsEmulator['createQueue']> };
  private stopping?: Promise<void>;

  constructor(private readonly config: RegionConfig) {}

  async start(): Promise<void> {
    const c = this.config;
    const logLine = (line: string): void => log(c.region, line);

    // DynamoDB: dynalite (in memory) behind the front end.
    this.dynalite = loadDynalite()({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    const enginePort = await listen(this.dynalite);
    const engineUrl = `http://${LOOPBACK}:${enginePort}`;
    // The same CreateTable input the stack's table is declared from, so the two cannot drift.
    const createTable = paymentsTableInput(c.tableName);
    const keyAttributes = (createTable.KeySchema ?? []).map((k) => k.AttributeName ?? '');
    this.stream = new RegionStream({ region: c.region, tableName: c.tableName, accountId: c.accountId, batchSize: c.streamBatchSize, log: logLine });
    this.dynamo = new DynamoFrontend({
      region: c.region,
      engineUrl,
      tableName: c.tableName,
      keyAttributes,
      consistencyMode: c.consistencyMode,
      stream: this.stream,
      onChanges: (changes) => {
        // Eventual mode: the parent replicates asynchronously and re-reads the latest image.
        if (changes.length > 0) send({ type: 'changes', region: c.region, changes: changes.map(({ keyId, key, version }) => ({ keyId, key, version })) });
      },
      coordinator: {
        acquire: (keyIds) => callParent('acquire', { region: c.region, keyIds }),
        commit: (token, changes) => callParent('commit', { token, changes }),
        release: (token) => callParent('release', { token }),
        readBarrier: (keyIds) => callParent('readBarrier', { region: c.region, keyIds }),
      },
    });
    const dynamodb = await this.dynamo.start();
    await this.dynamo.createTable({ ...createTable });

    // S3: s3rver on a temporary directory.
    // The pid in the name tells which process owns the directory (a leak would be attributable).
    this.s3Dir = mkdtempSync(join(tmpdir(), `payments-dr-sandbox-s3-${c.region}-${process.pid}-`));
    const S3rver = loadS3rver();
    this.s3 = new S3rver({ address: LOOPBACK, port: 0, silent: true, directory: this.s3Dir, configureBuckets: [{ name: c.bucket }], vhostBuckets: false });
    const s3Address = await this.s3.run();
    const s3Engine = `http://${LOOPBACK}:${s3Address.port}`;
    // s3rver ignores If-None-Match on PUT; this front emulates S3's conditional create (pending-payment markers).
    this.s3Front = await startS3Front(s3Engine);
    const s3 = this.s3Front.endpoint;
    if (c.objectReplication) this.s3.on('event', (notification) => void this.reportObjects(s3Engine, notification));

    // The merchant credentials table (a global table in the stack; its records are static here, so
    // each region is seeded with the same hash-only records instead of replicating them).
    const engineClient = new DynamoDBClient({ region: c.region, endpoint: engineUrl, credentials: { accessKeyId: LOCAL_ACCESS_KEY_ID, secretAccessKey: LOCAL_SECRET_ACCESS_KEY } });
    await engineClient.send(new CreateTableCommand(credentialsTableInput(c.credentialsTableName)));
    for (const record of c.credentialRecords) {
      await engineClient.send(new PutItemCommand({ TableName: c.credentialsTableName, Item: Object.fromEntries(Object.entries(record).map(([k, v]) => [k, { S: v }])) }));
    }
    engineClient.destroy();

    // SQS: retry queue with a redrive policy to its dead-letter queue.
    this.sqs = new SqsEmulator(c.region, c.timeScale);
    const sqsUrl = await this.sqs.start();
    const dlq = this.sqs.createQueue(c.deadLetterQueueName, { visibilityTimeoutSeconds: c.visibilityTimeoutSeconds });
    const retryQueue = this.sqs.createQueue(c.retryQueueName, {
      visibilityTimeoutSeconds: c.visibilityTimeoutSeconds,
      deadLetter: { queue: dlq, maxReceiveCount: c.maxReceiveCount },
    });

    // SSM: the manual failover flag (the drill switch), off.
    this.ssm = new SsmEmulator(c.region);
    const ssm = await this.ssm.start();
    this.ssm.put(c.manualFailoverParameter, 'false');

    // The API listens now (its routes come with `connectPeer`), so the parent learns every endpoint.
    this.api = new ApiGatewayEmulator({
      region: c.region,
      stage: c.stage,
      log: process.env.SANDBOX_ACCESS_LOG === 'true' ? logLine : undefined,
      routes: this.routes,
    });
    const api = await this.api.start();
    this.engines = { dynamodb, s3, sqsUrl, ssm, retryQueueUrl: retryQueue.url, retryQueue };

    // The parent's GET /state shows each region's stream statistics: push them when they change.
    let lastStreamState = '';
    const pushStreamState = (): void => {
      if (!this.stream) return;
      const state = this.stream.state();
      const text = JSON.stringify({ ...state, iteratorAgeMs: 0 });
      if (text === lastStreamState && state.pending === 0) return;
      lastStreamState = text;
      send({ type: 'streamState', region: c.region, state });
    };
    pushStreamState();
    setInterval(pushStreamState, 50).unref();
    // And each region's retry processing (the retry queue's event source mapping).
    let lastRetryState = '';
    setInterval(() => {
      if (!this.esm) return;
      const text = JSON.stringify(this.esm.stats);
      if (text === lastRetryState) return;
      lastRetryState = text;
      send({ type: 'retryProcessingState', region: c.region, state: { ...this.esm.stats } });
    }, 20).unref();

    logLine(`engines ready in ${Math.round(process.uptime() * 1000)} ms (since process start)`);
    send({
      type: 'ready',
      info: { api, dynamodb, dynamodbEngine: engineUrl, s3, sqs: sqsUrl, ssm, retryQueueUrl: retryQueue.url, deadLetterQueueUrl: dlq.url },
    });
  }

  /** Sets the handlers' environment (this region's endpoints and the peer's), loads them and starts serving. */
  private connectPeer(peer: PeerInfo): void {
    const c = this.config;
    const e = this.engines;
    if (!e || !this.sqs || !this.api) throw new Error('region not started');
    if (this.routes.length > 0) throw new Error('peer already connected');
    const logLine = (line: string): void => log(c.region, line);
    // The handlers' environment, as the stack sets it, plus local endpoint overrides.
    Object.assign(process.env, c.env, {
      AWS_REGION: c.region,
      AWS_DEFAULT_REGION: c.region,
      AWS_ACCESS_KEY_ID: LOCAL_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: LOCAL_SECRET_ACCESS_KEY,
      AWS_EC2_METADATA_DISABLED: 'true',
      // Any AWS service without a local endpoint fails fast on loopback instead of reaching the internet.
      AWS_ENDPOINT_URL: `http://${LOOPBACK}:9`,
      AWS_ENDPOINT_URL_DYNAMODB: e.dynamodb,
      AWS_ENDPOINT_URL_S3: e.s3,
      AWS_ENDPOINT_URL_SQS: e.sqsUrl,
      AWS_ENDPOINT_URL_SSM: e.ssm,
      S3_FORCE_PATH_STYLE: 'true',
      // This region's resources and the peer's (replica, retry queue, marker bucket), as the stack wires them.
      ...resourceEnvironment({
        tableName: c.tableName,
        retryQueueUrl: e.retryQueueUrl,
        bucket: c.bucket,
        peerRegion: peer.region,
        peerRetryQueueUrl: peer.retryQueueUrl,
        peerBucket: peer.bucket,
        credentialsTableName: c.credentialsTableName,
        parameterPath: c.parameterPath,
      }),
      PEER_ENDPOINT_URL_DYNAMODB: peer.dynamodb,
      PEER_ENDPOINT_URL_SQS: peer.sqs,
      PEER_ENDPOINT_URL_S3: peer.s3,
    });
    delete process.env.AWS_PROFILE;

    // Each function sized as the stack deploys it (the service contract's HANDLER_SIZING).
    const fn = (name: HandlerName): FunctionSpec => ({
      functionName: resourceName(handlerKey(name), c.environmentSuffix, c.region),
      region: c.region,
      memoryMB: HANDLER_SIZING[name].memorySize,
      timeoutMs: HANDLER_SIZING[name].timeout * 1000,
    });
    const handler = (name: string): string => join(c.handlersDir, name);
    const authorizer = { fn: fn('authorizer'), handler: loadHandler<RequestAuthorizerHandler>(handler('authorizer')), identityHeader: 'Authorization' };
    this.routes.push(
      { method: 'POST', resource: '/payments', fn: fn('createPayment'), authorizer, handler: loadHandler<ApiHandler>(handler('createPayment')) },
      { method: 'GET', resource: '/payments/{id}', fn: fn('getPayment'), authorizer, handler: loadHandler<ApiHandler>(handler('getPayment')) },
      { method: 'GET', resource: '/health', fn: fn('health'), handler: loadHandler<ApiHandler>(handler('health')) },
    );
    this.esm = new EventSourceMapping({
      sqs: this.sqs,
      queue: e.retryQueue,
      region: c.region,
      fn: fn('retryProcessor'),
      handler: loadHandler<SqsHandler>(handler('retryProcessor')),
      batchSize: c.batchSize,
      pollMs: 20,
      log: logLine,
    });
    this.esm.start();
    const consumerFile = streamConsumerFile(c);
    if (consumerFile && this.stream) {
      this.stream.setConsumer({
        fn: fn('transactionLogWriter'),
        handler: loadHandler<StreamHandler>(consumerFile),
      });
      this.stream.start();
    }
    logLine(`handlers ready in ${Math.round(process.uptime() * 1000)} ms (since process start)`);
  }

  /**
   * S3 cross-region replication's change feed: objects created in this region's bucket, except
   * replicas (which carry the replica marker and are never replicated again, as in S3).
   */
  private async reportObjects(s3: string, notification: unknown): Promise<void> {
    const records = isObject(notification) && Array.isArray(notification.Records) ? (notification.Records as unknown[]) : [];
    const objects: { key: string; ts: number }[] = [];
    for (const record of records) {
      if (!isObject(record) || typeof record.eventName !== 'string' || !record.eventName.startsWith('ObjectCreated:')) continue;
      const detail = isObject(record.s3) ? record.s3 : {};
      const bucket = isObject(detail.bucket) ? detail.bucket.name : undefined;
      const key = isObject(detail.object) ? detail.object.key : undefined;
      if (bucket !== this.config.bucket || typeof key !== 'string') continue;
      const ts = nowMs();
      try {
        const head = await fetch(objectUrl(s3, bucket, key), { method: 'HEAD', signal: AbortSignal.timeout(5_000) });
        if (head.headers.get(REPLICA_MARKER_HEADER) === 'REPLICA') continue;
      } catch {
        // report it anyway: the parent re-reads the object and skips what it cannot copy
      }
      objects.push({ key, ts });
    }
    if (objects.length > 0) send({ type: 'objectChanges', region: this.config.region, objects });
  }

  async call<N extends RegionCallName>(name: N, args: RegionCalls[N]['args']): Promise<RegionCalls[N]['result']> {
    const result = await this.dispatch(name, args);
    return result as RegionCalls[N]['result'];
  }

  private async dispatch(name: RegionCallName, args: unknown): Promise<unknown> {
    switch (name) {
      case 'setDown': {
        const { down } = args as RegionCalls['setDown']['args'];
        await this.api?.setDown(down);
        this.esm?.setPaused(down);
        this.stream?.setPaused(down);
        return { down };
      }
      case 'setThrottling': {
        const { scope } = args as RegionCalls['setThrottling']['args'];
        this.dynamo?.setThrottling(scope);
        return { scope };
      }
      case 'putParameter': {
        const { name: parameter, value } = args as RegionCalls['putParameter']['args'];
        if (!this.ssm) throw new Error('region not started');
        return { version: this.ssm.put(parameter, value).version };
      }
      case 'readItem': {
        const { key } = args as RegionCalls['readItem']['args'];
        if (!this.dynamo) throw new Error('region not started');
        return this.dynamo.readItem(key);
      }
      case 'applyReplica': {
        const { key, item, version, force } = args as RegionCalls['applyReplica']['args'];
        if (!this.dynamo) throw new Error('region not started');
        return this.dynamo.applyReplica(key, item, version, force ?? false);
      }
      case 'streamState':
        if (!this.stream) throw new Error('region not started');
        return this.stream.state();
      case 'connectPeer':
        this.connectPeer(args as RegionCalls['connectPeer']['args']);
        return { connected: true };
      case 'stop':
        await this.stop();
        return { stopped: true };
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await withTimeout(this.esm?.stop() ?? Promise.resolve(), 2000);
      await withTimeout(this.stream?.stop() ?? Promise.resolve(), 2000);
      await Promise.all([
        this.api ? withTimeout(this.api.stop(), 2000) : undefined,
        this.sqs ? withTimeout(this.sqs.stop(), 2000) : undefined,
        this.ssm ? withTimeout(this.ssm.stop(), 2000) : undefined,
        this.dynamo ? withTimeout(this.dynamo.stop(), 2000) : undefined,
        this.s3?.httpServer ? withTimeout(closeServer(this.s3.httpServer), 2000) : undefined,
        this.s3Front ? withTimeout(this.s3Front.close(), 2000) : undefined,
        this.dynalite ? withTimeout(closeServer(this.dynalite), 2000) : undefined,
      ]);
      if (this.s3Dir) rmSync(this.s3Dir, { recursive: true, force: true });
    })();
    return this.stopping;
  }
}

function main(): void {
  let region: Region | undefined;
  const shutdown = (code: number): void => {
    const done = (): never => process.exit(code);
    if (!region) done();
    else void region.stop().then(done, done);
  };
  // The parent is gone (even killed): stop and leave nothing behind.
  process.on('disconnect', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(0));
  process.on('message', (raw: ParentMessage) => {
    if (raw.type === 'response') {
      const pending = parentCalls.get(raw.id);
      if (!pending) return;
      parentCalls.delete(raw.id);
      if (raw.ok) pending.resolve(raw.result);
      else pending.reject(new Error(raw.error));
      return;
    }
    if (raw.type === 'init') {
      region = new Region(raw.config);
      region.start().catch((err: unknown) => {
        send({ type: 'fatal', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
        shutdown(1);
      });
      return;
    }
    const r = region;
    if (!r) {
      send({ type: 'reply', id: raw.id, ok: false, error: 'region not initialised' });
      return;
    }
    r.call(raw.name, raw.args as never).then(
      (result) => {
        send({ type: 'reply', id: raw.id, ok: true, result });
        if (raw.name === 'stop') setImmediate(() => process.exit(0));
      },
      (err: unknown) => send({ type: 'reply', id: raw.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  });
}

if (require.main === module) main();
