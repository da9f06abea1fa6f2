/**
 * The payments table's stream consumer in one region (DynamoDB stream event source mapping with
 * ReportBatchItemFailures): writes the committed payments of each batch as ONE transaction-log
 * object, and every conflict (a committed payment overwritten or removed) as its own object
 * holding both versions. Layout and reasons: ../streamLog/transactionLogBatch.ts.
 *
 * `handler(event: DynamoDBStreamEvent, context)` -> `DynamoDBBatchResponse`:
 * - `{ batchItemFailures: [] }` when the batch's objects are written (or there was nothing to log);
 * - `{ batchItemFailures: [{ itemIdentifier: <first record's SequenceNumber> }] }` when S3 refused
 *   an object. For streams Lambda retries from the lowest reported sequence number, so the whole
 *   batch comes back and rewrites the same keys; the batch object is all or nothing, so reporting
 *   any later record would skip lines (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html).
 * Environment: AWS_REGION (set by Lambda), TRANSACTION_LOG_BUCKET, TRANSACTION_LOG_PREFIX.
 * Metrics (namespace PaymentsDR, dimension service): TransactionLogWritten (payments logged),
 * TransactionLogWriteFailed (batches that failed), PaymentConflictDetected (conflicts kept).
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { BACKGROUND_TUNING, createS3Client } from '../commons/clients';
import { ConfigError, readTransactionLogConfig, type Env } from '../commons/config';
import { describeError } from '../commons/errors';
import { instrumented } from '../commons/instrumentation';
import { logger, metrics } from '../commons/powertools';
import {
  batchObjectKey,
  classify,
  conflictObjectKey,
  encodeLines,
  LOG_WRITER_METRIC,
  type ConflictRecord,
  type LogLine,
} from '../streamLog/transactionLogBatch';

export interface StreamLogConfig {
  readonly region: string;
  readonly bucket: string;
  readonly prefix: string;
}

/** Reads AWS_REGION and the transaction-log bucket and prefix; throws ConfigError naming every problem. */
export function readStreamLogConfig(env: Env = process.env): StreamLogConfig {
  const region = env.AWS_REGION?.trim();
  let log: { bucket: string; prefix: string } | undefined;
  const problems: string[] = [];
  try {
    log = readTransactionLogConfig(env);
  } catch (error) {
    problems.push(...(error instanceof ConfigError ? error.problems : [String(error)]));
  }
  if (!region) problems.push('AWS_REGION is required');
  if (problems.length > 0 || log === undefined || !region) throw new ConfigError(problems);
  return { region, bucket: log.bucket, prefix: log.prefix };
}

const config = readStreamLogConfig();
const s3: S3Client = createS3Client(config.region, BACKGROUND_TUNING);

/**
 * One PutObject. Log objects are gzip files (`application/gzip`, no Content-Encoding: an HTTP
 * client would otherwise decompress them on download and the bytes would no longer match the name).
 */
async function put(key: string, body: Buffer | string, contentType: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: config.bucket, Key: key, Body: body, ContentType: contentType }));
}

export const handler = instrumented('transactionLogWriter', async (event: DynamoDBStreamEvent, _context, scope): Promise<DynamoDBBatchResponse> => {
  const records = event.Records ?? [];
  const lines: LogLine[] = [];
  const conflicts: ConflictRecord[] = [];
  for (const record of records) {
    const c = classify(record, config.region);
    if (c.kind === 'log') lines.push(c.line);
    else if (c.kind === 'conflict') {
      conflicts.push(c.conflict);
      if (c.line) lines.push(c.line);
    }
  }
  try {
    // Conflicts first: when a later write fails, the retry rewrites them at the same keys.
    for (const conflict of conflicts) {
      const key = conflictObjectKey(config.prefix, config.region, conflict);
      await put(key, JSON.stringify(conflict), 'application/json');
      // Identifiers only: the images are in the object.
      logger.error('committed payment changed after commit; both versions kept', {
        transactionId: conflict.transactionId,
        conflictKind: conflict.kind,
        key,
      });
    }
    if (lines.length > 0) await put(batchObjectKey(config.prefix, config.region, records), encodeLines(lines), 'application/gzip');
  } catch (error) {
    metrics.addMetric(LOG_WRITER_METRIC.failed, MetricUnit.Count, 1);
    logger.warn('transaction-log batch not written; Lambda retries it from its first record', {
      records: records.length,
      firstSequenceNumber: records[0]?.dynamodb?.SequenceNumber,
      ...describeError(error),
    });
    const first = records[0]?.dynamodb?.SequenceNumber;
    // No sequence number to report means the event is malformed: fail the whole batch.
    if (first === undefined) throw error;
    scope.recordError(error);
    return { batchItemFailures: [{ itemIdentifier: first }] };
  }
  if (conflicts.length > 0) metrics.addMetric(LOG_WRITER_METRIC.conflict, MetricUnit.Count, conflicts.length);
  if (lines.length > 0) metrics.addMetric(LOG_WRITER_METRIC.written, MetricUnit.Count, lines.length);
  logger.info('transaction-log batch written', { records: records.length, logged: lines.length, conflicts: conflicts.length });
  return { batchItemFailures: [] };
});
