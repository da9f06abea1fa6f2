/** Environment save/restore for tests, and the handler environment for one emulated region. */
import { resolve } from 'node:path';
import { LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY } from './engines';

export function saveEnv(): () => void {
  const saved = { ...process.env };
  return () => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  };
}

export interface RegionEnv {
  region: string;
  tableName: string;
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  /** Default: unreachable (a test that reads no parameter needs no SSM). */
  ssmEndpoint?: string;
  s3Endpoint: string;
  bucket: string;
  retryQueueUrl?: string;
  manualFailoverParameter?: string;
  credentialsTableName?: string;
  /** The other region (peer replica, peer retry queue, peer bucket); default: an unreachable one. */
  peer?: { region: string; dynamodbEndpoint: string; sqsEndpoint: string; s3Endpoint: string; bucket: string; retryQueueUrl: string };
}

/** A peer that refuses connections at once (port 9, discard): every call to it fails retryably. */
export const UNREACHABLE_PEER = {
  region: 'us-west-2',
  dynamodbEndpoint: 'http://127.0.0.1:9',
  sqsEndpoint: 'http://127.0.0.1:9',
  s3Endpoint: 'http://127.0.0.1:9',
  bucket: 'txlog-unreachable',
  retryQueueUrl: 'http://127.0.0.1:9/000000000000/payments-retry-us-west-2',
} as const;

/** Sets what the stack (or the sandbox) sets on the functions of one region. */
export function applyRegionEnv(r: RegionEnv): void {
  const peer = r.peer ?? UNREACHABLE_PEER;
  Object.assign(process.env, {
    PEER_REGION: peer.region,
    PEER_RETRY_QUEUE_URL: peer.retryQueueUrl,
    PENDING_BUCKET: r.bucket,
    PEER_PENDING_BUCKET: peer.bucket,
    PENDING_PREFIX: 'pending/',
    PEER_ENDPOINT_URL_DYNAMODB: peer.dynamodbEndpoint,
    PEER_ENDPOINT_URL_SQS: peer.sqsEndpoint,
    PEER_ENDPOINT_URL_S3: peer.s3Endpoint,
    CREDENTIALS_TABLE_NAME: r.credentialsTableName ?? 'merchant-credentials-test',
    AWS_REGION: r.region,
    // No local endpoint verifies signatures (engines.ts).
    AWS_ACCESS_KEY_ID: LOCAL_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: LOCAL_SECRET_ACCESS_KEY,
    TABLE_NAME: r.tableName,
    RETRY_QUEUE_URL: r.retryQueueUrl ?? `${r.sqsEndpoint}/000000000000/payments-retry-${r.region}`,
    TRANSACTION_LOG_BUCKET: r.bucket,
    TRANSACTION_LOG_PREFIX: 'transactions/',
    MANUAL_FAILOVER_PARAMETER: r.manualFailoverParameter ?? `/payments-dr/test/${r.region}/manual-failover`,
    PARAMETER_PATH: `/payments-dr/test/${r.region}/`,
    MAX_AMOUNT_MINOR: '100000000',
    ALLOWED_CURRENCIES: 'USD,EUR,GBP',
    IDEMPOTENCY_TTL_SECONDS: '3600',
    POWERTOOLS_SERVICE_NAME: 'payments',
    POWERTOOLS_METRICS_NAMESPACE: 'PaymentsDR',
    POWERTOOLS_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_ENDPOINT_URL_DYNAMODB: r.dynamodbEndpoint,
    AWS_ENDPOINT_URL_SQS: r.sqsEndpoint,
    AWS_ENDPOINT_URL_SSM: r.ssmEndpoint ?? UNREACHABLE_PEER.sqsEndpoint,
    AWS_ENDPOINT_URL_S3: r.s3Endpoint,
    S3_FORCE_PATH_STYLE: 'true',
  });
}

/** The Lambda code's root folder (infra/lambda/). */
const LAMBDA_ROOT = resolve(__dirname, '..', 'infra', 'lambda');

/**
 * Loads a fresh copy of a handler module, as a new Lambda execution environment would: its module
 * scope (config, clients) re-reads the current environment. Used to run "the other region".
 * `modulePath` is relative to a folder directly under infra/lambda/, as a handler test names its
 * siblings (`'../handlers/createPayment'`).
 */
export function loadFresh<T>(modulePath: string): T {
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(LAMBDA_ROOT)) delete require.cache[key];
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(resolve(LAMBDA_ROOT, 'handlers', modulePath)) as T;
}
