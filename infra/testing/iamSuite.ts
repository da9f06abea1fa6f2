/**
 * The stack's IAM, checked against AWS's service authorization reference and decided by the IAM
 * simulator (./iamReference.ts), for one committed stack run under mocks:
 * - every policy the program declares (identity, trust, resource and key policies, whatever
 *   resource carries them) uses existing actions, ARNs of resource types those actions take
 *   (exactly `*` where AWS takes nothing narrower) and valid condition keys;
 * - each function's role allows exactly the calls its code makes, as declared per handler in
 *   HANDLER_SPECS (infra/components/region.ts), on exactly its own region's resources, and
 *   denies a chosen set of dangerous calls whatever the request context.
 * Generic over what the program declares: a new policy or resource type is checked as it lands.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HANDLER_SPECS, type HandlerSpec } from '../components/region';
import { paymentPk } from '../lambda/commons/payment';
import { PENDING_WINDOW_KEY, type HandlerName } from '../../contract';
import { kebab, resourceName } from '../naming';
import type { StackSettings } from '../settings';
import { MOCK_ACCOUNT_ID, ofType, type ProgramRun, type RecordedResource } from './harness';
import { allowedActionsOn, checkPolicy, declaredPolicies, parsePolicy, simulate, type PolicyDocument } from './iamReference';

const A = MOCK_ACCOUNT_ID;

/** ARNs of what one region of the stack owns, read from a function's environment and the plan. */
export interface RegionArns {
  region: string;
  table: string;
  /** The merchant-credentials table replica. */
  credentialsTable: string;
  /** The payments table replica's stream (the transaction log's source). */
  stream: string;
  queue: string;
  /** The on-failure queue of the stream's event source mapping. */
  streamFailureQueue: string;
  bucket: string;
  /** An object under this region's part of the transaction log (`<prefix><region>/`). */
  logObject: string;
  /** A pending-payment marker (`<PENDING_PREFIX><transactionId>.json`). */
  pendingObject: string;
  /** This region's pending window (`PENDING_WINDOW_KEY`). */
  pendingWindowObject: string;
  /** An object key outside both prefixes. */
  otherObject: string;
  /** `name` -> parameter ARN under the region's parameter path. */
  parameter: (name: string) => string;
  /** A log stream of the function's own log group. */
  logStream: string;
  /** The region's KMS key(s). */
  keys: string[];
}

/** One call a handler makes: an action on a resource, with the request context it carries. */
export interface Call {
  action: string;
  resource: string;
  /** Condition keys the request carries besides `aws:SecureTransport` (e.g. `dynamodb:LeadingKeys`). */
  context?: Record<string, string[]>;
}

/** What a HandlerSpec row's calls are about: the function's region and its peer. */
export interface CallScope {
  own: RegionArns;
  peer: RegionArns;
  spec: HandlerSpec;
}

/**
 * The calls each HandlerSpec field stands for. Typed over every field of HandlerSpec: a field added
 * to the table does not compile until it says which calls it makes (and so what the role may do).
 */
