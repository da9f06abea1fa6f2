import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertWithinDrObjectives, BUDGET_CONSTANTS, computeDrBudget, DrBudgetError, drBudgetWarnings, RPO_OBJECTIVE_SECONDS, RTO_OBJECTIVE_SECONDS, type DrBudgetInput } from './budget';
import { loadStackSettings } from './settings';

const base: DrBudgetInput = { healthCheckIntervalSeconds: 10, healthCheckFailureThreshold: 3, dnsTtlSeconds: 60, customDomainsEnabled: true, consistencyMode: 'eventual' };
const check = (input: DrBudgetInput) => assertWithinDrObjectives(computeDrBudget(input), input);

describe('DR budget', () => {
  it('sets the objectives RTO 15 min and RPO 5 min', () => {
    assert.equal(RTO_OBJECTIVE_SECONDS, 900);
    assert.equal(RPO_OBJECTIVE_SECONDS, 300);
  });

  it('sums detection, propagation and the alias TTL for the dev stack (strong consistency: RPO 0 for confirmed payments)', () => {
    const budget = computeDrBudget(loadStackSettings('dev'));
    assert.deepEqual(budget, {
      rtoSeconds: 150,
      rpoSeconds: 0,
      rtoObjectiveSeconds: 900,
      rpoObjectiveSeconds: 300,
      rto: { detectionSeconds: 30, propagationSeconds: 60, dnsCacheSeconds: 60 },
      rpo: {
        consistencyMode: 'strong',
        bounded: true,
        covers: 'payments confirmed with 201: durable in two Regions before the answer (DynamoDB multi-Region strong consistency); not the S3 transaction-log copies (transactionLogRpoSeconds)',
        replicationLagBoundSeconds: 0,
        alarmWindowSeconds: 0,
      },
      transactionLogRpoSeconds: 900,
      withinObjectives: true,
    });
  });

  it('claims no RPO bound in eventual mode: ReplicationLatency has no SLA', () => {
    const budget = computeDrBudget(base);
    assert.equal(budget.rpoSeconds, null);
    assert.equal(budget.rpo.bounded, false);
    assert.equal(budget.withinObjectives, false, 'an unbounded RPO is not within the 5-minute objective');
    assert.match(budget.rpo.covers, /^nothing: asynchronous replication has no AWS bound/);
  });

  it('still deploys eventual mode (RTO within its objective) but warns what it gives up', () => {
    const budget = check(base);
    const [warning, ...more] = drBudgetWarnings(budget);
    assert.deepEqual(more, []);
    assert.match(warning, /consistencyMode "eventual" gives up the RPO objective/);
    assert.match(warning, /can commit twice/);
    assert.deepEqual(drBudgetWarnings(computeDrBudget({ ...base, consistencyMode: 'strong' })), []);
  });

  it('keeps the strong-mode figure to confirmed payments, not the transaction-log copies', () => {
    const budget = computeDrBudget({ ...base, consistencyMode: 'strong' });
    assert.equal(budget.rpoSeconds, 0);
    assert.equal(budget.transactionLogRpoSeconds, 900);
    assert.match(budget.rpo.covers, /not the S3 transaction-log copies/);
  });

  it('uses the alias TTL and RPO 0 with strong consistency (staging)', () => {
    const budget = computeDrBudget(loadStackSettings('staging'));
    assert.deepEqual([budget.rto, budget.rtoSeconds, budget.rpoSeconds, budget.rpo.consistencyMode], [
      { detectionSeconds: 60, propagationSeconds: 60, dnsCacheSeconds: 60 }, 180, 0, 'strong',
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
        'payments-dr: refusing this configuration. RTO budget 901 s exceeds the 900 s objective: detection 300 s (healthCheckIntervalSeconds 30 x healthCheckFailureThreshold 10) + Route 53 propagation 60 s + DNS cache 541 s (dnsTtlSeconds); lower healthCheckFailureThreshold, healthCheckIntervalSeconds or dnsTtlSeconds.',
      );
      return true;
    });
  });

  it('does not derive an eventual-mode RPO from the replication alarm, whatever its threshold', () => {
    const at = (threshold: number) => ({ ...base, constants: { replicationLatencyThresholdSeconds: threshold } });
    assert.equal(check(at(30)).rpoSeconds, null);
    assert.equal(check(at(600)).rpoSeconds, null);
    assert.equal(check({ ...at(600), consistencyMode: 'strong' }).rpoSeconds, 0, 'strong consistency does not depend on the alarm');
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
