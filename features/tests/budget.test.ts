/**
 * Figures are judged against the stack's own budget (infra/budget.ts, imported, never re-declared),
 * and only against the terms the target that measured them exercises.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeDrBudget } from '../../infra/budget';
import { loadStackSettings } from '../../infra/settings';
import { describeFigure } from '../../scripts/verify/auditor';
import { budgetFromOutputs, budgetFromSettings, budgetTerms, rpoBudgetText } from '../support/budget';
import { SANDBOX_NOT_EXERCISED } from '../support/targets/sandboxTarget';

const INPUT = { healthCheckIntervalSeconds: 10, healthCheckFailureThreshold: 3, dnsTtlSeconds: 60, customDomainsEnabled: true } as const;

describe('the budget the suite judges against', () => {
  it('is the stack output drBudget exactly as infra/budget.ts computes it', () => {
    for (const consistencyMode of ['strong', 'eventual'] as const) {
      const exported = computeDrBudget({ ...INPUT, consistencyMode });
      assert.deepEqual(budgetFromOutputs({ drBudget: JSON.parse(JSON.stringify(exported)) }), exported);
    }
  });

  it('keeps "no RPO bound" (null) in eventual mode, never a number', () => {
    const eventual = budgetFromOutputs({ drBudget: computeDrBudget({ ...INPUT, consistencyMode: 'eventual' }) });
    assert.equal(eventual?.rpoSeconds, null);
    assert.match(rpoBudgetText(eventual!), /^none \(eventual mode: nothing: asynchronous replication has no AWS bound/);
    assert.equal(rpoBudgetText(computeDrBudget({ ...INPUT, consistencyMode: 'strong' })), '0 s');
  });

  it('names every field a drBudget output lacks, and is undefined without one', () => {
    const { rto: _rto, ...partial } = computeDrBudget({ ...INPUT, consistencyMode: 'strong' });
    assert.throws(() => budgetFromOutputs({ drBudget: partial }), /drBudget must be an object with rto and rpo/);
    const broken = JSON.parse(JSON.stringify(computeDrBudget({ ...INPUT, consistencyMode: 'strong' })));
    delete broken.rto.dnsCacheSeconds;
    delete broken.transactionLogRpoSeconds;
    assert.throws(() => budgetFromOutputs({ drBudget: broken }), /drBudget lacks rto\.dnsCacheSeconds, transactionLogRpoSeconds/);
    assert.equal(budgetFromOutputs({}), undefined);
  });

  it('is computed from the committed stack settings by the stack\'s own function', () => {
    const settings = loadStackSettings('dev');
    assert.deepEqual(budgetFromSettings(settings).rto.detectionSeconds, settings.healthCheckIntervalSeconds * settings.healthCheckFailureThreshold);
  });
});

describe('which budget terms a figure is judged against', () => {
  it('the sandbox exercises only health-check detection of the RTO, and no term of the RPO', () => {
    const rto = budgetTerms('rto', { notExercised: SANDBOX_NOT_EXERCISED });
    assert.deepEqual(rto.exercised, ['detectionSeconds']);
    assert.deepEqual(rto.notExercised.map((n) => n.term), ['propagationSeconds', 'dnsCacheSeconds']);
    const rpo = budgetTerms('rpo', { notExercised: SANDBOX_NOT_EXERCISED });
    assert.deepEqual(rpo.exercised, []);
    assert.deepEqual(rpo.notExercised.map((n) => n.term), ['replicationLagBoundSeconds', 'alarmWindowSeconds']);
  });

  it('the plan exercises nothing, a live stack every term', () => {
    assert.deepEqual(budgetTerms('rto', { notExercised: [{ term: 'all', why: 'runs nothing' }] }).exercised, []);
    assert.deepEqual(budgetTerms('rto', { notExercised: [] }).exercised, ['detectionSeconds', 'propagationSeconds', 'dnsCacheSeconds']);
    assert.deepEqual(budgetTerms('rpo', { notExercised: [] }).exercised, ['replicationLagBoundSeconds', 'alarmWindowSeconds']);
  });

  it('a sandbox failover time says it is modelled and does not prove the RTO budget', () => {
    const text = describeFigure({
      name: 'failover time',
      wallClockMs: 2_000,
      seconds: 40,
      clock: 'modelled',
      limitSeconds: 900,
      budgetSeconds: 150,
      timeScale: 0.05,
      judgedAgainst: budgetTerms('rto', { notExercised: SANDBOX_NOT_EXERCISED }),
    });
    assert.match(text, /^failover time: 40\.0 s modelled at time scale 0\.05 \(2\.000 s wall-clock\) \(limit 900 s, stack budget 150 s\); judged against the RTO budget terms detectionSeconds; not exercised on this target: propagationSeconds \(.*\); dnsCacheSeconds \(.*\); so it does not prove the stack's RTO budget$/);
  });

  it('a sandbox replication lag is real time and judged against no RPO term it could prove', () => {
    const text = describeFigure({
      name: 'replication lag us-east-1 to us-east-2',
      wallClockMs: 120,
      seconds: 0.12,
      clock: 'real-time',
      limitSeconds: 30,
      timeScale: 0.05,
      judgedAgainst: budgetTerms('rpo', { notExercised: SANDBOX_NOT_EXERCISED }),
    });
    assert.match(text, /0\.120 s real time \(not scaled; the wait was bounded at time scale 0\.05\) \(limit 30 s\); judged against the RPO budget terms \(none\); not exercised on this target: replicationLagBoundSeconds .*; so it does not prove the stack's RPO budget$/);
  });
});
