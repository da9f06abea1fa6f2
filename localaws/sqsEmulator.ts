/**
 * SQS emulator (no local SQS engine exists among our dependencies, so this is an emulation of the
 * AWS-managed behaviour we rely on): standard queues with visibility timeouts, delays, receive
 * counts and a redrive policy (a message received more than `maxReceiveCount` times moves to the
 * dead-letter queue, as SQS does), and dead-letter queue redrive (`StartMessageMoveTask`,
 * `ListMessageMoveTasks`; see `startMoveTask`). Spoken over the AWS JSON 1.0 protocol that SDK v3 uses
 * (`X-Amz-Target: AmazonSQS.SendMessage`), with the MD5 digests the SDK verifies.
 * All durations (visibility timeout, delay, long-poll wait) run on the sandbox's time scale.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import {
  AwsJsonError,
  createAwsJsonServer,
  OperationFaults,
  objectArray,
  optionalInteger,
  optionalString,
  requireString,
  validationError,
  type JsonInput,
} from './awsJson';
import { LoopbackService, sleep } from './http';

/** Characters SQS refuses in a message body (outside its allowed set; unpaired surrogates included). */
const SQS_FORBIDDEN_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const ACCOUNT_ID = '000000000000';

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  /** base64 in the JSON protocol */
  BinaryValue?: string;
}

export interface SqsMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, MessageAttributeValue>;
  md5OfMessageAttributes?: string;
  sentTimestamp: number;
  firstReceiveTimestamp?: number;
  receiveCount: number;
  visibleAt: number;
  receiptHandle?: string;
  /** Set when the redrive policy moved the message to a dead-letter queue: the queue it came from. */
  deadLetterSourceArn?: string;
}

export type MoveTaskStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

/** A dead-letter queue redrive (`StartMessageMoveTask`), as `ListMessageMoveTasks` reports it. */
export interface MoveTask {
  taskHandle: string;
  status: MoveTaskStatus;
  sourceArn: string;
  /** Absent: each message goes back to the queue it was dead-lettered from. */
  destinationArn?: string;
  maxNumberOfMessagesPerSecond?: number;
  approximateNumberOfMessagesMoved: number;
  approximateNumberOfMessagesToMove: number;
  failureReason?: string;
  startedTimestamp: number;
}

export interface QueueOptions {
  visibilityTimeoutSeconds: number;
  deadLetter?: { queue: Queue; maxReceiveCount: number };
}

export interface Queue {
  name: string;
  url: string;
  arn: string;
  visibilityTimeoutSeconds: number;
  deadLetter?: { queue: Queue; maxReceiveCount: number };
  messages: SqsMessage[];
  /** Message move tasks with this queue as their source, oldest first. */
  moveTasks: MoveTask[];
}

/**
 * SQS's default redrive velocity when MaxNumberOfMessagesPerSecond is not given ("system optimized");
 * the emulation uses the documented maximum rate, 500 messages per second.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html
 */
export const DEFAULT_MOVE_RATE_PER_SECOND = 500;

function md5(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}

/** The MD5 of message attributes exactly as SQS computes it (names sorted; length-prefixed fields). */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttributeValue>): string {
  const parts: Buffer[] = [];
  const lengthPrefixed = (data: Buffer): void => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    parts.push(len, data);
  };
  for (const name of Object.keys(attributes).sort()) {
    const value = attributes[name];
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(value.DataType, 'utf8'));
    if (value.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      lengthPrefixed(Buffer.from(value.BinaryValue, 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      lengthPrefixed(Buffer.from(value.StringValue ?? '', 'utf8'));
    }
  }
  return md5(Buffer.concat(parts));
}

function queueNotFound(url: string): AwsJsonError {
  return new AwsJsonError(
    'com.amazonaws.sqs#QueueDoesNotExist',
    `The specified queue does not exist: ${url}`,
    400,
    'AWS.SimpleQueueService.NonExistentQueue;Sender',
  );
}

