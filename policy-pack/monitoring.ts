/**
 * CloudWatch: the alarms that tell an SRE the DR posture is degrading, and log retention.
 */
import * as aws from '@pulumi/aws';
import { PolicyResource, validateResourceOfType } from '@pulumi/policy';
import { PackResourcePolicy, PackStackPolicy, pciDss, tags } from './lib/policy';
import { checkAll, checkEach, isSet, known } from './lib/preview';
import { bool, get, list, num, record, str } from './lib/props';
import { DEFAULT_MINIMUM_RETENTION_DAYS, minimumRetentionSchema } from './lib/retention';
import { referencedBy, RegionConfig, regionConfig, regionOf, regionSchema, tokenOf } from './lib/stack';

const ALARM_TYPE = tokenOf(aws.cloudwatch.MetricAlarm);
const TABLE_TYPE = tokenOf(aws.dynamodb.Table);
const TABLE_REPLICA_TYPE = tokenOf(aws.dynamodb.TableReplica);
const FUNCTION_TYPE = tokenOf(aws.lambda.Function);
const REST_API_TYPE = tokenOf(aws.apigateway.RestApi);

/** The metric an alarm watches: its own metric, or the metric of its metric queries. */
interface WatchedMetric {
  namespace?: string;
  metricName?: string;
  dimensions: Record<string, string>;
  unit?: string;
}

function dimensionsOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const dims = record(value);
  if (!dims) return out;
  for (const key of Object.keys(dims)) {
    const v = known(() => get(dims, key));
    if (typeof v === 'string') out[key] = v;
  }
  return out;
}

export function watchedMetrics(alarm: PolicyResource): WatchedMetric[] {
  const own: WatchedMetric = {
    namespace: str(alarm.props, 'namespace'),
    metricName: str(alarm.props, 'metricName'),
    dimensions: dimensionsOf(get(alarm.props, 'dimensions')),
    unit: str(alarm.props, 'unit'),
  };
  const fromQueries = list(alarm.props, 'metricQueries')
    .map((q) => get(q, 'metric'))
    .filter((m) => m !== undefined)
    .map((m) => ({ namespace: str(m, 'namespace'), metricName: str(m, 'metricName'), dimensions: dimensionsOf(get(m, 'dimensions')), unit: str(m, 'unit') }));
  return own.metricName !== undefined ? [own] : fromQueries;
}

/**
 * The alarms in `region` on `namespace`/`metricName` whose dimensions name `subject`: the dimension
 * `nameDimension` equals the subject's name, or the alarm's dimensions were computed from the subject
 * (a property dependency). When the subject's name is unknown and nothing depends on it, no alarm
 * matches: an alarm on some other resource never stands in for this one. `extra` dimensions must match exactly.
 */
function alarmsFor(
  resources: readonly PolicyResource[],
  metric: { namespace: string; metricName: string; nameDimension: string; extra?: Record<string, string> },
  subject: PolicyResource,
  region: string,
  fallback: string,
): PolicyResource[] {
  const name = known(() => str(subject.props, 'name'));
  return resources.filter((r) => {
    if (r.type !== ALARM_TYPE || regionOf(r, fallback) !== region) return false;
    const dependsOnSubject = [...(r.propertyDependencies?.dimensions ?? []), ...(r.propertyDependencies?.metricQueries ?? [])].some((d) => d.urn === subject.urn);
    return watchedMetrics(r).some(
      (m) =>
        m.namespace === metric.namespace &&
        m.metricName === metric.metricName &&
        Object.entries(metric.extra ?? {}).every(([k, v]) => m.dimensions[k] === v) &&
        ((name !== undefined && m.dimensions[metric.nameDimension] === name) || (dependsOnSubject && m.dimensions[metric.nameDimension] === undefined) || (dependsOnSubject && name === undefined)),
    );
  });
}

/**
 * Whether a count alarm (errors, throttles, 5xx, messages) fires at the first occurrence: above
 * `maxThreshold` (default 0) with GreaterThanThreshold, or at `maxThreshold + 1` with GreaterThanOrEqualToThreshold.
 * Returns the violation text, or undefined when it does.
 */
