/**
 * One region's alarm topic, encrypted at rest.
 *
 * Why a customer managed key and not alias/aws/sns: CloudWatch alarms cannot publish to a topic
 * encrypted with the AWS managed SNS key, because that key's policy (which nobody can edit) does
 * not let cloudwatch.amazonaws.com use it; the alarm action fails with "CloudWatch Alarms does not
 * have authorization to access the SNS topic encryption key". So each region gets a small KMS key
 * whose policy grants exactly that. https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { policyJson, type PolicyStatement } from '../iam';

/** Key administration actions granted to the account root (no `kms:*`). */
export const KEY_ADMIN_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:PutKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:UpdateKeyDescription',
  'kms:ListResourceTags',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

export interface AlarmTopicArgs {
  /** Region of the topic and its key. Required. */
  region: string;
  /** Physical topic name. Required. */
  topicName: string;
  /** Account id, for the key policy. Required. */
  accountId: pulumi.Input<string>;
  /** E-mail subscribed to the topic. Default none (no subscription). */
  alarmEmail?: string;
  /** Days before a destroyed key is deleted (7-30). Default 7. */
  keyDeletionWindowInDays?: number;
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class AlarmTopic extends pulumi.ComponentResource {
  public readonly key: aws.kms.Key;
  public readonly topic: aws.sns.Topic;
  public readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: AlarmTopicArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:monitoring:AlarmTopic', name, {}, opts);
    const root = pulumi.interpolate`arn:aws:iam::${args.accountId}:root`;
    // In a key policy, Resource "*" means "this key" and is the only form AWS accepts.
    // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html
    const statements: PolicyStatement[] = [
      { Sid: 'AccountAdministersKey', Effect: 'Allow', Principal: { AWS: root }, Action: KEY_ADMIN_ACTIONS, Resource: '*' },
      {
        Sid: 'CloudWatchAlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        // The actions AWS documents for a service publishing to an encrypted topic: GenerateDataKey*
        // (GenerateDataKey and GenerateDataKeyWithoutPlaintext) and Decrypt.
        // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': args.accountId } },
      },
      {
        Sid: 'AccountPublishesAndReads',
        Effect: 'Allow',
        Principal: { AWS: root },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
      },
    ];
    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        region: args.region,
        description: `Encrypts the alarm topic ${args.topicName}`,
        enableKeyRotation: true,
        deletionWindowInDays: args.keyDeletionWindowInDays ?? 7,
        policy: policyJson(statements),
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.kms.Alias(`${name}-key-alias`, { region: args.region, name: `alias/${args.topicName}`, targetKeyId: this.key.keyId }, { parent: this });

    this.topic = new aws.sns.Topic(
      `${name}-topic`,
      { region: args.region, name: args.topicName, kmsMasterKeyId: this.key.arn, tags: args.tags },
      { parent: this },
    );
    if (args.alarmEmail !== undefined) {
      new aws.sns.TopicSubscription(
        `${name}-email`,
        { region: args.region, topic: this.topic.arn, protocol: 'email', endpoint: args.alarmEmail },
        { parent: this },
      );
    }
    this.topicArn = this.topic.arn;
    this.registerOutputs({ topicArn: this.topicArn });
  }
}
