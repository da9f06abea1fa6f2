/**
 * The alarm topic, one branch per test: its key lets CloudWatch publish with exactly the actions AWS
 * documents for a service publishing to an encrypted topic (kms:GenerateDataKey* and kms:Decrypt),
 * the topic is encrypted with it, and the e-mail subscription exists only when an address is given.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { mockComponents, ofType, one, settle, type ProgramRun, type RecordedResource } from '../testing/harness';
import { AlarmTopic } from './alarmTopic';

const ACCOUNT = '123456789012';
const tags = { Project: 'payments-dr', Environment: 't' };

describe('alarm topic', () => {
  let run: ProgramRun;
  const keyOf = (name: string): RecordedResource => one(run, 'aws:kms/key:Key', (r) => r.name === `${name}-key`);
  const statementsOf = (name: string): Array<Record<string, any>> => JSON.parse(keyOf(name).inputs.policy).Statement;
  before(async () => {
    run = await mockComponents();
    new AlarmTopic('topic', { region: 'us-east-2', topicName: 'alarms', accountId: ACCOUNT, tags });
    new AlarmTopic('mailed', { region: 'us-west-2', topicName: 'alarms-mailed', accountId: ACCOUNT, alarmEmail: 'sre@example.com' });
    new AlarmTopic('slow-key', { region: 'us-east-1', topicName: 'alarms-slow', accountId: ACCOUNT, keyDeletionWindowInDays: 30 });
    await settle(run);
  });

  it('grants cloudwatch.amazonaws.com kms:GenerateDataKey* and kms:Decrypt, from this account only', () => {
    assert.deepEqual(statementsOf('topic').find((x) => x.Sid === 'CloudWatchAlarmsPublish'), {
      Sid: 'CloudWatchAlarmsPublish', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*', Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    });
  });

  it('uses no wildcard action but the documented kms:GenerateDataKey*', () => {
    const wildcards = statementsOf('topic').flatMap((st) => [st.Action].flat()).filter((a: string) => a.includes('*'));
    assert.ok(wildcards.length > 0 && wildcards.every((a: string) => a === 'kms:GenerateDataKey*'), wildcards.join(', '));
  });

  it('encrypts the topic with its own rotating key, deleted after 7 days by default', () => {
    const { policy: _policy, ...key } = keyOf('topic').inputs;
    assert.deepEqual(key, { region: 'us-east-2', description: 'Encrypts the alarm topic alarms', enableKeyRotation: true, deletionWindowInDays: 7, tags });
    assert.deepEqual(one(run, 'aws:sns/topic:Topic', (r) => r.inputs.name === 'alarms').inputs, { region: 'us-east-2', name: 'alarms', kmsMasterKeyId: keyOf('topic').state.arn, tags });
  });

  it('takes the key deletion window it is given', () => {
    assert.equal(keyOf('slow-key').inputs.deletionWindowInDays, 30);
  });

  it('subscribes no one without an alarm e-mail', () => {
    assert.deepEqual(ofType(run, 'aws:sns/topicSubscription:TopicSubscription').filter((r) => r.name.startsWith('topic-')), []);
  });

  it('subscribes the alarm e-mail to the topic, in the topic\'s region', () => {
    const topic = one(run, 'aws:sns/topic:Topic', (r) => r.inputs.name === 'alarms-mailed');
    assert.deepEqual(ofType(run, 'aws:sns/topicSubscription:TopicSubscription').map((r) => r.inputs), [{ region: 'us-west-2', topic: topic.state.arn, protocol: 'email', endpoint: 'sre@example.com' }]);
  });
});
