/**
 * The SQS and SSM emulators through the real AWS SDK v3 clients (the protocol the handlers speak):
 * SQS visibility timeouts, receive counts, redrive to the DLQ and stale receipt handles; SSM
 * parameters with versions, overwrite protection and paths.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { GetParameterCommand, GetParametersByPathCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { md5OfMessageAttributes, SqsEmulator, type Queue } from './sqsEmulator';
import { SsmEmulator } from './ssmEmulator';

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

describe('SSM emulator', () => {
  let ssm: SsmEmulator;
  let client: SSMClient;

  before(async () => {
    ssm = new SsmEmulator('us-east-2');
    client = new SSMClient({ region: 'us-east-2', endpoint: await ssm.start(), credentials, maxAttempts: 1 });
  });

  after(async () => {
    client.destroy();
    await ssm.stop();
  });

  it('stores versions, refuses an overwrite unless asked, and answers ParameterNotFound', async () => {
    await assert.rejects(client.send(new GetParameterCommand({ Name: '/app/x/maintenance' })), (err: Error) => err.name === 'ParameterNotFound');
    assert.equal((await client.send(new PutParameterCommand({ Name: '/app/x/maintenance', Value: 'false', Type: 'String' }))).Version, 1);
    await assert.rejects(
      client.send(new PutParameterCommand({ Name: '/app/x/maintenance', Value: 'true', Type: 'String' })),
      (err: Error) => err.name === 'ParameterAlreadyExists',
    );
    assert.equal((await client.send(new PutParameterCommand({ Name: '/app/x/maintenance', Value: 'true', Overwrite: true }))).Version, 2);
    const got = await client.send(new GetParameterCommand({ Name: '/app/x/maintenance' }));
    assert.equal(got.Parameter?.Value, 'true');
    assert.equal(got.Parameter?.Version, 2);
    assert.ok(got.Parameter?.LastModifiedDate instanceof Date);
    assert.equal(got.Parameter?.ARN, 'arn:aws:ssm:us-east-2:000000000000:parameter/app/x/maintenance');
  });

  it('lists a path one level deep or recursively, page by page', async () => {
    ssm.put('/app/y/a', '1');
    ssm.put('/app/y/b', '2');
    ssm.put('/app/y/deep/c', '3');
    const shallow = await client.send(new GetParametersByPathCommand({ Path: '/app/y/' }));
    assert.deepEqual(shallow.Parameters?.map((p) => p.Name), ['/app/y/a', '/app/y/b']);
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new GetParametersByPathCommand({ Path: '/app/y', Recursive: true, MaxResults: 2, NextToken: token }));
      names.push(...(page.Parameters ?? []).map((p) => p.Name ?? ''));
      token = page.NextToken;
    } while (token);
    assert.deepEqual(names, ['/app/y/a', '/app/y/b', '/app/y/deep/c']);
  });
});
