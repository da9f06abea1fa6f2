/**
 * The region's DynamoDB endpoint: a thin HTTP front end in front of dynalite (the real engine).
 * It does three things dynalite cannot:
 *  - throttling fault: answers data-plane calls with `ProvisionedThroughputExceededException`;
 *  - change feed: dynalite has no streams, so every successful write to the global table is
 *    observed here, stamped with its commit time and reported to the replicator (the role
 *    DynamoDB Streams play for global tables);
 *  - last-writer-wins application of replicated writes, atomically with respect to local writes of
 *    the same key (a per-key lock), so a replicated write never overwrites a newer local one and is
 *    never echoed back (it goes straight to the engine, not through the change feed).
 * Everything else is forwarded byte for byte.
 */
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { crc32 } from 'node:zlib';
import { closeServer, listen, LOOPBACK, nowMs, readBody } from './http';
import type { ChangeRecord, ItemJson, ThrottleScope, WriteVersion } from './types';

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
  onChanges: (changes: ChangeRecord[]) => void;
}

interface EngineReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class DynamoFrontend {
  throttling: ThrottleScope | 'off' = 'off';
  throttledRequests = 0;
  private readonly versions = new Map<string, WriteVersion>();
  private readonly locks = new KeyLocks();
  private server?: Server;
  private port = 0;

  constructor(private readonly options: DynamoFrontendOptions) {}

  get endpoint(): string {
    return `http://${LOOPBACK}:${this.port}`;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
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
    this.port = await listen(this.server);
    return this.endpoint;
  }

  async stop(): Promise<void> {
    if (this.server) await closeServer(this.server);
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

  private throttled(operation: string): boolean {
    if (this.throttling === 'off') return false;
    return WRITE_OPERATIONS.has(operation) || (this.throttling === 'all' && READ_OPERATIONS.has(operation));
  }

  private async handle(headers: IncomingHttpHeaders, method: string, url: string, body: Buffer): Promise<EngineReply> {
    const target = typeof headers['x-amz-target'] === 'string' ? headers['x-amz-target'] : '';
    const operation = target.split('.')[1] ?? '';
    if (this.throttled(operation)) {
      this.throttledRequests += 1;
      const text = JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
        message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
      });
      return {
        status: 400,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-requestid': randomUUID(),
          'x-amz-crc32': String(crc32(text)),
        },
        body: Buffer.from(text),
      };
    }
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
    return this.locks.withLocks(
      keys.map((k) => this.keyId(k)),
      async () => {
        const reply = await this.forward(headers, method, url, body);
        if (reply.status === 200) this.recordLocalWrites(operation, keys, reply.body);
        return reply;
      },
    );
  }

  private recordLocalWrites(operation: string, keys: ItemJson[], replyBody: Buffer): void {
    let written = keys;
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
          written = keys.filter((k) => !skipped.has(this.keyId(k)));
        }
      } catch {
        // keep every key: a spurious change is harmless (the replicator re-reads the item)
      }
    }
    const ts = nowMs();
    const changes: ChangeRecord[] = written.map((key) => {
      const version: WriteVersion = { ts, origin: this.options.region };
      const keyId = this.keyId(key);
      this.versions.set(keyId, version);
      return { keyId, key, version };
    });
    if (changes.length > 0) this.options.onChanges(changes);
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

  /** Applies a replicated image unless this region holds a newer write of the key (last writer wins). */
  async applyReplica(key: ItemJson, item: ItemJson | null, version: WriteVersion): Promise<{ applied: boolean; visibleAt: number }> {
    const keyId = this.keyId(key);
    return this.locks.withLocks([keyId], async () => {
      const local = this.versions.get(keyId);
      if (local && !newer(version, local)) return { applied: false, visibleAt: nowMs() };
      if (item) await this.engineCall('PutItem', { TableName: this.options.tableName, Item: item });
      else await this.engineCall('DeleteItem', { TableName: this.options.tableName, Key: key });
      this.versions.set(keyId, version);
      return { applied: true, visibleAt: nowMs() };
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
