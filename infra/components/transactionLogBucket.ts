/**
 * One region's transaction-log bucket: versioned (replication requires it), encrypted, private,
 * TLS-only, with lifecycle rules. Cross-region replication lives in `bucketReplication.ts`
 * because it needs both regions' buckets.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { policyJson } from '../iam';
import type { LifecycleSettings } from '../settings';
import { DLQ_RETENTION_SECONDS } from '../../contract';

/**
 * S3 lifecycle transitions skip objects smaller than 128 KB by default (since September 2024,
 * `TransitionDefaultMinimumObjectSize: all_storage_classes_128K`), and STANDARD_IA / GLACIER_IR
 * bill at least 128 KB per object anyway. The rules below say so explicitly: only objects of at
 * least this size transition; smaller ones stay in S3 Standard for life (the transaction log is
 * batched into objects larger than this for that reason). Noncurrent-version expiry and aborted
 * uploads apply to every object whatever its size.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
 */
export const LIFECYCLE_MINIMUM_TRANSITION_BYTES = 128 * 1024;

/**
 * Days a pending-payment marker is kept: one day beyond the longest a message naming it can live.
 * A queued payment lives at most the dead-letter queue's retention (14 days), because SQS counts a
 * dead-lettered message's expiry from its original enqueue time ("The expiration of a message is
 * always based on its original enqueue timestamp",
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html).
 */
export const PENDING_MARKER_EXPIRATION_DAYS = Math.ceil(DLQ_RETENTION_SECONDS / 86_400) + 1;

export interface TransactionLogBucketArgs {
  /** Region of the bucket. Required. */
  region: string;
  /** Globally unique physical name. Required. */
  bucketName: pulumi.Input<string>;
  /** Lifecycle days (transitions, noncurrent expiry, aborted uploads). Required. */
  lifecycle: LifecycleSettings;
  /** Key prefix of pending-payment markers, expired after PENDING_MARKER_EXPIRATION_DAYS. Default none (no such rule). */
  pendingMarkerPrefix?: string;
  /** Empty the bucket on destroy so the stack stays destroyable. Default true. */
  forceDestroy?: boolean;
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class TransactionLogBucket extends pulumi.ComponentResource {
  public readonly bucket: aws.s3.Bucket;
  public readonly versioning: aws.s3.BucketVersioning;
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;

  constructor(name: string, args: TransactionLogBucketArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:storage:TransactionLogBucket', name, {}, opts);
    const region = args.region;
    this.bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      { region, bucket: args.bucketName, forceDestroy: args.forceDestroy ?? true, tags: args.tags },
      { parent: this },
    );
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;

    this.versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { region, bucket: this.bucket.id, versioningConfiguration: { status: 'Enabled' } },
      { parent: this },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      { region, bucket: this.bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
      { parent: this },
    );
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access-block`,
      { region, bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      { parent: this },
    );
    new aws.s3.BucketPolicy(
      `${name}-tls-only`,
      {
        region,
        bucket: this.bucket.id,
        policy: policyJson([
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Resource: [this.bucket.arn, pulumi.interpolate`${this.bucket.arn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ]),
      },
      // S3 rejects a policy while the public access block is being applied; order them.
      { parent: this, dependsOn: [publicAccessBlock] },
    );
    const l = args.lifecycle;
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        region,
        bucket: this.bucket.id,
        transitionDefaultMinimumObjectSize: 'all_storage_classes_128K',
        rules: [
          {
            // Objects of 128 KB and more (ObjectSizeGreaterThan is exclusive); smaller objects never transition.
            id: 'transition-transaction-logs-128kb-and-larger',
            status: 'Enabled',
            filter: { objectSizeGreaterThan: LIFECYCLE_MINIMUM_TRANSITION_BYTES - 1 },
            transitions: [
              { days: l.transitionToInfrequentAccessDays, storageClass: 'STANDARD_IA' },
              { days: l.transitionToGlacierDays, storageClass: 'GLACIER_IR' },
            ],
          },
          {
            id: 'expire-noncurrent-versions',
            status: 'Enabled',
            filter: { prefix: '' },
            noncurrentVersionExpiration: { noncurrentDays: l.noncurrentVersionExpirationDays },
          },
          ...(args.pendingMarkerPrefix === undefined
            ? []
            : [{
                // A marker outlives every message that can name it, then goes (current and noncurrent versions).
                id: 'expire-pending-markers',
                status: 'Enabled',
                filter: { prefix: args.pendingMarkerPrefix },
                expiration: { days: PENDING_MARKER_EXPIRATION_DAYS },
                noncurrentVersionExpiration: { noncurrentDays: 1 },
              }]),
          {
            id: 'abort-incomplete-multipart-uploads',
            status: 'Enabled',
            filter: { prefix: '' },
            abortIncompleteMultipartUpload: { daysAfterInitiation: l.abortIncompleteMultipartUploadDays },
          },
        ],
      },
      { parent: this, dependsOn: [this.versioning] },
    );
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }
}
