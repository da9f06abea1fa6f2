/**
 * The retry queue's visibility timeout stays at least six times its consumer's timeout whatever
 * either is set to (AWS Lambda's guidance for SQS event sources), because it is derived from it.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#events-sqs-queueconfig
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { mockComponents, one, settle, type ProgramRun } from '../testing/harness';
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

  it('uses the AWS factor of six', () => {
    assert.equal(VISIBILITY_TIMEOUT_FACTOR, 6);
  });

  it('refuses a consumer timeout Lambda would not accept', () => {
    assert.throws(() => new RetryQueues('bad', { region: 'us-east-1', queueName: 'x', deadLetterQueueName: 'y', consumerTimeoutSeconds: 901 }), /1-900 s/);
  });
});
