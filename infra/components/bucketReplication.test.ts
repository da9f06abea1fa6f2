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
import { mockComponents, ofType, settle, type ProgramRun } from '../testing/harness';
import { CrossRegionReplication } from './bucketReplication';

class Marker extends pulumi.CustomResource {
  constructor(name: string) {
    super('test:index:Marker', name, {});
  }
}

const bucket = (region: string, tag = '') => ({ region, bucketName: `b-${region}`, bucketArn: `arn:aws:s3:::b-${region}`, versioning: new Marker(`v-${region}${tag}`), alarmTopicArn: `arn:aws:sns:${region}:1:t` });

describe('cross-region replication rule', () => {
  let run: ProgramRun;
  before(async () => {
    run = await mockComponents();
    new CrossRegionReplication('rep', { environmentSuffix: 't', objectPrefix: 'transactions/', buckets: [bucket('us-east-1'), bucket('us-east-2')] });
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
});
