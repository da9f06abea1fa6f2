/**
 * Powertools singletons shared by every handler (one instance per Lambda execution environment).
 * Powertools reads its own POWERTOOLS_* variables (log level, metrics disabling); the service name
 * and namespace are the service contract's (contract/observability.ts, which also names every metric).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../../contract/observability';

export { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../../../contract/observability';

export const logger = new Logger({ serviceName: SERVICE_NAME });

export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/**
 * Powertools disables the tracer by itself outside Lambda (no AWS_EXECUTION_ENV), so locally
 * `captureAWSv3Client` returns the client untouched and no X-Ray daemon is contacted.
 */
export const tracer = new Tracer({ serviceName: SERVICE_NAME });

/** Publishes what an invocation recorded (no-op and no warning when nothing was recorded). */
export function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