function unsupported(message: string): AwsJsonError {
  return new AwsJsonError('com.amazonaws.sqs#UnsupportedOperation', message, 400, 'AWS.SimpleQueueService.UnsupportedOperation;Sender');
}

function parseAttributes(input: JsonInput): Record<string, MessageAttributeValue> {
  const raw = input.MessageAttributes;
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw validationError('MessageAttributes must be a map');
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value !== 'object' || value === null) throw validationError(`MessageAttributes.${name} must be an object`);
    const v = value as JsonInput;
    const dataType = requireString(v, 'DataType');
    out[name] = { DataType: dataType, StringValue: optionalString(v, 'StringValue'), BinaryValue: optionalString(v, 'BinaryValue') };
  }
  return out;
}

export class SqsEmulator extends LoopbackService {
  private readonly queues = new Map<string, Queue>();
  /** Injected per-operation failures and delays, and per-operation call counts. */
  readonly faults = new OperationFaults();

  constructor(
    private readonly region: string,
    private readonly timeScale: number,
  ) {
    super();
  }

  protected createServer(): Server {
    return createAwsJsonServer('AmazonSQS', 'application/x-amz-json-1.0', {
      CreateQueue: (input) => this.createQueueOp(input),
      GetQueueUrl: (input) => ({ QueueUrl: this.byName(requireString(input, 'QueueName')).url }),
      ListQueues: (input) => {
        const prefix = optionalString(input, 'QueueNamePrefix') ?? '';
        return { QueueUrls: [...this.queues.values()].filter((q) => q.name.startsWith(prefix)).map((q) => q.url) };
      },
      GetQueueAttributes: (input) => ({ Attributes: this.attributes(this.byUrl(requireString(input, 'QueueUrl'))) }),
      SendMessage: (input) => this.sendOp(this.byUrl(requireString(input, 'QueueUrl')), input),
      SendMessageBatch: (input) => this.sendBatchOp(input),
      ReceiveMessage: (input) => this.receiveOp(input),
      DeleteMessage: (input) => {
        this.delete(this.byUrl(requireString(input, 'QueueUrl')), requireString(input, 'ReceiptHandle'));
        return {};
      },
      DeleteMessageBatch: (input) => {
        const queue = this.byUrl(requireString(input, 'QueueUrl'));
        const entries = objectArray(input, 'Entries');
        const successful = entries.map((e) => {
          this.delete(queue, requireString(e, 'ReceiptHandle'));
          return { Id: requireString(e, 'Id') };
        });
        return { Successful: successful, Failed: [] };
      },
      ChangeMessageVisibility: (input) => {
        const queue = this.byUrl(requireString(input, 'QueueUrl'));
        this.changeVisibility(queue, requireString(input, 'ReceiptHandle'), optionalInteger(input, 'VisibilityTimeout', 0, 43200) ?? 0);
        return {};
      },
      PurgeQueue: (input) => {
        this.byUrl(requireString(input, 'QueueUrl')).messages.length = 0;
        return {};
      },
      StartMessageMoveTask: (input) => {
        const source = this.byArn(requireString(input, 'SourceArn'));
        const destinationArn = optionalString(input, 'DestinationArn');
        const rate = optionalInteger(input, 'MaxNumberOfMessagesPerSecond', 1, 500);
        return { TaskHandle: this.startMoveTask(source, destinationArn === undefined ? undefined : this.byArn(destinationArn), rate).taskHandle };
      },
      ListMessageMoveTasks: (input) => {
        const source = this.byArn(requireString(input, 'SourceArn'));
        const max = optionalInteger(input, 'MaxResults', 1, 10) ?? 1;
        return {
          Results: [...source.moveTasks].reverse().slice(0, max).map((t) => ({
            // AWS returns the handle only while the task runs.
            ...(t.status === 'RUNNING' ? { TaskHandle: t.taskHandle } : {}),
            Status: t.status,
            SourceArn: t.sourceArn,
            ...(t.destinationArn === undefined ? {} : { DestinationArn: t.destinationArn }),
            ...(t.maxNumberOfMessagesPerSecond === undefined ? {} : { MaxNumberOfMessagesPerSecond: t.maxNumberOfMessagesPerSecond }),
            ApproximateNumberOfMessagesMoved: t.approximateNumberOfMessagesMoved,
            ApproximateNumberOfMessagesToMove: t.approximateNumberOfMessagesToMove,
            ...(t.failureReason === undefined ? {} : { FailureReason: t.failureReason }),
            StartedTimestamp: t.startedTimestamp,
          })),
        };
      },
    }, this.faults);
  }


