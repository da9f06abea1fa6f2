/**
 * The region's DynamoDB endpoint: a thin HTTP front end in front of dynalite (the real engine).
 * It does what dynalite cannot:
 *  - faults (`faults.ts`: throttling, 5xx, hang, lost response), answered as DynamoDB answers them;
 *  - change feed and DynamoDB Streams: dynalite has no streams, so every successful write to the
 *    global table is observed here with its old and new image, stamped with its commit time,
 *    emitted as a stream record (`streams.ts`) and reported for replication;
 *  - the global table's consistency mode (`ConsistencyMode`):
 *    - eventual (MREC): the write commits locally and replicates asynchronously (the parent's
 *      replicator); replicated writes are applied last writer wins, atomically with respect to local
 *      writes of the same key (a per-key lock), never echoed back;
 *    - strong (MRSC, emulated: dynalite has no MRSC): a write first takes the key's cross-region lock
 *      in the parent (the one per-key serialisation point), then runs its condition against this
 *      replica, which holds the latest committed version because every earlier write of the key was
 *      applied to both replicas before it was acknowledged; the parent then applies it to the other
 *      replica and only then does this front end answer. A write of a key another Region is writing
 *      fails with `ReplicatedWriteConflictException`; a replica without quorum refuses writes and
 *      strongly consistent reads (see `replicator.ts` for the AWS sources).
 * Everything else is forwarded byte for byte.
 */
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { crc32 } from 'node:zlib';
import type { AcquireResult, ChangeRecord, ConsistencyMode, ItemJson, ThrottleScope, WriteVersion } from '../sandbox/types';
import { dynamodbThrottle, FaultSwitch } from './faults';
import { LoopbackService, nowMs, readBody } from './http';
import type { RegionStream } from './streams';

const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const READ_OPERATIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/** Serialises async work per key. */
export class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async withLocks<T>(ids: readonly string[], fn: () => Promise<T>): Promise<T> {
    const releases: (() => void)[] = [];
    for (const id of [...new Set(ids)].sort()) releases.push(await this.acquire(id));
    try {
      return await fn();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  private async acquire(id: string): Promise<() => void> {
    const previous = this.tails.get(id) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(id, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(id) === tail) this.tails.delete(id);
    };
  }
}

/** True when `a` wins over `b` under last writer wins (commit time, then origin region as a tie-break). */
export function newer(a: WriteVersion, b: WriteVersion): boolean {
  return a.ts > b.ts || (a.ts === b.ts && a.origin > b.origin);
}

export interface DynamoFrontendOptions {
  region: string;
  /** dynalite's URL. */
  engineUrl: string;
  tableName: string;
  keyAttributes: readonly string[];
  /** Successful writes of the table, with their new images (eventual mode's replication feed). Default: none. */
  onChanges?: (changes: ChangeRecord[]) => void;
  /** Default `eventual`. */
  consistencyMode?: ConsistencyMode;
  /** Strong mode: the cross-region coordination (the parent, over IPC). Required when strong. */
  coordinator?: StrongCoordinatorClient;
  /** This region's DynamoDB stream; undefined: no stream records. */
  stream?: RegionStream;
}

/** The parent's side of strong mode, as a region sees it (see `ParentCalls` in types.ts). */
export interface StrongCoordinatorClient {
  acquire(keyIds: string[]): Promise<AcquireResult>;
  commit(token: number, changes: ChangeRecord[]): Promise<unknown>;
  release(token: number): Promise<unknown>;
  readBarrier(keyIds: string[]): Promise<{ ok: boolean }>;
}

/** A DynamoDB error answer in the service's wire form (`__type` + message), as the SDK parses it. */
export function errorReply(status: number, type: string, message: string, extra: Record<string, unknown> = {}): EngineReply {
  const text = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message, ...extra });
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID(), 'x-amz-crc32': String(crc32(text)) },
    body: Buffer.from(text),
  };
}

