import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apigateway5xxAlarm, cloudwatchAlarmHasAction, cloudwatchLogGroupRetention, dynamodbReplicationLatencyAlarms, lambdaErrorThrottleAlarms } from '../monitoring';
import { TestResource, violations, violationsOn, withChange } from './harness';

const ALARM = 'aws:cloudwatch/metricAlarm:MetricAlarm';
const topic = (region: string) => `arn:aws:sns:${region}:123456789012:alarms-dev-${region}`;

function alarm(name: string, region: string, metric: Record<string, unknown>): TestResource {
  return {
    type: ALARM,
    name,
    props: { name, region, comparisonOperator: 'GreaterThanThreshold', evaluationPeriods: 1, period: 60, statistic: 'Average', alarmActions: [topic(region)], threshold: 0, ...metric },
  };
}

const replicationAlarm = (source: string, target: string) =>
  alarm(`replication-latency-dev-${source}`, source, {
    namespace: 'AWS/DynamoDB',
    metricName: 'ReplicationLatency',
    dimensions: { TableName: 'payments-table-dev', ReceivingRegion: target },
    threshold: 30000,
  });

/** Happy path: a global table with one replica and an alarm for each direction. */
function replicationStack(): TestResource[] {
  return [
    {
      type: 'aws:dynamodb/table:Table',
      name: 'payments-table-dev',
      props: { name: 'payments-table-dev', region: 'us-east-1', replicas: [{ regionName: 'us-east-2', pointInTimeRecovery: true }] },
    },
    replicationAlarm('us-east-1', 'us-east-2'),
    replicationAlarm('us-east-2', 'us-east-1'),
  ];
}

describe('dynamodb-replication-latency-alarms', () => {
  it('passes an alarm per direction at 30000 ms', async () => assert.deepEqual(await violationsOn(dynamodbReplicationLatencyAlarms, replicationStack()), []));
  it('rejects a missing direction', async () => {
    assert.deepEqual(await violationsOn(dynamodbReplicationLatencyAlarms, replicationStack().slice(0, 2)), [
      ['payments-table-dev', 'DynamoDB global table must have a ReplicationLatency alarm for us-east-2 -> us-east-1 (AWS/DynamoDB in us-east-2, dimensions TableName of this table and ReceivingRegion us-east-1).'],
    ]);
  });
  it('rejects an alarm in the wrong region (the metric is published in the source region)', async () => {
    const rs = withChange(replicationStack(), (list) => (list[2].props.region = 'us-east-1'));
    assert.deepEqual(await violationsOn(dynamodbReplicationLatencyAlarms, rs), [
      ['payments-table-dev', 'DynamoDB global table must have a ReplicationLatency alarm for us-east-2 -> us-east-1 (AWS/DynamoDB in us-east-2, dimensions TableName of this table and ReceivingRegion us-east-1).'],
    ]);
  });
  it('rejects a threshold above 30 seconds', async () => {
    const rs = withChange(replicationStack(), (list) => (list[1].props.threshold = 60000));
    assert.deepEqual(await violationsOn(dynamodbReplicationLatencyAlarms, rs), [
      ['replication-latency-dev-us-east-1', 'ReplicationLatency alarm must fire at 30000 ms or less (the metric is in milliseconds), got 60000.'],
    ]);
  });
  it('rejects a threshold written in seconds with unit Seconds', async () => {
    const rs = withChange(replicationStack(), (list) => ((list[1].props.threshold = 30), (list[1].props.unit = 'Seconds')));
    assert.deepEqual(await violationsOn(dynamodbReplicationLatencyAlarms, rs), [['replication-latency-dev-us-east-1', "ReplicationLatency alarm must use the metric's unit Milliseconds, got Seconds."]]);
  });
  it('rejects an alarm that fires below the threshold', async () => {
    const rs = withChange(replicationStack(), (list) => (list[1].props.comparisonOperator = 'LessThanThreshold'));
    assert.deepEqual(await violationsOn(dynamodbReplicationLatencyAlarms, rs), [
      ['replication-latency-dev-us-east-1', 'ReplicationLatency alarm must fire above the threshold (GreaterThanThreshold), got LessThanThreshold.'],
    ]);
  });
  it('counts replicas declared as aws.dynamodb.TableReplica resources', async () => {
    const rs = withChange(replicationStack(), (list) => {
      list[0].props.replicas = [];
      list[0].props.arn = 'arn:aws:dynamodb:us-east-1:123456789012:table/payments-table-dev';
      list.push({ type: 'aws:dynamodb/tableReplica:TableReplica', name: 'payments-table-dev-us-west-2', props: { region: 'us-west-2', globalTableArn: list[0].props.arn } });
    });
    assert.deepEqual(await violationsOn(dynamodbReplicationLatencyAlarms, rs), [
      ['payments-table-dev', 'DynamoDB global table must have a ReplicationLatency alarm for us-east-1 -> us-west-2 (AWS/DynamoDB in us-east-1, dimensions TableName of this table and ReceivingRegion us-west-2).'],
      ['payments-table-dev', 'DynamoDB global table must have a ReplicationLatency alarm for us-west-2 -> us-east-1 (AWS/DynamoDB in us-west-2, dimensions TableName of this table and ReceivingRegion us-east-1).'],
    ]);
  });
  it('reads metric queries', async () => {
    const rs = withChange(replicationStack(), (list) => {
      const props = list[1].props;
      props.metricQueries = [{ id: 'm1', returnData: true, metric: { namespace: props.namespace, metricName: props.metricName, dimensions: props.dimensions, period: 60, stat: 'Average' } }];
      delete props.namespace;
      delete props.metricName;
      delete props.dimensions;
    });
    assert.deepEqual(await violationsOn(dynamodbReplicationLatencyAlarms, rs), []);
  });
});

