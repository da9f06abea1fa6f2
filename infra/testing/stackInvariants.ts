/**
 * Rules every configuration of the stack must keep, stated once over the WHOLE program run under
 * mocks (`runProgram`), one rule per `it`, as pulumi/examples' unit tests do: structure, regions,
 * names, least privilege, destroyability, encryption, tags, creation order, logging. Nothing here
 * transcribes a resource: a rule names what it checks and checks it on every resource it applies
 * to. Exact documents of contract-critical resources are in ./stackContracts.ts; each component's
 * own branches in infra/components/<component>.test.ts.
 *
 * Run by each stack test file (infra/stack.<stack>.test.ts), one program run per process.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { HANDLERS, RETRY_QUEUE } from '../../contract';
import { WILDCARD_RESOURCE_ACTIONS } from '../iam';
import { kebab } from '../naming';
import { PROJECT, resolveSettings, type StackSettings } from '../settings';
import { MOCK_ACCOUNT_ID, ofType, one, runProgram, stackConfig, type ProgramRun, type RecordedResource } from './harness';

const A = MOCK_ACCOUNT_ID;

/** Types that are global in AWS and so carry no `region` input. */
export const GLOBAL_TYPES = new Set(['aws:iam/role:Role', 'aws:iam/rolePolicy:RolePolicy', 'aws:iam/rolePolicyAttachment:RolePolicyAttachment', 'aws:route53/zone:Zone', 'aws:route53/record:Record', 'aws:route53/healthCheck:HealthCheck']);

/** Every component type of the program, with how many the stack declares (`perRegion` ones once per region). */
export const COMPONENTS: Record<string, { global?: number; perRegion?: number }> = {
  // the payments table and the merchant-credentials table
  'payments-dr:database:GlobalTable': { global: 2 },
  'payments-dr:dns:HostedZone': { global: 1 },
  'payments-dr:dns:DnsFailover': { global: 1 },
  'payments-dr:storage:CrossRegionReplication': { global: 1 },
  'payments-dr:dns:StandbyFailoverControl': { global: 1 },
  'payments-dr:api:ApiGatewayAccount': { global: 1 },
  'payments-dr:regional:RegionalDeployment': { perRegion: 1 },
  'payments-dr:dns:PeerProbe': { perRegion: 1 },
  'payments-dr:monitoring:AlarmTopic': { perRegion: 1 },
  // the retry queue pair, and the stream's on-failure queue pair
  'payments-dr:messaging:RetryQueues': { perRegion: 2 },
  'payments-dr:storage:TransactionLogBucket': { perRegion: 1 },
  // the handlers, and the region's probe of its peer
  'payments-dr:compute:PaymentFunction': { perRegion: HANDLERS.length + 1 },
  'payments-dr:api:PaymentApi': { perRegion: 1 },
  'payments-dr:config:RegionParameters': { perRegion: 1 },
  'payments-dr:monitoring:RegionalAlarms': { perRegion: 1 },
  'payments-dr:api:ApiFirewall': { perRegion: 1 },
  'payments-dr:storage:TransactionLogStream': { perRegion: 1 },
  'payments-dr:monitoring:PaymentAlarms': { perRegion: 1 },
};

/** Components that sit directly under the stack: the global ones, and one regional deployment and peer probe per region. */
const TOP_LEVEL = ['payments-dr:api:ApiGatewayAccount', 'payments-dr:database:GlobalTable', 'payments-dr:database:GlobalTable', 'payments-dr:dns:DnsFailover', 'payments-dr:dns:HostedZone', 'payments-dr:dns:StandbyFailoverControl', 'payments-dr:storage:CrossRegionReplication'];

/** Key of a handler in physical names: `createPayment` -> `create-payment`. */
export const handlerKey = (handler: string): string => kebab(handler);

export interface StackRun {
  /** The recorded program run (available once the suite's `before` has run). */
  run(): ProgramRun;
  /** The settings the run used. */
  settings: StackSettings;
  /** How the tests name this run: the stack file's name, or `name` for a run with overrides. */
  stack: string;
  /** The two regions, with their failover role and peer. */
  regions: readonly { region: string; role: 'primary' | 'secondary'; peer: string }[];
}