function firstOccurrenceProblem(alarm: PolicyResource, maxThreshold: number): string | undefined {
  const threshold = num(alarm.props, 'threshold');
  const operator = str(alarm.props, 'comparisonOperator');
  const ok =
    threshold !== undefined &&
    ((operator === 'GreaterThanThreshold' && threshold <= maxThreshold) || (operator === 'GreaterThanOrEqualToThreshold' && threshold <= maxThreshold + 1));
  return ok ? undefined : `threshold ${threshold ?? 'none'} with ${operator ?? 'no operator'}`;
}

const countThresholdSchema = {
  maxThreshold: {
    type: 'number' as const,
    default: 0,
    description: 'Largest accepted threshold with GreaterThanThreshold (GreaterThanOrEqualToThreshold: one more); 0 = the first occurrence.',
  },
};

/** ReplicationLatency is published in milliseconds. */
export const DEFAULT_MAX_REPLICATION_LATENCY_MS = 30_000;

export const dynamodbReplicationLatencyAlarms: PackStackPolicy = {
  name: 'dynamodb-replication-latency-alarms',
  description: 'Checks whether every replication direction of every DynamoDB global table has a ReplicationLatency alarm at 30 seconds or less.',
  enforcementLevel: 'mandatory',
  severity: 'critical',
  framework: pciDss('10.7.2', 'Failures of critical security control systems are detected, alerted and addressed promptly.'),
  remediationSteps:
    'In each source region add an aws.cloudwatch.MetricAlarm on AWS/DynamoDB ReplicationLatency with dimensions { TableName, ReceivingRegion: <other region> }, threshold 30000 (milliseconds), comparisonOperator GreaterThanThreshold, and an SNS alarm action.',
  tags: tags('DR-06', 'monitoring'),
  subjects: [TABLE_TYPE],
  configSchema: {
    properties: {
      ...regionSchema,
      maxThresholdMilliseconds: { type: 'integer', default: DEFAULT_MAX_REPLICATION_LATENCY_MS, description: 'Largest accepted threshold, in the metric unit (ms).' },
    },
  },
  validateStack: (args, reportViolation) => {
    const config = { ...regionConfig(args.getConfig<Partial<RegionConfig>>()), maxThresholdMilliseconds: DEFAULT_MAX_REPLICATION_LATENCY_MS, ...args.getConfig<{ maxThresholdMilliseconds?: number }>() };
    checkEach(
      args.resources.filter((r) => r.type === TABLE_TYPE),
      (table) => {
        const home = regionOf(table, config.primaryRegion);
        // Replicas declared inline, or as separate aws.dynamodb.TableReplica resources of this table.
        const separate = args.resources
          .filter((r) => r.type === TABLE_REPLICA_TYPE && referencedBy(r, 'globalTableArn', [table], (t) => [known(() => str(t.props, 'arn'))]).length > 0)
          .map((r) => regionOf(r, config.primaryRegion));
        const inline = list(table.props, 'replicas').map((r) => str(r, 'regionName'));
        const replicaRegions = [...new Set([...inline, ...separate])].filter((r): r is string => r !== undefined && r !== home);
        if (replicaRegions.length === 0) return;
        const regions = [home, ...replicaRegions];
        const directions = regions.flatMap((source) => regions.filter((target) => target !== source).map((target) => ({ source, target })));
        checkEach(directions, ({ source, target }) => {
          const alarms = alarmsFor(
            args.resources,
            { namespace: 'AWS/DynamoDB', metricName: 'ReplicationLatency', nameDimension: 'TableName', extra: { ReceivingRegion: target } },
            table,
            source,
            config.primaryRegion,
          );
          if (alarms.length === 0) {
            reportViolation(
              `DynamoDB global table must have a ReplicationLatency alarm for ${source} -> ${target} (AWS/DynamoDB in ${source}, dimensions TableName of this table and ReceivingRegion ${target}).`,
              table.urn,
            );
            return;
          }
          checkEach(alarms, (alarm) =>
            checkAll(
              () => {
                const threshold = num(alarm.props, 'threshold');
                if (threshold === undefined || threshold > config.maxThresholdMilliseconds) {
                  reportViolation(
                    `ReplicationLatency alarm must fire at ${config.maxThresholdMilliseconds} ms or less (the metric is in milliseconds), got ${threshold ?? 'none'}.`,
                    alarm.urn,
                  );
                }
              },
              () => {
                const units = watchedMetrics(alarm).map((m) => m.unit).filter((u) => u !== undefined);
                if (units.some((u) => u !== 'Milliseconds')) reportViolation(`ReplicationLatency alarm must use the metric's unit Milliseconds, got ${units.join(', ')}.`, alarm.urn);
              },
              () => {
                const operator = str(alarm.props, 'comparisonOperator');
                if (operator !== 'GreaterThanThreshold' && operator !== 'GreaterThanOrEqualToThreshold') {
                  reportViolation(`ReplicationLatency alarm must fire above the threshold (GreaterThanThreshold), got ${operator ?? 'none'}.`, alarm.urn);
                }
              },
            ),
          );
        });
      },
    );
  },
};

