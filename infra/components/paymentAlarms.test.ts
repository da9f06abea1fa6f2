/**
 * The alarms on the handlers' own metrics and on the retry queue's age, under the committed dev
 * stack: exact per region, each firing within 3 minutes, and on exactly the metric names,
 * namespace and dimensions the handlers emit (checked against Powertools' own EMF output).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { METRIC, metrics } from '../lambda/commons/powertools';
import { LOG_WRITER_METRIC } from '../lambda/streamLog/transactionLogBatch';
import { loadStackSettings, REPO_ROOT } from '../settings';
import { ofType, runProgram, type ProgramRun } from '../testing/harness';
import { METRIC_DIMENSIONS, METRICS_NAMESPACE } from '../../contract';
import { ALARM_BOUND_SECONDS, PAYMENT_ALARMS } from './paymentAlarms';

const s = loadStackSettings('dev');
const S = s.environmentSuffix;
const regions = [s.primaryRegion, s.drRegion];

describe('payment alarms (stack dev)', () => {
  let run: ProgramRun;
  const alarm = (name: string) => {
    const found = ofType(run, 'aws:cloudwatch/metricAlarm:MetricAlarm').filter((a) => a.inputs.name === name);
    assert.equal(found.length, 1, `one alarm named ${name}`);
    return found[0].inputs;
  };
  before(async () => {
    run = await runProgram({ stack: 'dev' });
  });

  for (const region of regions) {
    const topic = (r: string) => alarm(`payments-queued-${S}-${r}`).alarmActions[0];
    const handlerAlarm = (key: string, metricName: string) => ({ key, namespace: 'PaymentsDR', metricName, dimensions: { service: 'payments' }, statistic: 'Sum', threshold: 0 });
    const expected: { key: string; evaluationPeriods?: number; [field: string]: unknown }[] = [
      handlerAlarm('payments-committed-in-peer', 'PaymentCommittedInPeerRegion'),
      handlerAlarm('payments-queued', 'PaymentQueuedForRetry'),
      handlerAlarm('retry-failures', 'RetryFailed'),
      handlerAlarm('transaction-log-failures', 'TransactionLogWriteFailed'),
      handlerAlarm('payment-conflicts', 'PaymentConflictDetected'),
      { key: 'retry-queue-age', namespace: 'AWS/SQS', metricName: 'ApproximateAgeOfOldestMessage', dimensions: { QueueName: `payments-retry-${S}-${region}` }, statistic: 'Maximum', threshold: 60 },
      { key: 'transaction-log-discarded', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: `payments-log-failures-${S}-${region}` }, statistic: 'Maximum', threshold: 0 },
      {
        key: 'credentials-replication-latency', namespace: 'AWS/DynamoDB', metricName: 'ReplicationLatency',
        dimensions: { TableName: `merchant-credentials-${S}`, ReceivingRegion: regions.find((r) => r !== region)! }, statistic: 'Average', threshold: 30_000, evaluationPeriods: 2,
      },
    ];
    for (const { key, evaluationPeriods = 1, ...metric } of expected) {
      it(`${region}: alarm ${key} on ${metric.namespace} ${metric.metricName}, notifying the region's topic`, () => {
        const { region: r, name, alarmDescription, alarmActions, okActions, tags, ...rest } = alarm(`${key}-${S}-${region}`);
        assert.equal(r, region);
        assert.equal(name, `${key}-${S}-${region}`);
        assert.match(alarmDescription, new RegExp(`runbook: alarm ${key}\\)$`));
        assert.deepEqual([alarmActions, okActions], [[topic(region)], [topic(region)]]);
        assert.match(topic(region), new RegExp(`^arn:aws:sns:${region}:`));
        assert.equal(tags.Region, region);
        assert.deepEqual(rest, { ...metric, period: 60, evaluationPeriods, datapointsToAlarm: evaluationPeriods, comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching' });
      });
    }
  }

  it('every alarm of a region that cannot commit fires within 180 s (period x evaluation periods), the DLQ depth alarm included', () => {
    const watched = [...Object.keys(PAYMENT_ALARMS), 'retry-dlq-depth'];
    const alarms = ofType(run, 'aws:cloudwatch/metricAlarm:MetricAlarm').filter((a) => watched.some((k) => a.inputs.name.startsWith(`${k}-${S}-`)));
    assert.equal(alarms.length, watched.length * regions.length);
    for (const a of alarms) {
      const seconds = a.inputs.period * a.inputs.evaluationPeriods;
      assert.ok(seconds <= ALARM_BOUND_SECONDS, `${a.inputs.name} needs ${seconds} s`);
      assert.ok(seconds <= 180, `${a.inputs.name} needs ${seconds} s`);
    }
  });

  it('the DLQ alarm fires on one visible message in a 1-minute period', () => {
    for (const region of regions) {
      const dlq = alarm(`retry-dlq-depth-${S}-${region}`);
      assert.deepEqual([dlq.metricName, dlq.statistic, dlq.period, dlq.evaluationPeriods, dlq.comparisonOperator, dlq.threshold], ['ApproximateNumberOfMessagesVisible', 'Maximum', 60, 1, 'GreaterThanThreshold', 0]);
    }
  });
});

describe('payment alarms watch what the handlers emit', () => {
  it('every handler-metric alarm names a metric a handler emits', () => {
    const emitted = new Set<string>([...Object.values(METRIC), ...Object.values(LOG_WRITER_METRIC)]);
    for (const name of ['PaymentCommittedInPeerRegion', 'PaymentQueuedForRetry', 'RetryFailed', 'TransactionLogWriteFailed', 'PaymentConflictDetected']) assert.ok(emitted.has(name), `${name} is not emitted by any handler`);
  });

  it("uses Powertools' namespace and dimensions exactly (EMF of the handlers' metrics singleton)", () => {
    metrics.addMetric('PaymentQueuedForRetry', MetricUnit.Count, 1);
    const emf = metrics.serializeMetrics() as unknown as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] } } & Record<string, unknown>;
    metrics.clearMetrics();
    const [directive] = emf._aws.CloudWatchMetrics;
    assert.equal(directive.Namespace, METRICS_NAMESPACE);
    assert.deepEqual(directive.Dimensions, [Object.keys(METRIC_DIMENSIONS)]);
    for (const [dimension, value] of Object.entries(METRIC_DIMENSIONS)) assert.equal(emf[dimension], value);
  });
});

describe('the runbook lists every payment alarm with its first action', () => {
  it('has a row per alarm in docs/runbook.md, DLQ depth included', () => {
    const runbook = readFileSync(join(REPO_ROOT, 'docs', 'runbook.md'), 'utf8');
    for (const key of [...Object.keys(PAYMENT_ALARMS), 'retry-dlq-depth']) {
      assert.match(runbook, new RegExp(`^\\| \`${key}\` \\| [^|]+ \\| [^|]+ \\|$`, 'm'), `runbook row for ${key}`);
    }
    assert.match(runbook, /npm run dlq -- redrive --stack <stack> --region <region>/);
    assert.match(runbook, /aws sqs start-message-move-task --source-arn <dlq-arn>/);
  });
});
