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
import { LIFECYCLE_MINIMUM_TRANSITION_BYTES, PENDING_MARKER_EXPIRATION_DAYS, TransactionLogBucket } from './transactionLogBucket';

const tags = { Project: 'payments-dr', Environment: 't' };
let run: ProgramRun;
const forBucket = (type: string, bucket = 'marked-bucket') => one(run, type, (r) => r.inputs.bucket === bucket);
before(async () => {
  run = await mockComponents();
  new TransactionLogBucket('logs', { region: 'us-east-1', bucketName: 'logs-bucket', lifecycle: DEFAULTS.lifecycle });
  new TransactionLogBucket('marked', { region: 'us-east-2', bucketName: 'marked-bucket', lifecycle: DEFAULTS.lifecycle, pendingMarkerPrefix: 'pending/', tags });
  new TransactionLogBucket('kept', { region: 'us-east-2', bucketName: 'kept-bucket', lifecycle: DEFAULTS.lifecycle, forceDestroy: false });
  await settle(run);
});

describe('transaction-log bucket lifecycle', () => {
  let rules: Array<Record<string, any>>;
  let config: Record<string, any>;
  before(() => {
    config = forBucket('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', 'logs-bucket').inputs;
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

  it('applies the lifecycle days it is given, in this order of rules, without a pending-marker rule by default', () => {
    const l = DEFAULTS.lifecycle;
    assert.deepEqual(config, {
      region: 'us-east-1', bucket: 'logs-bucket', transitionDefaultMinimumObjectSize: 'all_storage_classes_128K', rules: [
        { id: 'transition-transaction-logs-128kb-and-larger', status: 'Enabled', filter: { objectSizeGreaterThan: 131071 }, transitions: [
          { days: l.transitionToInfrequentAccessDays, storageClass: 'STANDARD_IA' }, { days: l.transitionToGlacierDays, storageClass: 'GLACIER_IR' }] },
        { id: 'expire-noncurrent-versions', status: 'Enabled', filter: { prefix: '' }, noncurrentVersionExpiration: { noncurrentDays: l.noncurrentVersionExpirationDays } },
        { id: 'abort-incomplete-multipart-uploads', status: 'Enabled', filter: { prefix: '' }, abortIncompleteMultipartUpload: { daysAfterInitiation: l.abortIncompleteMultipartUploadDays } },
      ],
    });
  });

  it('expires pending-payment markers one day after the dead-letter queue\'s 14 days, and their old versions after one', () => {
    assert.equal(PENDING_MARKER_EXPIRATION_DAYS, 15);
    const rules = forBucket('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', 'marked-bucket').inputs.rules;
    assert.deepEqual(rules.find((r: { id: string }) => r.id === 'expire-pending-markers'), {
      id: 'expire-pending-markers', status: 'Enabled', filter: { prefix: 'pending/' }, expiration: { days: 15 }, noncurrentVersionExpiration: { noncurrentDays: 1 },
    });
  });
});

describe('transaction-log bucket', () => {
  it('is destroyable by default (emptied on destroy), in its region, with the given tags', () => {
    assert.deepEqual(forBucket('aws:s3/bucket:Bucket').inputs, { region: 'us-east-2', bucket: 'marked-bucket', forceDestroy: true, tags });
  });

  it('keeps its objects on destroy only when asked to', () => {
    assert.equal(forBucket('aws:s3/bucket:Bucket', 'kept-bucket').inputs.forceDestroy, false);
  });

  it('versions every object (replication requires it)', () => {
    assert.deepEqual(forBucket('aws:s3/bucketVersioning:BucketVersioning').inputs, { region: 'us-east-2', bucket: 'marked-bucket', versioningConfiguration: { status: 'Enabled' } });
  });

  it('encrypts every object with SSE-S3 by default', () => {
    assert.deepEqual(forBucket('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration').inputs, {
      region: 'us-east-2', bucket: 'marked-bucket', rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
  });

  it('blocks every form of public access', () => {
    assert.deepEqual(forBucket('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock').inputs, {
      region: 'us-east-2', bucket: 'marked-bucket', blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    });
  });

  it('denies every request that is not over TLS', () => {
    assert.deepEqual(JSON.parse(forBucket('aws:s3/bucketPolicy:BucketPolicy').inputs.policy).Statement, [{
      Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*',
      Resource: ['arn:aws:s3:::marked-bucket', 'arn:aws:s3:::marked-bucket/*'], Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    }]);
  });
});
