/**
 * The one way the stack declares a CloudWatch metric alarm: in the region of what it watches,
 * notifying that region's alarm topic on ALARM and on recovery (OK), tagged, parented to the
 * component that owns it, and recorded by physical name in the component's `alarmArns` (the stack
 * output `alarmArns` merges them). Every component with alarms (RegionalAlarms, PaymentAlarms,
 * CrossRegionReplication, StandbyFailoverControl, PeerProbe) goes through `notifyingAlarm`.
 * CloudWatch evaluates an alarm on `evaluationPeriods` periods of `period` seconds:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
 */
import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';

/** What an alarm watches and when it fires; everything else `notifyingAlarm` sets. */
export type AlarmDefinition = Omit<aws.cloudwatch.MetricAlarmArgs, 'region' | 'name' | 'alarmActions' | 'okActions' | 'tags'>;

/** The metric an alarm watches. */
export type AlarmMetric = Pick<aws.cloudwatch.MetricAlarmArgs, 'namespace' | 'metricName' | 'dimensions'>;

/** Where a component's alarms go. */
export interface AlarmOwner {
  /** The component declaring the alarms (their parent). */
  parent: pulumi.Resource;
  /** Region of the alarms (the watched metric's). */
  region: string;
  /** SNS topic notified on ALARM and OK. */
  topicArn: pulumi.Input<string>;
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Filled with each alarm's ARN by its physical name. */
  alarmArns: Record<string, pulumi.Output<string>>;
}

/** Declares one alarm named `physicalName` (Pulumi name `logicalName`) for `owner`. */
export function notifyingAlarm(owner: AlarmOwner, logicalName: string, physicalName: string, definition: AlarmDefinition): aws.cloudwatch.MetricAlarm {
  const actions = [owner.topicArn];
  const alarm = new aws.cloudwatch.MetricAlarm(
    logicalName,
    { region: owner.region, name: physicalName, alarmActions: actions, okActions: actions, tags: owner.tags, ...definition },
    { parent: owner.parent },
  );
  owner.alarmArns[physicalName] = alarm.arn;
  return alarm;
}

/**
 * Fires when `metric` has any occurrence in one period (statistic > 0); no datapoint means nothing
 * happened (these metrics are only published on the event, or are 0 when clean).
 */
export function anyOccurrence(metric: AlarmMetric, statistic: 'Sum' | 'Maximum' = 'Sum', periodSeconds = 60): AlarmDefinition {
  return { ...metric, statistic, period: periodSeconds, evaluationPeriods: 1, threshold: 0, comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching' };
}
