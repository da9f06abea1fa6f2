/**
 * A region's alarms and dashboard, one rule per test: DynamoDB replication latency above the RPO
 * budget's threshold (in milliseconds, as AWS reports it) per peer, any Lambda error or throttle per
 * function, any API 5xx, any dead letter; all to the region's topic on alarm and recovery, missing
 * data not breaching; a dashboard of the same metrics in the region.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html (ReplicationLatency, ms)
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { BUDGET_CONSTANTS } from '../budget';
import { mockComponents, ofType, one, settle, type ProgramRun } from '../testing/harness';
import { RegionalAlarms } from './regionalAlarms';

const topic = 'arn:aws:sns:us-east-2:123456789012:alarms-t-us-east-2';
const tags = { Project: 'payments-dr', Environment: 't' };

describe('regional alarms', () => {
  let run: ProgramRun;
  let alarms: RegionalAlarms;
  const alarm = (name: string) => {
    const { alarmDescription, ...rest } = one(run, 'aws:cloudwatch/metricAlarm:MetricAlarm', (r) => r.inputs.name === name).inputs;
    assert.match(alarmDescription, /runbook/, `${name} points to the runbook`);
    return rest;
  };
  const common = { region: 'us-east-2', alarmActions: [topic], okActions: [topic], tags, treatMissingData: 'notBreaching' };
  const anyInAMinute = { statistic: 'Sum', period: 60, evaluationPeriods: 1, threshold: 0, comparisonOperator: 'GreaterThanThreshold' };
  before(async () => {
    run = await mockComponents();
    alarms = new RegionalAlarms('alarms', {
      region: 'us-east-2', environmentSuffix: 't', topicArn: topic, tags,
      functions: [{ key: 'create-payment', functionName: 'create-payment-t-us-east-2' }, { key: 'health', functionName: 'health-t-us-east-2' }],
      apiName: 'payments-api-t-us-east-2', stageName: 'v1', deadLetterQueueName: 'payments-retry-dlq-t-us-east-2', tableName: 'payments-table-t', peerRegions: ['us-east-1'],
    });
    await settle(run);
  });

  it('alarms when replication to each peer averages more than the RPO budget\'s threshold over two minutes, in milliseconds', () => {
    assert.equal(BUDGET_CONSTANTS.replicationLatencyThresholdSeconds, 30);
    assert.deepEqual(alarm('table-replication-latency-to-us-east-1-t-us-east-2'), {
      ...common, name: 'table-replication-latency-to-us-east-1-t-us-east-2', namespace: 'AWS/DynamoDB', metricName: 'ReplicationLatency',
      dimensions: { TableName: 'payments-table-t', ReceivingRegion: 'us-east-1' }, statistic: 'Average', period: 60, evaluationPeriods: 2, datapointsToAlarm: 2, threshold: 30000, comparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarms on any error and any throttle of each function', () => {
    for (const key of ['create-payment', 'health']) {
      for (const metricName of ['Errors', 'Throttles']) {
        const name = `${key}-${metricName.toLowerCase()}-t-us-east-2`;
        assert.deepEqual(alarm(name), { ...common, ...anyInAMinute, name, namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: `${key}-t-us-east-2` } });
      }
    }
  });

  it('alarms on any API 5xx of the stage', () => {
    assert.deepEqual(alarm('api-5xx-t-us-east-2'), { ...common, ...anyInAMinute, name: 'api-5xx-t-us-east-2', namespace: 'AWS/ApiGateway', metricName: '5XXError', dimensions: { ApiName: 'payments-api-t-us-east-2', Stage: 'v1' } });
  });

  it('alarms on any message in the dead-letter queue', () => {
    assert.deepEqual(alarm('retry-dlq-depth-t-us-east-2'), {
      ...common, ...anyInAMinute, statistic: 'Maximum', name: 'retry-dlq-depth-t-us-east-2', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'payments-retry-dlq-t-us-east-2' },
    });
  });

  it('declares exactly those alarms and exports each ARN by name', () => {
    const names = ofType(run, 'aws:cloudwatch/metricAlarm:MetricAlarm').map((a) => a.inputs.name).sort();
    assert.equal(names.length, 1 + 2 * 2 + 2);
    assert.deepEqual(Object.keys(alarms.alarmArns).sort(), names);
  });

  it('shows replication, API, Lambda and dead-letter metrics on a dashboard of the region', () => {
    const dashboard = one(run, 'aws:cloudwatch/dashboard:Dashboard', () => true);
    assert.deepEqual([dashboard.inputs.region, dashboard.inputs.dashboardName], ['us-east-2', 'payments-dashboard-t-us-east-2']);
    const body = JSON.parse(dashboard.inputs.dashboardBody);
    assert.deepEqual(body.widgets.map((w: any) => w.properties.title), ['DynamoDB replication latency (ms)', 'API requests and errors', 'Lambda errors and throttles', 'Retry dead-letter queue depth']);
    assert.deepEqual(body.widgets[0].properties.metrics, [['AWS/DynamoDB', 'ReplicationLatency', 'TableName', 'payments-table-t', 'ReceivingRegion', 'us-east-1']]);
    assert.deepEqual(body.widgets[2].properties.metrics.map((m: string[]) => m.join(' ')), ['AWS/Lambda Errors FunctionName create-payment-t-us-east-2', 'AWS/Lambda Throttles FunctionName create-payment-t-us-east-2', 'AWS/Lambda Errors FunctionName health-t-us-east-2', 'AWS/Lambda Throttles FunctionName health-t-us-east-2']);
    for (const w of body.widgets) assert.equal(w.properties.region, 'us-east-2');
  });
});