export const CALLS_OF_FIELD: { [K in keyof Required<HandlerSpec>]: (value: HandlerSpec[K], scope: CallScope) => Call[] } = {
  memorySize: () => [],
  timeout: () => [],
  reservedConcurrency: () => [],
  // Item calls carry the partition key (dynamodb:LeadingKeys) where the row limits them to some keys.
  dynamodb: (actions, { own, peer, spec }) =>
    (spec.dynamodbPeers ? [own, peer] : [own]).flatMap((r) =>
      actions.map((action) => ({ action, resource: r.table, ...(spec.leadingKeys ? { context: { 'dynamodb:LeadingKeys': spec.leadingKeys(own.region) } } : {}) })),
    ),
  dynamodbPeers: () => [], // see dynamodb
  leadingKeys: () => [], // see dynamodb
  credentials: (actions, { own }) => (actions ?? []).map((action) => ({ action, resource: own.credentialsTable })),
  sqsSend: (to, { own, peer }) => (to ? (to === 'own-and-peers' ? [own, peer] : [own]).map((r) => ({ action: 'sqs:SendMessage', resource: r.queue })) : []),
  // Lambda's event source mapping polls with the function's role.
  // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#events-sqs-permissions
  sqsConsume: (on, { own }) => (on ? ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'].map((action) => ({ action, resource: own.queue })) : []),
  // Reading a key that may not exist lists the bucket too: S3 answers 404 (not 403) only to a caller
  // with s3:ListBucket (GetObject API reference, "Permissions").
  pendingMarkers: (markers, { own, peer }) =>
    markers
      ? (markers.peers ? [own, peer] : [own]).flatMap((r) => [...markers.actions.map((action) => ({ action, resource: r.pendingObject })), { action: 's3:ListBucket', resource: r.bucket }])
      : [],
  pendingWindow: (window, { own, peer }) =>
    window
      ? (window.peers ? [own, peer] : [own]).flatMap((r) => [...window.actions.map((action) => ({ action, resource: r.pendingWindowObject })), { action: 's3:ListBucket', resource: r.bucket }])
      : [],
  // The stream's event source mapping reads with the function's role and sends discarded batches'
  // records to its on-failure queue; the writer puts this region's part of the log.
  // https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-eventsourcemapping.html
  streamConsumer: (on, { own }) =>
    on
      ? [
          ...['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'].map((action) => ({ action, resource: own.stream })),
          // ListStreams takes no resource (service authorization reference): `*` is all it can be granted on.
          { action: 'dynamodb:ListStreams', resource: '*' },
          { action: 'sqs:SendMessage', resource: own.streamFailureQueue },
          { action: 's3:PutObject', resource: own.logObject },
        ]
      : [],
  parameters: (names, { own }) => (names ?? []).map((n) => ({ action: 'ssm:GetParameter', resource: own.parameter(n) })),
};

/** What every function does besides its own calls: write its own log group, send traces. */
export function baseCalls(own: RegionArns): Call[] {
  return [
    { action: 'logs:CreateLogStream', resource: own.logStream },
    { action: 'logs:PutLogEvents', resource: own.logStream },
    // X-Ray's write actions take no resource: `*` is what AWS requires.
    { action: 'xray:PutTraceSegments', resource: '*' },
    { action: 'xray:PutTelemetryRecords', resource: '*' },
  ];
}

/** The calls a handler's code makes, from its HANDLER_SPECS row. */
export function callsOf(spec: HandlerSpec, own: RegionArns, peer: RegionArns): Call[] {
  const calls = baseCalls(own);
  for (const field of Object.keys(spec) as (keyof HandlerSpec)[]) {
    const derive = CALLS_OF_FIELD[field] as ((value: unknown, scope: CallScope) => Call[]) | undefined;
    if (!derive) throw new Error(`HandlerSpec field ${String(field)} has no calls declared in CALLS_OF_FIELD`);
    calls.push(...derive(spec[field], { own, peer, spec }));
  }
  return calls;
}

/**
 * Calls no payment function may make in its own region. Item calls name a committed payment's key
 * (`dynamodb:LeadingKeys`, which DynamoDB sends on every item call); the others must be denied
 * whatever the request carries.
 */
export function dangerousCalls(own: RegionArns, roleArn: string): Call[] {
  const committedPayment = { 'dynamodb:LeadingKeys': [paymentPk('0f8b7a52-2c1e-4c7e-9a51-7d0c3f6b9e21')] };
  return [
    { action: 'dynamodb:DeleteTable', resource: own.table },
    { action: 'dynamodb:DeleteItem', resource: own.table, context: committedPayment },
    { action: 'dynamodb:UpdateItem', resource: own.table, context: committedPayment },
    { action: 'dynamodb:UpdateTable', resource: own.table },
    { action: 's3:DeleteObject', resource: own.logObject },
    { action: 's3:DeleteObjectVersion', resource: own.logObject },
    { action: 's3:PutBucketPolicy', resource: own.bucket },
    { action: 's3:PutLifecycleConfiguration', resource: own.bucket },
    { action: 'sqs:DeleteQueue', resource: own.queue },
    { action: 'sqs:PurgeQueue', resource: own.queue },
    { action: 'ssm:PutParameter', resource: own.parameter('manual-failover') },
    { action: 'iam:PassRole', resource: roleArn },
    { action: 'iam:PassRole', resource: `arn:aws:iam::${A}:role/any-role` },
    { action: 'iam:PutRolePolicy', resource: roleArn },
    ...own.keys.map((key) => ({ action: 'kms:ScheduleKeyDeletion', resource: key })),
  ];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Identity policies of a role (inline, RolePolicy, attached customer policies); managed AWS ones are refused. */
export function identityPoliciesOf(run: ProgramRun, role: RecordedResource): PolicyDocument[] {
  const roleName = str(role.inputs.name) ?? role.id;
  const docs: PolicyDocument[] = [];
  for (const p of Array.isArray(role.inputs.inlinePolicies) ? role.inputs.inlinePolicies : []) {
    if (p && typeof p === 'object' && (p as { policy?: unknown }).policy) docs.push(parsePolicy((p as { policy: unknown }).policy, `${role.name} inline`));
  }
  for (const rp of ofType(run, 'aws:iam/rolePolicy:RolePolicy')) if (rp.inputs.role === roleName) docs.push(parsePolicy(rp.inputs.policy, rp.name));
  const attached = [...(Array.isArray(role.inputs.managedPolicyArns) ? role.inputs.managedPolicyArns : [])];
  for (const a of ofType(run, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment')) if (a.inputs.role === roleName) attached.push(a.inputs.policyArn);
  for (const arn of attached) {
    const customer = ofType(run, 'aws:iam/policy:Policy').find((p) => p.state.arn === arn);
    if (!customer) throw new Error(`${role.name} attaches ${String(arn)}, which this check cannot read`);
    docs.push(parsePolicy(customer.inputs.policy, customer.name));
  }
  return docs;
}

interface FunctionUnderTest {
  name: string;
  roleArn: string;
  policies: PolicyDocument[];
  own: RegionArns;
}

/** A handler's function in one region, its role's policies and the region's ARNs. */
export function functionUnderTest(run: ProgramRun, settings: StackSettings, handler: HandlerName, region: string): FunctionUnderTest {
  const name = resourceName(kebab(handler), settings.environmentSuffix, region);
  const fn = ofType(run, 'aws:lambda/function:Function').find((f) => f.inputs.name === name);
  if (!fn) throw new Error(`the stack declares no function ${name}`);
  const roleArn = str(fn.inputs.role) ?? '';
  const role = ofType(run, 'aws:iam/role:Role').find((r) => r.state.arn === roleArn);
  if (!role) throw new Error(`${name} runs as ${roleArn}, which the stack does not declare`);
  return { name, roleArn, policies: identityPoliciesOf(run, role), own: regionArns(run, settings, region, fn) };
}

/** The region's ARNs, as the region's functions are told them (environment) and the plan holds them. */
export function regionArns(run: ProgramRun, settings: StackSettings, region: string, fn?: RecordedResource): RegionArns {
  const withEnv = fn ?? ofType(run, 'aws:lambda/function:Function').find((f) => f.inputs.region === region && f.inputs.environment?.variables?.TABLE_NAME);
  const env: Record<string, string> = withEnv?.inputs.environment?.variables ?? {};
  const v = (key: string): string => {
    const value = env[key];
    if (!value) throw new Error(`${withEnv?.inputs.name ?? `no function in ${region}`} carries no ${key}`);
    return value;
  };
  const queue = ofType(run, 'aws:sqs/queue:Queue').find((q) => q.state.url === v('RETRY_QUEUE_URL'));
  const streamMapping = ofType(run, 'aws:lambda/eventSourceMapping:EventSourceMapping').find(
    (m) => m.inputs.region === region && /:table\/[^/]+\/stream\//.test(String(m.inputs.eventSourceArn)),
  );
  const logGroupName = str(fn?.inputs.loggingConfig?.logGroup) ?? `/aws/lambda/${resourceName('probe', settings.environmentSuffix, region)}`;
  const bucket = v('TRANSACTION_LOG_BUCKET');
  const path = v('PARAMETER_PATH');
  const table = `arn:aws:dynamodb:${region}:${A}:table/${v('TABLE_NAME')}`;
  return {
    region,
    table,
    credentialsTable: `arn:aws:dynamodb:${region}:${A}:table/${env.CREDENTIALS_TABLE_NAME ?? 'no-credentials-table'}`,
    stream: str(streamMapping?.inputs.eventSourceArn) ?? `${table}/stream/2026-01-01T00:00:00.000`,
    queue: queue?.state.arn ?? `arn:aws:sqs:${region}:${A}:${v('RETRY_QUEUE_URL').split('/').pop()}`,
    streamFailureQueue: str(streamMapping?.inputs.destinationConfig?.onFailure?.destinationArn) ?? `arn:aws:sqs:${region}:${A}:no-failure-queue`,
    bucket: `arn:aws:s3:::${bucket}`,
    logObject: `arn:aws:s3:::${bucket}/${v('TRANSACTION_LOG_PREFIX')}${region}/2026/11/30/batch-0001.jsonl.gz`,
    pendingObject: `arn:aws:s3:::${env.PENDING_BUCKET ?? bucket}/${env.PENDING_PREFIX ?? 'pending/'}0f8b7a52-2c1e-4c7e-9a51-7d0c3f6b9e21.json`,
    pendingWindowObject: `arn:aws:s3:::${env.PENDING_BUCKET ?? bucket}/${PENDING_WINDOW_KEY}`,
    otherObject: `arn:aws:s3:::${bucket}/elsewhere/batch-0001.jsonl.gz`,
    parameter: (n) => `arn:aws:ssm:${region}:${A}:parameter${path}${n}`,
    logStream: `arn:aws:logs:${region}:${A}:log-group:${logGroupName}:log-stream:2026/11/30/[$LATEST]0123456789abcdef`,
    keys: ofType(run, 'aws:kms/key:Key').filter((k) => k.inputs.region === region).map((k) => k.state.arn),
  };
}

/** Sorted actions per resource, for one readable comparison. */
function byResource(calls: Call[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of calls) (out[c.resource] ??= []).push(c.action.toLowerCase());
  for (const k of Object.keys(out)) out[k] = [...new Set(out[k])].sort();
  return out;
}

export function iamSuite(stack: string, settings: StackSettings, run: () => ProgramRun): void {
  const regions = [settings.primaryRegion, settings.drRegion];

  describe(`stack ${stack}: IAM against the service authorization reference`, () => {
    it('every declared policy uses existing actions, resource types those actions take, and valid condition keys', async () => {
      const policies = declaredPolicies(run().resources);
      const roles = ofType(run(), 'aws:iam/role:Role');
      assert.ok(roles.length > 0 && policies.filter((p) => p.kind === 'trust').length === roles.length, 'every role carries a trust policy');
      assert.ok(policies.some((p) => p.kind === 'identity') && policies.some((p) => p.kind === 'resource' || p.kind === 'key'), 'identity and resource policies found');
      const findings: string[] = [];
      for (const p of policies) findings.push(...(await checkPolicy(p)));
      assert.deepEqual(findings, []);
    });

    for (const region of regions) {
      for (const handler of Object.keys(HANDLER_SPECS) as HandlerName[]) {
        it(`${handler} in ${region}: its role allows exactly the calls its code makes, on its own region's resources only`, async () => {
          const peer = regions.find((r) => r !== region)!;
          const fut = functionUnderTest(run(), settings, handler, region);
          const other = regionArns(run(), settings, peer);
          const expected = callsOf(HANDLER_SPECS[handler], fut.own, other);
          for (const call of expected) {
            const decision = await simulate({ principal: fut.roleArn, identityPolicies: fut.policies, ...call, resourceAccount: A });
            assert.equal(decision, 'allowed', `${fut.name} must be allowed ${call.action} on ${call.resource}`);
          }
          // Everything the role allows on its own resources, the peer region's and strangers'.
          const probes = new Set<string>([
            ...expected.map((c) => c.resource),
            ...Object.values(fut.own).filter((x): x is string => typeof x === 'string'),
            fut.own.parameter('manual-failover'),
            ...Object.values(other).filter((x): x is string => typeof x === 'string'),
            other.parameter('manual-failover'),
            `arn:aws:dynamodb:${region}:${A}:table/another-table`,
            `arn:aws:sqs:${region}:${A}:another-queue`,
            `arn:aws:s3:::another-bucket/transactions/${region}/x.json`,
            `arn:aws:logs:${region}:${A}:log-group:/aws/lambda/another-function:log-stream:x`,
          ]);
          const allowed: Call[] = [];
          for (const resource of probes) {
            for (const action of await allowedActionsOn(fut.policies, fut.roleArn, resource, { resourceAccount: A })) allowed.push({ action, resource });
          }
          assert.deepEqual(byResource(allowed), byResource(expected), `${fut.name}: allowed calls must be exactly those HANDLER_SPECS.${handler} declares`);
        });

        it(`${handler} in ${region}: its role is denied the dangerous calls, whatever the request carries`, async () => {
          const fut = functionUnderTest(run(), settings, handler, region);
          const granted: string[] = [];
          for (const call of dangerousCalls(fut.own, fut.roleArn)) {
            // Discovery mode ignores the context: it answers "could any request be allowed".
            for (const mode of call.context ? (['Strict'] as const) : (['Strict', 'Discovery'] as const)) {
              const decision = await simulate({ principal: fut.roleArn, identityPolicies: fut.policies, ...call, resourceAccount: A, mode });
              if (decision === 'allowed') granted.push(`${call.action} on ${call.resource} (${mode})`);
            }
          }
          assert.deepEqual(granted, [], `${fut.name} must not be allowed these`);
        });
      }
    }
  });
}
