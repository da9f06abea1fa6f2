/**
 * The verification targets, split by what they can answer.
 *
 * A target answers questions about one deployment of the DR stack. Three implementations exist:
 * - `live`    — a deployed stack in AWS (stack outputs + AWS SDK v3): a {@link RuntimeTarget} and a
 *               {@link ConfigurationTarget};
 * - `sandbox` — the local two-region sandbox (`sandbox/`): a {@link RuntimeTarget} only;
 * - `plan`    — the Pulumi program's planned resources under mocks: a {@link ConfigurationTarget} only.
 *
 * Scenarios are tagged `@runtime` (they send traffic, fail over, measure replication) or
 * `@configuration` (they read how resources are configured). The World asks the target configured
 * for the scenario's capability whether it has that capability ({@link hasCapability}); a scenario
 * whose target lacks it is skipped with the reason and reported as not verified here, never passed.
 * No target implements a question it cannot answer.
 */
import type { DrBudget } from '../../../infra/budget';

export type { DrBudget };

export type TargetKind = 'live' | 'sandbox' | 'plan';
/** Runtime behaviours a runtime target may be unable to exercise. */
export type RuntimeBehaviour = 'object-replication';
export type Capability = 'runtime' | 'configuration';

/** The terms of the stack's RTO budget (`DrBudget.rto`, infra/budget.ts). */
export type RtoTerm = keyof DrBudget['rto'];
/** The terms of the stack's RPO budget that are durations (`DrBudget.rpo`, infra/budget.ts). */
export type RpoTerm = 'replicationLagBoundSeconds' | 'alarmWindowSeconds';
export type BudgetTerm = RtoTerm | RpoTerm;
export const RTO_TERMS: readonly RtoTerm[] = ['detectionSeconds', 'propagationSeconds', 'dnsCacheSeconds'];
export const RPO_TERMS: readonly RpoTerm[] = ['replicationLagBoundSeconds', 'alarmWindowSeconds'];

/** The two regions of the stack. */
export interface RegionPair {
  primaryRegion: string;
  drRegion: string;
}

/** What a report says about the target that answered. */
export interface TargetDescription {
  kind: TargetKind;
  /** One human line, e.g. "local two-region sandbox at time scale 0.05". */
  summary: string;
  stack: string;
  regions: RegionPair;
  /** AWS account id when known (live); "local" for sandbox, "mock" for plan. */
  account: string;
  /** Wall-clock seconds per modelled second: 1 for live and plan. */
  timeScale: number;
  /**
   * Terms of the stack's budget this target does not exercise, each with why (`all`: it runs
   * nothing); a figure measured here is never judged to prove them.
   */
  notExercised: Array<{ term: BudgetTerm | 'all'; why: string }>;
  /** How replication happens on this target, e.g. "asynchronous (sandbox emulation of eventual mode)". */
  replication: string;
}

export interface PaymentRequest {
  merchantId: string;
  idempotencyKey: string;
  amount: number;
  currency: string;
  reference: string;
}

/** What an API answered to a payment request. */
export interface PaymentReceipt {
  httpStatus: number;
  transactionId?: string;
  status?: string;
  /** The region that processed the request (the response's `region`). */
  region?: string;
  /** The error code when rejected. */
  errorCode?: string;
}

/** A payment as stored in one region's replica of the global table. */
export interface StoredPayment {
  transactionId: string;
  status: string;
  amount: number;
  currency: string;
  region: string;
}

/** Undoes what a drill changed. Idempotent: safe to call twice. */
export interface RestoreAction {
  description: string;
  restore(): Promise<void>;
}

/** What a probe of the failover endpoint saw. */
export interface FailoverObservation {
  /** Region that served the request, undefined when nothing answered successfully. */
  servingRegion?: string;
  /** Free text for the evidence log (DNS answer, HTTP status). */
  detail: string;
}

export interface AlarmFacts {
  name: string;
  region: string;
  namespace?: string;
  metricName?: string;
  dimensions: Record<string, string>;
  threshold?: number;
  comparisonOperator?: string;
  alarmActions: string[];
  /** For metric-math alarms: the metric names involved. */
  metricNames: string[];
}

export interface TableReplicaFacts {
  region: string;
  pointInTimeRecovery: boolean;
}

export interface TableFacts {
  name: string;
  /** Region the table resource is declared in (the primary). */
  region: string;
  billingMode: string;
  pointInTimeRecovery: boolean;
  replicas: TableReplicaFacts[];
  /** True when encrypted with a KMS key (AWS managed or customer managed) rather than the AWS owned key. */
  kmsEncrypted: boolean;
}

export interface BucketFacts {
  name: string;
  region: string;
  versioning: boolean;
  /** Server-side encryption algorithm, e.g. "aws:kms" or "AES256"; undefined when none. */
  encryption?: string;
  publicAccessBlocked: boolean;
  /** Bucket names it replicates to. */
  replicatesTo: string[];
}

