/**
 * The one place that reads the environment.
 *
 * Handlers call these readers at module scope, so a misconfigured function fails at cold start
 * (an init error that the Lambda Errors alarm catches) instead of answering wrongly later.
 * Every reader names all the problems it finds in one ConfigError.
 * The stack (infra/components/region.ts) and the sandbox set these variables through one builder,
 * `functionEnvironment` of the service contract (contract/environment.ts); each reader below
 * documents the ones it reads.
 */
import { IDEMPOTENCY_TTL_SECONDS, MANUAL_FAILOVER_PARAMETER_KEY, PAYMENT_RULE_DEFAULTS, PENDING_PREFIX, PENDING_WINDOW_CACHE_MS, TRANSACTION_LOG_PREFIX } from '../../../contract/environment';

/** A read-only view of `process.env` (injectable for tests). */
export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid function configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** What a reader falls back to for an unset optional variable: the service contract's values. */
export const CONFIG_DEFAULTS = {
  transactionLogPrefix: TRANSACTION_LOG_PREFIX,
  idempotencyTtlSeconds: IDEMPOTENCY_TTL_SECONDS,
  maxAmountMinor: PAYMENT_RULE_DEFAULTS.maxAmountMinor,
  allowedCurrencies: PAYMENT_RULE_DEFAULTS.allowedCurrencies,
  pendingPrefix: PENDING_PREFIX,
} as const;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  required(name: string): string {
    const value = this.env[name]?.trim();
    if (!value) {
      this.problems.push(`${name} is required`);
      return '';
    }
    return value;
  }

  optional(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  positiveInt(name: string, fallback: number): number {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) <= 0) {
      this.problems.push(`${name} must be a positive integer, got "${value}"`);
      return fallback;
    }
    return Number(value);
  }

  done<T>(value: T): T {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
    return value;
  }
}

export interface CoreConfig {
  /** The function's region (Lambda sets AWS_REGION). */
  readonly region: string;
  /** The payments table (payment items, one per transaction, plus one health-probe item per region). */
  readonly tableName: string;
}

export function readCoreConfig(env: Env = process.env): CoreConfig {
  const r = new Reader(env);
  return r.done({ region: r.required('AWS_REGION'), tableName: r.required('TABLE_NAME') });
}

export interface PaymentRules {
  readonly maxAmountMinor: number;
  readonly allowedCurrencies: ReadonlySet<string>;
  readonly idempotencyTtlSeconds: number;
}

export function readPaymentRules(env: Env = process.env): PaymentRules {
  const r = new Reader(env);
  const currencies = (r.optional('ALLOWED_CURRENCIES') ?? CONFIG_DEFAULTS.allowedCurrencies.join(','))
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  for (const c of currencies) {
    if (!/^[A-Z]{3}$/.test(c)) r.problems.push(`ALLOWED_CURRENCIES must list ISO 4217 codes, got "${c}"`);
  }
  if (currencies.length === 0) r.problems.push('ALLOWED_CURRENCIES must name at least one currency');
  return r.done({
    maxAmountMinor: r.positiveInt('MAX_AMOUNT_MINOR', CONFIG_DEFAULTS.maxAmountMinor),
    allowedCurrencies: new Set(currencies),
    idempotencyTtlSeconds: r.positiveInt('IDEMPOTENCY_TTL_SECONDS', CONFIG_DEFAULTS.idempotencyTtlSeconds),
  });
}

export interface RetryQueueConfig {
  readonly retryQueueUrl: string;
}

export function readRetryQueueConfig(env: Env = process.env): RetryQueueConfig {
  const r = new Reader(env);
  return r.done({ retryQueueUrl: r.required('RETRY_QUEUE_URL') });
}

export interface TransactionLogConfig {
  readonly bucket: string;
  readonly prefix: string;
}

