/**
 * The SQS emulator through the real AWS SDK v3 client (the protocol the handlers speak): visibility
 * timeouts, receive counts, redrive to the DLQ and stale receipt handles; dead-letter queue redrive
 * (StartMessageMoveTask and ListMessageMoveTasks as the SQS API reference documents them: source
 * must be a DLQ of another queue, one running task per source, messages return to their source
 * queue as new messages, the handle is listed only while the task runs); injected faults.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { md5OfMessageAttributes, SqsEmulator, type Queue } from './sqsEmulator';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SQS emulator', () => {
  const TIME_SCALE = 0.01; // a 10 s visibility timeout lasts 100 ms
  let sqs: SqsEmulator;
  let client: SQSClient;
  let queue: Queue;
  let dlq: Queue;

  before(async () => {
    sqs = new SqsEmulator('us-east-1', TIME_SCALE);
    const endpoint = await sqs.start();
    dlq = sqs.createQueue('test-dlq', { visibilityTimeoutSeconds: 10 });
    queue = sqs.createQueue('test-queue', { visibilityTimeoutSeconds: 10, deadLetter: { queue: dlq, maxReceiveCount: 2 } });
    client = new SQSClient({ region: 'us-east-1', endpoint, credentials, maxAttempts: 1 });
  });

  after(async () => {
    client.destroy();
    await sqs.stop();
  });

  it('refuses a body with a character outside the set SQS accepts (InvalidMessageContents), as SQS does', async () => {
    for (const body of ['a\ufffeb', 'a\uffffb', 'a\u0001b', 'a\ud800b']) {
      await assert.rejects(client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body })), (e: Error) => e.name === 'InvalidMessageContents', JSON.stringify(body));
    }
    await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'tab\tnl\n\u00e9\ufffd\ud83d\ude00' }));
    await client.send(new PurgeQueueCommand({ QueueUrl: queue.url }));
  });

  it('delivers a message with its attributes, hides it while in flight and redelivers it after the visibility timeout', async () => {
    const sent = await client.send(
      new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"hello":"world"}', MessageAttributes: { kind: { DataType: 'String', StringValue: 'payment' } } }),
    );
    assert.ok(sent.MessageId);
    assert.equal(sent.MD5OfMessageAttributes, md5OfMessageAttributes({ kind: { DataType: 'String', StringValue: 'payment' } }));
    const first = await client.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }));
    assert.equal(first.Messages?.length, 1);
    const message = first.Messages?.[0];
    assert.equal(message?.Body, '{"hello":"world"}'); // the SDK has verified MD5OfBody
    assert.equal(message?.MessageAttributes?.kind?.StringValue, 'payment');
    assert.equal(message?.Attributes?.ApproximateReceiveCount, '1');
    assert.equal((await client.send(new ReceiveMessageCommand({ QueueUrl: queue.url }))).Messages, undefined, 'in flight');
    await sleep(130);
    const second = await client.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MessageSystemAttributeNames: ['All'] }));
    assert.equal(second.Messages?.[0]?.MessageId, message?.MessageId);
    assert.equal(second.Messages?.[0]?.Attributes?.ApproximateReceiveCount, '2');
    // The first receipt handle is stale now: deleting with it deletes nothing (as in SQS).
    await client.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message?.ReceiptHandle }));
    assert.equal(sqs.depth(queue), 1);
    // Received maxReceiveCount (2) times: the next receive moves it to the dead-letter queue.
    await sleep(130);
    assert.equal((await client.send(new ReceiveMessageCommand({ QueueUrl: queue.url }))).Messages, undefined);
    assert.equal(sqs.depth(queue), 0);
    const dead = await client.send(new ReceiveMessageCommand({ QueueUrl: dlq.url }));
    assert.equal(dead.Messages?.[0]?.MessageId, message?.MessageId);
    await client.send(new DeleteMessageCommand({ QueueUrl: dlq.url, ReceiptHandle: dead.Messages?.[0]?.ReceiptHandle }));
    assert.equal(sqs.depth(dlq), 0);
  });

  it('sends batches, reports queue attributes with the redrive policy, and names a missing queue', async () => {
    const batch = await client.send(
      new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: [{ Id: 'a', MessageBody: 'one' }, { Id: 'b', MessageBody: 'two', DelaySeconds: 60 }] }),
    );
    assert.deepEqual(batch.Successful?.map((s) => s.Id), ['a', 'b']);
    const attrs = await client.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['All'] }));
    assert.equal(attrs.Attributes?.ApproximateNumberOfMessages, '1');
    assert.equal(attrs.Attributes?.ApproximateNumberOfMessagesDelayed, '1');
    assert.deepEqual(JSON.parse(attrs.Attributes?.RedrivePolicy ?? '{}'), { deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 });
    await assert.rejects(
      client.send(new SendMessageCommand({ QueueUrl: `${queue.url}-missing`, MessageBody: 'x' })),
      (err: Error) => err.name === 'QueueDoesNotExist',
    );
  });
});

describe('SQS emulator: dead-letter queue redrive', () => {
  const TIME_SCALE = 0.01; // 10 s visibility lasts 100 ms; 1 message/s moves one per 10 ms
  let sqs: SqsEmulator;
  let client: SQSClient;
  let source: Queue;
  let dlq: Queue;
  let other: Queue;
  let counter = 0;

  before(async () => {
    sqs = new SqsEmulator('us-east-1', TIME_SCALE);
    const endpoint = await sqs.start();
    client = new SQSClient({ region: 'us-east-1', endpoint, credentials, maxAttempts: 1 });
  });
  after(async () => {
    client.destroy();
    await sqs.stop();
  });
  beforeEach(() => {
    counter += 1;
    dlq = sqs.createQueue(`redrive-dlq-${counter}`, { visibilityTimeoutSeconds: 10 });
    source = sqs.createQueue(`redrive-source-${counter}`, { visibilityTimeoutSeconds: 0, deadLetter: { queue: dlq, maxReceiveCount: 1 } });
    other = sqs.createQueue(`redrive-other-${counter}`, { visibilityTimeoutSeconds: 10 });
  });

  /** Sends `bodies` to the source queue and fails each once, so the redrive policy moves them to the DLQ. */
  async function deadLetter(bodies: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const body of bodies) ids.push((await client.send(new SendMessageCommand({ QueueUrl: source.url, MessageBody: body }))).MessageId!);
    sqs.receive(source, 10); // receive 1 (visibility 0: visible again at once)
    sqs.receive(source, 10); // over maxReceiveCount: moved to the DLQ
    assert.equal(sqs.depth(dlq), bodies.length);
    return ids;
  }

  async function waitCompleted(arn: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 200; i++) {
      const [task] = (await client.send(new ListMessageMoveTasksCommand({ SourceArn: arn }))).Results ?? [];
      if (task?.Status !== 'RUNNING') return task as Record<string, unknown>;
      await sleep(10);
    }
    throw new Error('move task still running');
  }

  it('moves every dead letter back to the queue it came from, as new messages, and reports the finished task', async () => {
    const ids = await deadLetter(['one', 'two', 'three']);
    const started = await client.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn }));
    assert.ok(started.TaskHandle);
    const task = await waitCompleted(dlq.arn);
    assert.deepEqual(
      { ...task, StartedTimestamp: typeof task.StartedTimestamp },
      { Status: 'COMPLETED', SourceArn: dlq.arn, ApproximateNumberOfMessagesMoved: 3, ApproximateNumberOfMessagesToMove: 3, StartedTimestamp: 'number' },
    );
    assert.equal(sqs.depth(dlq), 0);
    const back = await client.send(new ReceiveMessageCommand({ QueueUrl: source.url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }));
    assert.deepEqual(back.Messages?.map((m) => m.Body).sort(), ['one', 'three', 'two']);
    for (const m of back.Messages ?? []) {
      assert.ok(!ids.includes(m.MessageId!), 'a redriven message is a new message');
      assert.equal(m.Attributes?.ApproximateReceiveCount, '1');
    }
  });

  it('moves to a given destination queue when DestinationArn is set', async () => {
    await deadLetter(['elsewhere']);
    await client.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn, DestinationArn: other.arn }));
    const task = await waitCompleted(dlq.arn);
    assert.equal(task.DestinationArn, other.arn);
    assert.equal(sqs.depth(other), 1);
    assert.equal(sqs.depth(source), 0);
  });

  it('runs one task per source at a time and lists the handle only while it runs', async () => {
    await deadLetter(['a', 'b', 'c', 'd', 'e']);
    const first = await client.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn, MaxNumberOfMessagesPerSecond: 1 }));
    await assert.rejects(client.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn })), (err: Error) => err.name === 'UnsupportedOperation');
    const [running] = (await client.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn }))).Results ?? [];
    assert.deepEqual([running?.Status, running?.TaskHandle, running?.MaxNumberOfMessagesPerSecond], ['RUNNING', first.TaskHandle, 1]);
    const done = await waitCompleted(dlq.arn);
    assert.equal(done.TaskHandle, undefined);
    assert.equal(done.ApproximateNumberOfMessagesMoved, 5);
  });

  it('refuses a source that is not a dead-letter queue, and an unknown ARN', async () => {
    await assert.rejects(client.send(new StartMessageMoveTaskCommand({ SourceArn: source.arn })), (err: Error) => err.name === 'UnsupportedOperation');
    await assert.rejects(
      client.send(new StartMessageMoveTaskCommand({ SourceArn: 'arn:aws:sqs:us-east-1:000000000000:missing' })),
      (err: Error) => err.name === 'ResourceNotFoundException',
    );
  });
});

describe('SQS emulator: injected faults', () => {
  const sqs = new SqsEmulator('us-east-1', 1);
  let client: SQSClient;
  let queue: Queue;

  before(async () => {
    client = new SQSClient({ region: 'us-east-1', endpoint: await sqs.start(), credentials, maxAttempts: 1 });
    queue = sqs.createQueue('faulted', { visibilityTimeoutSeconds: 30 });
  });

  after(async () => {
    client.destroy();
    await sqs.stop();
  });

  it('answers an operation with the injected error, counts its calls, and stores nothing while failing', async () => {
    sqs.faults.fail('SendMessage', { status: 500, type: 'InternalError' });
    const calls = sqs.faults.calls('SendMessage');
    await assert.rejects(client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'x' })), (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(err.name, 'InternalError');
      assert.equal(err.$metadata?.httpStatusCode, 500);
      return true;
    });
    assert.equal(sqs.faults.calls('SendMessage') - calls, 1);
    assert.equal(queue.messages.length, 0);
    sqs.faults.reset();
    await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'x' }));
    assert.equal(queue.messages.length, 1);
  });
});
