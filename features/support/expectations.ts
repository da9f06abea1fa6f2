/**
 * What the controls require, phrased against one region's resources: the alarms each region must
 * have, and what each payment function's role must and must not be allowed to do. Pure, so the
 * same table judges the plan, the live stack and the unit tests.
 */
import type { AccessQuestion, AlarmFacts, FunctionFacts, RegionPair, RegionalResources } from './targets/target';

// ---------------------------------------------------------------------------------------------
// Alarms

export interface AlarmRequirement {
  description: string;
  namespace: string;
  metricName: string;
  /** Dimensions that must be present with exactly these values; `undefined` value = present, any value. */
  dimensions: Record<string, string | undefined>;
  /**
   * When the alarm must fire, as the (comparison, threshold) pairs that express it: an alarm passes
   * when its comparison is one of these and its threshold lies in that comparison's range.
   */
  firesWhen: { text: string; accepts: ReadonlyArray<{ comparison: string; threshold: ThresholdRange }> };
  /** Region whose alarms hold it, when not the region checked (Route 53 metrics live in us-east-1). */
  inRegion?: string;
}

/** A closed/open interval of accepted thresholds, in the metric's unit. */
export interface ThresholdRange {
  atLeast?: number;
  greaterThan?: number;
  atMost?: number;
  lessThan?: number;
}

function inRange(t: number, r: ThresholdRange): boolean {
  return (r.atLeast === undefined || t >= r.atLeast) && (r.greaterThan === undefined || t > r.greaterThan) && (r.atMost === undefined || t <= r.atMost) && (r.lessThan === undefined || t < r.lessThan);
}

/**
 * A count (errors, throttles, 5xx responses, messages) alarm that fires at the FIRST occurrence:
 * `> t` with 0 <= t < 1, or `>= t` with 0 < t <= 1. An alarm at 1,000,000, or one at "> 1" that waits for a
 * second message, does not. (CloudWatch compares the statistic with the threshold:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html)
 */
export const FIRST_OCCURRENCE: AlarmRequirement['firesWhen'] = {
  text: 'at the first occurrence (> 0, or >= 1)',
  accepts: [
    { comparison: 'GreaterThanThreshold', threshold: { atLeast: 0, lessThan: 1 } },
    { comparison: 'GreaterThanOrEqualToThreshold', threshold: { greaterThan: 0, atMost: 1 } },
  ],
};

/** DynamoDB reports ReplicationLatency in milliseconds; the control is "above 30 seconds". */
export const REPLICATION_LATENCY_LIMIT_MS = 30_000;

const REPLICATION_LAG: AlarmRequirement['firesWhen'] = {
  text: `above at most ${REPLICATION_LATENCY_LIMIT_MS} ms`,
  accepts: [
    { comparison: 'GreaterThanThreshold', threshold: { atLeast: 0, atMost: REPLICATION_LATENCY_LIMIT_MS } },
    { comparison: 'GreaterThanOrEqualToThreshold', threshold: { greaterThan: 0, atMost: REPLICATION_LATENCY_LIMIT_MS } },
  ],
};

/** HealthCheckStatus is 1 (healthy) or 0 (unhealthy): the alarm fires exactly when it is 0. */
const UNHEALTHY: AlarmRequirement['firesWhen'] = {
  text: 'when HealthCheckStatus is 0 (< 1, or <= 0)',
  accepts: [
    { comparison: 'LessThanThreshold', threshold: { greaterThan: 0, atMost: 1 } },
    { comparison: 'LessThanOrEqualToThreshold', threshold: { atLeast: 0, lessThan: 1 } },
  ],
};

/** Route 53 publishes health-check metrics only in us-east-1. https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html */
export const HEALTH_CHECK_METRICS_REGION = 'us-east-1';

export const ALARM_KINDS = ['replication latency', 'function errors', 'function throttles', 'API server errors', 'dead-letter queue depth', 'health check'] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

function isAlarmKind(kind: string): kind is AlarmKind {
  return (ALARM_KINDS as readonly string[]).includes(kind);
}

/**
 * The alarms of one kind that `region` must have. The health check of every region (primary and DR)
 * must have its alarm, held in us-east-1 where Route 53 publishes the metric.
 */
