/** Environment save/restore for tests, and the handler environment for one emulated region. */
import { resolve } from 'node:path';
import { functionEnvironment } from '../contract/environment';
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

/** The request rules the handler tests run with (a wider currency list than the committed stacks'). */
export const TEST_PAYMENT_RULES = { maxAmountMinor: 100_000_000, allowedCurrencies: ['USD', 'EUR', 'GBP'] } as const;

/**
 * Sets what the stack (or the sandbox) sets on the functions of one region: the contract's
 * environment (contract/environment.ts functionEnvironment, the one builder the stack and the
 * sandbox use), plus the local endpoints, keys and test logging.
 */
export function applyRegionEnv(r: RegionEnv): void {
  const peer = r.peer ?? UNREACHABLE_PEER;
  const parameterPath = `/payments-dr/test/${r.region}/`;
  const contract = functionEnvironment(
    {
      tableName: r.tableName,
      retryQueueUrl: r.retryQueueUrl ?? `${r.sqsEndpoint}/000000000000/payments-retry-${r.region}`,
      bucket: r.bucket,
      peerRegion: peer.region,
      peerRetryQueueUrl: peer.retryQueueUrl,
      peerBucket: peer.bucket,
      credentialsTableName: r.credentialsTableName ?? 'merchant-credentials-test',
      parameterPath,
    },
    { maxAmountMinor: TEST_PAYMENT_RULES.maxAmountMinor, allowedCurrencies: [...TEST_PAYMENT_RULES.allowedCurrencies] },
  );
  Object.assign(process.env, {
    ...contract,
    ...(r.manualFailoverParameter === undefined ? {} : { MANUAL_FAILOVER_PARAMETER: r.manualFailoverParameter }),
    AWS_REGION: r.region,
    // No local endpoint verifies signatures (engines.ts).
    AWS_ACCESS_KEY_ID: LOCAL_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: LOCAL_SECRET_ACCESS_KEY,
    POWERTOOLS_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    PEER_ENDPOINT_URL_DYNAMODB: peer.dynamodbEndpoint,
    PEER_ENDPOINT_URL_SQS: peer.sqsEndpoint,
    PEER_ENDPOINT_URL_S3: peer.s3Endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: r.dynamodbEndpoint,
    AWS_ENDPOINT_URL_SQS: r.sqsEndpoint,
    AWS_ENDPOINT_URL_SSM: r.ssmEndpoint ?? UNREACHABLE_PEER.sqsEndpoint,
    AWS_ENDPOINT_URL_S3: r.s3Endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    // The pending window's cache, and the wait before a window-opening 202, at test speed.
    PENDING_WINDOW_CACHE_MS: '50',
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
