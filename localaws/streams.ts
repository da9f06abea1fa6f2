/**
 * DynamoDB Streams and Lambda's stream event source mapping, emulated for one region (dynalite has
 * no streams; both are AWS-managed).
 *
 * Records. Every change visible in this region's replica becomes one record, local writes and
 * replicated ones alike: "Each global table produces an independent stream based on all its write
 * operations, wherever they started from."
 * (https://docs.aws.amazon.com/prescriptive-guidance/latest/dynamodb-global-tables/faq.html).
 * The view type is the table's, NEW_AND_OLD_IMAGES (`contract/paymentsTable.ts`); the shape
 * is the `Record` of the DynamoDB Streams API as Lambda delivers it (`aws-lambda`'s `DynamoDBRecord`):
 * eventName INSERT | MODIFY | REMOVE, `ApproximateCreationDateTime` in epoch seconds "rounded down to
 * the closest second", an increasing `SequenceNumber`
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html).
 * A write that leaves the item unchanged, or deletes an item that does not exist, emits nothing.
 *
 * Delivery. One shard per region (a small table; records of one key are therefore in order, as
 * DynamoDB guarantees per item), batches of up to `batchSize` in sequence order, one invocation at
 * a time. Partial batch responses as Lambda handles them for streams
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html): "If the
 * batchItemFailures array contains multiple items, Lambda uses the record with the lowest sequence
 * number as the checkpoint. Lambda then retries all records starting from that checkpoint." An empty,
 * null or unknown `itemIdentifier`, a thrown error or a timeout fails the whole batch. Retries are
 * unbounded (the stack's mapping allows 10,000 attempts within the stream's 24 h), after a backoff of
 * min(1000, 50 x 2^n) wall-clock ms; the shard does not advance past a failing record. Not emulated:
 * the batching window (records are delivered as they arrive), bisection, on-failure destinations.
 */
import { randomUUID } from 'node:crypto';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { invoke, type FunctionSpec } from './lambdaRuntime';
import { sleep } from './http';
import type { ItemJson, StreamState } from '../sandbox/types';

export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse | void>;

/** Records kept for a consumer that does not read them (a stand-in for the 24-hour retention). */
const RETAINED_RECORDS = 50_000;

/** Order-independent JSON of an attribute map, to tell a real change from a rewrite of the same item. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as Record<string, unknown>)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sameImage(a: ItemJson | null, b: ItemJson | null): boolean {
  if (a === null || b === null) return a === b;
  return canonical(a) === canonical(b);
}

export interface StreamConsumer {
  fn: FunctionSpec;
  handler: StreamHandler;
}

export interface StreamOptions {
  region: string;
  tableName: string;
  accountId: string;
  /** The consumer and its function spec; undefined: records are kept, nothing is invoked (see `setConsumer`). */
  consumer?: StreamConsumer;
  batchSize: number;
  log?: (line: string) => void;
}

export class RegionStream {
  private readonly records: DynamoDBRecord[] = [];
  /** Emission time (ms) of each record, by sequence number, for the iterator age. */
  private readonly emittedAt = new Map<string, number>();
  private sequence = BigInt(Date.now()) * 1_000_000n;
  private readonly streamArn: string;
  private running = false;
  private paused = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private readonly stats = { emitted: 0, delivered: 0, invocations: 0, failedInvocations: 0, partialFailures: 0, retriedRecords: 0, trimmed: 0 };
  private lastSequenceNumber: string | null = null;

  constructor(private readonly options: StreamOptions) {
    // The stream label is the table's creation time, as DynamoDB names it.
    this.streamArn = `arn:aws:dynamodb:${options.region}:${options.accountId}:table/${options.tableName}/stream/${new Date().toISOString().replace('Z', '')}`;
  }

