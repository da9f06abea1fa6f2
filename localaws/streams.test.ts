/**
 * DynamoDB Streams emulation and its Lambda event source mapping, without a sandbox: record shape
 * (NEW_AND_OLD_IMAGES, INSERT/MODIFY/REMOVE, increasing sequence numbers), no record for a write that
 * changes nothing, and partial batch failures retried from the lowest failed sequence number in order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { TRANSACTION_LOG_STREAM_SETTINGS } from '../infra/components/transactionLogStream';
import { STREAM_BATCH_SIZE } from '../sandbox/sandbox';
import { RegionStream, type StreamHandler } from './streams';
import { waitFor } from './http';
import type { ItemJson } from '../sandbox/types';

const FN = { functionName: 'transaction-log-writer-test-us-east-1', region: 'us-east-1', memoryMB: 256, timeoutMs: 1_000 };

function item(pk: string, amount: number): ItemJson {
  return { pk: { S: pk }, amount: { N: String(amount) } };
}
const key = (pk: string): ItemJson => ({ pk: { S: pk } });
const seq = (r: DynamoDBRecord): string => r.dynamodb?.SequenceNumber ?? '';

function stream(handler?: StreamHandler, batchSize = 100): RegionStream {
  const s = new RegionStream({ region: 'us-east-1', tableName: 'payments-table-test', accountId: '000000000000', batchSize, ...(handler ? { consumer: { fn: FN, handler } } : {}) });
  s.start();
  return s;
}

/** A consumer that records every batch it receives and answers with `respond`. */
function recorder(respond: (event: DynamoDBStreamEvent, call: number) => DynamoDBBatchResponse | void | Promise<never>) {
  const batches: DynamoDBRecord[][] = [];
  const handler: StreamHandler = async (event) => {
    batches.push(event.Records);
    return respond(event, batches.length);
  };
  return { batches, handler };
}

describe('DynamoDB Streams emulation', () => {
  it('delivers batches of the size the stack\'s event source mapping sets', () => {
    assert.equal(STREAM_BATCH_SIZE, TRANSACTION_LOG_STREAM_SETTINGS.batchSize);
  });

  it('emits INSERT, MODIFY and REMOVE records with both images, in sequence order, and nothing for a write that changes nothing', async () => {
    const { batches, handler } = recorder(() => undefined);
    const s = stream(handler);
    try {
      s.emit(key('A'), null, item('A', 1), Date.parse('2026-01-01T00:00:01.900Z'));
      s.emit(key('A'), item('A', 1), item('A', 1)); // unchanged: no record
      s.emit(key('A'), item('A', 1), item('A', 2));
      s.emit(key('A'), item('A', 2), null);
      s.emit(key('B'), null, null); // delete of a missing item: no record
      await waitFor('3 records delivered', async () => (s.state().delivered === 3 ? true : undefined), 2_000);
      const records = batches.flat();
      assert.deepEqual(records.map((r) => r.eventName), ['INSERT', 'MODIFY', 'REMOVE']);
      const [insert, modify, remove] = records;
      assert.equal(insert.eventSource, 'aws:dynamodb');
      assert.equal(insert.awsRegion, 'us-east-1');
      assert.match(insert.eventSourceARN ?? '', /^arn:aws:dynamodb:us-east-1:000000000000:table\/payments-table-test\/stream\//);
      assert.equal(insert.dynamodb?.StreamViewType, 'NEW_AND_OLD_IMAGES');
      assert.equal(insert.dynamodb?.ApproximateCreationDateTime, Date.parse('2026-01-01T00:00:01Z') / 1000);
      assert.deepEqual(insert.dynamodb?.Keys, key('A'));
      assert.equal(insert.dynamodb?.OldImage, undefined);
      assert.deepEqual(modify.dynamodb?.OldImage, item('A', 1));
      assert.deepEqual(modify.dynamodb?.NewImage, item('A', 2));
      assert.equal(remove.dynamodb?.NewImage, undefined);
      assert.deepEqual(remove.dynamodb?.OldImage, item('A', 2));
      const sequence = records.map((r) => BigInt(seq(r)));
      assert.ok(sequence[0] < sequence[1] && sequence[1] < sequence[2], 'sequence numbers increase');
      assert.equal(s.state().emitted, 3);
    } finally {
      await s.stop();
    }
  });

  it('retries a partial batch failure from the lowest failed sequence number, keeping order, and never redelivers what succeeded before it', async () => {
    const { batches, handler } = recorder((event, call) => {
      // First call: records 3 and 5 fail; later calls succeed.
      if (call === 1) return { batchItemFailures: [{ itemIdentifier: seq(event.Records[4]) }, { itemIdentifier: seq(event.Records[2]) }] };
      return { batchItemFailures: [] };
    });
    const s = stream(handler);
    try {
      // Emitted before the mapping reads, so they form one batch.
      for (let i = 1; i <= 5; i++) s.emit(key(`K${i}`), null, item(`K${i}`, i));
      await waitFor('all delivered', async () => (s.state().delivered === 5 ? true : undefined), 3_000);
      const pks = batches.map((b) => b.map((r) => r.dynamodb?.Keys?.pk?.S));
      assert.deepEqual(pks, [
        ['K1', 'K2', 'K3', 'K4', 'K5'],
        ['K3', 'K4', 'K5'],
      ]);
      const state = s.state();
      assert.equal(state.partialFailures, 1);
      assert.equal(state.retriedRecords, 3);
      assert.equal(state.pending, 0);
    } finally {
      await s.stop();
    }
  });

  it('retries the whole batch when the consumer throws or returns an invalid itemIdentifier', async () => {
    const { batches, handler } = recorder((_event, call) => {
      if (call === 1) throw new Error('consumer failed');
      if (call === 2) return { batchItemFailures: [{ itemIdentifier: '' }] };
      return undefined;
    });
    const s = stream(handler);
    try {
      s.emit(key('X'), null, item('X', 1));
      s.emit(key('Y'), null, item('Y', 1));
      await waitFor('delivered', async () => (s.state().delivered === 2 ? true : undefined), 3_000);
      assert.equal(batches.length, 3);
      for (const b of batches) assert.deepEqual(b.map((r) => r.dynamodb?.Keys?.pk?.S), ['X', 'Y']);
      assert.equal(s.state().failedInvocations, 1);
    } finally {
      await s.stop();
    }
  });

  it('delivers in batches of at most batchSize and holds records while paused (a region outage)', async () => {
    const { batches, handler } = recorder(() => undefined);
    const s = stream(handler, 2);
    try {
      s.setPaused(true);
      for (let i = 1; i <= 5; i++) s.emit(key(`P${i}`), null, item(`P${i}`, i));
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(batches.length, 0);
      assert.equal(s.state().pending, 5);
      s.setPaused(false);
      await waitFor('delivered', async () => (s.state().delivered === 5 ? true : undefined), 3_000);
      assert.deepEqual(batches.map((b) => b.length), [2, 2, 1]);
    } finally {
      await s.stop();
    }
  });
});
