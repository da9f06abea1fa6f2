/**
 * The two real local engines, loaded in one place for the sandbox and the handler tests: dynalite
 * (DynamoDB's HTTP API and validation; no transactions, no streams, no MRSC) and s3rver (S3's REST
 * API on a directory). Both ship no type declarations: they are loaded through `require` with the
 * narrow interface declared here (rather than ambient `declare module` blocks, which could collide
 * with declarations other modules make for the same packages).
 *
 * `startDynalite` / `startS3` run one engine on 127.0.0.1 (OS-assigned port) with an SDK client
 * and the few reads tests assert with.
 */
import { CreateTableCommand, DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paymentsTableInput } from '../contract/paymentsTable';
import { closeServer, listen, LOOPBACK } from './http';

export interface DynaliteOptions {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
  maxItemSizeKb?: number;
  /** LevelDB directory; in-memory when omitted. */
  path?: string;
}
export type DynaliteFactory = (options?: DynaliteOptions) => Server;

export interface S3rverBucketConfig {
  name: string;
}
export interface S3rverOptions {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: S3rverBucketConfig[];
  resetOnClose?: boolean;
  /** Virtual-host buckets; path-style always works. */
  vhostBuckets?: boolean;
}
export interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  /** S3 event notifications (`{ Records: [...] }`) for every object created or deleted. */
  on(event: 'event', listener: (notification: unknown) => void): unknown;
  close(): Promise<void>;
  httpServer?: Server;
}
export type S3rverConstructor = new (options: S3rverOptions) => S3rverInstance;

/**
 * Dummy credentials every local client uses (no local endpoint verifies signatures; s3rver is made
 * to accept any access key, see `loadS3rver`).
 */
export const LOCAL_ACCESS_KEY_ID = 'local';
export const LOCAL_SECRET_ACCESS_KEY = 'local';
export const LOCAL_CREDENTIALS = { accessKeyId: LOCAL_ACCESS_KEY_ID, secretAccessKey: LOCAL_SECRET_ACCESS_KEY } as const;

export function loadDynalite(): DynaliteFactory {
  const mod: unknown = require('dynalite');
  if (typeof mod !== 'function') throw new Error('dynalite did not export a factory function');
  return mod as DynaliteFactory;
}

interface S3rverAccountModule {
  registry: Map<string, unknown>;
  DUMMY_ACCOUNT: unknown;
}

let anyAccessKey = false;

/**
 * s3rver only knows its built-in access key `S3RVER` (and verifies no SigV4 signature). Like the
 * sandbox's other endpoints, accept any access key: callers bring dummy credentials of their own.
 */
function acceptAnyAccessKey(): void {
  if (anyAccessKey) return;
  const accounts = require('s3rver/lib/models/account') as S3rverAccountModule;
  const { registry, DUMMY_ACCOUNT } = accounts;
  const known = registry.get.bind(registry);
  registry.get = (accessKeyId: string): unknown => known(accessKeyId) ?? DUMMY_ACCOUNT;
  anyAccessKey = true;
}

export function loadS3rver(): S3rverConstructor {
  acceptAnyAccessKey();
  const mod: unknown = require('s3rver');
  if (typeof mod !== 'function') throw new Error('s3rver did not export a constructor');
  return mod as S3rverConstructor;
}

export interface DynaliteHandle {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** Creates a table from the shared payments table schema (`paymentsTableInput`). */
  createTable(tableName: string): Promise<void>;
  /** Every item of a table (raw attribute values, strongly consistent scan), for assertions. */
  scan(tableName: string): Promise<Record<string, AttributeValue>[]>;
  close(): Promise<void>;
}

/** dynalite in memory on 127.0.0.1 (tables ACTIVE at once). */
export async function startDynalite(region = 'us-east-1'): Promise<DynaliteHandle> {
  const server = loadDynalite()({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const endpoint = `http://${LOOPBACK}:${await listen(server)}`;
  const client = new DynamoDBClient({ endpoint, region, credentials: LOCAL_CREDENTIALS });
  return {
    endpoint,
    client,
    async createTable(tableName) {
      await client.send(new CreateTableCommand(paymentsTableInput(tableName)));
    },
    async scan(tableName) {
      const items: Record<string, AttributeValue>[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      return items;
    },
    async close() {
      client.destroy();
      await closeServer(server);
    },
  };
}

export interface S3Handle {
  readonly endpoint: string;
  readonly client: S3Client;
  /** Keys under a prefix, sorted. */
  list(bucket: string, prefix?: string): Promise<string[]>;
  getText(bucket: string, key: string): Promise<string>;
  close(): Promise<void>;
}

/** s3rver on 127.0.0.1 with `buckets` created, on a temporary directory removed by `close()`. */
export async function startS3(buckets: string[], region = 'us-east-1'): Promise<S3Handle> {
  const directory = mkdtempSync(join(tmpdir(), 'payments-s3-'));
  const S3rver = loadS3rver();
  const server = new S3rver({ address: LOOPBACK, port: 0, silent: true, directory, resetOnClose: true, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  const endpoint = `http://${LOOPBACK}:${port}`;
  const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
  return {
    endpoint,
    client,
    async list(bucket, prefix) {
      const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
    },
    async getText(bucket, key) {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await out.Body?.transformToString('utf8')) ?? '';
    },
    async close() {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
