/**
 * Facts about planned resources (a Pulumi program run under mocks): the `plan` target's reading of
 * alarms, the table, buckets, queues, functions and IAM policies. Pure functions of the resource
 * list, so they are unit-tested on small hand-written plans.
 */
import { isObject, str, num } from '../http';
import { KNOWN_MANAGED_POLICIES, parsePolicy, type PolicyDocument } from '../iamEvaluator';
import type { AlarmFacts, BucketFacts, FunctionFacts, QueueFacts, TableFacts } from './target';

/** One planned resource as the capture reports it. */
export interface PlannedResource {
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, unknown>;
  /** Region the capture resolved (region input, provider's region or the stack's). */
  region?: string;
  /** Resource options (provider reference, parent, protect...), when captured. */
  options?: Record<string, unknown>;
  /** Mocked id and outputs, when captured. */
  id?: string;
  state?: Record<string, unknown>;
}

export const TYPES = {
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  table: 'aws:dynamodb/table:Table',
  tableReplica: 'aws:dynamodb/tableReplica:TableReplica',
  bucket: 'aws:s3/bucket:Bucket',
  versioning: 'aws:s3/bucketVersioning:BucketVersioning',
  encryption: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  publicAccessBlock: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  replication: 'aws:s3/bucketReplicationConfig:BucketReplicationConfig',
  queue: 'aws:sqs/queue:Queue',
  lambda: 'aws:lambda/function:Function',
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  rolePolicyAttachment: 'aws:iam/rolePolicyAttachment:RolePolicyAttachment',
  policy: 'aws:iam/policy:Policy',
  restApi: 'aws:apigateway/restApi:RestApi',
  provider: 'pulumi:providers:aws',
} as const;

export class Plan {
  constructor(
    readonly resources: PlannedResource[],
    /** Region of resources that name none (the stack's `aws:region`). */
    readonly defaultRegion: string,
  ) {}

  ofType(type: string): PlannedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The region a resource lives in: its `region` input, its provider's region, or the default. */
  regionOf(resource: PlannedResource): string {
    const own = resource.region ?? str(resource.inputs.region);
    if (own) return own;
    const providerRef = str(resource.options?.provider);
    if (providerRef) {
      const urn = providerRef.split('::').slice(0, -1).join('::') || providerRef;
      const provider = this.resources.find((r) => r.type === TYPES.provider && (r.urn === urn || providerRef.startsWith(r.urn)));
      const region = provider ? str(provider.inputs.region) : undefined;
      if (region) return region;
    }
    return this.defaultRegion;
  }

  /** The physical name: the `name`/`bucket`/`alarmName` input, else the mocked id, else the logical name. */
  physicalName(resource: PlannedResource): string {
    return str(resource.inputs.name) ?? str(resource.inputs.bucket) ?? str(resource.inputs.alarmName) ?? resource.id ?? resource.name;
  }

  /** Every string a resource can be referred to by (physical name, id, ARN output, logical name). */
  handles(resource: PlannedResource): string[] {
    const out = [this.physicalName(resource), resource.name, resource.urn];
    if (resource.id) out.push(resource.id);
    const arn = resource.state ? str(resource.state.arn) : undefined;
    if (arn) out.push(arn);
    return out;
  }

  /** Finds the resource of `type` that `reference` (an id, name or ARN input) points at. */
  resolve(type: string, reference: unknown): PlannedResource | undefined {
    const ref = str(reference);
    if (!ref) return undefined;
    const candidates = this.ofType(type);
    return (
      candidates.find((c) => this.handles(c).includes(ref)) ??
      // ARNs built by the mocks end in the physical name (`...:role/<name>`, `...:table/<name>`).
      candidates.find((c) => ref.endsWith(`/${this.physicalName(c)}`) || ref.endsWith(`:${this.physicalName(c)}`))
    );
  }
}

function record(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(value)) for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function alarmsOf(plan: Plan, region: string): AlarmFacts[] {
  return plan
    .ofType(TYPES.alarm)
    .filter((r) => plan.regionOf(r) === region)
    .map((r) => {
      const queries = Array.isArray(r.inputs.metricQueries) ? r.inputs.metricQueries : [];
      const metricNames = queries.flatMap((q) => (isObject(q) && isObject(q.metric) ? [str(q.metric.metricName) ?? ''] : [])).filter((n) => n !== '');
      return {
        name: plan.physicalName(r),
        region,
        namespace: str(r.inputs.namespace),
        metricName: str(r.inputs.metricName),
        dimensions: record(r.inputs.dimensions),
        threshold: num(r.inputs.threshold),
        comparisonOperator: str(r.inputs.comparisonOperator),
        alarmActions: strings(r.inputs.alarmActions),
        metricNames,
      };
    });
}

export function tableOf(plan: Plan): TableFacts {
  const tables = plan.ofType(TYPES.table);
  if (tables.length === 0) throw new Error('the plan declares no DynamoDB table');
  // The payments table is the one that replicates (a global table); fall back to the first.
  const table = tables.find((t) => Array.isArray(t.inputs.replicas) && t.inputs.replicas.length > 0) ?? tables[0];
  const pitr = isObject(table.inputs.pointInTimeRecovery) && table.inputs.pointInTimeRecovery.enabled === true;
  const replicas = (Array.isArray(table.inputs.replicas) ? table.inputs.replicas : []).flatMap((rep) =>
    isObject(rep) && str(rep.regionName) ? [{ region: str(rep.regionName) ?? '', pointInTimeRecovery: rep.pointInTimeRecovery === true }] : [],
  );
  // Replicas declared as separate TableReplica resources.
  for (const rep of plan.ofType(TYPES.tableReplica)) {
    replicas.push({ region: plan.regionOf(rep), pointInTimeRecovery: rep.inputs.pointInTimeRecovery === true });
  }
  const sse = table.inputs.serverSideEncryption;
  return {
    name: plan.physicalName(table),
    region: plan.regionOf(table),
    billingMode: str(table.inputs.billingMode) ?? 'PROVISIONED',
    pointInTimeRecovery: pitr,
    replicas,
    // DynamoDB always encrypts at rest; `enabled: true` selects a KMS key (AWS managed unless one is named).
    kmsEncrypted: isObject(sse) && sse.enabled === true,
  };
}

