/**
 * One region's transaction-log pipeline around the `transactionLogWriter` function: the DynamoDB
 * stream event source mapping on THIS region's replica stream (which carries local and replicated
 * writes), and the on-failure queue that keeps a record of any batch Lambda gives up on.
 *
 * Mapping settings and their AWS sources (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-params.html):
 * - batchSize 10,000 (the DynamoDB Streams maximum) and maximumBatchingWindowInSeconds 300 (the
 *   maximum): as many payments per log object as the volume gives, so objects reach S3 Lifecycle's
 *   128 KB transition minimum from about 1,500 payments per 5 minutes and shard. Lambda still caps an
 *   invocation's payload at 6 MB (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html#lambda-CreateEventSourceMapping-request-BatchSize).
 * - functionResponseTypes ReportBatchItemFailures + bisectBatchOnFunctionError: the function reports
 *   the first record of a batch it could not write; an unexpected function error splits the batch.
 * - maximumRetryAttempts 10,000 (the maximum) and maximumRecordAgeInSeconds 86,400 (the stream's 24 h
 *   retention): a transient S3 failure is retried for as long as the stream keeps the records; what
 *   Lambda discards is described in the on-failure queue (a standard SQS queue, the destination
 *   type DynamoDB sources support) and alarms at the first message.
 * - startingPosition TRIM_HORIZON: the oldest record the stream still has, so nothing committed
 *   before the mapping was enabled is skipped.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { DLQ_RETENTION_SECONDS, TRANSACTION_LOG_STREAM } from '../../contract';
import { RetryQueues } from './retryQueues';

/** The mapping's settings: the service contract's (the sandbox's stream delivery uses the same). */
export const TRANSACTION_LOG_STREAM_SETTINGS = TRANSACTION_LOG_STREAM;

export interface TransactionLogStreamArgs {
  /** Region of the queue and the mapping. Required. */
  region: string;
  /** ARN of this region's replica stream of the payments table. Required. */
  streamArn: pulumi.Input<string>;
  /** The consumer function's name. Required. */
  functionName: pulumi.Input<string>;
  /** Physical name of the on-failure queue (its dead-letter queue is `<name>-dlq`). Required. */
  failureQueueName: string;
  /** Resources the mapping must wait for (the function's role policy: Lambda checks it at creation). Default none. */
  dependsOn?: pulumi.Resource[];
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class TransactionLogStream extends pulumi.ComponentResource {
  /** Records of discarded batches (and, like every queue here, a dead-letter queue behind it). */
  public readonly failureQueues: RetryQueues;
  public readonly failureQueue: aws.sqs.Queue;
  public readonly mapping: aws.lambda.EventSourceMapping;

  constructor(name: string, args: TransactionLogStreamArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:storage:TransactionLogStream', name, {}, opts);
    const s = TRANSACTION_LOG_STREAM_SETTINGS;
    // Nothing consumes the records but an operator; 14 days' retention, and a dead-letter queue so
    // that even a record an operator receives repeatedly is never dropped.
    this.failureQueues = new RetryQueues(
      `${name}-failures`,
      {
        region: args.region,
        queueName: args.failureQueueName,
        deadLetterQueueName: `${args.failureQueueName}-dlq`,
        messageRetentionSeconds: DLQ_RETENTION_SECONDS,
        maxReceiveCount: 10,
        tags: args.tags,
      },
      { parent: this },
    );
    this.failureQueue = this.failureQueues.queue;
    this.mapping = new aws.lambda.EventSourceMapping(
      `${name}-mapping`,
      {
        region: args.region,
        eventSourceArn: args.streamArn,
        functionName: args.functionName,
        startingPosition: s.startingPosition,
        batchSize: s.batchSize,
        maximumBatchingWindowInSeconds: s.maximumBatchingWindowInSeconds,
        functionResponseTypes: ['ReportBatchItemFailures'],
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: s.maximumRetryAttempts,
        maximumRecordAgeInSeconds: s.maximumRecordAgeInSeconds,
        destinationConfig: { onFailure: { destinationArn: this.failureQueue.arn } },
        enabled: true,
      },
      { parent: this, dependsOn: args.dependsOn ?? [] },
    );
    this.registerOutputs({ failureQueueUrl: this.failureQueue.url });
  }
}