  /** Emits the record of one change of `keys` from `oldImage` to `newImage` (nothing when unchanged). */
  emit(keys: ItemJson, oldImage: ItemJson | null, newImage: ItemJson | null, at: number = Date.now()): void {
    if (sameImage(oldImage, newImage)) return;
    const eventName = oldImage === null ? 'INSERT' : newImage === null ? 'REMOVE' : 'MODIFY';
    this.sequence += 1n;
    const sequenceNumber = this.sequence.toString().padStart(21, '0');
    const record: DynamoDBRecord = {
      eventID: randomUUID().replace(/-/g, ''),
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: this.options.region,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(at / 1000),
        Keys: keys as NonNullable<DynamoDBRecord['dynamodb']>['Keys'],
        ...(newImage ? { NewImage: newImage as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'] } : {}),
        ...(oldImage ? { OldImage: oldImage as NonNullable<DynamoDBRecord['dynamodb']>['OldImage'] } : {}),
        SequenceNumber: sequenceNumber,
        SizeBytes: Buffer.byteLength(JSON.stringify(keys)) + Buffer.byteLength(JSON.stringify(newImage ?? {})) + Buffer.byteLength(JSON.stringify(oldImage ?? {})),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: this.streamArn,
    };
    this.records.push(record);
    this.emittedAt.set(sequenceNumber, at);
    this.stats.emitted += 1;
    this.lastSequenceNumber = sequenceNumber;
    if (this.records.length > RETAINED_RECORDS) {
      const dropped = this.records.splice(0, this.records.length - RETAINED_RECORDS);
      for (const r of dropped) this.emittedAt.delete(r.dynamodb?.SequenceNumber ?? '');
      this.stats.trimmed += dropped.length;
    }
    this.wake?.();
  }

  /** Attaches the mapping's function (before `start`). */
  setConsumer(consumer: StreamConsumer): void {
    this.options.consumer = consumer;
  }

  start(): void {
    if (this.running || !this.options.consumer) return;
    this.running = true;
    this.loop = this.run();
  }

  /** A region outage stops the mapping; it resumes from its checkpoint. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  state(): StreamState {
    const oldest = this.records[0]?.dynamodb?.SequenceNumber;
    const oldestAt = oldest === undefined ? undefined : this.emittedAt.get(oldest);
    return {
      consumer: this.options.consumer?.fn.functionName ?? null,
      ...this.stats,
      pending: this.records.length,
      iteratorAgeMs: oldestAt === undefined ? 0 : Math.max(0, Date.now() - oldestAt),
      lastSequenceNumber: this.lastSequenceNumber,
    };
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  private async run(): Promise<void> {
    const consumer = this.options.consumer;
    if (!consumer) return;
    let failures = 0;
    while (this.running) {
      if (this.paused || this.records.length === 0) {
        await this.idle(this.paused ? 50 : 1_000);
        continue;
      }
      const batch = this.records.slice(0, this.options.batchSize);
      if (failures > 0) this.stats.retriedRecords += batch.length;
      const checkpoint = await this.deliver(consumer, batch);
      // Everything before the checkpoint is done; the shard resumes at the checkpoint.
      const done = checkpoint === undefined ? batch.length : checkpoint;
      for (const r of this.records.splice(0, done)) this.emittedAt.delete(r.dynamodb?.SequenceNumber ?? '');
      this.stats.delivered += done;
      if (done < batch.length) {
        failures += 1;
        await sleep(Math.min(1_000, 50 * 2 ** Math.min(failures - 1, 5)));
      } else {
        failures = 0;
      }
    }
  }

  /** Invokes the consumer; returns the index in `batch` to resume from, or undefined when all succeeded. */
  private async deliver(consumer: StreamConsumer, batch: DynamoDBRecord[]): Promise<number | undefined> {
    const { log } = this.options;
    this.stats.invocations += 1;
    let response: DynamoDBBatchResponse | void;
    try {
      response = await invoke(consumer.fn, consumer.handler, { Records: batch });
    } catch (err) {
      this.stats.failedInvocations += 1;
      log?.(`stream consumer ${consumer.fn.functionName} failed a batch of ${batch.length}: ${err instanceof Error ? err.message : String(err)}`);
      return 0;
    }
    const failures = response?.batchItemFailures ?? [];
    if (failures.length === 0) return undefined;
    this.stats.partialFailures += 1;
    const index = new Map(batch.map((r, i) => [r.dynamodb?.SequenceNumber ?? '', i]));
    let lowest = Infinity;
    for (const f of failures) {
      const i = typeof f.itemIdentifier === 'string' && f.itemIdentifier !== '' ? index.get(f.itemIdentifier) : undefined;
      if (i === undefined) {
        log?.(`stream consumer ${consumer.fn.functionName} returned an invalid itemIdentifier; the whole batch of ${batch.length} is retried`);
        return 0;
      }
      lowest = Math.min(lowest, i);
    }
    return lowest;
  }
}