/** Settings of a committed stack with config overrides (short keys), as the program resolves them. */
export function settingsOf(stack: string, overrides: Record<string, string> = {}): StackSettings {
  const config = stackConfig(stack, overrides);
  return resolveSettings((key) => config[`${PROJECT}:${key}`]);
}

const awsResources = (run: ProgramRun): RecordedResource[] => run.resources.filter((r) => r.custom && r.type.startsWith('aws:'));

/** Every IAM-style policy document the program declares (identity, trust, resource and key policies). */
export function policyDocuments(run: ProgramRun): { where: string; doc: { Version: string; Statement: any[] } }[] {
  const documents: { where: string; doc: any }[] = [];
  for (const r of run.resources) {
    for (const key of ['policy', 'assumeRolePolicy']) {
      if (typeof r.inputs[key] === 'string' && r.inputs[key].startsWith('{')) documents.push({ where: `${r.type} ${r.name}.${key}`, doc: JSON.parse(r.inputs[key]) });
    }
  }
  return documents;
}

/**
 * Runs the program for `stack` (with `overrides`; `name` labels the tests) and registers the whole-stack rules. Returns the
 * run for the caller's own configuration-specific tests and ./stackContracts.ts.
 */
export function stackInvariants(stack: string, overrides: Record<string, string> = {}, name?: string): StackRun {
  const s = settingsOf(stack, overrides);
  const S = s.environmentSuffix;
  const regions = [
    { region: s.primaryRegion, role: 'primary' as const, peer: s.drRegion },
    { region: s.drRegion, role: 'secondary' as const, peer: s.primaryRegion },
  ];
  const usesUsEast1 = regions.some((r) => r.region === 'us-east-1');
  const label = name ?? (Object.keys(overrides).length === 0 ? stack : `${stack}+${Object.entries(overrides).map(([k, v]) => `${k}=${v}`).join(',')}`);
  let run: ProgramRun;

  before(async () => {
    run = await runProgram({ stack, overrides });
  });

  describe(`stack ${label}: structure`, () => {
    it('declares one component of each global kind and each regional kind once per region', () => {
      const counts = Object.fromEntries(Object.keys(COMPONENTS).map((t) => [t, ofType(run, t).length]));
      const expected = Object.fromEntries(Object.entries(COMPONENTS).map(([t, n]) => [t, (n.global ?? 0) + 2 * (n.perRegion ?? 0)]));
      // Route 53 publishes health-check metrics in us-east-1 only: a stack without that region gets a topic there.
      if (!usesUsEast1) expected['payments-dr:monitoring:AlarmTopic'] += 1;
      assert.deepEqual(counts, expected);
    });

    it('names each regional deployment after its region', () => {
      assert.deepEqual(ofType(run, 'payments-dr:regional:RegionalDeployment').map((r) => r.name).sort(), regions.map((r) => `payments-${r.region}`).sort());
    });

    it('puts only the global components, the regional deployments and the peer probes at the top level', () => {
      const topLevel = run.options.filter((o) => !o.hasParent).map((o) => o.type).sort();
      assert.deepEqual(topLevel, [...TOP_LEVEL, ...(usesUsEast1 ? [] : ['payments-dr:monitoring:AlarmTopic']), 'payments-dr:dns:PeerProbe', 'payments-dr:dns:PeerProbe', 'payments-dr:regional:RegionalDeployment', 'payments-dr:regional:RegionalDeployment'].sort());
    });

    it('derives every AWS resource\'s logical name from a component\'s name', () => {
      for (const r of awsResources(run)) {
        assert.ok(run.resources.some((c) => !c.custom && r.name.startsWith(`${c.name}-`)), `${r.type} ${r.name} is not named after a component`);
      }
    });
  });

  describe(`stack ${label}: regions`, () => {
    it('sets the region input on every regional resource: one of the two regions, or us-east-1 for Route 53 health-check alarms', () => {
      const allowed = new Set([s.primaryRegion, s.drRegion, 'us-east-1']);
      for (const r of awsResources(run).filter((x) => !GLOBAL_TYPES.has(x.type))) assert.ok(allowed.has(r.inputs.region), `${r.type} ${r.name} has region ${r.inputs.region}`);
    });

    it('sets no region on global resources (IAM, Route 53)', () => {
      for (const r of awsResources(run).filter((x) => GLOBAL_TYPES.has(x.type))) assert.equal(r.inputs.region, undefined, `${r.type} ${r.name} is global`);
    });

    it('uses us-east-1 only for what Route 53 publishes there, unless it is one of the stack\'s regions', () => {
      if (usesUsEast1) return;
      const inUsEast1 = awsResources(run).filter((r) => r.inputs.region === 'us-east-1').map((r) => r.type);
      assert.ok(inUsEast1.length > 0, 'health-check alarms live in us-east-1');
      for (const type of inUsEast1) assert.ok(['aws:cloudwatch/metricAlarm:MetricAlarm', 'aws:sns/topic:Topic', 'aws:kms/key:Key', 'aws:kms/alias:Alias', 'aws:sns/topicSubscription:TopicSubscription'].includes(type), type);
    });

    for (const { region } of regions) {
      it(`deploys the whole regional stack to ${region} (more than 60 resources named after its deployment)`, () => {
        const inRegion = run.resources.filter((r) => r.inputs.region === region && r.name.startsWith(`payments-${region}-`));
        assert.ok(inRegion.length > 60, `${region} has ${inRegion.length} regional resources`);
      });
    }
  });

  describe(`stack ${label}: physical names`, () => {
    const nameOf = (r: RecordedResource): string | undefined => {
      if (['aws:route53/record:Record', 'aws:apigateway/model:Model', 'aws:apigateway/requestValidator:RequestValidator', 'aws:kms/alias:Alias'].includes(r.type)) return undefined;
      if (r.type === 'aws:s3/bucket:Bucket') return r.inputs.bucket;
      if (r.type.startsWith('aws:s3/bucket')) return undefined; // bucket settings name their bucket
      for (const key of ['name', 'dashboardName']) if (typeof r.inputs[key] === 'string') return r.inputs[key];
      return undefined;
    };
    const named = () => awsResources(run).filter((r) => nameOf(r) !== undefined && !nameOf(r)!.startsWith('API-Gateway-Execution-Logs_')); // named by API Gateway itself

    it(`puts the environment suffix ${S} in every physical name`, () => {
      assert.ok(named().length > 80, `only ${named().length} names checked`);
      for (const r of named()) assert.match(nameOf(r)!, new RegExp(`(-|/)${S}(-|/|\\.|$)`), `${r.type} ${r.name}: ${nameOf(r)} lacks suffix ${S}`);
    });

    it('puts the region in every regional physical name (but the global table\'s and the hostnames)', () => {
      for (const r of named().filter((x) => x.inputs.region !== undefined && x.type !== 'aws:apigateway/domainName:DomainName' && x.type !== 'aws:dynamodb/table:Table')) {
        assert.ok(nameOf(r)!.includes(r.inputs.region), `${r.type} ${r.name}: ${nameOf(r)} lacks region ${r.inputs.region}`);
      }
    });

    for (const { region } of regions) {
      it(`names ${region}'s transaction-log bucket with suffix, region and account (globally unique)`, () => {
        assert.equal(one(run, 'aws:s3/bucket:Bucket', (r) => r.inputs.bucket === `transaction-logs-${S}-${region}-${A}`).inputs.region, region);
      });
    }
  });

  describe(`stack ${label}: least privilege`, () => {
    it('writes every policy document in the 2012-10-17 language', () => {
      const documents = policyDocuments(run);
      assert.ok(documents.length >= 20, `${documents.length} policy documents`);
      for (const { where, doc } of documents) assert.equal(doc.Version, '2012-10-17', where);
    });

    it('allows no wildcard action, except kms:GenerateDataKey* in key policies (the form AWS documents for services publishing to encrypted topics)', () => {
      for (const { where, doc } of policyDocuments(run)) {
        for (const st of doc.Statement.filter((x) => x.Effect !== 'Deny')) {
          for (const action of [st.Action].flat() as string[]) assert.ok(!action.includes('*') || (where.startsWith('aws:kms/key:Key') && action === 'kms:GenerateDataKey*'), `${where}: wildcard action ${action}`);
        }
      }
    });

    it('allows a "*" resource only for the actions AWS offers no narrower form of (iam.ts WILDCARD_RESOURCE_ACTIONS) and in key policies (the key itself)', () => {
      for (const { where, doc } of policyDocuments(run)) {
        for (const st of doc.Statement.filter((x) => x.Effect !== 'Deny')) {
          const actions = [st.Action].flat() as string[];
          if (([st.Resource ?? []].flat() as string[]).includes('*')) assert.ok(where.startsWith('aws:kms/key:Key') || actions.every((a) => WILDCARD_RESOURCE_ACTIONS.includes(a)), `${where}: "*" resource for ${actions.join(',')}`);
        }
      }
    });

    it('allows partial wildcards only in log streams, the transaction-log and pending-marker prefixes and execute-api ARNs', () => {
      for (const { where, doc } of policyDocuments(run)) {
        for (const st of doc.Statement.filter((x) => x.Effect !== 'Deny')) {
          for (const resource of ([st.Resource ?? []].flat() as string[]).filter((x) => x !== '*' && x.includes('*'))) {
            assert.match(resource, /(:log-stream:\*|^arn:aws:s3:::transaction-logs-[a-z0-9-]+\/(transactions\/([a-z]{2}-[a-z]+-\d\/)?|pending\/)?\*|^arn:aws:execute-api:.*)$/, `${where}: wildcard resource ${resource}`);
          }
        }
      }
    });

    it('names no AWS principal but this account\'s root', () => {
      for (const { where, doc } of policyDocuments(run)) {
        for (const st of doc.Statement.filter((x) => x.Effect !== 'Deny' && x.Principal?.AWS !== undefined)) assert.equal(st.Principal.AWS, `arn:aws:iam::${A}:root`, `${where}: principal`);
      }
    });

    it('trusts only the AWS service that assumes each role', () => {
      for (const role of ofType(run, 'aws:iam/role:Role')) {
        const statements = JSON.parse(role.inputs.assumeRolePolicy).Statement;
        assert.equal(statements.length, 1, role.name);
        assert.deepEqual(Object.keys(statements[0].Principal), ['Service'], role.name);
        assert.equal(statements[0].Action, 'sts:AssumeRole', role.name);
      }
    });

    it('grants no function dynamodb:UpdateItem or dynamodb:DeleteItem on the payments table', () => {
      for (const p of ofType(run, 'aws:iam/rolePolicy:RolePolicy')) {
        for (const st of JSON.parse(p.inputs.policy).Statement) {
          const onPayments = ([st.Resource].flat() as string[]).some((r) => r.includes(`:table/payments-table-${S}`) && !r.includes('/stream/'));
          if (onPayments) assert.ok(![st.Action].flat().some((a: string) => a === 'dynamodb:UpdateItem' || a === 'dynamodb:DeleteItem'), `${p.name}: ${st.Action}`);
        }
      }
    });

    it('creates no API key and no usage plan (API keys are not an authorization mechanism)', () => {
      for (const type of ['aws:apigateway/apiKey:ApiKey', 'aws:apigateway/usagePlan:UsagePlan', 'aws:apigateway/usagePlanKey:UsagePlanKey']) assert.deepEqual(ofType(run, type), [], type);
    });
  });

  describe(`stack ${label}: destroyability`, () => {
    it('captures the options of every resource but the stack', () => {
      assert.equal(run.options.length, run.resources.length - 1);
    });
    it('protects nothing', () => {
      for (const o of run.options) assert.notEqual(o.protect, true, `${o.type} ${o.name} is protected`);
    });
    it('retains nothing on delete', () => {
      for (const o of run.options) assert.notEqual(o.retainOnDelete, true, `${o.type} ${o.name} is retained on delete`);
    });
    it('enables deletion protection nowhere (tables, their replicas, anything else)', () => {
      for (const table of ofType(run, 'aws:dynamodb/table:Table')) {
        assert.equal(table.inputs.deletionProtectionEnabled, false, table.name);
        for (const replica of table.inputs.replicas) assert.equal(replica.deletionProtectionEnabled, false, table.name);
      }
      for (const r of run.resources) assert.notEqual(r.inputs.deletionProtection, true, `${r.type} ${r.name}`);
    });
    it('empties buckets and the hosted zone on destroy', () => {
      for (const b of ofType(run, 'aws:s3/bucket:Bucket')) assert.equal(b.inputs.forceDestroy, true, b.name);
      for (const z of ofType(run, 'aws:route53/zone:Zone')) assert.equal(z.inputs.forceDestroy, true, z.name);
    });
    it('deletes KMS keys after the shortest window AWS allows (7 days)', () => {
      for (const k of ofType(run, 'aws:kms/key:Key')) assert.equal(k.inputs.deletionWindowInDays, 7, k.name);
    });
  });

  describe(`stack ${label}: encryption`, () => {
    it('encrypts every table at rest with point-in-time recovery in every replica', () => {
      for (const t of ofType(run, 'aws:dynamodb/table:Table')) {
        assert.deepEqual(t.inputs.serverSideEncryption, { enabled: true }, t.name);
        assert.deepEqual(t.inputs.pointInTimeRecovery, { enabled: true }, t.name);
        for (const replica of t.inputs.replicas) assert.equal(replica.pointInTimeRecovery, true, t.name);
      }
    });
    it('encrypts every bucket by default (SSE-S3)', () => {
      const sse = ofType(run, 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration');
      for (const b of ofType(run, 'aws:s3/bucket:Bucket')) {
        const config = sse.find((c) => c.inputs.bucket === b.inputs.bucket);
        assert.deepEqual(config?.inputs.rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }], b.inputs.bucket);
      }
    });
    it('blocks public access to, and denies plain HTTP on, every bucket', () => {
      for (const b of ofType(run, 'aws:s3/bucket:Bucket')) {
        const block = one(run, 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', (r) => r.inputs.bucket === b.inputs.bucket).inputs;
        assert.deepEqual([block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets], [true, true, true, true], b.inputs.bucket);
        const policy = JSON.parse(one(run, 'aws:s3/bucketPolicy:BucketPolicy', (r) => r.inputs.bucket === b.inputs.bucket).inputs.policy);
        assert.ok(policy.Statement.some((st: any) => st.Effect === 'Deny' && st.Action === 's3:*' && st.Condition?.Bool?.['aws:SecureTransport'] === 'false'), b.inputs.bucket);
      }
    });
    it('encrypts every queue (SSE-SQS)', () => {
      for (const q of ofType(run, 'aws:sqs/queue:Queue')) assert.equal(q.inputs.sqsManagedSseEnabled, true, q.inputs.name);
    });
    it('encrypts every topic with a rotating customer managed key of its region', () => {
      for (const t of ofType(run, 'aws:sns/topic:Topic')) {
        const key = one(run, 'aws:kms/key:Key', (k) => k.state.arn === t.inputs.kmsMasterKeyId);
        assert.equal(key.inputs.region, t.inputs.region, t.inputs.name);
        assert.equal(key.inputs.enableKeyRotation, true, t.inputs.name);
      }
    });
    it('serves custom domains with TLS 1.2 at least', () => {
      for (const d of ofType(run, 'aws:apigateway/domainName:DomainName')) assert.equal(d.inputs.securityPolicy, 'TLS_1_2', d.inputs.domainName);
    });
  });

  describe(`stack ${label}: tags`, () => {
    it('tags every taggable resource with the project and the environment', () => {
      const tagged = awsResources(run).filter((r) => r.inputs.tags !== undefined);
      assert.ok(tagged.length > 50, `${tagged.length} tagged resources`);
      for (const r of tagged) assert.deepEqual([r.inputs.tags.Project, r.inputs.tags.Environment], [PROJECT, S], `${r.type} ${r.name}`);
    });
    it('tags the resources of each regional deployment (alarms aside) with their region and failover role', () => {
      for (const { region, role } of regions) {
        // The peer probe (a top-level component named after its region) carries the stack's tags only.
        const mine = awsResources(run).filter((r) => r.name.startsWith(`payments-${region}-`) && !r.name.startsWith(`payments-${region}-peer-probe`) && r.inputs.tags !== undefined && r.type !== 'aws:cloudwatch/metricAlarm:MetricAlarm');
        assert.ok(mine.length > 20, `${region}: ${mine.length}`);
        for (const r of mine) assert.deepEqual([r.inputs.tags.Region, r.inputs.tags.DrRole], [region, role], `${r.type} ${r.name}`);
      }
    });
  });

  describe(`stack ${label}: functions`, () => {
    const functions = () => ofType(run, 'aws:lambda/function:Function');
    it('runs every function on nodejs22.x, arm64, with active tracing and JSON logs', () => {
      for (const f of functions()) {
        assert.deepEqual([f.inputs.runtime, f.inputs.architectures, f.inputs.tracingConfig, f.inputs.loggingConfig.logFormat], ['nodejs22.x', ['arm64'], { mode: 'Active' }, 'JSON'], f.inputs.name);
      }
    });
    it('gives every function its own log group, kept logRetentionDays, in its region', () => {
      for (const f of functions()) {
        const group = one(run, 'aws:cloudwatch/logGroup:LogGroup', (g) => g.inputs.name === `/aws/lambda/${f.inputs.name}`);
        assert.equal(f.inputs.loggingConfig.logGroup, group.inputs.name);
        assert.deepEqual([group.inputs.region, group.inputs.retentionInDays], [f.inputs.region, s.logRetentionDays], f.inputs.name);
      }
    });
    it('keeps every log group logRetentionDays (PCI DSS 10.5.1)', () => {
      for (const g of ofType(run, 'aws:cloudwatch/logGroup:LogGroup')) assert.equal(g.inputs.retentionInDays, s.logRetentionDays, g.inputs.name);
    });
    it('deploys each handler as a real esbuild bundle: one index.js exporting handler', async () => {
      for (const { region } of regions) {
        for (const h of HANDLERS) {
          const assets = await one(run, 'aws:lambda/function:Function', (f) => f.inputs.name === `${handlerKey(h)}-${S}-${region}`).inputs.code.assets;
          assert.deepEqual(Object.keys(assets), ['index.js']);
          const js: string = await assets['index.js'].text;
          assert.ok(js.length > 10_000, `${h}: bundle is the real esbuild output`);
          assert.match(js, /handler:\(\)=>/, `${h}: bundle exports handler`);
        }
      }
    });
    it('deploys the same bundle of each handler to both regions', async () => {
      for (const h of HANDLERS) {
        const [a, b] = regions.map((r) => one(run, 'aws:lambda/function:Function', (f) => f.inputs.name === `${handlerKey(h)}-${S}-${r.region}`));
        const text = async (f: RecordedResource) => (await f.inputs.code.assets)['index.js'].text;
        assert.equal(await text(a!), await text(b!), h);
      }
    });
    for (const { region } of regions) {
      it(`${region}: the retry processor consumes its own region's retry queue with partial batch responses and bounded concurrency`, () => {
        const esm = one(run, 'aws:lambda/eventSourceMapping:EventSourceMapping', (r) => r.inputs.region === region && r.inputs.functionName === `retry-processor-${S}-${region}`);
        assert.deepEqual(esm.inputs, {
          region,
          eventSourceArn: `arn:aws:sqs:${region}:${A}:payments-retry-${S}-${region}`,
          functionName: `retry-processor-${S}-${region}`,
          batchSize: 10,
          maximumBatchingWindowInSeconds: 1,
          functionResponseTypes: ['ReportBatchItemFailures'],
          scalingConfig: { maximumConcurrency: RETRY_QUEUE.maximumConcurrency },
          enabled: true,
        });
      });
    }
  });

  describe(`stack ${label}: queues and buckets`, () => {
    for (const { region } of regions) {
      it(`${region}: hides a retry message six times its consumer's timeout, and dead-letters it after 5 receives`, () => {
        const q = one(run, 'aws:sqs/queue:Queue', (r) => r.inputs.name === `payments-retry-${S}-${region}`).inputs;
        const consumer = one(run, 'aws:lambda/function:Function', (f) => f.inputs.name === `retry-processor-${S}-${region}`).inputs;
        assert.equal(q.visibilityTimeoutSeconds, 6 * consumer.timeout);
        assert.deepEqual(JSON.parse(q.redrivePolicy), { deadLetterTargetArn: `arn:aws:sqs:${region}:${A}:payments-retry-dlq-${S}-${region}`, maxReceiveCount: 5 });
      });
      it(`${region}: applies the stack's lifecycle days to the transaction log and expires the functions' pending markers`, () => {
        const rules = one(run, 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', (r) => r.inputs.bucket === `transaction-logs-${S}-${region}-${A}`).inputs.rules;
        const byId = Object.fromEntries(rules.map((r: { id: string }) => [r.id, r]));
        const l = s.lifecycle;
        assert.deepEqual(byId['transition-transaction-logs-128kb-and-larger'].transitions.map((t: { days: number }) => t.days), [l.transitionToInfrequentAccessDays, l.transitionToGlacierDays]);
        assert.equal(byId['expire-noncurrent-versions'].noncurrentVersionExpiration.noncurrentDays, l.noncurrentVersionExpirationDays);
        assert.equal(byId['abort-incomplete-multipart-uploads'].abortIncompleteMultipartUpload.daysAfterInitiation, l.abortIncompleteMultipartUploadDays);
        const fn = one(run, 'aws:lambda/function:Function', (f) => f.inputs.name === `create-payment-${S}-${region}`).inputs;
        assert.deepEqual(byId['expire-pending-markers'].filter, { prefix: fn.environment.variables.PENDING_PREFIX });
      });
    }
  });

  describe(`stack ${label}: creation order AWS requires`, () => {
    const deps = (name: string) => run.options.find((o) => o.name === name)?.dependsOn ?? [];
    for (const { region, peer } of regions) {
      const p = `payments-${region}`;
      it(`${region}: the account's CloudWatch role and the execution log group before the stage and its method settings`, () => {
        const account = [`apigateway-account-${region}`];
        assert.deepEqual(deps(`${p}-api-stage`), [...account, `${p}-api-execution-logs`]);
        assert.deepEqual(deps(`${p}-api-method-settings`), account);
        assert.deepEqual(deps(`${p}-api-health-method-settings`), account);
      });
      it(`${region}: each function's role policy and log group before the function, the policy before the queue mapping`, () => {
        for (const h of HANDLERS) assert.deepEqual(deps(`${p}-${handlerKey(h)}-function`), [`${p}-${handlerKey(h)}-policy`, `${p}-${handlerKey(h)}-logs`]);
        assert.deepEqual(deps(`${p}-retry-processor-source`), [`${p}-retry-processor-policy`]);
      });
      it(`${region}: both buckets' versioning and the replication role policy before replication; the public access block before the bucket policy`, () => {
        assert.deepEqual(deps(`transaction-logs-${region}-to-${peer}`), [`${p}-transaction-logs-versioning`, `payments-${peer}-transaction-logs-versioning`, 'transaction-logs-policy']);
        assert.deepEqual(deps(`${p}-transaction-logs-tls-only`), [`${p}-transaction-logs-public-access-block`]);
      });
      it(`${region}: both tables before the regional deployment`, () => {
        assert.deepEqual(deps(p), ['payments-table', 'merchant-credentials-table']);
      });
    }
  });

  describe(`stack ${label}: monitoring`, () => {
    it('points every alarm to a runbook and notifies an alarm topic of its own region, on alarm and on recovery', () => {
      const topics = new Map(ofType(run, 'aws:sns/topic:Topic').map((t) => [`arn:aws:sns:${t.inputs.region}:${A}:${t.inputs.name}`, t.inputs.region]));
      for (const a of ofType(run, 'aws:cloudwatch/metricAlarm:MetricAlarm')) {
        assert.match(a.inputs.alarmDescription, /runbook/, a.inputs.name);
        assert.equal(a.inputs.alarmActions.length, 1, a.inputs.name);
        assert.deepEqual(a.inputs.okActions, a.inputs.alarmActions, a.inputs.name);
        assert.equal(topics.get(a.inputs.alarmActions[0]), a.inputs.region, `${a.inputs.name} notifies ${a.inputs.alarmActions[0]}`);
      }
    });
    it(s.alarmEmail ? `subscribes ${s.alarmEmail} to every alarm topic` : 'subscribes no one to the alarm topics (no alarmEmail set)', () => {
      const subscriptions = ofType(run, 'aws:sns/topicSubscription:TopicSubscription');
      const expected = s.alarmEmail ? ofType(run, 'aws:sns/topic:Topic').map((t) => ({ region: t.inputs.region, topic: `arn:aws:sns:${t.inputs.region}:${A}:${t.inputs.name}`, protocol: 'email', endpoint: s.alarmEmail })) : [];
      const key = (x: Record<string, any>): string => x.topic;
      assert.deepEqual(subscriptions.map((x) => x.inputs).sort((a, b) => key(a).localeCompare(key(b))), expected.sort((a, b) => key(a).localeCompare(key(b))));
    });
    for (const { region, peer } of regions) {
      it(`${region}: watches every handler's errors and throttles, the API stage, the dead-letter queue and replication to ${peer}, on one dashboard`, () => {
        const alarm = (name: string) => one(run, 'aws:cloudwatch/metricAlarm:MetricAlarm', (a) => a.inputs.name === name).inputs;
        for (const h of HANDLERS) {
          for (const metric of ['errors', 'throttles']) assert.deepEqual(alarm(`${handlerKey(h)}-${metric}-${S}-${region}`).dimensions, { FunctionName: `${handlerKey(h)}-${S}-${region}` });
        }
        assert.deepEqual(alarm(`api-5xx-${S}-${region}`).dimensions, { ApiName: `payments-api-${S}-${region}`, Stage: 'v1' });
        assert.deepEqual(alarm(`retry-dlq-depth-${S}-${region}`).dimensions, { QueueName: `payments-retry-dlq-${S}-${region}` });
        assert.deepEqual(alarm(`table-replication-latency-to-${peer}-${S}-${region}`).dimensions, { TableName: `payments-table-${S}`, ReceivingRegion: peer });
        const dashboard = one(run, 'aws:cloudwatch/dashboard:Dashboard', (d) => d.inputs.dashboardName === `payments-dashboard-${S}-${region}`);
        assert.equal(dashboard.inputs.region, region);
      });
    }

    it('logs API access without any request or response body', () => {
      for (const stage of ofType(run, 'aws:apigateway/stage:Stage')) {
        const format = JSON.parse(stage.inputs.accessLogSettings.format);
        assert.equal(format.requestId, '$context.requestId');
        assert.ok(!JSON.stringify(format).includes('body'), 'access logs never carry bodies');
        assert.equal(stage.inputs.xrayTracingEnabled, true);
      }
    });
    it('never logs request or response data in API execution logs', () => {
      for (const m of ofType(run, 'aws:apigateway/methodSettings:MethodSettings')) assert.equal(m.inputs.settings.dataTraceEnabled, false, m.inputs.methodPath);
    });
  });

  return { run: () => run, settings: s, stack: label, regions };
}
