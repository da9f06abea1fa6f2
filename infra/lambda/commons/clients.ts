/**
 * AWS SDK v3 client factories. Handlers call them once at module scope, so connections (keep-alive)
 * are reused across invocations. Every client has bounded connect/request timeouts and attempts:
 * API Gateway gives up after 29 s and Route 53's checker 2 s after connecting, so no call may hang.
 * Local endpoints (AWS_ENDPOINT_URL_<SERVICE>, never set in AWS) come through config.ts, read once.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { readClientEnvironment, type ClientEnvironment } from './config';
import { tracer } from './powertools';

export interface ClientTuning {
  /** TCP connect timeout, ms. */
  readonly connectionTimeoutMs: number;
  /** Per-attempt limit on request + response, ms (a TimeoutError, which is retryable). */
  readonly requestTimeoutMs: number;
  /** Attempts including the first (the SDK's standard retry mode backs off between them). */
  readonly maxAttempts: number;
}

/**
 * The request path: a few fast attempts on this region's replica, then the peer region's replica,
 * then the pending path. DynamoDB answers in milliseconds, so 1 s per attempt is generous; one
 * retry per replica (the peer is the better second chance than a third attempt on a throttled
 * replica). Worst case when everything hangs: local 2 x ~1.1 s + peer 2 x ~1.1 s + markers
 * ~1.5 s + pending windows ~1.4 s + the window's visibility wait (PENDING_WINDOW_CACHE_MS, 3 s) +
 * the committed-payment check (local, then peer: ~4.4 s) + queues ~1.5 s, about 16 s, inside
 * createPayment's 20 s function timeout (and API Gateway's 29 s).
 */
export const REQUEST_PATH_TUNING: ClientTuning = { connectionTimeoutMs: 500, requestTimeoutMs: 1_000, maxAttempts: 2 };
/** The peer region's replica on the request path: already the fallback, so one retry only. */
export const PEER_REQUEST_PATH_TUNING: ClientTuning = { connectionTimeoutMs: 500, requestTimeoutMs: 1_000, maxAttempts: 2 };
/** The retry queues on the request path: the last fallback, so one retry only. */
export const REQUEST_PATH_QUEUE_TUNING: ClientTuning = { connectionTimeoutMs: 500, requestTimeoutMs: 1_000, maxAttempts: 2 };
/**
 * The health check: Route 53's HTTPS checker fails a check that does not answer within 2 s once
 * connected, so each dependency gets one attempt of at most 700 ms (the handler also caps each
 * check at HEALTH_CHECK_BUDGET_MS), leaving room for API Gateway and Lambda overhead.
 */
export const HEALTH_CHECK_TUNING: ClientTuning = { connectionTimeoutMs: 300, requestTimeoutMs: 700, maxAttempts: 1 };
/**
 * S3 on the request path: pending-payment markers and pending windows. On the success path only the
 * windows' cached reads (one per region per PENDING_WINDOW_CACHE_MS per execution environment) and,
 * while a window is open, the key's markers.
 */
export const PENDING_MARKER_TUNING: ClientTuning = { connectionTimeoutMs: 500, requestTimeoutMs: 1_000, maxAttempts: 2 };
/**
 * Pending-marker reads on GET's not-found path: nothing to fall back to, so a little more patience
 * (a slow answer is better than a 503 for a payment that may be pending).
 */
export const MARKER_READ_TUNING: ClientTuning = { connectionTimeoutMs: 1_000, requestTimeoutMs: 2_000, maxAttempts: 2 };
/** Transaction-log writes (S3). */
export const TRANSACTION_LOG_TUNING: ClientTuning = { connectionTimeoutMs: 500, requestTimeoutMs: 1_000, maxAttempts: 2 };
/** The retry processor has no client waiting; SQS redelivers what fails. */
export const BACKGROUND_TUNING: ClientTuning = { connectionTimeoutMs: 2_000, requestTimeoutMs: 5_000, maxAttempts: 3 };

function common(region: string, tuning: ClientTuning, endpoint: string | undefined) {
  return {
    region,
    ...(endpoint === undefined ? {} : { endpoint }),
    maxAttempts: tuning.maxAttempts,
    // Resolve each command's middleware stack once, not on every call (the stack never changes after construction).
    cacheMiddleware: true,
    requestHandler: {
      connectionTimeout: tuning.connectionTimeoutMs,
      requestTimeout: tuning.requestTimeoutMs,
      // Without this the SDK only logs a warning when requestTimeout passes, and keeps waiting.
      throwOnRequestTimeout: true,
    },
  };
}

export function createDynamoDbClient(region: string, tuning: ClientTuning = REQUEST_PATH_TUNING, env: ClientEnvironment = readClientEnvironment()): DynamoDBClient {
  // Regional endpoints only (no account-ID endpoint resolution): one less lookup per call.
  return tracer.captureAWSv3Client(new DynamoDBClient({ ...common(region, tuning, env.endpoints.dynamodb), accountIdEndpointMode: 'disabled' }));
}

export function createSqsClient(region: string, tuning: ClientTuning = REQUEST_PATH_TUNING, env: ClientEnvironment = readClientEnvironment()): SQSClient {
  return tracer.captureAWSv3Client(new SQSClient(common(region, tuning, env.endpoints.sqs)));
}

export function createSsmClient(region: string, tuning: ClientTuning = HEALTH_CHECK_TUNING, env: ClientEnvironment = readClientEnvironment()): SSMClient {
  return tracer.captureAWSv3Client(new SSMClient(common(region, tuning, env.endpoints.ssm)));
}

/** S3 client; S3_FORCE_PATH_STYLE=true switches to path-style addressing for local S3 servers. */
export function createS3Client(region: string, tuning: ClientTuning = PENDING_MARKER_TUNING, env: ClientEnvironment = readClientEnvironment()): S3Client {
  return tracer.captureAWSv3Client(
    new S3Client({
      ...common(region, tuning, env.endpoints.s3),
      forcePathStyle: env.s3ForcePathStyle,
      // The log objects are small JSON over TLS; checksums only where S3 requires them, no S3 Express.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      disableS3ExpressSessionAuth: true,
    }),
  );
}
