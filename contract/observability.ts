/**
 * Logs and metrics: the names the handlers publish under and the alarms and dashboards rely on.
 * Powertools for AWS Lambda reads POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE and
 * POWERTOOLS_LOG_LEVEL from the environment (environment.ts sets them from here) and publishes
 * metrics in CloudWatch Embedded Metric Format with the dimension `service=<service name>`.
 * https://docs.powertools.aws.dev/lambda/typescript/latest/core/metrics/
 */

/** Powertools' service name: the `service` key of every log line and the metrics' only dimension. */
export const SERVICE_NAME = 'payments';
/** CloudWatch namespace of the handlers' own metrics. */
export const METRICS_NAMESPACE = 'PaymentsDR';
/** The dimensions every handler metric carries (Powertools adds `service`). */
export const METRIC_DIMENSIONS = { service: SERVICE_NAME } as const;
/** Log level of the deployed functions. Payment bodies are never logged at any level. */
export const LOG_LEVEL = 'INFO';

/**
 * Metric names (namespace `PaymentsDR`, dimension `service=payments`), so dashboards and alarms can
 * rely on them. Count metrics. "Alarm: any" marks the ones an alarm fires on at the first occurrence
 * (infra/components/paymentAlarms.ts).
 */
export const METRIC = {
  /** createPayment / retryProcessor: a payment item was written (the commit). */
  paymentCommitted: 'PaymentCommitted',
  /** createPayment: the local replica refused the write retryably and the peer region's replica committed it. Alarm: any. */
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
  /** createPayment, retryProcessor: a region's pending window could not be opened or extended. */
  pendingWindowFailed: 'PendingWindowWriteFailed',
  /** transactionLogWriter (stream consumer): a batch of committed payments could not be written to the log. Alarm: any. */
  transactionLogFailed: 'TransactionLogWriteFailed',
  /** transactionLogWriter: payments written to the log. */
  transactionLogWritten: 'TransactionLogWritten',
  /** transactionLogWriter: a committed payment was overwritten or removed (eventual mode); both versions kept. Alarm: any. */
  paymentConflictDetected: 'PaymentConflictDetected',
  /** retryProcessor: a queued payment is committed (or found committed with the same request). */
  retryApplied: 'RetryApplied',
  /** retryProcessor: a record failed retryably (SQS redelivers it; after maxReceiveCount the DLQ keeps it). Alarm: any. */
  retryFailed: 'RetryFailed',
  /** retryProcessor: a message it did not produce or that fails the API's validation (kept for the DLQ, never committed). */
  retryMessageRejected: 'RetryMessageRejected',
  /** retryProcessor: a queued payment whose key holds a different committed request (kept for the DLQ, never overwritten). */
  retryConflict: 'RetryPaymentConflict',
  /** health: the region answered 503 (cannot commit payments, or its manual failover flag is set). */
  healthCheckFailed: 'HealthCheckFailed',
  /** authorizer: a request was refused (missing, unknown, expired or wrong credential). */
  credentialRejected: 'CredentialRejected',
  /** Any handler: an unexpected error (the Lambda Errors alarm also catches unhandled ones). */
  error: 'Error',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];