export function readTransactionLogConfig(env: Env = process.env): TransactionLogConfig {
  const r = new Reader(env);
  const bucket = r.required('TRANSACTION_LOG_BUCKET');
  let prefix = r.optional('TRANSACTION_LOG_PREFIX') ?? CONFIG_DEFAULTS.transactionLogPrefix;
  if (prefix.startsWith('/')) r.problems.push(`TRANSACTION_LOG_PREFIX must not start with "/", got "${prefix}"`);
  if (!prefix.endsWith('/')) prefix = `${prefix}/`;
  return r.done({ bucket, prefix });
}

export interface ManualFailoverConfig {
  /** SSM parameter holding the region's manual failover flag ("true" makes /health fail: Route 53 moves traffic away). */
  readonly parameterName: string;
}

/** MANUAL_FAILOVER_PARAMETER, else `<PARAMETER_PATH>manual-failover`. */
export function readManualFailoverConfig(env: Env = process.env): ManualFailoverConfig {
  const r = new Reader(env);
  const explicit = r.optional('MANUAL_FAILOVER_PARAMETER');
  const path = r.optional('PARAMETER_PATH');
  if (explicit === undefined && path === undefined) r.problems.push('MANUAL_FAILOVER_PARAMETER (or PARAMETER_PATH) is required');
  const parameterName = explicit ?? `${path ?? ''}${path?.endsWith('/') ? '' : '/'}${MANUAL_FAILOVER_PARAMETER_KEY}`;
  return r.done({ parameterName });
}

/**
 * The peer region: where createPayment commits when its own replica refuses the write, and where it
 * queues a payment (besides its own region) when neither replica accepts it.
 * - `PEER_REGION` (required by createPayment): the other replica region of the payments global table,
 *   e.g. `us-east-2` for the function in `us-east-1`. The table has the same name there (`TABLE_NAME`).
 * - `PEER_RETRY_QUEUE_URL` (required by createPayment): the peer region's retry queue URL.
 * - `PENDING_BUCKET` (required by createPayment and getPayment): this region's bucket for pending-payment
 *   markers (the stack uses the transaction-log bucket; markers live under `PENDING_PREFIX`).
 * - `PEER_PENDING_BUCKET` (required by createPayment and getPayment): the peer region's bucket for markers.
 * - `PENDING_PREFIX` (optional, default `pending/`): key prefix of the markers, `<prefix><transactionId>.json`.
 * - `PENDING_WINDOW_CACHE_MS` (optional, default PENDING_WINDOW_CACHE_MS of the contract): oldest cached
 *   copy of a pending window, ms, 1-60000. Local runs scale it with their time scale; the stack never sets it.
 * Local runs only (never set in AWS, where the SDK resolves each region's endpoint itself):
 * `PEER_ENDPOINT_URL_DYNAMODB`, `PEER_ENDPOINT_URL_SQS`, `PEER_ENDPOINT_URL_S3`.
 */
export interface PeerConfig {
  readonly peerRegion: string;
  readonly peerRetryQueueUrl: string;
  readonly pendingBucket: string;
  readonly peerPendingBucket: string;
  readonly pendingPrefix: string;
  /** Oldest cached copy of a pending window, ms. */
  readonly pendingWindowCacheMs: number;
  /** Local endpoint overrides for the peer region's clients (empty in AWS). */
  readonly peerEndpoints: Readonly<Partial<Record<'dynamodb' | 'sqs' | 's3', string>>>;
}

