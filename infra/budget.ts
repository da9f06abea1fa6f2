/**
 * The RTO/RPO budget: a pure function of the stack settings, exported as a stack output,
 * explained in docs/runbook.md, and enforced at preview (`assertWithinDrObjectives`).
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
 * RPO (payments; the DynamoDB global table is the system of record). Only what can be defended:
 *   strong   (MRSC): 0 for what strong mode covers: a payment the API confirmed (201) is durable
 *                    in a second Region before the answer (the write is acknowledged only once it
 *                    replicated synchronously to another replica or the witness).
 *                    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html
 *                    It does NOT cover: the S3 transaction-log copies (Replication Time Control,
 *                    99.99 % within 15 minutes: `transactionLogRpoSeconds`) nor anything outside
 *                    the table.
 *   eventual (MREC): NO bound. Replication is asynchronous and `ReplicationLatency` has no SLA; the
 *                    latency alarm averages over a minute (hiding tail lag) and runs in the Region
 *                    that replicates, which may be the one failing. `rpoSeconds` is null and the
 *                    program warns at preview (`drBudgetWarnings`). The alarm's threshold and
 *                    window are reported as detection figures, not as a bound.
 * The S3 transaction-log copy is replicated with Replication Time Control (SLA: 99.99 % within
 * 15 minutes); it is reported (`transactionLogRpoSeconds`) but is not the payments RPO because
 * the logs are a derived record of what the table already holds.
 */
import type { ConsistencyMode } from './settings';

/** Objectives set by the business: RTO 15 min, RPO 5 min (what a stack's design achieves is its budget). */
export const RTO_OBJECTIVE_SECONDS = 15 * 60;
export const RPO_OBJECTIVE_SECONDS = 5 * 60;

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
  /** Seconds of confirmed payments that a regional loss can take; null when nothing bounds it (eventual mode). */
  rpoSeconds: number | null;
  rtoObjectiveSeconds: number;
  rpoObjectiveSeconds: number;
  rto: { detectionSeconds: number; propagationSeconds: number; dnsCacheSeconds: number };
  rpo: {
    consistencyMode: ConsistencyMode;
    /** Whether `rpoSeconds` is a bound AWS documents (strong) or there is none (eventual). */
    bounded: boolean;
    /** What the figure covers, in words (exported with the budget, for auditors). */
    covers: string;
    /** Eventual mode: the ReplicationLatency alarm's threshold (detection, not a bound); 0 in strong mode. */
    replicationLagBoundSeconds: number;
    /** Eventual mode: the alarm's evaluation window (detection delay, not a bound); 0 in strong mode. */
    alarmWindowSeconds: number;
  };
  /** Informational: the replicated S3 transaction log's bound (RTC SLA). */
  transactionLogRpoSeconds: number;
  withinObjectives: boolean;
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
  const rpoSeconds = strong ? 0 : null;
  const covers = strong
    ? 'payments confirmed with 201: durable in two Regions before the answer (DynamoDB multi-Region strong consistency); not the S3 transaction-log copies (transactionLogRpoSeconds)'
    : 'nothing: asynchronous replication has no AWS bound (ReplicationLatency has no SLA); confirmed payments not yet replicated are lost if the Region is lost';

  return {
    rtoSeconds,
    rpoSeconds,
    rtoObjectiveSeconds: RTO_OBJECTIVE_SECONDS,
    rpoObjectiveSeconds: RPO_OBJECTIVE_SECONDS,
    rto: { detectionSeconds, propagationSeconds, dnsCacheSeconds },
    rpo: { consistencyMode: input.consistencyMode, bounded: rpoSeconds !== null, covers, replicationLagBoundSeconds, alarmWindowSeconds },
    transactionLogRpoSeconds: c.s3ReplicationTimeControlSeconds,
    withinObjectives: rtoSeconds <= RTO_OBJECTIVE_SECONDS && rpoSeconds !== null && rpoSeconds <= RPO_OBJECTIVE_SECONDS,
  };
}

/** Throws a DrBudgetError naming every term when the budget exceeds RTO 15 min or RPO 5 min. */
export function assertWithinDrObjectives(budget: DrBudget, input: DrBudgetInput): DrBudget {
  const problems: string[] = [];
  if (budget.rtoSeconds > budget.rtoObjectiveSeconds) {
    const cache = input.customDomainsEnabled ? 'alias target TTL' : 'dnsTtlSeconds';
    problems.push(
      `RTO budget ${budget.rtoSeconds} s exceeds the ${budget.rtoObjectiveSeconds} s objective: ` +
        `detection ${budget.rto.detectionSeconds} s (healthCheckIntervalSeconds ${input.healthCheckIntervalSeconds} x healthCheckFailureThreshold ${input.healthCheckFailureThreshold}) ` +
        `+ Route 53 propagation ${budget.rto.propagationSeconds} s + DNS cache ${budget.rto.dnsCacheSeconds} s (${cache}); ` +
        `lower healthCheckFailureThreshold, healthCheckIntervalSeconds or dnsTtlSeconds`,
    );
  }
  if (budget.rpoSeconds !== null && budget.rpoSeconds > budget.rpoObjectiveSeconds) {
    problems.push(`RPO budget ${budget.rpoSeconds} s exceeds the ${budget.rpoObjectiveSeconds} s objective (consistencyMode ${budget.rpo.consistencyMode})`);
  }
  if (problems.length > 0) throw new DrBudgetError(`payments-dr: refusing this configuration. ${problems.join('. ')}.`);
  return budget;
}

/**
 * What a configuration gives up, for `pulumi.log.warn` at preview: eventual consistency has no RPO
 * bound and lets two Regions commit different outcomes for one Idempotency-Key (conditional
 * writes are checked only in the Region that receives them).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html
 */
export function drBudgetWarnings(budget: DrBudget): string[] {
  if (budget.rpo.bounded) return [];
  return [
    `payments-dr: consistencyMode "eventual" gives up the RPO objective: replication is asynchronous with no AWS bound, so payments confirmed ` +
      `in a Region that is lost before they replicate are lost, and the same Idempotency-Key sent to both Regions within the replication lag ` +
      `can commit twice (last writer wins). The budget states no RPO (rpoSeconds null); use consistencyMode "strong" for a 5-minute RPO objective.`,
  ];
}
