/**
 * One region's alarms on what the payment handlers themselves report, so a region that cannot
 * commit is never silent: every alarm here fires within 3 minutes of its condition
 * (period x evaluation periods <= 180 s; `ALARM_BOUND_SECONDS`).
 *
 * - Handler metrics (Powertools EMF, namespace `PaymentsDR`, dimension `service=payments`): payments
 *   this region's replica refused (committed in the peer's), payments queued for retry (202 PENDING), retry failures, transaction-log write failures, conflicts
 *   (a committed payment overwritten or removed). Any occurrence in a minute alarms.
 * - The retry queue's ApproximateAgeOfOldestMessage: a queued payment older than 60 s is not being
 *   committed (the retry processor polls continuously and its batching window is 1 s).
 * - The transaction-log stream's on-failure queue: a batch Lambda discarded.
 * (The retry dead-letter queue's depth alarm, >= 1 message in a 1-minute period, is in
 * RegionalAlarms.) CloudWatch evaluates an alarm on `evaluationPeriods` periods of `period` seconds:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
 * What each alarm means and its first action: `PAYMENT_ALARMS` below, and docs/runbook.md.
 */
import * as pulumi from '@pulumi/pulumi';
import { METRIC, METRIC_DIMENSIONS, METRICS_NAMESPACE, type MetricName } from '../../contract';
import { BUDGET_CONSTANTS } from '../budget';
import { resourceName } from '../naming';
import { notifyingAlarm, type AlarmMetric, type AlarmOwner } from './alarms';

/** Every alarm of this component fires within this many seconds of its condition. */
export const ALARM_BOUND_SECONDS = 180;
/** A queued payment older than this (seconds) alarms. */
export const RETRY_QUEUE_AGE_THRESHOLD_SECONDS = 60;

export type PaymentAlarmKey =
  | 'payments-committed-in-peer'
  | 'payments-queued'
  | 'retry-failures'
  | 'transaction-log-failures'
  | 'payment-conflicts'
  | 'retry-queue-age'
  | 'transaction-log-discarded'
  | 'credentials-replication-latency';

export interface PaymentAlarmSpec {
  /** What the alarm says happened. */
  meaning: string;
  /** The runbook's first action. */
  firstAction: string;
}

/** The alarms, what each means, and the first action (the runbook's alarm table lists the same). */
export const PAYMENT_ALARMS: Record<PaymentAlarmKey, PaymentAlarmSpec> = {
  'payments-committed-in-peer': {
    meaning: 'This region\'s replica refused a payment write; createPayment committed it in the peer region\'s replica (201).',
    firstAction: 'Check DynamoDB throttling/errors in the region and its /health (which fails on the same condition); confirm Route 53 moved traffic to the peer.',
  },
  'payments-queued': {
    meaning: 'createPayment answered 202 PENDING: the region could not commit a payment synchronously.',
    firstAction: 'Check the region\'s /health and DynamoDB throttling/errors; if writes keep failing, fail the region over (manual failover flag).',
  },
  'retry-failures': {
    meaning: 'The retry processor failed to commit a queued payment.',
    firstAction: 'Read the retry processor\'s error logs (transactionId, reason); a conflict or invalid message ends in the DLQ: `npm run dlq -- list`.',
  },
  'transaction-log-failures': {
    meaning: 'A transaction-log batch could not be written to S3; Lambda retries it from the stream.',
    firstAction: 'Check S3 errors for the transaction-log bucket; the payments are safe in DynamoDB, the log catches up when S3 recovers.',
  },
  'payment-conflicts': {
    meaning: 'A committed payment was overwritten or removed (eventual mode): both versions are in the conflicts/ objects.',
    firstAction: 'Open `transactions/<region>/conflicts/` for the transactionId, contact the merchant, settle which version stands; consider strong mode.',
  },
  'retry-queue-age': {
    meaning: `A payment has waited in the retry queue for more than ${RETRY_QUEUE_AGE_THRESHOLD_SECONDS} s.`,
    firstAction: 'The region cannot commit: check DynamoDB in the region and the retry processor\'s errors; fail over if it persists.',
  },
  'transaction-log-discarded': {
    meaning: 'Lambda discarded a stream batch after its retries: part of the region\'s transaction log is missing.',
    firstAction: 'Read the on-failure message (shard, sequence range) and rebuild that range of the log from the table (PITR export).',
  },
  'credentials-replication-latency': {
    meaning: `Merchant-credential changes reach the other region more than ${BUDGET_CONSTANTS.replicationLatencyThresholdSeconds} s late: a rotation or revocation is not yet effective there.`,
    firstAction: 'Check the credentials table\'s replication in the DynamoDB console; hold credential revocations as pending until both regions show them.',
  },
};