export interface QueueFacts {
  name: string;
  region: string;
  encrypted: boolean;
  /** "SSE-SQS", "SSE-KMS" or undefined. */
  encryption?: string;
  isDeadLetterQueue: boolean;
  hasRedrivePolicy: boolean;
}

export interface FunctionFacts {
  /** Logical function name, e.g. "createPayment" (from the deployed name). */
  logicalName: string;
  name: string;
  region: string;
  roleArn: string;
  environment: Record<string, string>;
}

/** One action on one resource to ask the policy simulator about. */
export interface AccessQuestion {
  action: string;
  resource: string;
}

export type AccessDecision = 'allowed' | 'implicitDeny' | 'explicitDeny';

export interface AccessAnswer extends AccessQuestion {
  decision: AccessDecision;
}

/** Names and ARNs of what one region of the stack owns; used to phrase least-privilege questions. */
export interface RegionalResources {
  region: string;
  accountId: string;
  tableName: string;
  tableArn: string;
  bucketName: string;
  retryQueueArn: string;
  deadLetterQueueArn?: string;
  /** Name of the region's REST API (the `ApiName` dimension of its metrics). */
  apiName?: string;
  parameterPath: string;
  /** ARN of the region's manual failover flag parameter. */
  manualFailoverParameterArn?: string;
  /** Names of the payment functions deployed in this region. */
  functions: FunctionFacts[];
}

/** What every target does: open, close, describe itself and state the stack's budget. */
export interface TargetBase {
  readonly kind: TargetKind;
  readonly capabilities: readonly Capability[];
  /** Connects/starts; called once per run before the first scenario it answers. */
  open(): Promise<void>;
  /** Releases everything `open` acquired; always called at the end of the run. */
  close(): Promise<void>;
  describe(): TargetDescription;
  /** The stack's RTO/RPO budget (infra/budget.ts), from the stack outputs or computed from its settings. */
  budget(): Promise<DrBudget>;
}

/** A target that runs the stack: sends payments, reads replicas, fails a region over (sandbox, live). */
export interface RuntimeTarget extends TargetBase {
  /** POST /payments on one region's own API (not the failover hostname). */
  submitPayment(region: string, request: PaymentRequest): Promise<PaymentReceipt>;
  /** POST /payments on the failover endpoint (Route 53 failover record / sandbox front door). */
  submitPaymentViaFailover(request: PaymentRequest): Promise<PaymentReceipt>;
  /** Reads a payment straight from one region's table replica (eventually consistent read). */
  readPayment(region: string, transactionId: string): Promise<StoredPayment | undefined>;
  /** Writes a transaction-log object into one region's bucket. */
  writeTransactionLog(region: string, key: string, body: string): Promise<void>;
  /** Reads a transaction-log object from one region's bucket; undefined when absent. */
  readTransactionLog(region: string, key: string): Promise<string | undefined>;
  /** Which region the failover endpoint currently routes to. */
  observeFailover(): Promise<FailoverObservation>;
  /**
   * Why this target cannot exercise a runtime behaviour (the scenario is then reported as skipped
   * with that reason), or undefined when it can.
   */
  limitation(behaviour: RuntimeBehaviour): Promise<string | undefined>;
  /** Makes a region fail its health check through the real mechanism; returns how to undo it. */
  makeUnhealthy(region: string): Promise<RestoreAction>;
}

/** A target that reads how the stack's resources are configured (plan, live). */
export interface ConfigurationTarget extends TargetBase {
  alarms(region: string): Promise<AlarmFacts[]>;
  table(): Promise<TableFacts>;
  buckets(): Promise<BucketFacts[]>;
  queues(): Promise<QueueFacts[]>;
  regionalResources(region: string): Promise<RegionalResources>;
  /** IAM policy simulation for a function's role (live: iam:SimulatePrincipalPolicy). */
  simulate(fn: FunctionFacts, questions: AccessQuestion[]): Promise<AccessAnswer[]>;
}

/** Any verification target: it has one capability or both. */
export type VerificationTarget = RuntimeTarget | ConfigurationTarget | (RuntimeTarget & ConfigurationTarget);

export interface CapabilityOf {
  runtime: RuntimeTarget;
  configuration: ConfigurationTarget;
}

/** Whether `target` declares `capability` (and so implements its interface). */
export function hasCapability<C extends Capability>(target: TargetBase, capability: C): target is TargetBase & CapabilityOf[C] {
  return target.capabilities.includes(capability);
}

/**
 * Why `target` cannot answer a scenario that needs `capability` (the scenario is then skipped with
 * this reason and reported as not verified here), or undefined when it can.
 */
export function capabilityGap(target: TargetBase, capability: Capability): string | undefined {
  return hasCapability(target, capability)
    ? undefined
    : `the ${target.kind} target has no ${capability} capability (it answers ${target.capabilities.join(', ') || 'no'} questions); route @${capability} scenarios to ${capability === 'runtime' ? 'sandbox or live' : 'plan or live'}`;
}
