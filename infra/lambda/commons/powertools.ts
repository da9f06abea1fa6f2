/**
 * Powertools singletons shared by every handler (one instance per Lambda execution environment).
 * Powertools reads its own POWERTOOLS_* variables (log level, metrics disabling); the service name
 * and namespace default to the contract's values.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

export const SERVICE_NAME = 'payments';
export const METRICS_NAMESPACE = 'PaymentsDR';

export const logger = new Logger({ serviceName: SERVICE_NAME });

export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/**
 * Powertools disables the tracer by itself outside Lambda (no AWS_EXECUTION_ENV), so locally
 * `captureAWSv3Client` returns the client untouched and no X-Ray daemon is contacted.
 */
export const tracer = new Tracer({ serviceName: SERVICE_NAME });

/**
 * Metric names (namespace `PaymentsDR`, dimension `service=payments`), so dashboards and alarms can
 * rely on them. Count metrics unless noted.
 */
export const METRIC = {
  /** createPayment / retryProcessor: a payment item was written (the commit). */
  paymentCommitted: 'PaymentCommitted',
  /** createPayment: the local replica refused the write retryably and the peer region's replica committed it. */
  paymentCommittedInPeer: 'PaymentCommittedInPeerRegion',
  /** createPayment: same key and body as a committed (or pending) payment: the stored answer was returned. */
  paymentReplayed: 'PaymentReplayed',
  /** createPayment: neither replica accepted the write; the payment was queued (202 PENDING). Alarm: any. */
  paymentQueued: 'PaymentQueuedForRetry',
  /** createPayment: the request was refused with a 4xx. */
  paymentRejected: 'PaymentRejected',
  /** createPayment: a retry queue (own or peer region) refused the message. */
  retryQueueFailed: 'RetryQueueSendFailed',
  /** createPayment: neither region's queue accepted a payment; the client got 503 (nothing accepted). */
  paymentUnavailable: 'PaymentUnavailable',
  /** createPayment: a pending-payment marker could not be written in one region. */
  pendingMarkerFailed: 'PendingMarkerWriteFailed',
  /** transactionLogWriter (stream consumer): a committed payment's log record could not be written. */
  transactionLogFailed: 'TransactionLogWriteFailed',
  transactionLogWritten: 'TransactionLogWritten',
  /** retryProcessor: a queued payment is committed (or found committed with the same request). */
  retryApplied: 'RetryApplied',
  /** retryProcessor: a record failed retryably (SQS redelivers it; after maxReceiveCount the DLQ keeps it). Alarm: any. */
  retryFailed: 'RetryFailed',
  /** retryProcessor: a message it did not produce or that fails the API's validation (kept for the DLQ, never committed). Alarm: any. */
  retryMessageRejected: 'RetryMessageRejected',
  /** retryProcessor: a queued payment whose key holds a different committed request (kept for the DLQ, never overwritten). Alarm: any. */
  retryConflict: 'RetryPaymentConflict',
  /** health: the region answered 503 (cannot commit payments, or in maintenance). */
  healthCheckFailed: 'HealthCheckFailed',
  /** authorizer: a request was refused (missing, unknown, expired or wrong credential). */
  credentialRejected: 'CredentialRejected',
  error: 'Error',
} as const;

/** Publishes what an invocation recorded (no-op and no warning when nothing was recorded). */
export function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
