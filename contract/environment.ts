/**
 * The functions' environment: every variable the handlers read (infra/lambda/commons/config.ts
 * parses them at cold start) and the one builder that sets them. The stack
 * (infra/components/region.ts) and the sandbox (sandbox/sandbox.ts, sandbox/region.ts) both call
 * `functionEnvironment`, so a variable added here reaches both, and a variable the handlers read
 * but nobody sets fails the cold start with a ConfigError naming it.
 *
 * Values are generic (`T`): the stack passes Pulumi outputs, the sandbox plain strings.
 */
import { LOG_LEVEL, METRICS_NAMESPACE, SERVICE_NAME } from './observability';

/** Key prefix of transaction-log objects in each region's bucket: `transactions/<region>/...`. */
export const TRANSACTION_LOG_PREFIX = 'transactions/';
/** Key prefix of pending-payment markers in the same bucket: `pending/<transactionId>.json`. */
export const PENDING_PREFIX = 'pending/';
/**
 * The key of a region's pending window in the markers' bucket (infra/lambda/commons/pendingWindow.ts):
 * outside `PENDING_PREFIX`, so a role that reads markers cannot read it, and the markers' lifecycle
 * rule does not expire it.
 */
export const PENDING_WINDOW_KEY = 'pending-window.json';
/**
 * Oldest copy of a region's pending window (`PENDING_WINDOW_KEY`) createPayment decides on,
 * ms: each execution environment reads both regions' windows at most once per this period, and a
 * payment that opens a window is answered 202 only this long after it opened. Local runs scale it
 * with `PENDING_WINDOW_CACHE_MS` (never set by the stack).
 */
export const PENDING_WINDOW_CACHE_MS = 3_000;
/**
 * Seconds an idempotency answer is kept for a replay of the same key (one day: longer than any
 * client's retry window, including a retry in the DR region after a failover).
 */
export const IDEMPOTENCY_TTL_SECONDS = 86_400;

/**
 * The request rules' defaults: the stack settings `maxAmountMinor` / `allowedCurrencies`
 * (infra/settings.ts) default to these, and the handlers fall back to them.
 */
export const PAYMENT_RULE_DEFAULTS = {
  /** Largest accepted payment, minor units (1,000,000.00). */
  maxAmountMinor: 100_000_000,
  /** ISO 4217 currencies accepted. */
  allowedCurrencies: ['USD', 'EUR', 'GBP'] as readonly string[],
} as const;

/**
 * The last segment of a region's manual failover flag (SSM String parameter, `true`/`false`):
 * `true` makes that region's `/health` answer 503 on purpose, so Route 53 moves traffic away.
 */
export const MANUAL_FAILOVER_PARAMETER_KEY = 'manual-failover';

/** The manual failover flag's full name under a region's parameter path (`/payments-dr/<suffix>/<region>/`). */
export function manualFailoverParameterName(parameterPath: string): string {
  return `${parameterPath}${parameterPath.endsWith('/') ? '' : '/'}${MANUAL_FAILOVER_PARAMETER_KEY}`;
}

/** What the functions of one region are wired to. Plain strings where the name is computed from the region. */
export interface FunctionResources<T> {
  /** The payments global table (same name in every region). `TABLE_NAME`. */
  tableName: T;
  /** This region's retry queue URL. `RETRY_QUEUE_URL`. */
  retryQueueUrl: T;
  /** This region's transaction-log bucket (also holds pending markers). `TRANSACTION_LOG_BUCKET`, `PENDING_BUCKET`. */
  bucket: T;
  /** The other replica region. `PEER_REGION`. */
  peerRegion: string;
  /** The peer region's retry queue URL. `PEER_RETRY_QUEUE_URL`. */
  peerRetryQueueUrl: T;
  /** The peer region's transaction-log bucket. `PEER_PENDING_BUCKET`. */
  peerBucket: T;
  /** The merchant-credentials global table. `CREDENTIALS_TABLE_NAME`. */
  credentialsTableName: T;
  /** This region's SSM parameter path, trailing slash. `PARAMETER_PATH`, and `MANUAL_FAILOVER_PARAMETER` under it. */
  parameterPath: string;
}

/** The request rules the stack settings choose. */
export interface PaymentRules {
  /** Largest accepted payment, minor units. */
  maxAmountMinor: number;
  /** ISO 4217 codes. */
  allowedCurrencies: readonly string[];
}

/** Every variable the stack sets on every function (Lambda adds AWS_REGION itself). */
export type FunctionEnvironment<T> = Record<
  | 'TABLE_NAME'
  | 'RETRY_QUEUE_URL'
  | 'TRANSACTION_LOG_BUCKET'
  | 'TRANSACTION_LOG_PREFIX'
  | 'PEER_REGION'
  | 'PEER_RETRY_QUEUE_URL'
  | 'PENDING_BUCKET'
  | 'PEER_PENDING_BUCKET'
  | 'PENDING_PREFIX'
  | 'CREDENTIALS_TABLE_NAME'
  | 'MANUAL_FAILOVER_PARAMETER'
  | 'PARAMETER_PATH'
  | 'MAX_AMOUNT_MINOR'
  | 'ALLOWED_CURRENCIES'
  | 'IDEMPOTENCY_TTL_SECONDS'
  | 'POWERTOOLS_SERVICE_NAME'
  | 'POWERTOOLS_METRICS_NAMESPACE'
  | 'POWERTOOLS_LOG_LEVEL',
  T | string
>;

/** The variables that depend only on the stack settings (the same in both regions). */
export function serviceEnvironment(rules: PaymentRules): Record<string, string> {
  return {
    TRANSACTION_LOG_PREFIX,
    PENDING_PREFIX,
    MAX_AMOUNT_MINOR: String(rules.maxAmountMinor),
    ALLOWED_CURRENCIES: rules.allowedCurrencies.join(','),
    IDEMPOTENCY_TTL_SECONDS: String(IDEMPOTENCY_TTL_SECONDS),
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: LOG_LEVEL,
  };
}

/** The variables that name this region's and the peer region's resources. */
export function resourceEnvironment<T>(r: FunctionResources<T>): Record<string, T | string> {
  return {
    TABLE_NAME: r.tableName,
    RETRY_QUEUE_URL: r.retryQueueUrl,
    TRANSACTION_LOG_BUCKET: r.bucket,
    PEER_REGION: r.peerRegion,
    PEER_RETRY_QUEUE_URL: r.peerRetryQueueUrl,
    PENDING_BUCKET: r.bucket,
    PEER_PENDING_BUCKET: r.peerBucket,
    CREDENTIALS_TABLE_NAME: r.credentialsTableName,
    MANUAL_FAILOVER_PARAMETER: manualFailoverParameterName(r.parameterPath),
    PARAMETER_PATH: r.parameterPath,
  };
}

/** The whole environment of one region's functions. */
export function functionEnvironment<T>(resources: FunctionResources<T>, rules: PaymentRules): FunctionEnvironment<T> {
  return { ...resourceEnvironment(resources), ...serviceEnvironment(rules) } as FunctionEnvironment<T>;
}
