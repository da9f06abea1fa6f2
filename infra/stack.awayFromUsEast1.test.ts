/**
 * The branches the committed stacks never take, in one more configuration of the real program:
 * neither region is us-east-1 (Route 53's health-check alarms then get a topic of their own there),
 * eventual consistency (a TTL, no witness), an alarm e-mail, custom domains off (a first deploy) and
 * the account's API Gateway CloudWatch role managed by the stack. Every whole-stack rule and contract
 * must hold here too.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from './settings';
import { MOCK_ACCOUNT_ID, ofType, one } from './testing/harness';
import { stackContracts } from './testing/stackContracts';
import { stackInvariants } from './testing/stackInvariants';

process.env.PAYMENTS_DR_BUNDLE_CACHE = join(REPO_ROOT, '.bundle-cache');
const suite = stackInvariants('staging', {
  primaryRegion: 'us-west-2',
  drRegion: 'us-east-2',
  consistencyMode: 'eventual',
  alarmEmail: 'sre@example.com',
  customDomainsEnabled: 'false',
  manageApiGatewayAccount: 'true',
}, 'away from us-east-1');
stackContracts(suite);

describe('stack away from us-east-1: branches the committed stacks do not take', () => {
  const run = () => suite.run();
  it('reads the overrides', () => {
    const s = suite.settings;
    assert.deepEqual([s.primaryRegion, s.drRegion, s.consistencyMode, s.alarmEmail, s.customDomainsEnabled, s.manageApiGatewayAccount], ['us-west-2', 'us-east-2', 'eventual', 'sre@example.com', false, true]);
  });

  it('gives the health-check alarms an encrypted topic of their own in us-east-1, mailed like the others', () => {
    const topic = one(run(), 'aws:sns/topic:Topic', (t) => t.inputs.region === 'us-east-1');
    assert.equal(topic.inputs.name, 'payments-dns-alarms-stg-us-east-1');
    assert.ok(topic.inputs.kmsMasterKeyId);
    const alarms = ofType(run(), 'aws:cloudwatch/metricAlarm:MetricAlarm').filter((a) => a.inputs.region === 'us-east-1');
    assert.deepEqual(alarms.map((a) => a.inputs.name).sort(), ['primary-health-check-failed-stg-us-east-1', 'secondary-health-check-failed-stg-us-east-1']);
    assert.ok(ofType(run(), 'aws:sns/topicSubscription:TopicSubscription').some((x) => x.inputs.region === 'us-east-1' && x.inputs.endpoint === 'sre@example.com'));
  });

  it('subscribes the alarm e-mail to all three topics', () => {
    assert.equal(ofType(run(), 'aws:sns/topicSubscription:TopicSubscription').length, 3);
  });

  it('builds an eventually consistent table: EVENTUAL replica, TTL, no witness', () => {
    const table = one(run(), 'aws:dynamodb/table:Table', (r) => r.inputs.name === 'payments-table-stg');
    assert.equal(table.inputs.replicas[0].consistencyMode, 'EVENTUAL');
    assert.deepEqual(table.inputs.ttl, { attributeName: 'expiration', enabled: true });
    assert.equal(table.inputs.globalTableWitness, undefined);
  });

  it('sets the account-wide API Gateway CloudWatch role in both regions when asked to', () => {
    const accounts = ofType(run(), 'aws:apigateway/account:Account');
    assert.deepEqual(accounts.map((a) => [a.inputs.region, a.inputs.cloudwatchRoleArn]).sort(), [
      ['us-east-2', `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/apigw-cloudwatch-role-stg`], ['us-west-2', `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/apigw-cloudwatch-role-stg`]]);
  });

  it('declares no custom domain, certificate or base path mapping without custom domains', () => {
    for (const type of ['aws:apigateway/domainName:DomainName', 'aws:acm/certificate:Certificate', 'aws:apigateway/basePathMapping:BasePathMapping']) assert.deepEqual(ofType(run(), type), [], type);
  });

  it('reports an unbounded RPO for eventual consistency', () => {
    assert.equal(run().outputs.drBudget.rpo.bounded, false);
  });
});