export const lambdaErrorThrottleAlarms: PackStackPolicy = {
  name: 'lambda-error-throttle-alarms',
  description: 'Checks whether every Lambda function has an Errors alarm and a Throttles alarm in its region.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('10.7.2', 'Failures of critical security control systems are detected, alerted and addressed promptly.'),
  remediationSteps: 'Add aws.cloudwatch.MetricAlarm resources on AWS/Lambda Errors and Throttles with dimension FunctionName, in the function\'s region, with an SNS action.',
  tags: tags('OPS-01', 'monitoring'),
  subjects: [FUNCTION_TYPE],
  configSchema: { properties: { ...regionSchema, ...countThresholdSchema } },
  validateStack: (args, reportViolation) => {
    const { primaryRegion } = regionConfig(args.getConfig<Partial<RegionConfig>>());
    const { maxThreshold } = { maxThreshold: 0, ...args.getConfig<{ maxThreshold?: number }>() };
    checkEach(
      args.resources.filter((r) => r.type === FUNCTION_TYPE),
      (fn) => {
        const region = regionOf(fn, primaryRegion);
        const found = ['Errors', 'Throttles'].map((metricName) => ({
          metricName,
          alarms: alarmsFor(args.resources, { namespace: 'AWS/Lambda', metricName, nameDimension: 'FunctionName' }, fn, region, primaryRegion),
        }));
        const missing = found.filter((f) => f.alarms.length === 0).map((f) => f.metricName);
        if (missing.length > 0) reportViolation(`Lambda function must have ${missing.join(' and ')} alarm(s) in ${region} (AWS/Lambda, dimension FunctionName of this function).`, fn.urn);
        checkEach(found, ({ metricName, alarms }) =>
          checkEach(alarms, (alarm) => {
            const problem = firstOccurrenceProblem(alarm, maxThreshold);
            if (problem) reportViolation(`Lambda ${metricName} alarm must fire at the first ${metricName === 'Errors' ? 'error' : 'throttle'} (threshold ${maxThreshold} with GreaterThanThreshold), got ${problem}.`, alarm.urn);
          }),
        );
      },
    );
  },
};

