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

/** Metric names, so dashboards and alarms can rely on them. */
export const METRIC = {
  paymentCommitted: 'PaymentCommitted',
  paymentReplayed: 'PaymentReplayed',
  paymentQueued: 'PaymentQueuedForRetry',
  paymentRejected: 'PaymentRejected',
  retryQueueFailed: 'RetryQueueSendFailed',
  transactionLogFailed: 'TransactionLogWriteFailed',
  transactionLogWritten: 'TransactionLogWritten',
  retryApplied: 'RetryApplied',
  retryFailed: 'RetryFailed',
  healthCheckFailed: 'HealthCheckFailed',
  error: 'Error',
} as const;

/** Publishes what an invocation recorded (no-op and no warning when nothing was recorded). */
export function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
