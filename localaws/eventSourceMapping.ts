/**
 * Lambda's SQS event source mapping, emulated: polls the retry queue, invokes the real retry
 * processor with an `SQSEvent`, deletes what succeeded and leaves what failed for SQS to redeliver
 * after the visibility timeout (partial batch responses, `ReportBatchItemFailures`). A thrown error,
 * a timeout or an invalid `itemIdentifier` fails the whole batch, as Lambda does. The queue's
 * redrive policy then moves what keeps failing to the dead-letter queue.
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { invoke, type FunctionSpec } from './lambdaRuntime';
import { sleep } from './http';
import type { Queue, SqsEmulator, SqsMessage } from './sqsEmulator';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface EventSourceMappingOptions {
  sqs: SqsEmulator;
  queue: Queue;
  region: string;
  fn: FunctionSpec;
  handler: SqsHandler;
  batchSize: number;
  /** Idle poll period in ms. */
  pollMs: number;
  log?: (line: string) => void;
}

/** What a retry-queue event source mapping has delivered: batches invoked, and records by outcome. */
export interface EventSourceMappingStats {
  batches: number;
  /** Records the function processed (deleted from the queue). */
  succeeded: number;
  /** Records the function reported failed (left to reappear after the visibility timeout). */
  failed: number;
}

function toRecord(m: SqsMessage, queue: Queue, region: string): SQSRecord {
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, v] of Object.entries(m.messageAttributes)) {
    messageAttributes[name] = { dataType: v.DataType, stringValue: v.StringValue, binaryValue: v.BinaryValue, stringListValues: [], binaryListValues: [] };
  }
  return {
    messageId: m.messageId,
    receiptHandle: m.receiptHandle ?? '',
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: String(m.sentTimestamp),
      SenderId: '000000000000',
      ApproximateFirstReceiveTimestamp: String(m.firstReceiveTimestamp ?? m.sentTimestamp),
    },
    messageAttributes,
    md5OfBody: m.md5OfBody,
    ...(m.md5OfMessageAttributes ? { md5OfMessageAttributes: m.md5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: region,
  };
}

export class EventSourceMapping {
  readonly stats: EventSourceMappingStats = { batches: 0, succeeded: 0, failed: 0 };
  private running = false;
  private paused = false;
  private loop?: Promise<void>;

  constructor(private readonly options: EventSourceMappingOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** A region outage stops the poller; it resumes where the queue left off. */
  setPaused(paused: boolean): void {
    this.paused = paused;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (this.paused) {
        await sleep(this.options.pollMs);
        continue;
      }
      const messages = this.options.sqs.receive(this.options.queue, this.options.batchSize);
      if (messages.length === 0) {
        await sleep(this.options.pollMs);
        continue;
      }
      await this.process(messages);
    }
  }

  private async process(messages: SqsMessage[]): Promise<void> {
    const { sqs, queue, region, fn, handler, log } = this.options;
    const records = messages.map((m) => toRecord(m, queue, region));
    this.stats.batches += 1;
    let failedIds: Set<string>;
    try {
      const response = await invoke(fn, handler, { Records: records });
      const failures = response?.batchItemFailures ?? [];
      const known = new Set(records.map((r) => r.messageId));
      const invalid = failures.some((f) => typeof f.itemIdentifier !== 'string' || !known.has(f.itemIdentifier));
      failedIds = invalid ? known : new Set(failures.map((f) => f.itemIdentifier));
      if (invalid) log?.(`retry processor returned an invalid itemIdentifier; the whole batch of ${records.length} is retried`);
    } catch (err) {
      log?.(`retry processor failed the batch of ${records.length}: ${err instanceof Error ? err.message : String(err)}`);
      failedIds = new Set(records.map((r) => r.messageId));
    }
    for (const record of records) {
      if (failedIds.has(record.messageId)) {
        this.stats.failed += 1;
      } else {
        this.stats.succeeded += 1;
        sqs.delete(queue, record.receiptHandle);
      }
    }
  }
}
