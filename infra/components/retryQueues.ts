/**
 * One region's retry queue and its dead-letter queue. Payments that could not be committed
 * synchronously are queued here (202 PENDING) and committed by the retry processor; messages that
 * keep failing land in the DLQ, which alarms on depth and keeps them 14 days for an operator.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/** 14 days, the SQS maximum: an operator always has two weeks to redrive. */
export const DLQ_RETENTION_SECONDS = 14 * 24 * 60 * 60;

export interface RetryQueuesArgs {
  /** Region of both queues. Required. */
  region: string;
  /** Physical name of the retry queue. Required. */
  queueName: string;
  /** Physical name of the dead-letter queue. Required. */
  deadLetterQueueName: string;
  /**
   * Timeout (seconds) of the Lambda function that consumes the queue, when one does. The queue's
   * visibility timeout is derived from it (6x, AWS Lambda's guidance for SQS event sources, so a
   * batch whose invocation is retried after throttling is not redelivered while still in flight),
   * and the consumer must be created with `consumerTimeoutSeconds` (region.ts does). Default: no
   * Lambda consumer (a queue operators read), visibility timeout 180 s.
   * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#events-sqs-queueconfig
   */
  consumerTimeoutSeconds?: number;
  /** Receives before a message moves to the DLQ. Default 5. */
  maxReceiveCount?: number;
  /** Retention of the retry queue. Default 345600 (4 days). */
  messageRetentionSeconds?: number;
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Visibility timeout per second of the consumer's timeout (AWS guidance: at least 6). */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

export class RetryQueues extends pulumi.ComponentResource {
  /** The consumer's timeout the queue was sized for; give it to the consuming function. */
  public readonly consumerTimeoutSeconds?: number;
  public readonly queue: aws.sqs.Queue;
  public readonly deadLetterQueue: aws.sqs.Queue;

  constructor(name: string, args: RetryQueuesArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:messaging:RetryQueues', name, {}, opts);
    const consumer = args.consumerTimeoutSeconds;
    if (consumer !== undefined && (!Number.isInteger(consumer) || consumer < 1 || consumer > 900)) {
      throw new Error(`RetryQueues consumerTimeoutSeconds must be a Lambda timeout (1-900 s), got ${consumer}`);
    }
    this.consumerTimeoutSeconds = args.consumerTimeoutSeconds;
    // SSE-SQS (SQS-owned keys): encrypted at rest with no KMS permissions for producers/consumers.
    this.deadLetterQueue = new aws.sqs.Queue(
      `${name}-dlq`,
      {
        region: args.region,
        name: args.deadLetterQueueName,
        messageRetentionSeconds: DLQ_RETENTION_SECONDS,
        sqsManagedSseEnabled: true,
        tags: args.tags,
      },
      { parent: this },
    );
    this.queue = new aws.sqs.Queue(
      `${name}-queue`,
      {
        region: args.region,
        name: args.queueName,
        visibilityTimeoutSeconds: consumer === undefined ? 180 : VISIBILITY_TIMEOUT_FACTOR * consumer,
        messageRetentionSeconds: args.messageRetentionSeconds ?? 345600,
        sqsManagedSseEnabled: true,
        redrivePolicy: pulumi
          .output(this.deadLetterQueue.arn)
          .apply((deadLetterTargetArn) => JSON.stringify({ deadLetterTargetArn, maxReceiveCount: args.maxReceiveCount ?? 5 })),
        tags: args.tags,
      },
      { parent: this },
    );
    // Only the retry queue may use this DLQ.
    new aws.sqs.RedriveAllowPolicy(
      `${name}-dlq-allow`,
      {
        region: args.region,
        queueUrl: this.deadLetterQueue.url,
        redriveAllowPolicy: pulumi
          .output(this.queue.arn)
          .apply((arn) => JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [arn] })),
      },
      { parent: this },
    );
    this.registerOutputs({ queueUrl: this.queue.url, deadLetterQueueUrl: this.deadLetterQueue.url });
  }
}