export const apigateway5xxAlarm: PackStackPolicy = {
  name: 'apigateway-5xx-alarm',
  description: 'Checks whether every API Gateway REST API has a 5XXError alarm in its region.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('10.7.2', 'Failures of critical security control systems are detected, alerted and addressed promptly.'),
  remediationSteps: 'Add an aws.cloudwatch.MetricAlarm on AWS/ApiGateway 5XXError with dimension ApiName (and Stage), in the API\'s region, with an SNS action.',
  tags: tags('OPS-01', 'monitoring'),
  subjects: [REST_API_TYPE],
  configSchema: { properties: { ...regionSchema, ...countThresholdSchema } },
  validateStack: (args, reportViolation) => {
    const { primaryRegion } = regionConfig(args.getConfig<Partial<RegionConfig>>());
    const { maxThreshold } = { maxThreshold: 0, ...args.getConfig<{ maxThreshold?: number }>() };
    checkEach(
      args.resources.filter((r) => r.type === REST_API_TYPE),
      (api) => {
        const region = regionOf(api, primaryRegion);
        const alarms = alarmsFor(args.resources, { namespace: 'AWS/ApiGateway', metricName: '5XXError', nameDimension: 'ApiName' }, api, region, primaryRegion);
        if (alarms.length === 0) {
          reportViolation(`API Gateway REST API must have a 5XXError alarm in ${region} (AWS/ApiGateway, dimension ApiName of this API).`, api.urn);
          return;
        }
        checkEach(alarms, (alarm) => {
          const problem = firstOccurrenceProblem(alarm, maxThreshold);
          if (problem) reportViolation(`API Gateway 5XXError alarm must fire at the first 5xx response (threshold ${maxThreshold} with GreaterThanThreshold), got ${problem}.`, alarm.urn);
        });
      },
    );
  },
};

export const cloudwatchAlarmHasAction: PackResourcePolicy = {
  name: 'cloudwatch-alarm-has-action',
  description: 'Checks whether every CloudWatch alarm notifies someone (an enabled alarm action).',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('10.7.2', 'Failures of critical security control systems are detected, alerted and addressed promptly.'),
  remediationSteps: 'Set `alarmActions: [<region\'s SNS topic ARN>]` (and okActions) and leave actionsEnabled true.',
  tags: tags('OPS-01', 'monitoring'),
  validateResource: validateResourceOfType(aws.cloudwatch.MetricAlarm, (_alarm, args, reportViolation) => {
    checkAll(
      () => {
        if (!isSet(args.props, 'alarmActions')) reportViolation('CloudWatch alarm must have an alarm action (alarmActions).');
      },
      () => {
        if (bool(args.props, 'actionsEnabled') === false) reportViolation('CloudWatch alarm must have its actions enabled (actionsEnabled true).');
      },
    );
  }),
};

export { DEFAULT_MINIMUM_RETENTION_DAYS };

export const cloudwatchLogGroupRetention: PackResourcePolicy = {
  name: 'cloudwatch-log-group-retention',
  description: 'Checks whether every CloudWatch log group has a retention period of at least the configured minimum.',
  enforcementLevel: 'mandatory',
  severity: 'medium',
  framework: pciDss('10.5.1', 'Audit log history is retained for at least 12 months, with at least the most recent three months immediately available.'),
  remediationSteps: 'Set `retentionInDays` to at least 365 on the aws.cloudwatch.LogGroup (the stack\'s logRetentionDays); a stack that archives logs elsewhere for 12 months may lower minimumRetentionDays in the pack config.',
  tags: tags('LOG-01', 'monitoring'),
  configSchema: {
    properties: {
      minimumRetentionDays: minimumRetentionSchema,
    },
  },
  validateResource: validateResourceOfType(aws.cloudwatch.LogGroup, (group, args, reportViolation) => {
    const minimum = args.getConfig<{ minimumRetentionDays?: number }>().minimumRetentionDays ?? DEFAULT_MINIMUM_RETENTION_DAYS;
    const days = group.retentionInDays;
    if (days === undefined || days === 0) {
      reportViolation(`CloudWatch log group must set a retention period (retentionInDays of at least ${minimum}).`);
    } else if (days < minimum) {
      reportViolation(`CloudWatch log group must retain logs for at least ${minimum} days, got ${days}.`);
    }
  }),
};

export const monitoringPolicies = [dynamodbReplicationLatencyAlarms, lambdaErrorThrottleAlarms, apigateway5xxAlarm, cloudwatchAlarmHasAction, cloudwatchLogGroupRetention];
