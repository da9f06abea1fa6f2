/**
 * Typed access to the two untyped engines the sandbox runs. Loaded through `require` with a narrow
 * interface here (rather than ambient `declare module` blocks) so nothing can collide with
 * declarations other modules of the repository may make for the same packages.
 */
import type { Server } from 'node:http';

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

/** Dummy credentials the sandbox gives the handlers (no sandbox endpoint verifies signatures). */
export const LOCAL_ACCESS_KEY_ID = 'sandbox';
export const LOCAL_SECRET_ACCESS_KEY = 'sandbox';

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
