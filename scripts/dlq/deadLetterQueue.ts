/**
 * The retry dead-letter queue of one region, for operators: list what is parked there (transaction
 * ids and reasons, never payment bodies) and redrive it to the retry queue with one SQS call.
 *
 * - `listDeadLetters`: receives every message of the DLQ with a short visibility timeout and makes
 *   each visible again at once (SQS has no peek; `ChangeMessageVisibility` 0 ends the lock), so
 *   listing never hides a message from a redrive for longer than the listing itself. The reason is
 *   derived: the message fails the retry processor's own checks (`parseRetryMessage`), or the table
 *   already holds the same payment (safe: the redrive commits nothing new), or another payment holds
 *   the key (a conflict, never overwritten), or it is not committed yet.
 * - `startRedrive`: `StartMessageMoveTask` with the DLQ as source and no destination, so SQS returns
 *   each message to the queue it was dead-lettered from; the retry processor commits it with its
 *   conditional write (once, whatever else happened meanwhile). Equivalent AWS CLI:
 *   `aws sqs start-message-move-task --source-arn <dlq-arn>`.
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html
 *   The caller needs sqs:StartMessageMoveTask, sqs:ReceiveMessage, sqs:DeleteMessage and
 *   sqs:GetQueueAttributes on the DLQ and sqs:SendMessage on the retry queue (same page).
 */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  StartMessageMoveTaskCommand,
  type ListMessageMoveTasksResultEntry,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { PaymentRules } from '../../infra/lambda/commons/config';
import { InvalidRetryMessageError, parseRetryMessage } from '../../infra/lambda/commons/retryQueue';

export interface DeadLetterQueueTarget {
  /** The region's SQS client. */
  readonly sqs: SQSClient;
  /** The region's DynamoDB client (reason lookup); without it the reason is not checked against the table. */
  readonly dynamodb?: DynamoDBClient;
  /** Physical name of the retry dead-letter queue (`payments-retry-dlq-<suffix>-<region>`). */
  readonly deadLetterQueueName: string;
  /** The payments table's name. */
  readonly tableName: string;
  /** The API's rules, as the retry processor applies them. */
  readonly rules: PaymentRules;
}

export type DeadLetterReason = 'INVALID_MESSAGE' | 'ALREADY_COMMITTED' | 'CONFLICT' | 'NOT_COMMITTED' | 'UNKNOWN';

/** One parked message, identifiers only. */
export interface DeadLetterEntry {
  readonly messageId: string;
  /** Absent when the message is unreadable. */
  readonly transactionId?: string;
  readonly merchantId?: string;
  readonly reason: DeadLetterReason;
  /** Human-readable detail of the reason (no payment fields). */
  readonly detail: string;
  /** Receives before the message was dead-lettered plus this listing's. */
  readonly receiveCount: number;
  /** When the message entered the DLQ's source queue (ISO 8601). */
  readonly sentAt: string;
}

async function queueUrlAndArn(target: DeadLetterQueueTarget): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await target.sqs.send(new GetQueueUrlCommand({ QueueName: target.deadLetterQueueName }));
  if (!QueueUrl) throw new Error(`no queue named ${target.deadLetterQueueName}`);
  const { Attributes } = await target.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`${target.deadLetterQueueName} reports no QueueArn`);
  return { url: QueueUrl, arn };
}

/** The DLQ's ARN (the `--source-arn` of the AWS CLI command). */
export async function deadLetterQueueArn(target: DeadLetterQueueTarget): Promise<string> {
  return (await queueUrlAndArn(target)).arn;
}

