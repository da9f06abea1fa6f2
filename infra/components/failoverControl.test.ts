/**
 * Standby takes over: the DR region can fail over, and learns that the primary is down, with the
 * primary region's and us-east-1's control planes unavailable. Checked on the dev program under
 * mocks: every resource in the failover and detection paths lives in the DR region or is a
 * Route 53 health check (Route 53's data plane), and the primary's record is gated on them.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { REPO_ROOT, loadStackSettings } from '../settings';
import { MOCK_ACCOUNT_ID, ofType, one, runProgram, settle, type ProgramRun } from '../testing/harness';
import { FAILOVER_SWITCH_METRIC, PROBE_SCHEDULE, StandbyFailoverControl } from './failoverControl';

process.env.PAYMENTS_DR_BUNDLE_CACHE = join(REPO_ROOT, '.bundle-cache');
const s = loadStackSettings('dev');
const DR = s.drRegion;
const PRIMARY = s.primaryRegion;
const A = MOCK_ACCOUNT_ID;

describe('standby-takes-over failover control', () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({ stack: 'dev' });
  });
  const alarm = (name: string) => one(run, 'aws:cloudwatch/metricAlarm:MetricAlarm', (r) => r.inputs.name === name);
  const check = (tag: string) => one(run, 'aws:route53/healthCheck:HealthCheck', (r) => r.inputs.tags?.Name === tag);

  it('keeps the failover switch in the DR region, sticky until an operator publishes 0', () => {
    const { alarmDescription, ...rest } = alarm(`failover-switch-dev-${DR}`).inputs;
    assert.match(alarmDescription, /runbook/);
    const topic = `arn:aws:sns:${DR}:${A}:payments-alarms-dev-${DR}`;
    assert.deepEqual(rest, {
      region: DR, name: `failover-switch-dev-${DR}`, namespace: FAILOVER_SWITCH_METRIC.namespace, metricName: FAILOVER_SWITCH_METRIC.metricName,
      dimensions: { Stack: 'dev' }, statistic: 'Maximum', period: 60, evaluationPeriods: 1, threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold', treatMissingData: 'ignore', alarmActions: [topic], okActions: [topic],
      tags: { Project: 'payments-dr', Environment: 'dev' },
    });
  });

  it('watches the switch with a Route 53 CLOUDWATCH_METRIC health check in the DR region', () => {
    assert.deepEqual(check(`failover-switch-health-check-dev-${DR}`).inputs, {
      type: 'CLOUDWATCH_METRIC', cloudwatchAlarmName: `failover-switch-dev-${DR}`, cloudwatchAlarmRegion: DR,
      insufficientDataHealthStatus: 'LastKnownStatus', tags: { Project: 'payments-dr', Environment: 'dev', Name: `failover-switch-health-check-dev-${DR}` },
    });
  });

  it('gates the PRIMARY record on the primary /health AND the switch (calculated, all children)', () => {
    const gate = check(`primary-gate-health-check-dev-${PRIMARY}`);
    const https = check(`primary-health-check-dev-${PRIMARY}`);
    const sw = check(`failover-switch-health-check-dev-${DR}`);
    assert.equal(gate.inputs.type, 'CALCULATED');
    assert.deepEqual(gate.inputs.childHealthchecks, [https.id, sw.id]);
    assert.equal(gate.inputs.childHealthThreshold, 2);
    const primaryRecord = one(run, 'aws:route53/record:Record', (r) => r.inputs.setIdentifier === `primary-${PRIMARY}`);
    assert.equal(primaryRecord.inputs.healthCheckId, gate.id);
    const secondaryRecord = one(run, 'aws:route53/record:Record', (r) => r.inputs.setIdentifier === `secondary-${DR}`);
    assert.equal(secondaryRecord.inputs.healthCheckId, check(`secondary-health-check-dev-${DR}`).id, 'the DR record does not depend on the switch');
  });

  it('probes the primary from the DR region every minute and alarms there (no us-east-1 metric involved)', () => {
    const fn = one(run, 'aws:lambda/function:Function', (r) => r.inputs.name === `peer-probe-dev-${DR}`);
    assert.equal(fn.inputs.region, DR);
    assert.match(fn.inputs.environment.variables.PROBE_URL, new RegExp(`^https://${PRIMARY}\\.api\\.payments-dev\\.example\\.com/health$`));
    assert.equal(fn.inputs.environment.variables.PROBE_TIMEOUT_MS, '2000');
    const rule = one(run, 'aws:cloudwatch/eventRule:EventRule', (r) => r.inputs.region === DR);
    assert.equal(rule.inputs.scheduleExpression, PROBE_SCHEDULE);
    const { alarmDescription, ...rest } = alarm(`primary-unreachable-from-${DR}-dev-${DR}`).inputs;
    assert.match(alarmDescription, /runbook/);
    assert.deepEqual(
      { region: rest.region, metric: [rest.namespace, rest.metricName, rest.dimensions], missing: rest.treatMissingData, actions: rest.alarmActions },
      { region: DR, metric: ['AWS/Lambda', 'Errors', { FunctionName: `peer-probe-dev-${DR}` }], missing: 'breaching', actions: [`arn:aws:sns:${DR}:${A}:payments-alarms-dev-${DR}`] },
    );
  });

  it('needs nothing in the primary region to fail over or to be told: switch, probe and their topic are in the DR region', () => {
    const failoverPath = run.resources.filter((r) => r.custom && (r.name.startsWith('payments-failover-control-') || r.name.startsWith(`payments-${DR}-peer-probe-`)));
    assert.ok(failoverPath.length >= 8, `${failoverPath.length} resources`);
    for (const r of failoverPath) {
      if (r.type.startsWith('aws:iam/')) continue; // IAM is global; its data plane (role assumption) is regional
      assert.equal(r.inputs.region, DR, `${r.type} ${r.name}`);
    }
  });

  it('publishes the switch as a stack output for the runbook and the live drill', () => {
    const o = run.outputs.failoverSwitch;
    assert.deepEqual(
      [o.region, o.namespace, o.metricName, o.dimensions, o.alarmName, o.probeAlarmName],
      [DR, 'PaymentsDR/Failover', 'FailoverToSecondary', { Stack: 'dev' }, `failover-switch-dev-${DR}`, `primary-unreachable-from-${DR}-dev-${DR}`],
    );
    assert.equal(o.primaryGateHealthCheckId, check(`primary-gate-health-check-dev-${PRIMARY}`).id);
    assert.equal(o.routingControlArn, undefined, 'ARC is off by default');
  });

  it('adds ARC routing controls only on request (cluster, control panel, routing control)', async () => {
    assert.equal(ofType(run, 'aws:route53recoverycontrol/cluster:Cluster').length, 0);
    const arc = new StandbyFailoverControl('arc-check', {
      region: DR, primaryRegion: PRIMARY, environmentSuffix: 'arc', alarmTopicArn: 'arn:aws:sns:x', arcRoutingControlEnabled: true,
    });
    await settle(run);
    assert.ok(arc.routingControlArn);
    const mine = run.resources.filter((r) => r.name.startsWith('arc-check-arc-'));
    assert.deepEqual(mine.map((r) => r.type).sort(), [
      'aws:route53recoverycontrol/cluster:Cluster',
      'aws:route53recoverycontrol/controlPanel:ControlPanel',
      'aws:route53recoverycontrol/routingControl:RoutingControl',
    ]);
  });
});
