/**
 * The local sandbox's ready line: the one JSON line `npm run sandbox` prints on stdout once both
 * regions pass their first health check, `{ "event": "sandbox.ready", ...SandboxEndpoints }`, and the
 * `endpoints` of its control interface's `GET /state`. The verification suite's sandbox target and
 * any client script parse it; the sandbox builds it. Fields are additive: a reader ignores what it
 * does not know.
 */

/**
 * The global table's consistency mode: `strong` is multi-Region strong consistency (MRSC, two
 * replicas and a witness), `eventual` multi-Region eventual consistency (MREC, asynchronous, last
 * writer wins). The stack setting `consistencyMode`; the sandbox emulates the same.
 */
export type ConsistencyMode = 'strong' | 'eventual';
export const CONSISTENCY_MODES: readonly ConsistencyMode[] = ['strong', 'eventual'];

/** A region's role in the stack: the primary region or the DR region (outputs and tags say `secondary`, Route 53's word). */
export type RegionRole = 'primary' | 'secondary';

/** The ready line's `event`. */
export const SANDBOX_READY_EVENT = 'sandbox.ready';

/** One region's endpoints. */
export interface RegionEndpoints {
  role: RegionRole;
  /** API base URL including the stage, e.g. `http://127.0.0.1:PORT/v1`, so `POST {api}/payments` works. */
  api: string;
  /** The region's DynamoDB endpoint (dynalite behind the sandbox's throttling/change-feed front end). */
  dynamodb: string;
  /** The region's S3 endpoint (s3rver, path-style). */
  s3: string;
  /** The region's SQS endpoint (emulated, AWS JSON 1.0 protocol). */
  sqs: string;
  /** The region's SSM endpoint (emulated, AWS JSON 1.1 protocol). */
  ssm: string;
  /** The transaction-log bucket in this region. */
  bucket: string;
  retryQueueUrl: string;
  deadLetterQueueUrl: string;
  /** SSM parameter holding the region's manual failover flag (`true`/`false`). */
  manualFailoverParameter: string;
}

/**
 * A test merchant seeded in the sandbox's credentials table (both regions): the headers that
 * authenticate it against the sandbox's payment API (`Authorization: Bearer <credential>`).
 */
export interface SandboxMerchant {
  merchantId: string;
  headers: Record<string, string>;
}

/** Everything a client needs to use a running sandbox. */
export interface SandboxEndpoints {
  /** Route 53 failover emulation: `POST {frontDoor}/payments` reaches the region the failover record answers with. */
  frontDoor: string;
  /** Control interface: `GET /state`, `POST /faults`, `DELETE /faults`, `DELETE /faults/<fault>/<region>`. */
  control: string;
  /** Multiplier applied to AWS-managed durations (0.05: 20x faster than AWS). */
  timeScale: number;
  /** The stack whose `Pulumi.<stack>.yaml` the sandbox runs. */
  stack: string;
  /** The global table's consistency mode the sandbox emulates (the stack's, unless overridden). */
  consistencyMode: ConsistencyMode;
  /** The configured (real-time) Route 53 health-check figures; the sandbox runs them scaled by `timeScale`. */
  healthCheck: { intervalSeconds: number; failureThreshold: number };
  tableName: string;
  /** API Gateway stage name (the last path segment of each region's `api`). */
  stage: string;
  /** Test merchants and the headers that authenticate each (payment routes run the real authorizer). */
  merchants: SandboxMerchant[];
  regions: Record<string, RegionEndpoints>;
}
