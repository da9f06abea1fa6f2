/**
 * The one interface every verification target implements.
 *
 * A target answers questions about one deployment of the DR stack. Three implementations exist:
 * - `live`    — a deployed stack in AWS (stack outputs + AWS SDK v3, default credential chain);
 * - `sandbox` — the local two-region sandbox (`sandbox/`), for CI and local development;
 * - `plan`    — the Pulumi program's planned resources under mocks (configuration questions only).
 *
 * Scenarios are tagged `@runtime` (they send traffic, fail over, measure replication) or
 * `@configuration` (they read how resources are configured). A target lists the capabilities it
 * answers; the World routes each scenario to the target configured for its capability and the
 * report states which target answered it. Methods outside a target's capabilities throw
 * {@link TargetCannotAnswerError}; the World never routes such a question to it.
 */

export type TargetKind = 'live' | 'sandbox' | 'plan';
/** Runtime behaviours a target may be unable to exercise. */
export type RuntimeBehaviour = 'object-replication';
export type Capability = 'runtime' | 'configuration';

/** The two regions of the stack. */
export interface RegionPair {
  primary: string;
  secondary: string;
}

/** What a report says about the target that answered. */
export interface TargetDescription {
  kind: TargetKind;
  /** One human line, e.g. "local two-region sandbox at time scale 0.05". */
  summary: string;
  stack: string;
  regions: RegionPair;
  /** AWS account id when known (live); "local" for sandbox/plan. */
  account: string;
  /** Wall-clock seconds per modelled second: 1 for live and plan. */
  timeScale: number;
  /**
   * Terms of the stack's RTO/RPO budget (keys of `DrBudget.breakdown`) this target does not exercise,
   * each with why; a figure measured here is never judged to prove them.
   */
  notExercised: Array<{ term: string; why: string }>;
  /** How replication happens on this target, e.g. "asynchronous (sandbox emulation of eventual mode)". */
  replication: string;
}

/** The stack's disaster-recovery budget (stack outputs `rtoBudget`/`rpoBudget` or computed from settings). */
export interface DrBudget {
  /** Recovery time objective, seconds (15 min). */
  rtoObjectiveSeconds: number;
  /** Recovery point objective, seconds (5 min). */
  rpoObjectiveSeconds: number;
  /** The stack's computed worst-case failover time, seconds. */
  rtoBudgetSeconds: number;
  /** The stack's computed worst-case data loss window, seconds. */
  rpoBudgetSeconds: number;
  /** How the worst case is made up, for the report. */
  breakdown: Record<string, number>;
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
  /** ARN of the region's maintenance-flag parameter. */
  maintenanceParameterArn?: string;
  /** Names of the payment functions deployed in this region. */
  functions: FunctionFacts[];
}

export class TargetCannotAnswerError extends Error {
  constructor(kind: TargetKind, question: string) {
    super(`the ${kind} target cannot answer "${question}"; route this scenario to another target`);
    this.name = 'TargetCannotAnswerError';
  }
}

export interface DrTarget {
  readonly kind: TargetKind;
  readonly capabilities: readonly Capability[];
  /** Connects/starts; called once per run before the first scenario it answers. */
  open(): Promise<void>;
  /** Releases everything `open` acquired; always called at the end of the run. */
  close(): Promise<void>;
  describe(): TargetDescription;
  budget(): Promise<DrBudget>;

  // --- runtime ---------------------------------------------------------------------------------
  /** POST /payments on one region's own API (not the failover hostname). */
  submitPayment(region: string, request: PaymentRequest): Promise<PaymentReceipt>;
  /** POST /payments on the failover endpoint (Route 53 failover record / sandbox front door). */
  submitPaymentViaFailover(request: PaymentRequest): Promise<PaymentReceipt>;
  /** Reads a payment straight from one region's table replica (eventually consistent read). */
  readPayment(region: string, transactionId: string): Promise<StoredPayment | undefined>;
  /** Writes a transaction-log object into one region's bucket; returns the key. */
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

  // --- configuration ---------------------------------------------------------------------------
  alarms(region: string): Promise<AlarmFacts[]>;
  table(): Promise<TableFacts>;
  buckets(): Promise<BucketFacts[]>;
  queues(): Promise<QueueFacts[]>;
  regionalResources(region: string): Promise<RegionalResources>;
  /** IAM policy simulation for a function's role (live: iam:SimulatePrincipalPolicy). */
  simulate(fn: FunctionFacts, questions: AccessQuestion[]): Promise<AccessAnswer[]>;
}
