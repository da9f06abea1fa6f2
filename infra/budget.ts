/**
 * The RTO/RPO budget: a pure function of the stack settings, exported as a stack output,
 * explained in docs/runbook.md, and enforced at preview (`assertWithinDrTargets`).
 *
 * RTO (worst case, regional outage of the primary until clients reach the secondary):
 *   detection   = healthCheckIntervalSeconds x healthCheckFailureThreshold
 *                 (Route 53 declares the primary unhealthy after that many consecutive failures)
 *   propagation = Route 53 applying the new health status to DNS answers (budgeted at 60 s)
 *   dns cache   = how long resolvers may keep serving the old answer: the alias target's TTL
 *                 (60 s for API Gateway custom domains) with custom domains on, the CNAME's
 *                 `dnsTtlSeconds` with them off
 *   The secondary is always deployed and serving (warm, active): no scale-up term.
 *
 * RPO (payments; the DynamoDB global table is the system of record):
 *   strong   (MRSC): 0 -- a write is acknowledged only once it is durable in a second region.
 *   eventual (MREC): replication is asynchronous (typically under a second). The bound we can
 *                    defend is the largest lag that can exist without a page: the ReplicationLatency
 *                    alarm threshold (30 s) plus its evaluation window (2 x 60 s).
 * The S3 transaction-log copy is replicated with Replication Time Control (SLA: 99.99 % within
 * 15 minutes); it is reported (`transactionLogRpoSeconds`) but is not the payments RPO because
 * the logs are a derived record of what the table already holds.
 */
import type { ConsistencyMode } from './settings';

/** Targets set by the business: RTO 15 min, RPO 5 min. */
export const RTO_TARGET_SECONDS = 15 * 60;
export const RPO_TARGET_SECONDS = 5 * 60;

/** Fixed terms of the model (AWS behaviour, not configuration). */
export const BUDGET_CONSTANTS = {
  /** Route 53: health status change to DNS answer change. */
  route53PropagationSeconds: 60,
  /** TTL Route 53 uses for alias answers pointing at API Gateway regional custom domains. */
  aliasTargetTtlSeconds: 60,
  /** DynamoDB ReplicationLatency alarm threshold (also used by the alarm itself). */
  replicationLatencyThresholdSeconds: 30,
  /** The ReplicationLatency alarm's period and evaluation periods. */
  replicationAlarmPeriodSeconds: 60,
  replicationAlarmEvaluationPeriods: 2,
  /** S3 Replication Time Control: 99.99 % of objects within 15 minutes. */
  s3ReplicationTimeControlSeconds: 15 * 60,
} as const;

export interface DrBudgetInput {
  healthCheckIntervalSeconds: number;
  healthCheckFailureThreshold: number;
  dnsTtlSeconds: number;
  customDomainsEnabled: boolean;
  consistencyMode: ConsistencyMode;
  /** Overrides for what-if analysis; defaults are BUDGET_CONSTANTS. */
  constants?: Partial<Record<keyof typeof BUDGET_CONSTANTS, number>>;
}

export interface DrBudget {
  rtoSeconds: number;
  rpoSeconds: number;
  rtoTargetSeconds: number;
  rpoTargetSeconds: number;
  rto: { detectionSeconds: number; propagationSeconds: number; dnsCacheSeconds: number };
  rpo: { consistencyMode: ConsistencyMode; replicationLagBoundSeconds: number; alarmWindowSeconds: number };
  /** Informational: the replicated S3 transaction log's bound (RTC SLA). */
  transactionLogRpoSeconds: number;
  withinTargets: boolean;
}

export class DrBudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DrBudgetError';
  }
}

function positive(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new DrBudgetError(`${name} must be a non-negative number, got ${value}`);
}

/** Computes the worst-case RTO and RPO of a configuration. Pure. */
export function computeDrBudget(input: DrBudgetInput): DrBudget {
  const c = { ...BUDGET_CONSTANTS, ...(input.constants ?? {}) };
  positive('healthCheckIntervalSeconds', input.healthCheckIntervalSeconds);
  positive('healthCheckFailureThreshold', input.healthCheckFailureThreshold);
  positive('dnsTtlSeconds', input.dnsTtlSeconds);

  const detectionSeconds = input.healthCheckIntervalSeconds * input.healthCheckFailureThreshold;
  const propagationSeconds = c.route53PropagationSeconds;
  const dnsCacheSeconds = input.customDomainsEnabled ? c.aliasTargetTtlSeconds : input.dnsTtlSeconds;
  const rtoSeconds = detectionSeconds + propagationSeconds + dnsCacheSeconds;

  const strong = input.consistencyMode === 'strong';
  const replicationLagBoundSeconds = strong ? 0 : c.replicationLatencyThresholdSeconds;
  const alarmWindowSeconds = strong ? 0 : c.replicationAlarmPeriodSeconds * c.replicationAlarmEvaluationPeriods;
  const rpoSeconds = replicationLagBoundSeconds + alarmWindowSeconds;

  return {
    rtoSeconds,
    rpoSeconds,
    rtoTargetSeconds: RTO_TARGET_SECONDS,
    rpoTargetSeconds: RPO_TARGET_SECONDS,
    rto: { detectionSeconds, propagationSeconds, dnsCacheSeconds },
    rpo: { consistencyMode: input.consistencyMode, replicationLagBoundSeconds, alarmWindowSeconds },
    transactionLogRpoSeconds: c.s3ReplicationTimeControlSeconds,
    withinTargets: rtoSeconds <= RTO_TARGET_SECONDS && rpoSeconds <= RPO_TARGET_SECONDS,
  };
}

/** Throws a DrBudgetError naming every term when the budget exceeds RTO 15 min or RPO 5 min. */
export function assertWithinDrTargets(budget: DrBudget, input: DrBudgetInput): DrBudget {
  const problems: string[] = [];
  if (budget.rtoSeconds > budget.rtoTargetSeconds) {
    const cache = input.customDomainsEnabled ? 'alias target TTL' : 'dnsTtlSeconds';
    problems.push(
      `RTO budget ${budget.rtoSeconds} s exceeds the ${budget.rtoTargetSeconds} s target: ` +
        `detection ${budget.rto.detectionSeconds} s (healthCheckIntervalSeconds ${input.healthCheckIntervalSeconds} x healthCheckFailureThreshold ${input.healthCheckFailureThreshold}) ` +
        `+ Route 53 propagation ${budget.rto.propagationSeconds} s + DNS cache ${budget.rto.dnsCacheSeconds} s (${cache}); ` +
        `lower healthCheckFailureThreshold, healthCheckIntervalSeconds or dnsTtlSeconds`,
    );
  }
  if (budget.rpoSeconds > budget.rpoTargetSeconds) {
    problems.push(
      `RPO budget ${budget.rpoSeconds} s exceeds the ${budget.rpoTargetSeconds} s target: ` +
        `replication lag bound ${budget.rpo.replicationLagBoundSeconds} s + alarm window ${budget.rpo.alarmWindowSeconds} s ` +
        `(consistencyMode ${budget.rpo.consistencyMode}); use consistencyMode "strong" or tighten the replication alarm`,
    );
  }
  if (problems.length > 0) throw new DrBudgetError(`payments-dr: refusing this configuration. ${problems.join('. ')}.`);
  return budget;
}