export interface PaymentAlarmsArgs {
  /** Region of the alarms. Required. */
  region: string;
  /** Environment suffix carried by every name. Required. */
  environmentSuffix: string;
  /** SNS topic every alarm (and its recovery) notifies. Required. */
  topicArn: pulumi.Input<string>;
  /** The retry queue's name (ApproximateAgeOfOldestMessage). Required. */
  retryQueueName: pulumi.Input<string>;
  /** The transaction-log stream's on-failure queue name. Required. */
  logFailureQueueName: pulumi.Input<string>;
  /** The merchant-credentials global table's name (ReplicationLatency to `peerRegion`). Required. */
  credentialsTableName: pulumi.Input<string>;
  /** The region this region's replicas replicate to. Required. */
  peerRegion: string;
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class PaymentAlarms extends pulumi.ComponentResource {
  /** Alarm ARNs by physical alarm name. */
  public readonly alarmArns: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: PaymentAlarmsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:monitoring:PaymentAlarms', name, {}, opts);
    const { region } = args;
    const owner: AlarmOwner = { parent: this, region, topicArn: args.topicArn, tags: args.tags, alarmArns: this.alarmArns };
    const alarm = (key: PaymentAlarmKey, metric: AlarmMetric, statistic: 'Sum' | 'Maximum' | 'Average', threshold: number, evaluationPeriods = 1): void => {
      notifyingAlarm(owner, `${name}-${key}`, resourceName(key, args.environmentSuffix, region), {
        alarmDescription: `${PAYMENT_ALARMS[key].meaning} (${region}; runbook: alarm ${key})`,
        ...metric,
        statistic,
        // 60 s x 1 (x 2 for replication latency): fires within ALARM_BOUND_SECONDS of the condition.
        period: 60,
        evaluationPeriods,
        datapointsToAlarm: evaluationPeriods,
        threshold,
        comparisonOperator: 'GreaterThanThreshold',
        // No datapoint means nothing happened (these metrics are only emitted on the event).
        treatMissingData: 'notBreaching',
      });
    };
    const handlerMetric = (metricName: MetricName) => ({ namespace: METRICS_NAMESPACE, metricName, dimensions: { ...METRIC_DIMENSIONS } });
    alarm('payments-committed-in-peer', handlerMetric(METRIC.paymentCommittedInPeer), 'Sum', 0);
    alarm('payments-queued', handlerMetric(METRIC.paymentQueued), 'Sum', 0);
    alarm('retry-failures', handlerMetric(METRIC.retryFailed), 'Sum', 0);
    alarm('transaction-log-failures', handlerMetric(METRIC.transactionLogFailed), 'Sum', 0);
    alarm('payment-conflicts', handlerMetric(METRIC.paymentConflictDetected), 'Sum', 0);
    alarm(
      'retry-queue-age',
      { namespace: 'AWS/SQS', metricName: 'ApproximateAgeOfOldestMessage', dimensions: { QueueName: args.retryQueueName } },
      'Maximum',
      RETRY_QUEUE_AGE_THRESHOLD_SECONDS,
    );
    alarm(
      'transaction-log-discarded',
      { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: args.logFailureQueueName } },
      'Maximum',
      0,
    );
    // As the payments table's replication alarm (RegionalAlarms); ReplicationLatency is in milliseconds.
    alarm(
      'credentials-replication-latency',
      { namespace: 'AWS/DynamoDB', metricName: 'ReplicationLatency', dimensions: { TableName: args.credentialsTableName, ReceivingRegion: args.peerRegion } },
      'Average',
      BUDGET_CONSTANTS.replicationLatencyThresholdSeconds * 1000,
      BUDGET_CONSTANTS.replicationAlarmEvaluationPeriods,
    );
    this.registerOutputs({ alarmArns: this.alarmArns });
  }
}
