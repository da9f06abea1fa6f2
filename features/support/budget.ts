/**
 * The DR objectives and the stack's budget as the report states them.
 *
 * The live target reads the budget from the stack outputs; the sandbox and plan targets compute it
 * from the committed stack settings with the stack's own pure function (`infra/budget.ts`), so a
 * drill on the sandbox is judged against exactly the budget the stack exports.
 */
import { computeDrBudget, RPO_OBJECTIVE_SECONDS, RTO_OBJECTIVE_SECONDS, type DrBudget as StackBudget } from '../../infra/budget';
import type { StackSettings } from '../../infra/settings';
import type { DrBudget } from './targets/target';
import { isObject, num } from './http';

export function fromStackBudget(b: StackBudget): DrBudget {
  return {
    rtoObjectiveSeconds: b.rtoObjectiveSeconds,
    rpoObjectiveSeconds: b.rpoObjectiveSeconds,
    rtoBudgetSeconds: b.rtoSeconds,
    // null: eventual mode has no RPO bound (infra/budget.ts).
    rpoBudgetSeconds: b.rpoSeconds ?? Number.POSITIVE_INFINITY,
    breakdown: {
      detectionSeconds: b.rto.detectionSeconds,
      propagationSeconds: b.rto.propagationSeconds,
      dnsCacheSeconds: b.rto.dnsCacheSeconds,
      replicationLagBoundSeconds: b.rpo.replicationLagBoundSeconds,
      alarmWindowSeconds: b.rpo.alarmWindowSeconds,
    },
  };
}

export function budgetFromSettings(settings: StackSettings): DrBudget {
  return fromStackBudget(
    computeDrBudget({
      healthCheckIntervalSeconds: settings.healthCheckIntervalSeconds,
      healthCheckFailureThreshold: settings.healthCheckFailureThreshold,
      dnsTtlSeconds: settings.dnsTtlSeconds,
      customDomainsEnabled: settings.customDomainsEnabled,
      consistencyMode: settings.consistencyMode,
    }),
  );
}

/**
 * Reads the budget from stack outputs (`pulumi stack output --json`). Accepts the stack's
 * `drBudget`/`budget` object (the shape of `infra/budget.ts`), or flat `rtoSeconds`/`rpoSeconds`
 * / `rtoBudgetSeconds`/`rpoBudgetSeconds` numbers; undefined when the outputs carry no budget.
 */
export function budgetFromOutputs(outputs: Record<string, unknown>): DrBudget | undefined {
  for (const key of ['drBudget', 'budget', 'rtoRpoBudget']) {
    const b = outputs[key];
    if (!isObject(b)) continue;
    const rto = num(b.rtoSeconds);
    const rpo = num(b.rpoSeconds);
    if (rto === undefined || rpo === undefined) continue;
    const breakdown: Record<string, number> = {};
    for (const part of [b.rto, b.rpo]) {
      if (!isObject(part)) continue;
      for (const [k, v] of Object.entries(part)) {
        const n = num(v);
        if (n !== undefined) breakdown[k] = n;
      }
    }
    return {
      rtoObjectiveSeconds: num(b.rtoObjectiveSeconds) ?? RTO_OBJECTIVE_SECONDS,
      rpoObjectiveSeconds: num(b.rpoObjectiveSeconds) ?? RPO_OBJECTIVE_SECONDS,
      rtoBudgetSeconds: rto,
      rpoBudgetSeconds: rpo,
      breakdown,
    };
  }
  const rto = num(outputs.rtoBudgetSeconds) ?? num(outputs.rtoSeconds);
  const rpo = num(outputs.rpoBudgetSeconds) ?? num(outputs.rpoSeconds);
  if (rto === undefined || rpo === undefined) return undefined;
  return { rtoObjectiveSeconds: RTO_OBJECTIVE_SECONDS, rpoObjectiveSeconds: RPO_OBJECTIVE_SECONDS, rtoBudgetSeconds: rto, rpoBudgetSeconds: rpo, breakdown: {} };
}
