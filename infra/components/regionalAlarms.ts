/**
 * One region's alarms (all notifying that region's encrypted SNS topic) and its dashboard:
 * - DynamoDB ReplicationLatency from this region to each peer (AWS/DynamoDB, TableName +
 *   ReceivingRegion; the metric is in milliseconds, so 30 s is 30000),
 * - Lambda Errors and Throttles per function,
 * - API Gateway 5XXError for this region's API stage,
 * - dead-letter queue depth.
 * What each alarm means and what to do: docs/runbook.md.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { BUDGET_CONSTANTS } from '../budget';
import { resourceName } from '../naming';
import { anyOccurrence, notifyingAlarm, type AlarmDefinition, type AlarmMetric, type AlarmOwner } from './alarms';

export interface AlarmedFunction {
  /** Kebab-case handler key, e.g. `create-payment`. */
  key: string;
  /** Physical function name. */
  functionName: pulumi.Input<string>;
}

export interface RegionalAlarmsArgs {
  /** Region of the alarms and dashboard. Required. */
  region: string;
  /** Environment suffix carried by every name. Required. */
  environmentSuffix: string;
  /** SNS topic every alarm (and its recovery) notifies. Required. */
  topicArn: pulumi.Input<string>;
  /** The functions to watch. Required. */
  functions: AlarmedFunction[];
  /** API name and stage (the AWS/ApiGateway dimensions). Required. */
  apiName: pulumi.Input<string>;
  stageName: pulumi.Input<string>;
  /** The dead-letter queue's name. Required. */
  deadLetterQueueName: pulumi.Input<string>;
  /** The global table's name. Required. */
  tableName: pulumi.Input<string>;
  /** Regions this region replicates to (one ReplicationLatency alarm each). Required. */
  peerRegions: string[];
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class RegionalAlarms extends pulumi.ComponentResource {
  /** Alarm ARNs by physical alarm name. */
  public readonly alarmArns: Record<string, pulumi.Output<string>> = {};
  public readonly dashboard: aws.cloudwatch.Dashboard;

  constructor(name: string, args: RegionalAlarmsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:monitoring:RegionalAlarms', name, {}, opts);
    const region = args.region;
    const suffix = args.environmentSuffix;
    const owner: AlarmOwner = { parent: this, region, topicArn: args.topicArn, tags: args.tags, alarmArns: this.alarmArns };
    const alarm = (key: string, physical: string, definition: AlarmDefinition) => notifyingAlarm(owner, `${name}-${key}`, physical, definition);

    for (const peer of args.peerRegions) {
      alarm(`replication-latency-${peer}`, resourceName(`table-replication-latency-to-${peer}`, suffix, region), {
        alarmDescription: `DynamoDB replication from ${region} to ${peer} is slower than ${BUDGET_CONSTANTS.replicationLatencyThresholdSeconds} s: the RPO budget is at risk (runbook: replication latency)`,
        namespace: 'AWS/DynamoDB',
        metricName: 'ReplicationLatency',
        dimensions: { TableName: args.tableName, ReceivingRegion: peer },
        statistic: 'Average',
        period: BUDGET_CONSTANTS.replicationAlarmPeriodSeconds,
        evaluationPeriods: BUDGET_CONSTANTS.replicationAlarmEvaluationPeriods,
        datapointsToAlarm: BUDGET_CONSTANTS.replicationAlarmEvaluationPeriods,
        // ReplicationLatency is reported in milliseconds.
        threshold: BUDGET_CONSTANTS.replicationLatencyThresholdSeconds * 1000,
        comparisonOperator: 'GreaterThanThreshold',
        // No writes means no datapoints, which is not lag.
        treatMissingData: 'notBreaching',
      });
    }
    // "Any occurrence in a minute" alarms: a payment error, throttle, 5xx or dead letter is never normal.
    const anyInAMinute = (key: string, physical: string, alarmDescription: string, metric: AlarmMetric, statistic: 'Sum' | 'Maximum' = 'Sum') =>
      alarm(key, physical, { alarmDescription, ...anyOccurrence(metric, statistic) });
    for (const fn of args.functions) {
      anyInAMinute(`${fn.key}-errors`, resourceName(`${fn.key}-errors`, suffix, region), `${fn.key} in ${region} raised unhandled errors (runbook: Lambda errors)`, {
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: fn.functionName },
      });
      anyInAMinute(`${fn.key}-throttles`, resourceName(`${fn.key}-throttles`, suffix, region), `${fn.key} in ${region} was throttled (runbook: Lambda throttles)`, {
        namespace: 'AWS/Lambda',
        metricName: 'Throttles',
        dimensions: { FunctionName: fn.functionName },
      });
    }
    anyInAMinute('api-5xx', resourceName('api-5xx', suffix, region), `The payments API in ${region} returned 5xx responses (runbook: API 5xx)`, {
      namespace: 'AWS/ApiGateway',
      metricName: '5XXError',
      dimensions: { ApiName: args.apiName, Stage: args.stageName },
    });
    anyInAMinute(
      'dlq-depth',
      resourceName('retry-dlq-depth', suffix, region),
      `Payments in ${region} exhausted their retries and wait in the dead-letter queue (runbook: DLQ depth)`,
      { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: args.deadLetterQueueName } },
      'Maximum',
    );

    this.dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        region,
        dashboardName: resourceName('payments-dashboard', suffix, region),
        dashboardBody: pulumi
          .all([args.tableName, args.apiName, args.stageName, args.deadLetterQueueName, pulumi.all(args.functions.map((f) => f.functionName))])
          .apply(([tableName, apiName, stageName, dlqName, functionNames]) =>
            JSON.stringify({
              widgets: [
                metricWidget(0, 'DynamoDB replication latency (ms)', region, 'Average', args.peerRegions.map((p) => ['AWS/DynamoDB', 'ReplicationLatency', 'TableName', tableName, 'ReceivingRegion', p])),
                metricWidget(1, 'API requests and errors', region, 'Sum', [
                  ['AWS/ApiGateway', 'Count', 'ApiName', apiName, 'Stage', stageName],
                  ['AWS/ApiGateway', '5XXError', 'ApiName', apiName, 'Stage', stageName],
                  ['AWS/ApiGateway', '4XXError', 'ApiName', apiName, 'Stage', stageName],
                ]),
                metricWidget(2, 'Lambda errors and throttles', region, 'Sum', functionNames.flatMap((f) => [
                  ['AWS/Lambda', 'Errors', 'FunctionName', f],
                  ['AWS/Lambda', 'Throttles', 'FunctionName', f],
                ])),
                metricWidget(3, 'Retry dead-letter queue depth', region, 'Maximum', [['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', dlqName]]),
              ],
            }),
          ),
      },
      { parent: this },
    );
    this.registerOutputs({ alarmArns: this.alarmArns });
  }
}

function metricWidget(index: number, title: string, region: string, stat: string, metrics: string[][]): Record<string, unknown> {
  return {
    type: 'metric',
    x: (index % 2) * 12,
    y: Math.floor(index / 2) * 6,
    width: 12,
    height: 6,
    properties: { title, region, metrics, stat, period: 60, view: 'timeSeries' },
  };
}
