/**
 * The replication rule's filter is the transaction-log prefix: a V2 rule (an empty filter block may
 * be dropped by the provider, leaving a V1 rule where delete-marker replication is not allowed,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-add-config.html), and other
 * keys, the per-region pending-payment markers, are not replicated over the other region's
 * conditional state.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as pulumi from '@pulumi/pulumi';
import { mockComponents, ofType, one, settle, type ProgramRun } from '../testing/harness';
import { CrossRegionReplication } from './bucketReplication';

class Marker extends pulumi.CustomResource {
  constructor(name: string) {
    super('test:index:Marker', name, {});
  }
}

const bucket = (region: string, tag = '') => ({ region, bucketName: `b-${region}`, bucketArn: `arn:aws:s3:::b-${region}`, versioning: new Marker(`v-${region}${tag}`), alarmTopicArn: `arn:aws:sns:${region}:1:t` });

const tags = { Project: 'payments-dr', Environment: 't' };

describe('cross-region replication rule', () => {
  let run: ProgramRun;
  before(async () => {
    run = await mockComponents();
    new CrossRegionReplication('rep', { environmentSuffix: 't', objectPrefix: 'transactions/', buckets: [bucket('us-east-1'), bucket('us-east-2')], tags });
    await settle(run);
  });

  it('replicates only the transaction-log prefix, in both directions', () => {
    const configs = ofType(run, 'aws:s3/bucketReplicationConfig:BucketReplicationConfig');
    assert.equal(configs.length, 2);
    for (const c of configs) {
      assert.deepEqual(c.inputs.rules[0].filter, { prefix: 'transactions/' });
      assert.deepEqual(c.inputs.rules[0].deleteMarkerReplication, { status: 'Enabled' });
    }
  });

  it('refuses an empty prefix (it would replicate the per-region pending markers)', () => {
    assert.throws(
      () => new CrossRegionReplication('rep-empty', { environmentSuffix: 't', objectPrefix: '', buckets: [bucket('us-east-1', '-e'), bucket('us-east-2', '-e')] }),
      /objectPrefix must be a non-empty key prefix/,
    );
  });

  for (const [source, destination] of [['us-east-1', 'us-east-2'], ['us-east-2', 'us-east-1']]) {
    it(`replicates ${source} to ${destination} with RTC (15 min by default), metrics, delete markers and replica modification sync`, () => {
      const config = one(run, 'aws:s3/bucketReplicationConfig:BucketReplicationConfig', (r) => r.inputs.region === source);
      assert.deepEqual(config.inputs, {
        region: source, bucket: `b-${source}`, role: one(run, 'aws:iam/role:Role', () => true).state.arn,
        rules: [{
          id: `replicate-to-${destination}`, priority: 1, status: 'Enabled', filter: { prefix: 'transactions/' },
          deleteMarkerReplication: { status: 'Enabled' },
          sourceSelectionCriteria: { replicaModifications: { status: 'Enabled' } },
          destination: {
            bucket: `arn:aws:s3:::b-${destination}`, storageClass: 'STANDARD',
            replicationTime: { status: 'Enabled', time: { minutes: 15 } }, metrics: { status: 'Enabled', eventThreshold: { minutes: 15 } },
          },
        }],
      });
    });

    it(`alarms in ${source} when replication to ${destination} exceeds the RTC threshold or fails`, () => {
      const topic = `arn:aws:sns:${source}:1:t`;
      const dimensions = { SourceBucket: `b-${source}`, DestinationBucket: `b-${destination}`, RuleId: `replicate-to-${destination}` };
      const alarm = (name: string) => {
        const { alarmDescription, ...rest } = one(run, 'aws:cloudwatch/metricAlarm:MetricAlarm', (r) => r.inputs.name === name).inputs;
        assert.match(alarmDescription, /runbook/);
        return rest;
      };
      const common = { region: source, dimensions, period: 300, evaluationPeriods: 1, comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching', alarmActions: [topic], okActions: [topic], tags };
      assert.deepEqual(alarm(`s3-replication-latency-to-${destination}-t-${source}`), { ...common, name: `s3-replication-latency-to-${destination}-t-${source}`, namespace: 'AWS/S3', metricName: 'ReplicationLatency', statistic: 'Maximum', threshold: 900 });
      assert.deepEqual(alarm(`s3-replication-failed-to-${destination}-t-${source}`), { ...common, name: `s3-replication-failed-to-${destination}-t-${source}`, namespace: 'AWS/S3', metricName: 'OperationsFailedReplication', statistic: 'Sum', threshold: 0 });
    });
  }

  it('lets its one role read and write exactly the replicated prefix of the two buckets', () => {
    const objects = ['us-east-1', 'us-east-2'].map((r) => `arn:aws:s3:::b-${r}/transactions/*`);
    const statements = JSON.parse(one(run, 'aws:iam/rolePolicy:RolePolicy', (r) => r.name === 'rep-policy').inputs.policy).Statement;
    assert.deepEqual(statements.filter((st: { Sid: string }) => st.Sid !== 'ReadReplicationConfiguration').map((st: { Resource: string[] }) => st.Resource), [objects, objects]);
  });
});
