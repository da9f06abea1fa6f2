/**
 * What the lifecycle rules really do: S3 transitions only objects of at least 128 KB (the default
 * since September 2024, set explicitly here), so the transition rule says so; noncurrent-version
 * expiry and aborted uploads apply to every object.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { DEFAULTS } from '../settings';
import { mockComponents, one, settle, type ProgramRun } from '../testing/harness';
import { LIFECYCLE_MINIMUM_TRANSITION_BYTES, TransactionLogBucket } from './transactionLogBucket';

describe('transaction-log bucket lifecycle', () => {
  let run: ProgramRun;
  let rules: Array<Record<string, any>>;
  let config: Record<string, any>;
  before(async () => {
    run = await mockComponents();
    new TransactionLogBucket('logs', { region: 'us-east-1', bucketName: 'logs-bucket', lifecycle: DEFAULTS.lifecycle });
    await settle(run);
    config = one(run, 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', () => true).inputs;
    rules = config.rules;
  });

  it('states the 128 KB minimum S3 applies to transitions', () => {
    assert.equal(LIFECYCLE_MINIMUM_TRANSITION_BYTES, 131072);
    assert.equal(config.transitionDefaultMinimumObjectSize, 'all_storage_classes_128K');
  });

  it('transitions only objects of 128 KB and more, and its filter says so', () => {
    const transitioning = rules.filter((r) => r.transitions !== undefined);
    assert.equal(transitioning.length, 1);
    assert.deepEqual(transitioning[0].filter, { objectSizeGreaterThan: LIFECYCLE_MINIMUM_TRANSITION_BYTES - 1 });
    assert.match(transitioning[0].id, /128kb-and-larger/);
  });

  it('expires noncurrent versions and aborts uploads whatever their size', () => {
    for (const r of rules.filter((x) => x.transitions === undefined)) assert.deepEqual(r.filter, { prefix: '' }, r.id);
  });
});
