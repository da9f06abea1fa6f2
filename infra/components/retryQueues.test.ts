/**
 * The retry queue's visibility timeout stays at least six times its consumer's timeout whatever
 * either is set to (AWS Lambda's guidance for SQS event sources), because it is derived from it.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#events-sqs-queueconfig
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MOCK_ACCOUNT_ID, mockComponents, one, settle, type ProgramRun } from '../testing/harness';
import { VISIBILITY_TIMEOUT_FACTOR } from '../../contract';
import { RetryQueues } from './retryQueues';

describe('retry queues', () => {
  let run: ProgramRun;
  before(async () => {
    run = await mockComponents();
  });
  const queue = (name: string) => one(run, 'aws:sqs/queue:Queue', (r) => r.inputs.name === name);

  for (const timeout of [1, 30, 45, 150]) {
    it(`sizes the visibility timeout at 6 x a ${timeout} s consumer`, async () => {
      const q = new RetryQueues(`q${timeout}`, { region: 'us-east-1', queueName: `retry-${timeout}`, deadLetterQueueName: `dlq-${timeout}`, consumerTimeoutSeconds: timeout });
      await settle(run);
      assert.equal(queue(`retry-${timeout}`).inputs.visibilityTimeoutSeconds, VISIBILITY_TIMEOUT_FACTOR * timeout);
      assert.equal(q.consumerTimeoutSeconds, timeout, 'the consumer takes its timeout from the queue');
    });
  }

  it('keeps every argument\'s documented default: visibility 180 s with no consumer, 4-day retention, DLQ after 5 receives, no tags', async () => {
    new RetryQueues('defaults', { region: 'us-east-2', queueName: 'retry-defaults', deadLetterQueueName: 'dlq-defaults' });
    await settle(run);
    const dlqArn = `arn:aws:sqs:us-east-2:${MOCK_ACCOUNT_ID}:dlq-defaults`;
    assert.deepEqual(queue('retry-defaults').inputs, {
      region: 'us-east-2', name: 'retry-defaults', visibilityTimeoutSeconds: 180, messageRetentionSeconds: 345600, sqsManagedSseEnabled: true,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
    });
  });

  it('keeps dead letters 14 days (the SQS maximum), encrypted', async () => {
    new RetryQueues('dlq', { region: 'us-east-1', queueName: 'retry-dlq-case', deadLetterQueueName: 'dlq-case', tags: { Project: 'p' } });
    await settle(run);
    assert.deepEqual(queue('dlq-case').inputs, { region: 'us-east-1', name: 'dlq-case', messageRetentionSeconds: 1209600, sqsManagedSseEnabled: true, tags: { Project: 'p' } });
  });

  it('takes the receive count and retention it is given', async () => {
    new RetryQueues('tuned', { region: 'us-east-1', queueName: 'retry-tuned', deadLetterQueueName: 'dlq-tuned', maxReceiveCount: 3, messageRetentionSeconds: 86400 });
    await settle(run);
    const q = queue('retry-tuned').inputs;
    assert.equal(q.messageRetentionSeconds, 86400);
    assert.equal(JSON.parse(q.redrivePolicy).maxReceiveCount, 3);
  });

  it('lets only its own retry queue redrive into its DLQ', async () => {
    new RetryQueues('allow', { region: 'us-east-2', queueName: 'retry-allow', deadLetterQueueName: 'dlq-allow' });
    await settle(run);
    const allow = one(run, 'aws:sqs/redriveAllowPolicy:RedriveAllowPolicy', (r) => r.name === 'allow-dlq-allow');
    assert.deepEqual(allow.inputs, {
      region: 'us-east-2', queueUrl: `https://sqs.us-east-2.amazonaws.com/${MOCK_ACCOUNT_ID}/dlq-allow`,
      redriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [`arn:aws:sqs:us-east-2:${MOCK_ACCOUNT_ID}:retry-allow`] }),
    });
  });

  it('uses the AWS factor of six', () => {
    assert.equal(VISIBILITY_TIMEOUT_FACTOR, 6);
  });

  it('refuses a consumer timeout Lambda would not accept', () => {
    assert.throws(() => new RetryQueues('bad', { region: 'us-east-1', queueName: 'x', deadLetterQueueName: 'y', consumerTimeoutSeconds: 901 }), /1-900 s/);
  });
});
