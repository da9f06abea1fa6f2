/**
 * The stack's RTO/RPO budget as the suite judges figures against it: the type and the computation
 * are the stack's own (`infra/budget.ts`), never a copy.
 *
 * The live target reads the budget from the stack output `drBudget`; the sandbox and plan targets
 * compute it from the committed stack settings with the stack's pure function, so a drill on the
 * sandbox is judged against exactly the budget the stack exports.
 */
import { computeDrBudget, type DrBudget } from '../../infra/budget';
import type { StackSettings } from '../../infra/settings';
import { isObject, num } from './http';
import { RPO_TERMS, RTO_TERMS, type TargetDescription } from './targets/target';

export function budgetFromSettings(settings: StackSettings): DrBudget {
  return computeDrBudget({
    healthCheckIntervalSeconds: settings.healthCheckIntervalSeconds,
    healthCheckFailureThreshold: settings.healthCheckFailureThreshold,
    dnsTtlSeconds: settings.dnsTtlSeconds,
    customDomainsEnabled: settings.customDomainsEnabled,
    consistencyMode: settings.consistencyMode,
  });
}

/**
 * Reads the budget from stack outputs (`pulumi stack output --json`): the `drBudget` object the
 * program exports (the shape of `infra/budget.ts`). Undefined when the outputs carry none; throws
 * naming the field when `drBudget` is there but not of that shape.
 */
export function budgetFromOutputs(outputs: Record<string, unknown>): DrBudget | undefined {
  const b = outputs.drBudget;
  if (b === undefined) return undefined;
  const problems: string[] = [];
  const need = (value: unknown, path: string): number => {
    const n = num(value);
    if (n === undefined) problems.push(path);
    return n ?? 0;
  };
  if (!isObject(b) || !isObject(b.rto) || !isObject(b.rpo)) throw new Error('the stack output drBudget must be an object with rto and rpo (infra/budget.ts)');
  const mode = b.rpo.consistencyMode;
  if (mode !== 'strong' && mode !== 'eventual') problems.push('rpo.consistencyMode');
  const budget: DrBudget = {
    rtoSeconds: need(b.rtoSeconds, 'rtoSeconds'),
    // null: eventual mode has no RPO bound (infra/budget.ts).
    rpoSeconds: b.rpoSeconds === null ? null : need(b.rpoSeconds, 'rpoSeconds'),
    rtoObjectiveSeconds: need(b.rtoObjectiveSeconds, 'rtoObjectiveSeconds'),
    rpoObjectiveSeconds: need(b.rpoObjectiveSeconds, 'rpoObjectiveSeconds'),
    rto: {
      detectionSeconds: need(b.rto.detectionSeconds, 'rto.detectionSeconds'),
      propagationSeconds: need(b.rto.propagationSeconds, 'rto.propagationSeconds'),
      dnsCacheSeconds: need(b.rto.dnsCacheSeconds, 'rto.dnsCacheSeconds'),
    },
    rpo: {
      consistencyMode: mode === 'eventual' ? 'eventual' : 'strong',
      bounded: b.rpo.bounded === true,
      covers: typeof b.rpo.covers === 'string' ? b.rpo.covers : '',
      replicationLagBoundSeconds: need(b.rpo.replicationLagBoundSeconds, 'rpo.replicationLagBoundSeconds'),
      alarmWindowSeconds: need(b.rpo.alarmWindowSeconds, 'rpo.alarmWindowSeconds'),
    },
    transactionLogRpoSeconds: need(b.transactionLogRpoSeconds, 'transactionLogRpoSeconds'),
    withinObjectives: b.withinObjectives === true,
  };
  if (problems.length > 0) throw new Error(`the stack output drBudget lacks ${problems.join(', ')} (infra/budget.ts)`);
  return budget;
}

/** "none (eventual mode: asynchronous replication has no AWS bound)" or "0 s". */
export function rpoBudgetText(budget: DrBudget): string {
  return budget.rpoSeconds === null ? `none (${budget.rpo.consistencyMode} mode: ${budget.rpo.covers})` : `${budget.rpoSeconds} s`;
}

/** The business objectives the budget is held to (RTO 15 min, RPO 5 min), seconds. */
export function objectives(budget: DrBudget): { rtoObjectiveSeconds: number; rpoObjectiveSeconds: number } {
  return { rtoObjectiveSeconds: budget.rtoObjectiveSeconds, rpoObjectiveSeconds: budget.rpoObjectiveSeconds };
}

/** Which terms of the stack's RTO or RPO budget a figure is judged against, and which the target did not exercise (with why). */
export interface JudgedAgainst {
  budget: 'rto' | 'rpo';
  exercised: string[];
  notExercised: Array<{ term: string; why: string }>;
}

/**
 * The terms of the `budget` (infra/budget.ts: `rto.*` or the RPO durations) a figure measured on the
 * target `description` exercises, and those it does not: a figure never proves a term its target
 * does not emulate.
 */
export function budgetTerms(budget: 'rto' | 'rpo', description: Pick<TargetDescription, 'notExercised'>): JudgedAgainst {
  const terms: readonly string[] = budget === 'rto' ? RTO_TERMS : RPO_TERMS;
  const notExercised = description.notExercised.filter((n) => n.term === 'all' || terms.includes(n.term));
  const all = notExercised.some((n) => n.term === 'all');
  return { budget, exercised: all ? [] : terms.filter((t) => !notExercised.some((n) => n.term === t)), notExercised };
}