export interface EngineReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The DynamoDB operation a request names (`X-Amz-Target: DynamoDB_20120810.<Operation>`). */
function operationOf(headers: IncomingHttpHeaders): string {
  const target = headers['x-amz-target'];
  return (typeof target === 'string' ? target.split('.')[1] : undefined) ?? '';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class DynamoFrontend extends LoopbackService {
  /** Injected faults (see faults.ts) and the count of requests received. */
  readonly faults = new FaultSwitch();
  /**
   * Emulate `ReturnValuesOnConditionCheckFailure: ALL_OLD` (see `withOldItem`); false answers as
   * dynalite does (no `Item`), to exercise a caller's fallback read. Default true.
   */
  returnOldItemOnConditionFailure = true;
  /** Strong mode: writes refused with ReplicatedWriteConflictException / for want of quorum. */
  replicatedWriteConflicts = 0;
  unavailable = 0;
  private readonly versions = new Map<string, WriteVersion>();
  private readonly locks = new KeyLocks();

  constructor(private readonly options: DynamoFrontendOptions) {
    super();
  }

  protected createServer(): Server {
    return createServer((req, res) => {
      readBody(req)
        .then(async (body) => {
          const reply = await this.handle(req.headers, req.method ?? 'POST', req.url ?? '/', body);
          res.writeHead(reply.status, reply.headers);
          res.end(reply.body);
        })
        .catch((err: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: String(err) }));
        });
    });
  }


  /** The canonical id of a key: its key attributes, in schema order. */
  keyId(key: ItemJson): string {
    return JSON.stringify(this.options.keyAttributes.map((name) => key[name] ?? null));
  }

  private keyOf(item: unknown): ItemJson | undefined {
    if (!isObject(item)) return undefined;
    const key: ItemJson = {};
    for (const name of this.options.keyAttributes) {
      const value = item[name];
      if (!isObject(value)) return undefined;
      key[name] = value;
    }
    return key;
  }

  /** Keys of the global table a write request touches. */
  private writtenKeys(operation: string, input: Record<string, unknown>): ItemJson[] {
    const table = this.options.tableName;
    const keys: (ItemJson | undefined)[] = [];
    if (operation === 'PutItem' && input.TableName === table) keys.push(this.keyOf(input.Item));
    if ((operation === 'UpdateItem' || operation === 'DeleteItem') && input.TableName === table) keys.push(this.keyOf(input.Key));
    if (operation === 'BatchWriteItem' && isObject(input.RequestItems)) {
      const requests = input.RequestItems[table];
      if (Array.isArray(requests)) {
        for (const r of requests) {
          if (isObject(r) && isObject(r.PutRequest)) keys.push(this.keyOf(r.PutRequest.Item));
          if (isObject(r) && isObject(r.DeleteRequest)) keys.push(this.keyOf(r.DeleteRequest.Key));
        }
      }
    }
    if (operation === 'TransactWriteItems' && Array.isArray(input.TransactItems)) {
      for (const t of input.TransactItems) {
        if (!isObject(t)) continue;
        if (isObject(t.Put) && t.Put.TableName === table) keys.push(this.keyOf(t.Put.Item));
        for (const kind of ['Update', 'Delete'] as const) {
          const entry = t[kind];
          if (isObject(entry) && entry.TableName === table) keys.push(this.keyOf(entry.Key));
        }
      }
    }
    return keys.filter((k): k is ItemJson => k !== undefined);
  }

  /** The sandbox's throttling fault: writes, or every data-plane call, throttled until `off`. */
  setThrottling(scope: ThrottleScope | 'off'): void {
    if (scope === 'off') {
      this.faults.reset();
      return;
    }
    this.faults.match = (req) => {
      const operation = operationOf(req.headers);
      return WRITE_OPERATIONS.has(operation) || (scope === 'all' && READ_OPERATIONS.has(operation));
    };
    this.faults.fault = { kind: 'throttle' };
  }

  private async handle(headers: IncomingHttpHeaders, method: string, url: string, body: Buffer): Promise<EngineReply> {
    const operation = operationOf(headers);
    const fault = this.faults.take({ headers }, body.toString('utf8'));
    switch (fault.kind) {
      case 'throttle': {
        const throttle = dynamodbThrottle(operation);
        return errorReply(throttle.status, throttle.type, throttle.message);
      }
      case 'status':
        if (fault.body !== undefined) return { status: fault.status, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() }, body: Buffer.from(fault.body) };
        return errorReply(fault.status, fault.status === 503 ? 'ServiceUnavailable' : 'InternalServerError', 'injected fault');
      case 'hang':
        return new Promise<never>(() => undefined); // never answered; the server's close drops the connection
      case 'lose-response':
        await this.process(operation, headers, method, url, body);
        return errorReply(500, 'InternalServerError', 'response lost after the request was applied');
      case 'none':
        return this.process(operation, headers, method, url, body);
    }
  }

  private async process(operation: string, headers: IncomingHttpHeaders, method: string, url: string, body: Buffer): Promise<EngineReply> {
    if (this.strong && READ_OPERATIONS.has(operation)) return this.strongRead(headers, method, url, body);
    if (!WRITE_OPERATIONS.has(operation)) return this.forward(headers, method, url, body);

    let input: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (isObject(parsed)) input = parsed;
    } catch {
      return this.forward(headers, method, url, body); // dynalite answers the SerializationException
    }
    const keys = this.writtenKeys(operation, input);
    if (keys.length === 0) return this.forward(headers, method, url, body);
    const keyIds = keys.map((k) => this.keyId(k));
    if (!this.strong) {
      return this.locks.withLocks(keyIds, async () => {
        const before = await this.images(keys);
        const reply = await this.forward(headers, method, url, body);
        if (reply.status === 200) this.options.onChanges?.(await this.recordLocalWrites(operation, keys, before, reply.body));
        return this.withOldItem(reply, operation, input, before);
      });
    }
    return this.strongWrite(keyIds, keys, operation, input, headers, method, url, body);
  }

  /**
   * `ReturnValuesOnConditionCheckFailure: ALL_OLD` (which dynalite ignores): a PutItem, UpdateItem or
   * DeleteItem that fails its condition carries the item's current attributes in the
   * ConditionalCheckFailedException's `Item`, as DynamoDB returns them ("An optional parameter that
   * returns the item attributes for a PutItem operation that failed a condition check",
   * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html).
   */
  private withOldItem(reply: EngineReply, operation: string, input: Record<string, unknown>, before: (ItemJson | null)[]): EngineReply {
    const old = before[0];
    if (!this.returnOldItemOnConditionFailure || reply.status !== 400 || old === null || old === undefined || input.ReturnValuesOnConditionCheckFailure !== 'ALL_OLD') return reply;
    if (operation !== 'PutItem' && operation !== 'UpdateItem' && operation !== 'DeleteItem') return reply;
    let parsed: unknown;
    try {
      parsed = JSON.parse(reply.body.toString('utf8'));
    } catch {
      return reply;
    }
    if (!isObject(parsed) || typeof parsed.__type !== 'string' || !parsed.__type.endsWith('#ConditionalCheckFailedException')) return reply;
    return errorReply(400, 'ConditionalCheckFailedException', typeof parsed.message === 'string' ? parsed.message : 'The conditional request failed', { Item: old });
  }

  private get strong(): boolean {
    return this.options.consistencyMode === 'strong';
  }

  private coordinator(): StrongCoordinatorClient {
    if (!this.options.coordinator) throw new Error('strong consistency needs a coordinator');
    return this.options.coordinator;
  }

  /**
   * Strong mode write: cross-region lock, condition and write against this replica (which holds the
   * latest committed version), synchronous replication to the other replica, then the answer.
   */
  private async strongWrite(keyIds: string[], keys: ItemJson[], operation: string, input: Record<string, unknown>, headers: IncomingHttpHeaders, method: string, url: string, body: Buffer): Promise<EngineReply> {
    const coordinator = this.coordinator();
    const lock = await coordinator.acquire(keyIds);
    if (!lock.ok) {
      if (lock.reason === 'conflict') {
        this.replicatedWriteConflicts += 1;
        return errorReply(400, 'ReplicatedWriteConflictException', 'The request was rejected because one or more items in the request are being modified by a request in another Region.');
      }
      this.unavailable += 1;
      return this.noQuorumReply();
    }
    let committed = false;
    try {
      return await this.locks.withLocks(keyIds, async () => {
        const before = await this.images(keys);
        const reply = await this.forward(headers, method, url, body);
        if (reply.status === 200) {
          const changes = await this.recordLocalWrites(operation, keys, before, reply.body);
          committed = true;
          await coordinator.commit(lock.token, changes);
        }
        return this.withOldItem(reply, operation, input, before);
      });
    } finally {
      // Not awaited: the answer does not depend on it, and the parent handles this region's calls in
      // order, so a later write of the key from here queues behind the release.
      if (!committed) void coordinator.release(lock.token).catch(() => undefined);
    }
  }

  /** Strong mode reads: a strongly consistent read waits for in-flight writes of its key and needs quorum. */
  private async strongRead(headers: IncomingHttpHeaders, method: string, url: string, body: Buffer): Promise<EngineReply> {
    let input: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (isObject(parsed)) input = parsed;
    } catch {
      return this.forward(headers, method, url, body);
    }
    const consistent =
      input.ConsistentRead === true ||
      (isObject(input.RequestItems) && Object.values(input.RequestItems).some((r) => isObject(r) && r.ConsistentRead === true));
    if (!consistent) return this.forward(headers, method, url, body);
    const key = input.TableName === this.options.tableName ? this.keyOf(input.Key) : undefined;
    const barrier = await this.coordinator().readBarrier(key ? [this.keyId(key)] : []);
    if (!barrier.ok) {
      this.unavailable += 1;
      return this.noQuorumReply();
    }
    return this.forward(headers, method, url, body);
  }

  /**
   * What a replica without quorum answers to writes and strongly consistent reads. AWS documents that
   * such requests "will return errors" without naming the error; the sandbox answers DynamoDB's
   * retryable `ServiceUnavailable` (HTTP 503).
   */
  private noQuorumReply(): EngineReply {
    return errorReply(
      503,
      'ServiceUnavailable',
      `The ${this.options.region} replica of the multi-Region strong consistency global table has no quorum (no second Region hosting a replica or witness is reachable, or it is catching up); only eventually consistent reads are served.`,
    );
  }

  /** The current images of `keys`, read straight from the engine (call under the keys' lock). */
  private async images(keys: ItemJson[]): Promise<(ItemJson | null)[]> {
    return Promise.all(
      keys.map(async (key) => {
        const out = await this.engineCall('GetItem', { TableName: this.options.tableName, Key: key, ConsistentRead: true });
        return isObject(out.Item) ? (out.Item as ItemJson) : null;
      }),
    );
  }

  /**
   * After a successful write: the written keys' new images, their commit versions, one stream record
   * per changed item, and the change records for replication.
   */
  private async recordLocalWrites(operation: string, keys: ItemJson[], before: (ItemJson | null)[], replyBody: Buffer): Promise<ChangeRecord[]> {
    let written = keys.map((key, i) => ({ key, old: before[i] ?? null }));
    if (operation === 'BatchWriteItem') {
      // Items dynalite left unprocessed were not written.
      try {
        const parsed: unknown = JSON.parse(replyBody.toString('utf8'));
        const unprocessed = isObject(parsed) && isObject(parsed.UnprocessedItems) ? parsed.UnprocessedItems[this.options.tableName] : undefined;
        if (Array.isArray(unprocessed) && unprocessed.length > 0) {
          const skipped = new Set(
            unprocessed.map((r: unknown) =>
              isObject(r) ? this.keyId(this.keyOf(isObject(r.PutRequest) ? r.PutRequest.Item : isObject(r.DeleteRequest) ? r.DeleteRequest.Key : undefined) ?? {}) : '',
            ),
          );
          written = written.filter((w) => !skipped.has(this.keyId(w.key)));
        }
      } catch {
        // keep every key: a spurious change is harmless (images are compared before a record is emitted)
      }
    }
    const ts = nowMs();
    const after = await this.images(written.map((w) => w.key));
    const changes: ChangeRecord[] = [];
    written.forEach(({ key, old }, i) => {
      const item = after[i] ?? null;
      const version: WriteVersion = { ts, origin: this.options.region };
      const keyId = this.keyId(key);
      this.versions.set(keyId, version);
      this.options.stream?.emit(key, old, item);
      changes.push({ keyId, key, version, item });
    });
    return changes;
  }

  private forward(headers: IncomingHttpHeaders, method: string, url: string, body: Buffer): Promise<EngineReply> {
    const engine = new URL(this.options.engineUrl);
    const outHeaders: IncomingHttpHeaders = { ...headers, host: engine.host, 'content-length': String(body.length) };
    delete outHeaders.connection;
    delete outHeaders['transfer-encoding'];
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: engine.hostname, port: engine.port, method, path: url, headers: outHeaders }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const replyHeaders = { ...res.headers };
          delete replyHeaders.connection;
          delete replyHeaders['keep-alive'];
          delete replyHeaders['transfer-encoding'];
          resolve({ status: res.statusCode ?? 500, headers: replyHeaders, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** One call straight to dynalite (no throttling, no change feed). */
  private async engineCall(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const body = Buffer.from(JSON.stringify(input));
    const reply = await this.forward(
      {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
        'x-amz-date': new Date().toISOString().replace(/[-:]|\.\d{3}/g, ''),
        authorization: `AWS4-HMAC-SHA256 Credential=sandbox/20200101/${this.options.region}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
      },
      'POST',
      '/',
      body,
    );
    const parsed: unknown = JSON.parse(reply.body.toString('utf8') || '{}');
    if (reply.status !== 200) throw new Error(`${operation} failed in ${this.options.region}: ${reply.body.toString('utf8')}`);
    return isObject(parsed) ? parsed : {};
  }

  /** The item's current image and the version (commit time) of its last write, read atomically. */
  async readItem(key: ItemJson): Promise<{ item: ItemJson | null; version: WriteVersion | null }> {
    const keyId = this.keyId(key);
    return this.locks.withLocks([keyId], async () => {
      const out = await this.engineCall('GetItem', { TableName: this.options.tableName, Key: key, ConsistentRead: true });
      const item = isObject(out.Item) ? (out.Item as ItemJson) : null;
      return { item, version: this.versions.get(keyId) ?? null };
    });
  }

  /**
   * Applies a replicated image unless this region holds a newer write of the key (last writer wins;
   * `force`: strong mode, where writes of a key are serialised across regions and the image is the
   * latest by construction). The change is a stream record in this region too.
   */
  async applyReplica(key: ItemJson, item: ItemJson | null, version: WriteVersion, force = false): Promise<{ applied: boolean; visibleAt: number }> {
    const keyId = this.keyId(key);
    return this.locks.withLocks([keyId], async () => {
      const local = this.versions.get(keyId);
      if (!force && local && !newer(version, local)) return { applied: false, visibleAt: nowMs() };
      const [old] = await this.images([key]);
      if (item) await this.engineCall('PutItem', { TableName: this.options.tableName, Item: item });
      else await this.engineCall('DeleteItem', { TableName: this.options.tableName, Key: key });
      this.versions.set(keyId, version);
      const visibleAt = nowMs();
      this.options.stream?.emit(key, old ?? null, item);
      return { applied: true, visibleAt };
    });
  }

  /** Creates a table straight in the engine and waits until it is ACTIVE. */
  async createTable(input: Record<string, unknown>): Promise<void> {
    await this.engineCall('CreateTable', input);
    for (let i = 0; i < 200; i++) {
      const out = await this.engineCall('DescribeTable', { TableName: input.TableName });
      const table = isObject(out.Table) ? out.Table : {};
      if (table.TableStatus === 'ACTIVE') return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`table ${String(input.TableName)} did not become ACTIVE`);
  }
}