async function reasonFor(target: DeadLetterQueueTarget, message: Message): Promise<Pick<DeadLetterEntry, 'transactionId' | 'merchantId' | 'reason' | 'detail'>> {
  let item;
  try {
    item = parseRetryMessage(message.Body ?? '', target.rules);
  } catch (error) {
    if (error instanceof InvalidRetryMessageError) {
      const attributeId = message.MessageAttributes?.transactionId?.StringValue;
      return { ...(attributeId ? { transactionId: attributeId } : {}), reason: 'INVALID_MESSAGE', detail: `refused by the retry processor: ${error.reason}` };
    }
    throw error;
  }
  const ids = { transactionId: item.transactionId, merchantId: item.merchantId };
  if (target.dynamodb === undefined) return { ...ids, reason: 'UNKNOWN', detail: 'table not checked' };
  const stored = await target.dynamodb.send(new GetItemCommand({ TableName: target.tableName, Key: { pk: { S: item.pk } }, ConsistentRead: true }));
  if (stored.Item === undefined) return { ...ids, reason: 'NOT_COMMITTED', detail: 'not committed within the retry budget; redrive commits it' };
  if (stored.Item.requestHash?.S === item.requestHash) return { ...ids, reason: 'ALREADY_COMMITTED', detail: 'the same payment is committed; redrive is a no-op for it' };
  return { ...ids, reason: 'CONFLICT', detail: 'another payment holds this idempotency key; it is never overwritten (settle with the merchant)' };
}

/**
 * Every message in the DLQ (up to `max`), identifiers and reasons only. Throws SDK errors.
 * What was read stays locked (30 s) while the listing goes on, so each receive returns other
 * messages; at the end every one is made visible again (`ChangeMessageVisibility` 0).
 */
export async function listDeadLetters(target: DeadLetterQueueTarget, max = 1_000): Promise<DeadLetterEntry[]> {
  const { url } = await queueUrlAndArn(target);
  const seen = new Map<string, DeadLetterEntry>();
  const handles: string[] = [];
  try {
    for (let round = 0; seen.size < max; round++) {
      const { Messages = [] } = await target.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 30,
          WaitTimeSeconds: round === 0 ? 1 : 0,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        }),
      );
      if (Messages.length === 0) break;
      for (const m of Messages) {
        if (m.ReceiptHandle) handles.push(m.ReceiptHandle);
        if (m.MessageId === undefined || seen.has(m.MessageId)) continue;
        seen.set(m.MessageId, {
          messageId: m.MessageId,
          ...(await reasonFor(target, m)),
          receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
          sentAt: new Date(Number(m.Attributes?.SentTimestamp ?? 0)).toISOString(),
        });
      }
    }
  } finally {
    await Promise.allSettled(handles.map((ReceiptHandle) => target.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle, VisibilityTimeout: 0 }))));
  }
  return [...seen.values()];
}

export interface RedriveStarted {
  readonly taskHandle: string;
  readonly sourceArn: string;
  /** The same operation with the AWS CLI. */
  readonly awsCli: string;
}

/** Starts the redrive of the whole DLQ back to the retry queue. Throws SDK errors (e.g. UnsupportedOperation while a redrive runs). */
export async function startRedrive(target: DeadLetterQueueTarget, maxPerSecond?: number): Promise<RedriveStarted> {
  const sourceArn = await deadLetterQueueArn(target);
  const out = await target.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn, ...(maxPerSecond === undefined ? {} : { MaxNumberOfMessagesPerSecond: maxPerSecond }) }));
  if (!out.TaskHandle) throw new Error('StartMessageMoveTask returned no TaskHandle');
  return { taskHandle: out.TaskHandle, sourceArn, awsCli: `aws sqs start-message-move-task --source-arn ${sourceArn}` };
}

/** The most recent redrive of the DLQ, or undefined. */
export async function latestRedrive(target: DeadLetterQueueTarget): Promise<ListMessageMoveTasksResultEntry | undefined> {
  const sourceArn = await deadLetterQueueArn(target);
  const { Results = [] } = await target.sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }));
  return Results[0];
}

/** Polls `latestRedrive` until it is no longer RUNNING (or `timeoutMs` passes). */
export async function waitForRedrive(target: DeadLetterQueueTarget, timeoutMs: number, pollMs = 500): Promise<ListMessageMoveTasksResultEntry | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last = await latestRedrive(target);
  while (last?.Status === 'RUNNING' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, pollMs));
    last = await latestRedrive(target);
  }
  return last;
}
