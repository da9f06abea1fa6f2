/**
 * The replication rule's filter is an explicit `{ prefix: '' }`: an empty filter block may be
 * dropped by the provider, leaving a V1 rule without a filter, where delete-marker replication is
 * not allowed. https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-add-config.html
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

describe('cross-region replication rule', () => {
  let run: ProgramRun;
  before(async () => {
    run = await mockComponents();
    const bucket = (region: string) => ({ region, bucketName: `b-${region}`, bucketArn: `arn:aws:s3:::b-${region}`, versioning: new Marker(`v-${region}`), alarmTopicArn: `arn:aws:sns:${region}:1:t` });
    new CrossRegionReplication('rep', { environmentSuffix: 't', buckets: [bucket('us-east-1'), bucket('us-east-2')] });
    await settle(run);
  });

  it('filters on an explicit empty prefix in both directions', () => {
    const configs = ofType(run, 'aws:s3/bucketReplicationConfig:BucketReplicationConfig');
    assert.equal(configs.length, 2);
    for (const c of configs) {
      assert.deepEqual(c.inputs.rules[0].filter, { prefix: '' });
      assert.deepEqual(c.inputs.rules[0].deleteMarkerReplication, { status: 'Enabled' });
    }
  });
});
