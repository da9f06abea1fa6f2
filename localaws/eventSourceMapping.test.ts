/**
 * The SQS event source mapping emulation: partial batch responses delete only what succeeded,
 * failures come back after the visibility timeout and end in the DLQ after maxReceiveCount, and an
 * invalid itemIdentifier fails the whole batch (Lambda's rules).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { EventSourceMapping } from './eventSourceMapping';
import { SqsEmulator, type Queue } from './sqsEmulator';
import { waitFor } from './http';

describe('SQS event source mapping', () => {
  let sqs: SqsEmulator;
  let queue: Queue;
  let dlq: Queue;
  const batches: SQSEvent[] = [];
  let respond: (event: SQSEvent) => SQSBatchResponse = () => ({ batchItemFailures: [] });
  let esm: EventSourceMapping;

  before(async () => {
    sqs = new SqsEmulator('us-east-1', 0.01);
    await sqs.start();
    dlq = sqs.createQueue('esm-dlq', { visibilityTimeoutSeconds: 5 });
    queue = sqs.createQueue('esm-queue', { visibilityTimeoutSeconds: 5, deadLetter: { queue: dlq, maxReceiveCount: 3 } });
    esm = new EventSourceMapping({
      sqs,
      queue,
      region: 'us-east-1',
      fn: { functionName: 'retry-processor', region: 'us-east-1', memoryMB: 512, timeoutMs: 1_000 },
      handler: async (event) => {
        batches.push(event);
        return respond(event);
      },
      batchSize: 10,
      pollMs: 5,
    });
    esm.start();
  });

  after(async () => {
    await esm.stop();
    await sqs.stop();
  });

  it('deletes the records that succeeded and redelivers the failed one until the DLQ takes it', async () => {
    respond = (event) => ({ batchItemFailures: event.Records.filter((r) => r.body === 'bad').map((r) => ({ itemIdentifier: r.messageId })) });
    sqs.send(queue, 'good');
    sqs.send(queue, 'bad');
    await waitFor('bad message in the DLQ', async () => (sqs.depth(dlq) === 1 ? true : undefined), 3_000);
    assert.equal(sqs.depth(queue), 0);
    const deliveries = batches.flatMap((b) => b.Records).filter((r) => r.body === 'bad');
    assert.deepEqual(deliveries.map((r) => r.attributes.ApproximateReceiveCount), ['1', '2', '3']);
    assert.equal(batches.flatMap((b) => b.Records).filter((r) => r.body === 'good').length, 1);
    const record = batches[0].Records[0];
    assert.equal(record.eventSource, 'aws:sqs');
    assert.equal(record.eventSourceARN, queue.arn);
    assert.equal(record.awsRegion, 'us-east-1');
  });

  it('treats an unknown itemIdentifier as a failure of the whole batch', async () => {
    batches.length = 0;
    let calls = 0;
    respond = () => (++calls === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] } : { batchItemFailures: [] });
    sqs.send(queue, 'one');
    sqs.send(queue, 'two');
    await waitFor('queue drained', async () => (sqs.depth(queue) === 0 ? true : undefined), 3_000);
    const bodies = batches.flatMap((b) => b.Records.map((r) => r.body)).sort();
    assert.deepEqual(bodies, ['one', 'one', 'two', 'two'], 'both records delivered again');
  });
});
