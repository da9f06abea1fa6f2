import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sqsDeadLetterQueueRetention, sqsQueueEncrypted, sqsQueueRedrivePolicy } from '../queues';
import { findings, TestResource, UNKNOWN, violations, violationsOn, withChange } from './harness';

const QUEUE = 'aws:sqs/queue:Queue';
const acct = '123456789012';
const queueArn = (n: string) => `arn:aws:sqs:us-east-1:${acct}:${n}`;

/** Happy path: a DLQ kept 14 days and a retry queue redriving to it, both encrypted. */
function queues(): TestResource[] {
  return [
    { type: QUEUE, name: 'payments-dlq-dev', props: { name: 'payments-dlq-dev', arn: queueArn('payments-dlq-dev'), sqsManagedSseEnabled: true, messageRetentionSeconds: 1209600 } },
    {
      type: QUEUE,
      name: 'payments-retry-dev',
      props: {
        name: 'payments-retry-dev',
        arn: queueArn('payments-retry-dev'),
        sqsManagedSseEnabled: true,
        redrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn('payments-dlq-dev'), maxReceiveCount: 5 }),
      },
      dependsOn: { redrivePolicy: ['payments-dlq-dev'] },
    },
  ];
}
const change = (name: string, mutate: (r: TestResource) => void) => withChange(queues(), (rs) => mutate(rs.find((r) => r.name === name) as TestResource));

describe('sqs-queue-encrypted', () => {
  it('passes SSE-SQS queues', async () => assert.deepEqual(await violations(sqsQueueEncrypted, queues()), []));
  it('passes a KMS-encrypted queue', async () => {
    const rs = change('payments-dlq-dev', (r) => ((r.props.sqsManagedSseEnabled = false), (r.props.kmsMasterKeyId = 'alias/aws/sqs')));
    assert.deepEqual(await violations(sqsQueueEncrypted, rs), []);
  });
  it('rejects an unencrypted queue', async () => {
    const rs = change('payments-dlq-dev', (r) => (r.props.sqsManagedSseEnabled = false));
    assert.deepEqual(await violations(sqsQueueEncrypted, rs), ['SQS queue must be encrypted at rest (sqsManagedSseEnabled true or kmsMasterKeyId set).']);
  });
});

describe('sqs-dead-letter-queue-retention', () => {
  it('passes a DLQ kept 14 days', async () => assert.deepEqual(await violationsOn(sqsDeadLetterQueueRetention, queues()), []));
  it('rejects a DLQ kept 4 days', async () => {
    const rs = change('payments-dlq-dev', (r) => (r.props.messageRetentionSeconds = 345600));
    assert.deepEqual(await violationsOn(sqsDeadLetterQueueRetention, rs), [['payments-dlq-dev', 'SQS dead-letter queue must retain messages for 14 days (messageRetentionSeconds 1209600), got 345600.']]);
  });
  it('rejects a DLQ with the default retention', async () => {
    const rs = change('payments-dlq-dev', (r) => delete r.props.messageRetentionSeconds);
    assert.deepEqual(await violationsOn(sqsDeadLetterQueueRetention, rs), [
      ['payments-dlq-dev', 'SQS dead-letter queue must retain messages for 14 days (messageRetentionSeconds 1209600), got 345600 (default).'],
    ]);
  });
  it('finds the DLQ through the redrive policy ARN when there are no dependencies', async () => {
    const rs = withChange(queues(), (list) => {
      list[1].dependsOn = {};
      list[0].props.messageRetentionSeconds = 60;
    });
    assert.deepEqual(await violationsOn(sqsDeadLetterQueueRetention, rs), [['payments-dlq-dev', 'SQS dead-letter queue must retain messages for 14 days (messageRetentionSeconds 1209600), got 60.']]);
  });
});

describe('sqs-queue-redrive-policy', () => {
  it('passes a retry queue with a redrive policy', async () => assert.deepEqual(await violationsOn(sqsQueueRedrivePolicy, queues()), []));
  it('rejects a queue without a redrive policy', async () => {
    const rs = [...queues(), { type: QUEUE, name: 'orphan-dev', props: { name: 'orphan-dev', sqsManagedSseEnabled: true } }];
    assert.deepEqual(await violationsOn(sqsQueueRedrivePolicy, rs), [['orphan-dev', 'SQS queue must have a redrive policy to a dead-letter queue (no redrivePolicy and no aws.sqs.RedrivePolicy).']]);
  });
  it('accepts a separate aws.sqs.RedrivePolicy', async () => {
    const rs = withChange(queues(), (list) => {
      const retry = list[1];
      const redrive = retry.props.redrivePolicy;
      delete retry.props.redrivePolicy;
      retry.dependsOn = {};
      list.push({
        type: 'aws:sqs/redrivePolicy:RedrivePolicy',
        name: 'payments-retry-dev-redrive',
        props: { queueUrl: `https://sqs.us-east-1.amazonaws.com/${acct}/payments-retry-dev`, redrivePolicy: redrive },
        dependsOn: { queueUrl: ['payments-retry-dev'], redrivePolicy: ['payments-dlq-dev'] },
      });
    });
    assert.deepEqual(await violationsOn(sqsQueueRedrivePolicy, rs), []);
  });
  it('rejects a maxReceiveCount above the configured maximum', async () => {
    const rs = change('payments-retry-dev', (r) => (r.props.redrivePolicy = JSON.stringify({ deadLetterTargetArn: queueArn('payments-dlq-dev'), maxReceiveCount: 50 })));
    assert.deepEqual(await violationsOn(sqsQueueRedrivePolicy, rs), [['payments-retry-dev', 'SQS queue redrive policy must set maxReceiveCount between 1 and 10, got 50.']]);
  });
  it('reports an unknown redrive document during preview as not checkable, not as a pass', async () => {
    const rs = change('payments-retry-dev', (r) => (r.props.redrivePolicy = UNKNOWN));
    const result = await findings(sqsQueueRedrivePolicy, rs);
    assert.deepEqual(
      result.map((f) => [f.kind, f.level, f.message]),
      [['unknown', 'advisory', "cannot be checked until apply: string value at .redrivePolicy can't be known during preview"]],
    );
  });
});
