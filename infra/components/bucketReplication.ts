/**
 * Cross-region replication of the transaction-log buckets in BOTH directions, so logs written in
 * the DR region during an outage flow back to the primary on failback. Replication Time Control
 * (15-minute SLA) and replication metrics are on; replica modification sync keeps metadata
 * changes two-way. One replication role (IAM is global) scoped to exactly these buckets, and per
 * direction alarms on replication latency and failed operations in the source region.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-time-control.html
 *
 * Only objects under `objectPrefix` (the transaction logs) replicate. Other keys in these buckets
 * hold per-region conditional state (the pending-payment markers, written to both regions by the
 * handler with If-None-Match / If-Match): S3 replication writes a replica as the destination's new
 * current version without evaluating any condition, so it would overwrite that state, or bring
 * back a marker withdrawn in the destination. A rule filter by prefix is S3's way to select
 * objects: https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-add-config.html
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { BUDGET_CONSTANTS } from '../budget';
import { assumeRolePolicy, policyJson } from '../iam';
import { resourceName } from '../naming';
import { anyOccurrence, notifyingAlarm, type AlarmOwner } from './alarms';

export interface ReplicatedBucket {
  region: string;
  bucketName: pulumi.Input<string>;
  bucketArn: pulumi.Input<string>;
  /** The bucket's versioning resource: replication requires versioning on both sides first. */
  versioning: pulumi.Resource;
  /** This region's alarm topic (the source region alarms on its outgoing replication). */
  alarmTopicArn: pulumi.Input<string>;
}

export interface CrossRegionReplicationArgs {
  /** Environment suffix carried by every name. Required. */
  environmentSuffix: string;
  /** The buckets; each replicates to every other. Required (at least two). */
  buckets: ReplicatedBucket[];
  /** Key prefix of the objects that replicate (non-empty, e.g. `transactions/`). Required. */
  objectPrefix: string;
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class CrossRegionReplication extends pulumi.ComponentResource {
  public readonly role: aws.iam.Role;
  public readonly alarmArns: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: CrossRegionReplicationArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:storage:CrossRegionReplication', name, {}, opts);
    if (args.buckets.length < 2) throw new Error('CrossRegionReplication needs at least two buckets');
    if (args.objectPrefix === '' || args.objectPrefix.startsWith('/')) throw new Error(`CrossRegionReplication objectPrefix must be a non-empty key prefix, got "${args.objectPrefix}"`);
    const suffix = args.environmentSuffix;
    // Replication Time Control's threshold: S3 accepts only 15 minutes.
    const minutes = BUDGET_CONSTANTS.s3ReplicationTimeControlSeconds / 60;
    const bucketArns = args.buckets.map((b) => b.bucketArn);
    // Object keys are data: the replicated prefix of exactly these buckets.
    const objectArns = args.buckets.map((b) => pulumi.interpolate`${b.bucketArn}/${args.objectPrefix}*`);

    this.role = new aws.iam.Role(
      `${name}-role`,
      { name: resourceName('s3-replication-role', suffix), assumeRolePolicy: assumeRolePolicy('s3.amazonaws.com'), tags: args.tags },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.name,
        name: resourceName('s3-replication-policy', suffix),
        policy: policyJson([
          { Sid: 'ReadReplicationConfiguration', Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: bucketArns },
          {
            Sid: 'ReadSourceVersions',
            Effect: 'Allow',
            Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
            Resource: objectArns,
          },
          { Sid: 'WriteReplicas', Effect: 'Allow', Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], Resource: objectArns },
        ]),
      },
      { parent: this },
    );

    for (const source of args.buckets) {
      for (const destination of args.buckets.filter((b) => b !== source)) {
        const ruleId = `replicate-to-${destination.region}`;
        new aws.s3.BucketReplicationConfig(
          `${name}-${source.region}-to-${destination.region}`,
          {
            region: source.region,
            bucket: source.bucketName,
            role: this.role.arn,
            rules: [
              {
                id: ruleId,
                priority: 1,
                status: 'Enabled',
                // A filter with a prefix makes this a V2 rule, where deleteMarkerReplication is
                // allowed (an empty filter block may be dropped by the provider, leaving a V1 rule).
                // https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-add-config.html
                filter: { prefix: args.objectPrefix },
                deleteMarkerReplication: { status: 'Enabled' },
                sourceSelectionCriteria: { replicaModifications: { status: 'Enabled' } },
                destination: {
                  bucket: destination.bucketArn,
                  storageClass: 'STANDARD',
                  replicationTime: { status: 'Enabled', time: { minutes } },
                  metrics: { status: 'Enabled', eventThreshold: { minutes } },
                },
              },
            ],
          },
          { parent: this, dependsOn: [source.versioning, destination.versioning, policy] },
        );

        const dimensions = { SourceBucket: source.bucketName, DestinationBucket: destination.bucketName, RuleId: ruleId };
        const owner: AlarmOwner = { parent: this, region: source.region, topicArn: source.alarmTopicArn, tags: args.tags, alarmArns: this.alarmArns };
        notifyingAlarm(owner, `${name}-${source.region}-to-${destination.region}-latency`, resourceName(`s3-replication-latency-to-${destination.region}`, suffix, source.region), {
          alarmDescription: `Transaction logs from ${source.region} reach ${destination.region} later than the ${minutes}-minute RTC threshold (runbook: S3 replication)`,
          namespace: 'AWS/S3',
          metricName: 'ReplicationLatency',
          dimensions,
          statistic: 'Maximum',
          period: 300,
          evaluationPeriods: 1,
          // ReplicationLatency is reported in seconds.
          threshold: minutes * 60,
          comparisonOperator: 'GreaterThanThreshold',
          treatMissingData: 'notBreaching',
        });
        notifyingAlarm(owner, `${name}-${source.region}-to-${destination.region}-failed`, resourceName(`s3-replication-failed-to-${destination.region}`, suffix, source.region), {
          alarmDescription: `Transaction-log objects from ${source.region} failed to replicate to ${destination.region} (runbook: S3 replication)`,
          ...anyOccurrence({ namespace: 'AWS/S3', metricName: 'OperationsFailedReplication', dimensions }, 'Sum', 300),
        });
      }
    }
    this.registerOutputs({ roleArn: this.role.arn });
  }
}