const fn = (region: string): TestResource => ({ type: 'aws:lambda/function:Function', name: `create-payment-dev-${region}`, props: { name: `create-payment-dev-${region}`, region } });
const lambdaAlarm = (region: string, metric: string) =>
  alarm(`create-payment-${metric.toLowerCase()}-dev-${region}`, region, { namespace: 'AWS/Lambda', metricName: metric, dimensions: { FunctionName: `create-payment-dev-${region}` }, statistic: 'Sum' });

describe('lambda-error-throttle-alarms', () => {
  const happy = () => [fn('us-east-1'), lambdaAlarm('us-east-1', 'Errors'), lambdaAlarm('us-east-1', 'Throttles')];
  it('passes a function with both alarms', async () => assert.deepEqual(await violationsOn(lambdaErrorThrottleAlarms, happy()), []));
  it('rejects a missing Throttles alarm', async () => {
    assert.deepEqual(await violationsOn(lambdaErrorThrottleAlarms, happy().slice(0, 2)), [
      ['create-payment-dev-us-east-1', 'Lambda function must have Throttles alarm(s) in us-east-1 (AWS/Lambda, dimension FunctionName of this function).'],
    ]);
  });
  it('rejects alarms of another function', async () => {
    const rs = withChange(happy(), (list) => ((list[1].props.dimensions = { FunctionName: 'other' }), (list[2].props.dimensions = { FunctionName: 'other' })));
    assert.deepEqual(await violationsOn(lambdaErrorThrottleAlarms, rs), [
      ['create-payment-dev-us-east-1', 'Lambda function must have Errors and Throttles alarm(s) in us-east-1 (AWS/Lambda, dimension FunctionName of this function).'],
    ]);
  });
});

describe('apigateway-5xx-alarm', () => {
  const api: TestResource = { type: 'aws:apigateway/restApi:RestApi', name: 'payments-api-dev-us-east-2', props: { name: 'payments-api-dev-us-east-2', region: 'us-east-2' } };
  const fiveXx = alarm('api-5xx-dev-us-east-2', 'us-east-2', { namespace: 'AWS/ApiGateway', metricName: '5XXError', dimensions: { ApiName: 'payments-api-dev-us-east-2', Stage: 'v1' } });
  it('passes an API with a 5XXError alarm', async () => assert.deepEqual(await violationsOn(apigateway5xxAlarm, [api, fiveXx]), []));
  it('rejects an API without one', async () => {
    assert.deepEqual(await violationsOn(apigateway5xxAlarm, [api]), [
      ['payments-api-dev-us-east-2', 'API Gateway REST API must have a 5XXError alarm in us-east-2 (AWS/ApiGateway, dimension ApiName of this API).'],
    ]);
  });
  it('rejects a 4XXError alarm in its place', async () => {
    const rs = withChange([api, fiveXx], (list) => (list[1].props.metricName = '4XXError'));
    assert.deepEqual(await violationsOn(apigateway5xxAlarm, rs), [
      ['payments-api-dev-us-east-2', 'API Gateway REST API must have a 5XXError alarm in us-east-2 (AWS/ApiGateway, dimension ApiName of this API).'],
    ]);
  });
});

describe('cloudwatch-alarm-has-action', () => {
  const happy = () => lambdaAlarm('us-east-1', 'Errors');
  it('passes an alarm with an action', async () => assert.deepEqual(await violations(cloudwatchAlarmHasAction, happy()), []));
  it('rejects an alarm without actions', async () => {
    assert.deepEqual(await violations(cloudwatchAlarmHasAction, withChange(happy(), (a) => (a.props.alarmActions = []))), ['CloudWatch alarm must have an alarm action (alarmActions).']);
  });
  it('rejects disabled actions', async () => {
    assert.deepEqual(await violations(cloudwatchAlarmHasAction, withChange(happy(), (a) => (a.props.actionsEnabled = false))), ['CloudWatch alarm must have its actions enabled (actionsEnabled true).']);
  });
});

describe('cloudwatch-log-group-retention', () => {
  const group = (retention?: number): TestResource => ({
    type: 'aws:cloudwatch/logGroup:LogGroup',
    name: 'api-access-logs-dev-us-east-1',
    props: { name: '/aws/apigateway/payments-api-dev-us-east-1', ...(retention === undefined ? {} : { retentionInDays: retention }) },
  });
  it('passes 365 days (PCI DSS 10.5.1: 12 months)', async () => assert.deepEqual(await violations(cloudwatchLogGroupRetention, group(365)), []));
  it('rejects no retention (never expire)', async () => {
    assert.deepEqual(await violations(cloudwatchLogGroupRetention, group()), ['CloudWatch log group must set a retention period (retentionInDays of at least 365).']);
  });
  it('rejects 30 days', async () => assert.deepEqual(await violations(cloudwatchLogGroupRetention, group(30)), ['CloudWatch log group must retain logs for at least 365 days, got 30.']));
  it('honours a configured minimum', async () => {
    assert.deepEqual(await violations(cloudwatchLogGroupRetention, group(30), { minimumRetentionDays: 30 }), []);
  });
});