  createQueue(name: string, options: QueueOptions): Queue {
    const existing = this.queues.get(name);
    if (existing) return existing;
    const queue: Queue = {
      name,
      url: `${this.endpoint}/${ACCOUNT_ID}/${name}`,
      arn: `arn:aws:sqs:${this.region}:${ACCOUNT_ID}:${name}`,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      deadLetter: options.deadLetter,
      messages: [],
      moveTasks: [],
    };
    this.queues.set(name, queue);
    return queue;
  }

  /** Finds a queue by URL; only the last path segment matters, so `localhost` and `127.0.0.1` URLs both work. */
  byUrl(url: string): Queue {
    const name = url.split('?')[0].split('/').filter(Boolean).pop() ?? '';
    const queue = this.queues.get(name);
    if (!queue) throw queueNotFound(url);
    return queue;
  }

  /** Finds a queue by ARN (ResourceNotFoundException, as SQS answers, when there is none). */
  byArn(arn: string): Queue {
    const queue = [...this.queues.values()].find((q) => q.arn === arn);
    if (!queue) throw new AwsJsonError('com.amazonaws.sqs#ResourceNotFoundException', `The resource that you specified for the SourceArn parameter doesn't exist: ${arn}`, 400, 'ResourceNotFoundException;Sender');
    return queue;
  }