export function readPeerConfig(env: Env = process.env): PeerConfig {
  const r = new Reader(env);
  const peerRegion = r.required('PEER_REGION');
  if (peerRegion !== '' && peerRegion === env.AWS_REGION?.trim()) r.problems.push(`PEER_REGION must differ from AWS_REGION, got "${peerRegion}"`);
  let pendingPrefix = r.optional('PENDING_PREFIX') ?? CONFIG_DEFAULTS.pendingPrefix;
  if (pendingPrefix.startsWith('/')) r.problems.push(`PENDING_PREFIX must not start with "/", got "${pendingPrefix}"`);
  if (!pendingPrefix.endsWith('/')) pendingPrefix = `${pendingPrefix}/`;
  const rawCache = r.optional('PENDING_WINDOW_CACHE_MS');
  const pendingWindowCacheMs = rawCache === undefined ? PENDING_WINDOW_CACHE_MS : Number(rawCache);
  if (!Number.isInteger(pendingWindowCacheMs) || pendingWindowCacheMs < 1 || pendingWindowCacheMs > 60_000) {
    r.problems.push(`PENDING_WINDOW_CACHE_MS must be an integer 1-60000, got "${rawCache}"`);
  }
  const peerEndpoints: Partial<Record<'dynamodb' | 'sqs' | 's3', string>> = {};
  for (const service of ['dynamodb', 'sqs', 's3'] as const) {
    const name = `PEER_ENDPOINT_URL_${service.toUpperCase()}`;
    const value = r.optional(name);
    if (value === undefined) continue;
    if (!/^https?:\/\/[^\s]+$/.test(value)) r.problems.push(`${name} must be an http(s) URL, got "${value}"`);
    peerEndpoints[service] = value;
  }
  return r.done({
    peerRegion,
    peerRetryQueueUrl: r.required('PEER_RETRY_QUEUE_URL'),
    pendingBucket: r.required('PENDING_BUCKET'),
    peerPendingBucket: r.required('PEER_PENDING_BUCKET'),
    pendingPrefix,
    pendingWindowCacheMs,
    peerEndpoints,
  });
}

/**
 * The merchant credentials global table the authorizer reads (`CREDENTIALS_TABLE_NAME`, required by
 * the authorizer): one item per credential, `pk = CREDENTIAL#<keyId>`, holding only the SHA-256 of
 * the secret (see commons/credentials.ts). Same name in every replica region.
 */
export interface CredentialsConfig {
  readonly region: string;
  readonly credentialsTableName: string;
}

export function readCredentialsConfig(env: Env = process.env): CredentialsConfig {
  const r = new Reader(env);
  return r.done({ region: r.required('AWS_REGION'), credentialsTableName: r.required('CREDENTIALS_TABLE_NAME') });
}

export type ServiceName = 'dynamodb' | 's3' | 'sqs' | 'ssm';

export interface ClientEnvironment {
  /** S3_FORCE_PATH_STYLE=true: path-style S3 addressing (local S3 servers such as s3rver). Never set in AWS. */
  readonly s3ForcePathStyle: boolean;
  /**
   * Local endpoint overrides (AWS_ENDPOINT_URL_<SERVICE>), never set in AWS. The SDK would read them
   * itself, but lazily at the first request; reading them here, with the rest of the configuration,
   * pins each client to the endpoints its execution environment started with.
   */
  readonly endpoints: Readonly<Partial<Record<ServiceName, string>>>;
}

export function readClientEnvironment(env: Env = process.env): ClientEnvironment {
  const r = new Reader(env);
  const raw = r.optional('S3_FORCE_PATH_STYLE');
  if (raw !== undefined && raw !== 'true' && raw !== 'false') r.problems.push(`S3_FORCE_PATH_STYLE must be true or false, got "${raw}"`);
  const endpoints: Partial<Record<ServiceName, string>> = {};
  for (const service of ['dynamodb', 's3', 'sqs', 'ssm'] as const) {
    const name = `AWS_ENDPOINT_URL_${service.toUpperCase()}`;
    const value = r.optional(name) ?? r.optional('AWS_ENDPOINT_URL');
    if (value === undefined) continue;
    if (!/^https?:\/\/[^\s]+$/.test(value)) r.problems.push(`${name} must be an http(s) URL, got "${value}"`);
    endpoints[service] = value;
  }
  return r.done({ s3ForcePathStyle: raw === 'true', endpoints });
}
