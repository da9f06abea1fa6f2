/**
 * The retry queue's consumer (SQS event source with ReportBatchItemFailures): commits payments that
 * createPayment queued (202 PENDING) because no replica accepted the write. Both regions' queues
 * hold each such payment, so either region's processor commits it, whichever region accepted it.
 *
 * What committing one queued payment means (validation, conditional write, marker check) is
 * payments/retry.ts; this adapter classifies each record's failure: a message it did not produce
 * (metric RetryMessageRejected, reason logged, never committed), a conflict with a stored or pending
 * payment (metric RetryPaymentConflict), anything else retryable (metric RetryFailed).
 *
 * A failed record is reported in `batchItemFailures`; SQS redelivers it and, after the queue's
 * maxReceiveCount, the dead-letter queue keeps it (listed and redriven with the runbook's command).
 * A payment failing its last attempt keeps this region's pending window open for as long as the DLQ
 * keeps it (DLQ_RETENTION_SECONDS), so its key stays guarded while it waits for a redrive
 * (commons/pendingWindow.ts). `ApproximateReceiveCount` is the receive count SQS compares with
 * maxReceiveCount: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { BACKGROUND_TUNING, createDynamoDbClient, createS3Client } from '../commons/clients';
import { readCoreConfig, readPaymentRules, readPeerConfig } from '../commons/config';
import { ConflictingPaymentError, describeError } from '../commons/errors';
import { PendingMarkers } from '../commons/pendingMarkers';
import { PendingWindow } from '../commons/pendingWindow';
import { DLQ_RETENTION_SECONDS, RETRY_QUEUE } from '../../../contract/queues';
import { instrumented } from '../commons/instrumentation';
import { logger, METRIC, metrics } from '../commons/powertools';
import { PaymentRepository } from '../commons/repository';
import { InvalidRetryMessageError } from '../commons/retryQueue';
import { commitQueuedPayment } from '../payments/retry';

const core = readCoreConfig();
const rules = readPaymentRules();
const peer = readPeerConfig();
const repository = new PaymentRepository(createDynamoDbClient(core.region, BACKGROUND_TUNING), core.tableName);
const s3 = createS3Client(core.region, BACKGROUND_TUNING);
const markers = new PendingMarkers(s3, peer.pendingBucket, peer.pendingPrefix);
const pendingWindow = new PendingWindow(s3, peer.pendingBucket);

/** Budget of one pending-window call, ms. */
const WINDOW_CALL_BUDGET_MS = 5_000;

/** A payment failed its last attempt: keep this region's window open while the DLQ keeps it. */
async function guardWhileParked(record: SQSRecord): Promise<void> {
  if (Number(record.attributes?.ApproximateReceiveCount) < RETRY_QUEUE.maxReceiveCount) return;
  try {
    await pendingWindow.open(Date.now() + DLQ_RETENTION_SECONDS * 1000, peer.pendingWindowCacheMs, WINDOW_CALL_BUDGET_MS);
  } catch (error) {
    metrics.addMetric(METRIC.pendingWindowFailed, MetricUnit.Count, 1);
    logger.error('pending window not extended for a payment going to the DLQ', { messageId: record.messageId, ...describeError(error) });
  }
}

export { MARKER_READ_TIMEOUT_MS } from '../payments/retry';

async function processRecord(record: SQSRecord): Promise<void> {
  try {
    const { created, item } = await commitQueuedPayment(record.body, rules, { replica: repository, markers });
    if (created) metrics.addMetric(METRIC.paymentCommitted, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.retryApplied, MetricUnit.Count, 1);
    logger.info(created ? 'queued payment committed' : 'queued payment was already committed', { transactionId: item.transactionId, messageId: record.messageId });
  } catch (error) {
    const receiveCount = record.attributes?.ApproximateReceiveCount;
    if (error instanceof InvalidRetryMessageError) {
      metrics.addMetric(METRIC.retryMessageRejected, MetricUnit.Count, 1);
      logger.error('retry message refused; never committed (the DLQ keeps it)', { messageId: record.messageId, receiveCount, reason: error.reason });
    } else if (error instanceof ConflictingPaymentError) {
      metrics.addMetric(METRIC.retryConflict, MetricUnit.Count, 1);
      logger.error('queued payment conflicts with a stored or pending one; never overwritten (the DLQ keeps it)', { messageId: record.messageId, receiveCount, transactionId: error.transactionId });
    } else {
      metrics.addMetric(METRIC.retryFailed, MetricUnit.Count, 1);
      logger.warn('retry record failed; SQS will redeliver it (then the DLQ keeps it)', { messageId: record.messageId, receiveCount, ...describeError(error) });
      await guardWhileParked(record);
    }
    throw error;
  }
}

export const handler = instrumented('retryProcessor', async (event: SQSEvent, context: Context | undefined): Promise<SQSBatchResponse> => {
  // A processor per batch: it holds the batch's results, and a local host (the sandbox) may run
  // batches concurrently in one process, which Lambda never does.
  const processor = new BatchProcessor(EventType.SQS);
  return processPartialResponse(event, processRecord, processor, { context, throwOnFullBatchFailure: false });
});