export function bucketsOf(plan: Plan): BucketFacts[] {
  const configFor = (type: string, bucket: PlannedResource) => plan.ofType(type).filter((c) => plan.resolve(TYPES.bucket, c.inputs.bucket) === bucket);
  return plan.ofType(TYPES.bucket).map((bucket) => {
    const versioning = configFor(TYPES.versioning, bucket).some(
      (v) => isObject(v.inputs.versioningConfiguration) && v.inputs.versioningConfiguration.status === 'Enabled',
    );
    const encryption = configFor(TYPES.encryption, bucket)
      .flatMap((e) => (Array.isArray(e.inputs.rules) ? e.inputs.rules : []))
      .map((rule) => (isObject(rule) && isObject(rule.applyServerSideEncryptionByDefault) ? str(rule.applyServerSideEncryptionByDefault.sseAlgorithm) : undefined))
      .find((a) => a !== undefined);
    const publicAccessBlocked = configFor(TYPES.publicAccessBlock, bucket).some(
      (b) => b.inputs.blockPublicAcls === true && b.inputs.blockPublicPolicy === true && b.inputs.ignorePublicAcls === true && b.inputs.restrictPublicBuckets === true,
    );
    const replicatesTo = configFor(TYPES.replication, bucket).flatMap((c) =>
      (Array.isArray(c.inputs.rules) ? c.inputs.rules : []).flatMap((rule) => {
        if (!isObject(rule) || rule.status !== 'Enabled' || !isObject(rule.destination)) return [];
        const target = str(rule.destination.bucket);
        if (!target) return [];
        const resolved = plan.resolve(TYPES.bucket, target) ?? plan.resolve(TYPES.bucket, target.replace(/^arn:aws:s3:::/, ''));
        return [resolved ? plan.physicalName(resolved) : target.replace(/^arn:aws:s3:::/, '')];
      }),
    );
    return { name: plan.physicalName(bucket), region: plan.regionOf(bucket), versioning, encryption, publicAccessBlocked, replicatesTo };
  });
}

export function queuesOf(plan: Plan): QueueFacts[] {
  const queues = plan.ofType(TYPES.queue);
  const deadLetterTargets = new Set<string>();
  for (const q of queues) {
    const redrive = q.inputs.redrivePolicy;
    const parsed: unknown = typeof redrive === 'string' ? JSON.parse(redrive) : redrive;
    const target = isObject(parsed) ? str(parsed.deadLetterTargetArn) : undefined;
    if (target) deadLetterTargets.add(target);
  }
  return queues.map((q) => {
    const kms = str(q.inputs.kmsMasterKeyId);
    const managed = q.inputs.sqsManagedSseEnabled === true;
    const resolvedDlq = [...deadLetterTargets].some((t) => plan.resolve(TYPES.queue, t) === q);
    return {
      name: plan.physicalName(q),
      region: plan.regionOf(q),
      encrypted: managed || kms !== undefined,
      encryption: kms ? 'SSE-KMS' : managed ? 'SSE-SQS' : undefined,
      isDeadLetterQueue: resolvedDlq,
      hasRedrivePolicy: q.inputs.redrivePolicy !== undefined && q.inputs.redrivePolicy !== null,
    };
  });
}

export function functionsOf(plan: Plan, region: string): FunctionFacts[] {
  return plan
    .ofType(TYPES.lambda)
    .filter((f) => plan.regionOf(f) === region)
    .map((f) => {
      const env = isObject(f.inputs.environment) ? record(f.inputs.environment.variables) : {};
      const name = plan.physicalName(f);
      return { logicalName: f.name, name, region, roleArn: str(f.inputs.role) ?? '', environment: env };
    });
}

/** Every identity policy document attached to the role a function runs as. */
export function policiesOfRole(plan: Plan, roleArn: string): { documents: PolicyDocument[]; unknown: string[] } {
  const role = plan.resolve(TYPES.role, roleArn);
  if (!role) throw new Error(`the plan declares no IAM role for ${roleArn}`);
  const handles = plan.handles(role);
  const documents: PolicyDocument[] = [];
  const unknown: string[] = [];
  const inline = Array.isArray(role.inputs.inlinePolicies) ? role.inputs.inlinePolicies : [];
  for (const p of inline) if (isObject(p) && p.policy !== undefined) documents.push(parsePolicy(p.policy, `${role.name} inline policy`));
  for (const rp of plan.ofType(TYPES.rolePolicy)) {
    if (handles.includes(str(rp.inputs.role) ?? '')) documents.push(parsePolicy(rp.inputs.policy, rp.name));
  }
  const managed = [...strings(role.inputs.managedPolicyArns)];
  for (const a of plan.ofType(TYPES.rolePolicyAttachment)) if (handles.includes(str(a.inputs.role) ?? '')) managed.push(str(a.inputs.policyArn) ?? '');
  for (const arn of managed) {
    const known = KNOWN_MANAGED_POLICIES[arn];
    const customer = plan.resolve(TYPES.policy, arn);
    if (known) documents.push(known);
    else if (customer) documents.push(parsePolicy(customer.inputs.policy, customer.name));
    else unknown.push(arn);
  }
  return { documents, unknown };
}