  private byName(name: string): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw queueNotFound(name);
    return queue;
  }

  private scaled(seconds: number): number {
    return seconds * 1000 * this.timeScale;
  }

  send(queue: Queue, body: string, attributes: Record<string, MessageAttributeValue> = {}, delaySeconds = 0): SqsMessage {
    const now = Date.now();
    const message: SqsMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: md5(body),
      messageAttributes: attributes,
      md5OfMessageAttributes: Object.keys(attributes).length > 0 ? md5OfMessageAttributes(attributes) : undefined,
      sentTimestamp: now,
      receiveCount: 0,
      visibleAt: now + this.scaled(delaySeconds),
    };
    queue.messages.push(message);
    return message;
  }

  /**
   * Receives up to `max` visible messages, hiding each for the visibility timeout. A message already
   * received `maxReceiveCount` times is moved to the dead-letter queue instead (SQS's redrive policy).
   */
  receive(queue: Queue, max: number, visibilityTimeoutSeconds = queue.visibilityTimeoutSeconds): SqsMessage[] {
    const now = Date.now();
    const out: SqsMessage[] = [];
    for (const message of [...queue.messages]) {
      if (out.length >= max) break;
      if (message.visibleAt > now) continue;
      if (queue.deadLetter && message.receiveCount >= queue.deadLetter.maxReceiveCount) {
        queue.messages.splice(queue.messages.indexOf(message), 1);
        message.visibleAt = now;
        message.receiptHandle = undefined;
        message.deadLetterSourceArn = queue.arn;
        queue.deadLetter.queue.messages.push(message);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.visibleAt = now + this.scaled(visibilityTimeoutSeconds);
      message.receiptHandle = `${message.messageId}:${randomBytes(12).toString('hex')}`;
      out.push(message);
    }
    return out;
  }

  /** Deletes by receipt handle; like SQS, a stale handle (the message was received again since) deletes nothing. */
  delete(queue: Queue, receiptHandle: string): void {
    const index = queue.messages.findIndex((m) => m.receiptHandle === receiptHandle);
    if (index >= 0) queue.messages.splice(index, 1);
  }

  changeVisibility(queue: Queue, receiptHandle: string, seconds: number): void {
    const message = queue.messages.find((m) => m.receiptHandle === receiptHandle);
    if (!message) {
      throw new AwsJsonError('com.amazonaws.sqs#ReceiptHandleIsInvalid', `receipt handle ${receiptHandle} is not current`, 400, 'ReceiptHandleIsInvalid;Sender');
    }
    message.visibleAt = Date.now() + this.scaled(seconds);
  }

  /**
   * `StartMessageMoveTask`: moves the dead-letter queue's messages (those present now) to
   * `destination`, or each back to the queue it was dead-lettered from, at `ratePerSecond` on the
   * time scale. As SQS documents (API_StartMessageMoveTask, and "Learn how to configure a
   * dead-letter queue redrive", https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html):
   * only a queue that is the dead-letter queue of another queue can be the source, only one task per
   * source runs at a time (both otherwise UnsupportedOperation), and a moved message is a new message
   * (new id, receive count 0, retention restarted).
   */
  startMoveTask(source: Queue, destination?: Queue, ratePerSecond?: number): MoveTask {
    const isDeadLetterQueue = [...this.queues.values()].some((q) => q.deadLetter?.queue === source);
    if (!isDeadLetterQueue) throw unsupported(`Source queue must be configured as a Dead Letter Queue: ${source.arn}`);
    if (source.moveTasks.some((t) => t.status === 'RUNNING')) throw unsupported(`There is already a task running for ${source.arn}; only one active message movement task is supported per queue`);
    const startedTimestamp = Date.now();
    const toMove = source.messages.filter((m) => m.visibleAt <= startedTimestamp);
    const task: MoveTask = {
      taskHandle: Buffer.from(JSON.stringify({ taskId: randomUUID(), sourceArn: source.arn })).toString('base64'),
      status: 'RUNNING',
      sourceArn: source.arn,
      ...(destination === undefined ? {} : { destinationArn: destination.arn }),
      ...(ratePerSecond === undefined ? {} : { maxNumberOfMessagesPerSecond: ratePerSecond }),
      approximateNumberOfMessagesMoved: 0,
      approximateNumberOfMessagesToMove: toMove.length,
      startedTimestamp,
    };
    source.moveTasks.push(task);
    const intervalMs = this.scaled(1 / (ratePerSecond ?? DEFAULT_MOVE_RATE_PER_SECOND));
    const step = (): void => {
      const next = toMove.shift();
      if (next === undefined) {
        task.status = 'COMPLETED';
        return;
      }
      const index = source.messages.indexOf(next);
      if (index >= 0 && next.visibleAt <= Date.now()) {
        const target = destination ?? [...this.queues.values()].find((q) => q.arn === next.deadLetterSourceArn);
        if (target === undefined) {
          task.status = 'FAILED';
          task.failureReason = `message ${next.messageId} has no source queue to return to; pass DestinationArn`;
          return;
        }
        source.messages.splice(index, 1);
        this.send(target, next.body, next.messageAttributes);
        task.approximateNumberOfMessagesMoved += 1;
      }
      setTimeout(step, intervalMs).unref();
    };
    setImmediate(step);
    return task;
  }

  /** Messages in the queue, visible or in flight. */
  depth(queue: Queue): number {
    return queue.messages.length;
  }

  private attributes(queue: Queue): Record<string, string> {
    const now = Date.now();
    const attrs: Record<string, string> = {
      QueueArn: queue.arn,
      VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
      ApproximateNumberOfMessages: String(queue.messages.filter((m) => m.visibleAt <= now).length),
      ApproximateNumberOfMessagesNotVisible: String(queue.messages.filter((m) => m.visibleAt > now && m.receiveCount > 0).length),
      ApproximateNumberOfMessagesDelayed: String(queue.messages.filter((m) => m.visibleAt > now && m.receiveCount === 0).length),
    };
    if (queue.deadLetter) {
      attrs.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: queue.deadLetter.queue.arn, maxReceiveCount: queue.deadLetter.maxReceiveCount });
    }
    return attrs;
  }

  private createQueueOp(input: JsonInput): { QueueUrl: string } {
    const name = requireString(input, 'QueueName');
    if (!/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(name)) throw validationError('QueueName must be 1-80 letters, digits, hyphens or underscores');
    const attrs = (input.Attributes ?? {}) as Record<string, unknown>;
    const vt = Number(attrs.VisibilityTimeout ?? 30);
    return { QueueUrl: this.createQueue(name, { visibilityTimeoutSeconds: Number.isFinite(vt) ? vt : 30 }).url };
  }

  private sendOp(queue: Queue, input: JsonInput): Record<string, string> {
    const body = requireString(input, 'MessageBody');
    if (Buffer.byteLength(body) > 256 * 1024) throw validationError('MessageBody must be at most 262144 bytes');
    // SQS accepts only #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF in a message
    // and refuses anything else with InvalidMessageContents (SendMessage API reference, MessageBody).
    if (SQS_FORBIDDEN_CHARACTER.test(body)) throw new AwsJsonError('InvalidMessageContents', 'The message contains characters outside the allowed set.', 400, 'InvalidMessageContents;Sender');
    const message = this.send(queue, body, parseAttributes(input), optionalInteger(input, 'DelaySeconds', 0, 900) ?? 0);
    const out: Record<string, string> = { MessageId: message.messageId, MD5OfMessageBody: message.md5OfBody };
    if (message.md5OfMessageAttributes) out.MD5OfMessageAttributes = message.md5OfMessageAttributes;
    return out;
  }

  private sendBatchOp(input: JsonInput): { Successful: Record<string, string>[]; Failed: Record<string, unknown>[] } {
    const queue = this.byUrl(requireString(input, 'QueueUrl'));
    const entries = objectArray(input, 'Entries');
    if (entries.length === 0 || entries.length > 10) throw validationError('Entries must hold 1 to 10 messages');
    return {
      Successful: entries.map((entry) => ({ Id: requireString(entry, 'Id'), ...this.sendOp(queue, entry) })),
      Failed: [],
    };
  }

  private async receiveOp(input: JsonInput): Promise<{ Messages?: Record<string, unknown>[] }> {
    const queue = this.byUrl(requireString(input, 'QueueUrl'));
    const max = optionalInteger(input, 'MaxNumberOfMessages', 1, 10) ?? 1;
    const vt = optionalInteger(input, 'VisibilityTimeout', 0, 43200);
    const waitMs = this.scaled(optionalInteger(input, 'WaitTimeSeconds', 0, 20) ?? 0);
    const deadline = Date.now() + waitMs;
    let messages = this.receive(queue, max, vt);
    while (messages.length === 0 && Date.now() < deadline) {
      await sleep(Math.min(20, deadline - Date.now()));
      messages = this.receive(queue, max, vt);
    }
    if (messages.length === 0) return {};
    return {
      Messages: messages.map((m) => ({
        MessageId: m.messageId,
        ReceiptHandle: m.receiptHandle,
        MD5OfBody: m.md5OfBody,
        Body: m.body,
        Attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentTimestamp),
          ApproximateFirstReceiveTimestamp: String(m.firstReceiveTimestamp ?? m.sentTimestamp),
          SenderId: ACCOUNT_ID,
        },
        ...(m.md5OfMessageAttributes ? { MessageAttributes: m.messageAttributes, MD5OfMessageAttributes: m.md5OfMessageAttributes } : {}),
      })),
    };
  }
}
