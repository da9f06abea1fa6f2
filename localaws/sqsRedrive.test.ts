/**
 * Dead-letter queue redrive in the SQS emulator, through the real SDK v3 client: StartMessageMoveTask
 * and ListMessageMoveTasks behave as the SQS API reference documents them (source must be a DLQ of
 * another queue, one running task per source, messages return to their source queue as new
 * messages, the handle is listed only while the task runs).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { SqsEmulator, type Queue } from './sqsEmulator';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
