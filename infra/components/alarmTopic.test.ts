/**
 * The alarm topic's key lets CloudWatch publish with exactly the actions AWS documents for a
 * service publishing to an encrypted topic: kms:GenerateDataKey* and kms:Decrypt.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { mockComponents, one, settle, type ProgramRun } from '../testing/harness';
import { AlarmTopic } from './alarmTopic';

describe('alarm topic key policy', () => {
  let run: ProgramRun;
  let statements: Array<Record<string, any>>;
  before(async () => {
    run = await mockComponents();
    new AlarmTopic('topic', { region: 'us-east-2', topicName: 'alarms', accountId: '123456789012' });
    await settle(run);
    statements = JSON.parse(one(run, 'aws:kms/key:Key', () => true).inputs.policy).Statement;
  });

  it('grants cloudwatch.amazonaws.com kms:GenerateDataKey* and kms:Decrypt', () => {
    const cw = statements.find((x) => x.Sid === 'CloudWatchAlarmsPublish')!;
    assert.deepEqual([...cw.Action].sort(), ['kms:Decrypt', 'kms:GenerateDataKey*']);
    assert.deepEqual(cw.Condition, { StringEquals: { 'aws:SourceAccount': '123456789012' } });
  });
});