export function requiredAlarms(kind: string, own: RegionalResources, otherRegion: string, regions: RegionPair): AlarmRequirement[] {
  if (!isAlarmKind(kind)) throw new Error(`unknown alarm kind "${kind}" (known: ${ALARM_KINDS.join(', ')})`);
  switch (kind) {
    case 'replication latency':
      return [
        {
          description: `DynamoDB ReplicationLatency of ${own.tableName} from ${own.region} to ${otherRegion} above 30 s`,
          namespace: 'AWS/DynamoDB',
          metricName: 'ReplicationLatency',
          dimensions: { TableName: own.tableName, ReceivingRegion: otherRegion },
          firesWhen: REPLICATION_LAG,
        },
      ];
    case 'function errors':
    case 'function throttles':
      return own.functions.map((fn: FunctionFacts) => ({
        description: `Lambda ${kind === 'function errors' ? 'Errors' : 'Throttles'} of ${fn.name}`,
        namespace: 'AWS/Lambda',
        metricName: kind === 'function errors' ? 'Errors' : 'Throttles',
        dimensions: { FunctionName: fn.name },
        firesWhen: FIRST_OCCURRENCE,
      }));
    case 'API server errors':
      return [
        {
          description: `API Gateway 5XXError of ${own.apiName ?? 'the regional API'}`,
          namespace: 'AWS/ApiGateway',
          metricName: '5XXError',
          dimensions: { ApiName: own.apiName },
          firesWhen: FIRST_OCCURRENCE,
        },
      ];
    case 'dead-letter queue depth': {
      const dlq = own.deadLetterQueueArn?.split(':').pop();
      return [
        {
          description: `SQS ApproximateNumberOfMessagesVisible of the dead-letter queue ${dlq ?? '(unknown)'}`,
          namespace: 'AWS/SQS',
          metricName: 'ApproximateNumberOfMessagesVisible',
          dimensions: { QueueName: dlq },
          firesWhen: FIRST_OCCURRENCE,
        },
      ];
    }
    case 'health check':
      return [
        {
          description: `Route 53 HealthCheckStatus of the ${own.region === regions.primaryRegion ? 'primary' : 'DR'} region's (${own.region}) health check, in ${HEALTH_CHECK_METRICS_REGION}`,
          namespace: 'AWS/Route53',
          metricName: 'HealthCheckStatus',
          dimensions: { HealthCheckId: undefined },
          firesWhen: UNHEALTHY,
          inRegion: HEALTH_CHECK_METRICS_REGION,
        },
      ];
  }
}

export interface AlarmVerdict {
  alarm?: AlarmFacts;
  problem?: string;
}

function dimensionsMatch(alarm: AlarmFacts, wanted: Record<string, string | undefined>): boolean {
  return Object.entries(wanted).every(([k, v]) => (v === undefined ? alarm.dimensions[k] !== undefined : alarm.dimensions[k] === v));
}

/**
 * Finds the alarm meeting a requirement (metric, dimensions, and firing when it must), or explains
 * what is wrong with the closest candidate. `taken` alarms (already matched to another requirement)
 * never match twice. Actions are checked by their own step.
 */
export function findAlarm(alarms: AlarmFacts[], requirement: AlarmRequirement, taken: ReadonlySet<AlarmFacts> = new Set()): AlarmVerdict {
  const onMetric = alarms.filter(
    (a) => (a.namespace === requirement.namespace && a.metricName === requirement.metricName) || a.metricNames.includes(requirement.metricName),
  );
  if (onMetric.length === 0) return { problem: `no alarm on ${requirement.namespace} ${requirement.metricName} (${requirement.description})` };
  const candidates = onMetric.filter((a) => dimensionsMatch(a, requirement.dimensions) && !taken.has(a));
  if (candidates.length === 0) {
    return {
      problem: `no ${requirement.metricName} alarm with dimensions ${JSON.stringify(requirement.dimensions)}${taken.size > 0 ? ' not already matched to another requirement' : ''}; found ${onMetric
        .map((a) => `${a.name} ${JSON.stringify(a.dimensions)}`)
        .join(', ')}`,
    };
  }
  const problems: string[] = [];
  for (const alarm of candidates) {
    const t = alarm.threshold;
    const accepted = requirement.firesWhen.accepts.find((a) => a.comparison === alarm.comparisonOperator);
    let issue: string | undefined;
    if (t === undefined) issue = 'has no threshold';
    else if (!accepted) issue = `comparison ${alarm.comparisonOperator ?? '(none)'} must be one of ${requirement.firesWhen.accepts.map((a) => a.comparison).join(', ')}`;
    else if (!inRange(t, accepted.threshold)) issue = `fires at ${alarm.comparisonOperator} ${t}; it must fire ${requirement.firesWhen.text}`;
    if (issue === undefined) return { alarm };
    problems.push(`${alarm.name} ${issue}`);
  }
  return { alarm: candidates[0], problem: `${requirement.description}: ${problems.join('; ')}` };
}

// ---------------------------------------------------------------------------------------------
// Least privilege

/** The payment functions (handler contract): logical name and its kebab-case form in resource names. */
export const PAYMENT_FUNCTIONS = ['createPayment', 'getPayment', 'health', 'retryProcessor'] as const;
export type PaymentFunction = (typeof PAYMENT_FUNCTIONS)[number];

export function logicalNameOf(functionName: string): PaymentFunction | undefined {
  const lower = functionName.toLowerCase();
  return PAYMENT_FUNCTIONS.find((f) => lower.includes(f.toLowerCase()) || lower.includes(f.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()));
}

