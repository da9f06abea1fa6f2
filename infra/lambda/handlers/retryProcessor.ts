/**
 * The retry queue's consumer (SQS event source with ReportBatchItemFailures).
 * - `payment`: applies the queued payment with the same conditional write as the API; an existing
 *   identical item (committed meanwhile, here or replicated from the other region) counts as
 *   success, so redelivery never duplicates. Then writes its transaction-log object.
 * - `transaction-log`: (re-)writes the transaction-log object of a committed payment.
 * A failed record is reported in `batchItemFailures`; SQS redelivers it and, after the queue's
 * maxReceiveCount, the stack's dead-letter queue keeps it (conflicts and malformed messages end
 * there too, for an operator: they are never overwritten or dropped).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { BACKGROUND_TUNING, createDynamoDbClient, createS3Client } from '../commons/clients';
import { readCoreConfig, readTransactionLogConfig } from '../commons/config';
import { ConflictingPaymentError, describeError } from '../commons/errors';
import { flushMetrics, logger, METRIC, metrics } from '../commons/powertools';
import { PaymentRepository } from '../commons/repository';
import { parseRetryMessage } from '../commons/retryQueue';
import { TransactionLog } from '../commons/transactionLog';

const core = readCoreConfig();
const repository = new PaymentRepository(createDynamoDbClient(core.region, BACKGROUND_TUNING), core.tableName);
const transactionLog = new TransactionLog(createS3Client(core.region, BACKGROUND_TUNING), readTransactionLogConfig());

/** No client is waiting: give S3 longer than on the request path. */
export const TRANSACTION_LOG_TIMEOUT_MS = 5_000;

async function processRecord(record: SQSRecord): Promise<void> {
  try {
    const message = parseRetryMessage(record.body);
    const { item } = message;
    if (message.kind === 'payment') {
      const outcome = await repository.insert(item);
      if (!outcome.created && outcome.existing.requestHash !== item.requestHash) throw new ConflictingPaymentError(item.transactionId);
      logger.info(outcome.created ? 'queued payment committed' : 'queued payment was already committed', {
        transactionId: item.transactionId,
        messageId: record.messageId,
      });
      // Log what is stored (an already-committed item may come from the other region).
      await transactionLog.write(outcome.created ? outcome.item : outcome.existing, TRANSACTION_LOG_TIMEOUT_MS);
      if (outcome.created) metrics.addMetric(METRIC.paymentCommitted, MetricUnit.Count, 1);
    } else {
      const stored = await repository.get(item.transactionId);
      await transactionLog.write(stored ?? item, TRANSACTION_LOG_TIMEOUT_MS);
      logger.info('transaction log record re-emitted', { transactionId: item.transactionId, messageId: record.messageId });
    }
    metrics.addMetric(METRIC.transactionLogWritten, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.retryApplied, MetricUnit.Count, 1);
  } catch (error) {
    metrics.addMetric(METRIC.error, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.retryFailed, MetricUnit.Count, 1);
    const receiveCount = record.attributes?.ApproximateReceiveCount;
    const level = error instanceof ConflictingPaymentError ? 'error' : 'warn';
    logger[level]('retry record failed; SQS will redeliver it (then the DLQ keeps it)', { messageId: record.messageId, receiveCount, ...describeError(error) });
    throw error;
  }
}

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  try {
    // A processor per batch: it holds the batch's results, and a local host (the sandbox) may run
    // batches concurrently in one process, which Lambda never does.
    const processor = new BatchProcessor(EventType.SQS);
    // Returning every failed id (rather than throwing when all fail) keeps the semantics in one place.
    return await processPartialResponse(event, processRecord, processor, { context, throwOnFullBatchFailure: false });
  } finally {
    flushMetrics();
  }
}
