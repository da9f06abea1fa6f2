/**
 * The retry queue, its dead-letter queue and the event source mappings that feed the functions:
 * the settings the stack deploys and the sandbox emulates.
 */
import { HANDLER_SIZING } from './handlers';

/**
 * Visibility timeout per second of the consumer's timeout: AWS Lambda's guidance for SQS event
 * sources is at least 6x the function timeout, so a batch whose invocation is retried after
 * throttling is not redelivered while still in flight.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#events-sqs-queueconfig
 */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** Visibility timeout (seconds) of a queue a Lambda function with `consumerTimeoutSeconds` consumes. */
export function visibilityTimeoutFor(consumerTimeoutSeconds: number): number {
  if (!Number.isInteger(consumerTimeoutSeconds) || consumerTimeoutSeconds < 1 || consumerTimeoutSeconds > 900) {
    throw new RangeError(`a Lambda consumer's timeout must be 1-900 s, got ${consumerTimeoutSeconds}`);
  }
  return VISIBILITY_TIMEOUT_FACTOR * consumerTimeoutSeconds;
}

/** Visibility timeout (seconds) of a queue only operators read (no Lambda consumer). */
export const OPERATOR_QUEUE_VISIBILITY_TIMEOUT_SECONDS = 180;

/** 14 days, the SQS maximum: an operator always has two weeks to redrive. */
export const DLQ_RETENTION_SECONDS = 14 * 24 * 60 * 60;

/** The regional retry queue (payments answered 202 PENDING) and its event source mapping. */
export const RETRY_QUEUE = {
  /** Its consumer's timeout, seconds (the retry processor's). */
  consumerTimeoutSeconds: HANDLER_SIZING.retryProcessor.timeout,
  /** Visibility timeout, seconds: `VISIBILITY_TIMEOUT_FACTOR` x the consumer's timeout. */
  visibilityTimeoutSeconds: visibilityTimeoutFor(HANDLER_SIZING.retryProcessor.timeout),
  /** Receives before a message moves to the DLQ. */
  maxReceiveCount: 5,
  /** Retention of the retry queue, seconds (4 days, SQS's default). */
  messageRetentionSeconds: 345_600,
  /** Messages per invocation of the retry processor. */
  batchSize: 10,
  /** Seconds the mapping waits to fill a batch. */
  maximumBatchingWindowInSeconds: 1,
  /**
   * Most concurrent invocations per region (ScalingConfig; SQS accepts 2-1000): a backlog drains at
   * this pace instead of taking the account's concurrency from the API and /health.
   * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html#events-sqs-max-concurrency
   */
  maximumConcurrency: 5,
} as const;

/**
 * How long a 202 PENDING keeps the pending windows open, seconds: the retry queue's redelivery budget
 * (visibility timeout x maxReceiveCount, after which SQS moves the message to the DLQ) plus five
 * minutes. The retry processor extends its region's window to DLQ_RETENTION_SECONDS when a payment
 * fails its last attempt, so a payment parked in the DLQ stays guarded until it expires there.
 */
export const PENDING_WINDOW_OPEN_SECONDS = RETRY_QUEUE.visibilityTimeoutSeconds * RETRY_QUEUE.maxReceiveCount + 300;

/**
 * The transaction-log stream's event source mapping (DynamoDB Streams -> transactionLogWriter).
 * Limits: batch size up to 10,000, batching window up to 300 s, retries -1 or 0-10,000, record age
 * -1 or 60-604,800 s.
 * https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
 */
export const TRANSACTION_LOG_STREAM = {
  batchSize: 10_000,
  maximumBatchingWindowInSeconds: 300,
  maximumRetryAttempts: 10_000,
  maximumRecordAgeInSeconds: 86_400,
  startingPosition: 'TRIM_HORIZON',
} as const;
