/**
 * One region's retry queue and its dead-letter queue. Payments that could not be committed
 * synchronously are queued here (202 PENDING) and committed by the retry processor; messages that
 * keep failing land in the DLQ, which alarms on depth and keeps them 14 days for an operator.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { DLQ_RETENTION_SECONDS, OPERATOR_QUEUE_VISIBILITY_TIMEOUT_SECONDS, RETRY_QUEUE, visibilityTimeoutFor } from '../../contract';

export interface RetryQueuesArgs {
  /** Region of both queues. Required. */
  region: string;
  /** Physical name of the retry queue. Required. */
  queueName: string;
  /** Physical name of the dead-letter queue. Required. */
  deadLetterQueueName: string;
  /**
   * Timeout (seconds) of the Lambda function that consumes the queue, when one does. The queue's
   * visibility timeout is derived from it (`visibilityTimeoutFor` in contract/queues.ts: 6x), and
   * the consumer must be created with `consumerTimeoutSeconds` (region.ts does). Default: no
   * Lambda consumer (a queue operators read), visibility timeout
   * `OPERATOR_QUEUE_VISIBILITY_TIMEOUT_SECONDS` (180 s).
   */
  consumerTimeoutSeconds?: number;
  /** Receives before a message moves to the DLQ. Default `RETRY_QUEUE.maxReceiveCount` (5). */
  maxReceiveCount?: number;
  /** Retention of the queue, seconds. Default `RETRY_QUEUE.messageRetentionSeconds` (4 days). */
  messageRetentionSeconds?: number;
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class RetryQueues extends pulumi.ComponentResource {
  /** The consumer's timeout the queue was sized for; give it to the consuming function. */
  public readonly consumerTimeoutSeconds?: number;
  public readonly queue: aws.sqs.Queue;
  public readonly deadLetterQueue: aws.sqs.Queue;

  constructor(name: string, args: RetryQueuesArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:messaging:RetryQueues', name, {}, opts);
    const consumer = args.consumerTimeoutSeconds;
    // Throws a RangeError for anything but a Lambda timeout (1-900 s).
    const visibilityTimeoutSeconds = consumer === undefined ? OPERATOR_QUEUE_VISIBILITY_TIMEOUT_SECONDS : visibilityTimeoutFor(consumer);
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
        visibilityTimeoutSeconds,
        messageRetentionSeconds: args.messageRetentionSeconds ?? RETRY_QUEUE.messageRetentionSeconds,
        sqsManagedSseEnabled: true,
        redrivePolicy: pulumi
          .output(this.deadLetterQueue.arn)
          .apply((deadLetterTargetArn) => JSON.stringify({ deadLetterTargetArn, maxReceiveCount: args.maxReceiveCount ?? RETRY_QUEUE.maxReceiveCount })),
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