export interface AccessExpectation {
  mustAllow: AccessQuestion[];
  mustDeny: AccessQuestion[];
}

function arns(r: RegionalResources) {
  return {
    table: r.tableArn,
    object: `arn:aws:s3:::${r.bucketName}/transactions/dr-verification.json`,
    /** A pending-payment marker (202 PENDING payments, `pending/<transactionId>.json`). */
    marker: `arn:aws:s3:::${r.bucketName}/pending/dr-verification.json`,
    bucket: `arn:aws:s3:::${r.bucketName}`,
    manualFailoverFlag: r.manualFailoverParameterArn ?? `arn:aws:ssm:${r.region}:${r.accountId}:parameter${r.parameterPath}manual-failover`,
    parameter: `arn:aws:ssm:${r.region}:${r.accountId}:parameter${r.parameterPath}table-name`,
    retryQueue: r.retryQueueArn,
  };
}

/**
 * What each function uses (handler contract: the environment the stack gives it) and a chosen
 * list of what it must never do: destroy or reconfigure the data stores, change or delete a stored
 * payment, flip the manual failover flag, reach the other region's data beyond the peer commit path
 * (createPayment commits in the peer replica when its own refuses the write; getPayment reads only
 * its own replica, and pending markers in both regions), or
 * touch IAM and keys.
 */
export function accessExpectations(fn: PaymentFunction, own: RegionalResources, peer: RegionalResources): AccessExpectation {
  const a = arns(own);
  const p = arns(peer);
  const q = (action: string, resource: string): AccessQuestion => ({ action, resource });
  const uses: Record<PaymentFunction, AccessQuestion[]> = {
    createPayment: [
      q('dynamodb:PutItem', a.table),
      q('dynamodb:GetItem', a.table),
      q('dynamodb:PutItem', p.table),
      q('dynamodb:GetItem', p.table),
      q('sqs:SendMessage', a.retryQueue),
      q('sqs:SendMessage', p.retryQueue),
      q('s3:PutObject', a.marker),
      q('s3:GetObject', a.marker),
      q('s3:PutObject', p.marker),
    ],
    getPayment: [q('dynamodb:GetItem', a.table), q('s3:GetObject', a.marker), q('s3:GetObject', p.marker)],
    // The write probe: a PutItem limited to the HEALTH#<region> key (dynamodb:LeadingKeys), whose condition never holds.
    health: [q('ssm:GetParameter', a.manualFailoverFlag), q('dynamodb:PutItem', a.table)],
    retryProcessor: [
      q('sqs:ReceiveMessage', a.retryQueue),
      q('sqs:DeleteMessage', a.retryQueue),
      q('sqs:GetQueueAttributes', a.retryQueue),
      q('dynamodb:PutItem', a.table),
      q('dynamodb:GetItem', a.table),
      q('s3:GetObject', a.marker),
    ],
  };
  const everyone: AccessQuestion[] = [
    q('dynamodb:DeleteTable', a.table),
    q('dynamodb:UpdateTable', a.table),
    q('dynamodb:Scan', a.table),
    q('dynamodb:DeleteItem', a.table),
    q('dynamodb:DeleteItem', p.table),
    q('dynamodb:UpdateItem', p.table),
    q('s3:PutObject', a.object),
    q('s3:DeleteBucket', a.bucket),
    q('s3:PutBucketPolicy', a.bucket),
    q('s3:PutBucketVersioning', a.bucket),
    q('s3:DeleteObjectVersion', a.object),
    q('s3:GetObject', p.object),
    q('sqs:DeleteQueue', a.retryQueue),
    q('sqs:PurgeQueue', a.retryQueue),
    q('ssm:PutParameter', a.manualFailoverFlag),
    q('ssm:GetParameter', p.manualFailoverFlag),
    q('iam:PassRole', `arn:aws:iam::${own.accountId}:role/any-role`),
    q('iam:CreateUser', `arn:aws:iam::${own.accountId}:user/any-user`),
    q('kms:ScheduleKeyDeletion', `arn:aws:kms:${own.region}:${own.accountId}:key/any-key`),
  ];
  const readOnly: AccessQuestion[] = [q('dynamodb:PutItem', a.table), q('dynamodb:DeleteItem', a.table), q('sqs:SendMessage', a.retryQueue)];
  const extra: Record<PaymentFunction, AccessQuestion[]> = {
    createPayment: [q('dynamodb:UpdateItem', a.table)],
    getPayment: [...readOnly, q('dynamodb:GetItem', p.table)],
    // Its PutItem is conditional on the health item's key, which this evaluator counts as allowed.
    health: [q('dynamodb:DeleteItem', a.table), q('dynamodb:UpdateItem', a.table), q('sqs:SendMessage', a.retryQueue)],
    retryProcessor: [q('dynamodb:UpdateItem', a.table), q('sqs:SendMessage', p.retryQueue)],
  };
  return { mustAllow: uses[fn], mustDeny: [...everyone, ...extra[fn]] };
}
