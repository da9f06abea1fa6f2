import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertWithinDrTargets, BUDGET_CONSTANTS, computeDrBudget, DrBudgetError, RPO_TARGET_SECONDS, RTO_TARGET_SECONDS, type DrBudgetInput } from './budget';
import { loadStackSettings } from './settings';

const base: DrBudgetInput = { healthCheckIntervalSeconds: 10, healthCheckFailureThreshold: 3, dnsTtlSeconds: 60, customDomainsEnabled: true, consistencyMode: 'eventual' };
const check = (input: DrBudgetInput) => assertWithinDrTargets(computeDrBudget(input), input);

describe('DR budget', () => {
  it('targets RTO 15 min and RPO 5 min', () => {
    assert.equal(RTO_TARGET_SECONDS, 900);
    assert.equal(RPO_TARGET_SECONDS, 300);
  });

  it('sums detection, propagation and the alias TTL for the dev stack', () => {
    const budget = computeDrBudget(loadStackSettings('dev'));
    assert.deepEqual(budget, {
      rtoSeconds: 150,
      rpoSeconds: 150,
      rtoTargetSeconds: 900,
      rpoTargetSeconds: 300,
      rto: { detectionSeconds: 30, propagationSeconds: 60, dnsCacheSeconds: 60 },
      rpo: { consistencyMode: 'eventual', replicationLagBoundSeconds: 30, alarmWindowSeconds: 120 },
      transactionLogRpoSeconds: 900,
      withinTargets: true,
    });
  });

  it('uses the CNAME TTL when custom domains are off, and RPO 0 with strong consistency (staging)', () => {
    const budget = computeDrBudget(loadStackSettings('staging'));
    assert.deepEqual([budget.rto, budget.rtoSeconds, budget.rpoSeconds, budget.rpo.consistencyMode], [
      { detectionSeconds: 60, propagationSeconds: 60, dnsCacheSeconds: 30 }, 150, 0, 'strong',
    ]);
  });

  it('ignores dnsTtlSeconds for alias answers', () => {
    assert.equal(computeDrBudget({ ...base, dnsTtlSeconds: 86400 }).rtoSeconds, 150);
  });

  it('accepts a budget of exactly 900 s and refuses 901 s', () => {
    const edge = { ...base, customDomainsEnabled: false, healthCheckIntervalSeconds: 30, healthCheckFailureThreshold: 10, dnsTtlSeconds: 540 };
    assert.equal(check(edge).rtoSeconds, 900);
    assert.throws(() => check({ ...edge, dnsTtlSeconds: 541 }), (e: Error) => {
      assert.ok(e instanceof DrBudgetError);
      assert.equal(
        e.message,
        'payments-dr: refusing this configuration. RTO budget 901 s exceeds the 900 s target: detection 300 s (healthCheckIntervalSeconds 30 x healthCheckFailureThreshold 10) + Route 53 propagation 60 s + DNS cache 541 s (dnsTtlSeconds); lower healthCheckFailureThreshold, healthCheckIntervalSeconds or dnsTtlSeconds.',
      );
      return true;
    });
  });

  it('refuses an RPO over 300 s and accepts exactly 300 s', () => {
    const at = (threshold: number) => ({ ...base, constants: { replicationLatencyThresholdSeconds: threshold } });
    assert.equal(check(at(180)).rpoSeconds, 300);
    assert.throws(() => check(at(181)), /RPO budget 301 s exceeds the 300 s target: replication lag bound 181 s \+ alarm window 120 s \(consistencyMode eventual\)/);
    assert.equal(check({ ...at(181), consistencyMode: 'strong' }).rpoSeconds, 0, 'strong consistency does not depend on the alarm');
  });

  it('reports both breaches at once', () => {
    const input = { ...base, customDomainsEnabled: false, dnsTtlSeconds: 3600, constants: { replicationLatencyThresholdSeconds: 600 } };
    assert.throws(() => check(input), (e: Error) => /RTO budget 3690 s/.test(e.message) && /RPO budget 720 s/.test(e.message));
  });

  it('rejects nonsensical inputs', () => {
    assert.throws(() => computeDrBudget({ ...base, dnsTtlSeconds: -1 }), /dnsTtlSeconds must be a non-negative number/);
    assert.throws(() => computeDrBudget({ ...base, healthCheckIntervalSeconds: Number.NaN }), /healthCheckIntervalSeconds/);
  });

  it('keeps the alarm threshold and the budget on one constant', () => {
    assert.equal(BUDGET_CONSTANTS.replicationLatencyThresholdSeconds, 30);
    assert.equal(BUDGET_CONSTANTS.replicationAlarmPeriodSeconds * BUDGET_CONSTANTS.replicationAlarmEvaluationPeriods, 120);
  });
});
