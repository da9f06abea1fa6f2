/**
 * The `live` target: a deployed stack in AWS.
 *
 * Reads `pulumi stack output --json` (or the file named by DR_STACK_OUTPUTS_FILE) and talks to AWS
 * with SDK v3 clients on the default credential chain (in CI: the OIDC role). Failover drills use
 * the runbook's mechanism — the failover switch in the DR region (a CloudWatch metric whose alarm
 * gates the primary's Route 53 record), which needs neither the primary region nor us-east-1 —
 * and observe the switch with Route 53's TestDNSAnswer (GET /health through the failover hostname
 * when that control-plane call is unavailable). Least
 * privilege is asked of IAM's policy simulator, alarms of CloudWatch.
 *
 * Nothing here can run without AWS; the pure parts (output parsing, fact mapping) are unit-tested
 * with SDK-level doubles (clients whose middleware answers instead of the network).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricDataCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeContinuousBackupsCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { Route53Client, TestDNSAnswerCommand } from '@aws-sdk/client-route-53';
import {
  GetBucketEncryptionCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { kebab, parameterPath, resourceName } from '../../../infra/naming';
import { loadStackSettings, PROJECT } from '../../../infra/settings';
import { drRegionOf } from '../settings';
import { manualFailoverParameterName } from '../../../contract/environment';
import { budgetFromOutputs, budgetFromSettings } from '../budget';
import { PAYMENT_FUNCTIONS } from '../expectations';
import { fetchWithDeadline, isObject, postPayment, readJson, str } from '../http';
import { regionalResourcesFromFunctions, toStoredPayment } from './facts';
import type {
  AccessAnswer,
  AccessDecision,
  AccessQuestion,
  AlarmFacts,
  BucketFacts,
  Capability,
  DrBudget,
  ConfigurationTarget,
  FailoverObservation,
  FunctionFacts,
  PaymentReceipt,
  PaymentRequest,
  QueueFacts,
  RegionalResources,
  RestoreAction,
  RuntimeTarget,
  StoredPayment,
  TableFacts,
  TargetDescription,
} from './target';

const REQUEST_TIMEOUT_MS = 10_000;
/** 100 alarms a page: 50 pages is 5000 alarms, far beyond one stack's. */
const MAX_ALARM_PAGES = 50;

/** The stack outputs the live target needs (infra/program.ts `outputs`), normalised. */
export interface LiveOutputs {
  primaryRegion: string;
  drRegion: string;
  apiUrls: Record<string, string>;
  failoverEndpoint: string;
  failoverHostname: string;
  hostedZoneId: string;
  /** The zone's domain (regional hostnames with custom domains live in it). */
  hostedZoneName?: string;
  tableName: string;
  buckets: Record<string, string>;
  retryQueueUrls: Record<string, string>;
  deadLetterQueueUrls: Record<string, string>;
  environmentSuffix: string;
  budget?: DrBudget;
  /** The `functions` output: per region, per handler, the deployed name and role ARN (absent in older stacks). */
  functions: Record<string, Record<string, { name: string; roleArn: string }>>;
  raw: Record<string, unknown>;
}

function functionsOutput(value: unknown): Record<string, Record<string, { name: string; roleArn: string }>> {
  const out: Record<string, Record<string, { name: string; roleArn: string }>> = {};
  if (!isObject(value)) return out;
  for (const [region, byHandler] of Object.entries(value)) {
    if (!isObject(byHandler)) continue;
    for (const [handler, fn] of Object.entries(byHandler)) {
      const name = isObject(fn) ? str(fn.name) : undefined;
      const roleArn = isObject(fn) ? str(fn.roleArn) : undefined;
      if (name && roleArn) (out[region] ??= {})[handler] = { name, roleArn };
    }
  }
  return out;
}

function pick(outputs: Record<string, unknown>, keys: string[]): unknown {
  for (const k of keys) if (outputs[k] !== undefined) return outputs[k];
  return undefined;
}

function regionMap(value: unknown, primaryRegion: string, drRegion: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    const s = str(v) ?? (isObject(v) ? str(v.url) ?? str(v.name) : undefined);
    if (!s) continue;
    const region = k === 'primary' ? primaryRegion : k === 'dr' || k === 'secondary' ? drRegion : k;
    out[region] = s;
  }
  return out;
}

/**
 * Normalises `pulumi stack output --json`. Accepts per-region maps (`{ "us-east-1": ..., }` or
 * `{ primary, dr }`) and flat `primaryX`/`drX` keys (`secondaryX` in stacks deployed before the DR
 * region was named `drRegion`); throws naming what is missing.
 */
export function parseLiveOutputs(outputs: Record<string, unknown>, stack: string): LiveOutputs {
  const settings = loadStackSettings(stack);
  const primaryRegion = str(pick(outputs, ['primaryRegion'])) ?? settings.primaryRegion;
  const drRegion = str(pick(outputs, ['drRegion', 'secondaryRegion'])) ?? drRegionOf(settings);
  const both = (mapKeys: string[], primaryKeys: string[], drKeys: string[]): Record<string, string> => {
    const map = regionMap(pick(outputs, mapKeys), primaryRegion, drRegion);
    const p = str(pick(outputs, primaryKeys));
    const d = str(pick(outputs, [...drKeys, ...drKeys.map((k) => k.replace(/^dr/, 'secondary'))]));
    if (p) map[primaryRegion] = p;
    if (d) map[drRegion] = d;
    return map;
  };
  const missing: string[] = [];
  const need = <T>(value: T | undefined, name: string): T => {
    if (value === undefined || (typeof value === 'object' && value !== null && Object.keys(value).length < 2)) missing.push(name);
    return value as T;
  };
  const apiUrls = need(both(['apiEndpoints', 'apiUrls', 'regionalApiUrls'], ['primaryApiUrl', 'primaryApiEndpoint'], ['drApiUrl', 'drApiEndpoint']), 'apiEndpoints');
  const buckets = need(both(['bucketNames', 'transactionLogBuckets'], ['primaryBucketName'], ['drBucketName']), 'bucketNames');
  const retryQueueUrls = need(both(['retryQueueUrls', 'queueUrls'], ['primaryRetryQueueUrl'], ['drRetryQueueUrl']), 'retryQueueUrls');
  const deadLetterQueueUrls = both(['deadLetterQueueUrls', 'dlqUrls'], ['primaryDeadLetterQueueUrl'], ['drDeadLetterQueueUrl']);
  // Absent when the stack has no custom domains: no failover hostname exists (drills say so).
  const failoverEndpoint = str(pick(outputs, ['failoverEndpoint', 'failoverApiUrl', 'failoverUrl'])) ?? '';
  const hostedZoneId = str(pick(outputs, ['hostedZoneId', 'zoneId'])) ?? '';
  if (!hostedZoneId) missing.push('hostedZoneId');
  const tableName = str(pick(outputs, ['tableName'])) ?? '';
  if (!tableName) missing.push('tableName');
  if (missing.length > 0) throw new Error(`the stack outputs lack ${missing.join(', ')} (pulumi stack output --json of stack ${stack})`);
  return {
    primaryRegion,
    drRegion,
    apiUrls,
    failoverEndpoint,
    failoverHostname: failoverEndpoint ? new URL(failoverEndpoint).hostname : '',
    hostedZoneId,
    hostedZoneName: str(pick(outputs, ['hostedZoneName'])),
    tableName,
    buckets,
    retryQueueUrls,
    deadLetterQueueUrls,
    environmentSuffix: str(pick(outputs, ['environmentSuffix'])) ?? settings.environmentSuffix,
    budget: budgetFromOutputs(outputs),
    functions: functionsOutput(outputs.functions),
    raw: outputs,
  };
}

/** The AWS clients the live target uses; injectable so tests pass SDK-level doubles. */
export interface LiveClients {
  cloudwatch(region: string): CloudWatchClient;
  dynamodb(region: string): DynamoDBClient;
  s3(region: string): S3Client;
  sqs(region: string): SQSClient;
  ssm(region: string): SSMClient;
  iam(): IAMClient;
  route53(): Route53Client;
}

/** Real clients on the default credential chain, one per service and region. */
export function defaultClients(): LiveClients & { destroy(): void } {
  const cache = new Map<string, { destroy(): void }>();
  const once = <T extends { destroy(): void }>(key: string, make: () => T): T => {
    let c = cache.get(key);
    if (!c) {
      c = make();
      cache.set(key, c);
    }
    return c as T;
  };
  return {
    cloudwatch: (region) => once(`cw:${region}`, () => new CloudWatchClient({ region })),
    dynamodb: (region) => once(`ddb:${region}`, () => new DynamoDBClient({ region })),
    s3: (region) => once(`s3:${region}`, () => new S3Client({ region })),
    sqs: (region) => once(`sqs:${region}`, () => new SQSClient({ region })),
    ssm: (region) => once(`ssm:${region}`, () => new SSMClient({ region })),
    // IAM and Route 53 are global services with their endpoint in us-east-1.
    iam: () => once('iam', () => new IAMClient({ region: 'us-east-1' })),
    route53: () => once('r53', () => new Route53Client({ region: 'us-east-1' })),
    destroy: () => {
      for (const c of cache.values()) c.destroy();
      cache.clear();
    },
  };
}

export interface LiveTargetOptions {
  stack: string;
  outputsFile?: string;
  /** Injected outputs and clients (tests). */
  outputs?: Record<string, unknown>;
  clients?: LiveClients;
  /**
   * The merchant credential payments are sent with (`pdr_<keyId>_<secret>`, issued for the stack's
   * credentials table by `npm run credentials -- issue`); default env DR_MERCHANT_CREDENTIAL.
   */
  merchantCredential?: string;
}

async function readStackOutputs(stack: string, file: string | undefined): Promise<Record<string, unknown>> {
  let text: string;
  if (file) text = await readFile(file, 'utf8');
  else {
    try {
      text = (await promisify(execFile)('pulumi', ['stack', 'output', '--json', '--stack', stack], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 })).stdout;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `the live target reads the stack outputs with \`pulumi stack output --json --stack ${stack}\`, which failed (${reason}); install and log in to the Pulumi CLI, or set DR_STACK_OUTPUTS_FILE to a saved copy`,
      );
    }
  }
  const parsed: unknown = JSON.parse(text);
  if (!isObject(parsed)) throw new Error(`stack outputs of ${stack} are not a JSON object`);
  return parsed;
}

export function alarmFacts(alarm: MetricAlarm, region: string): AlarmFacts {
  const dimensions: Record<string, string> = {};
  for (const d of alarm.Dimensions ?? []) if (d.Name && d.Value !== undefined) dimensions[d.Name] = d.Value;
  return {
    name: alarm.AlarmName ?? '',
    region,
    namespace: alarm.Namespace,
    metricName: alarm.MetricName,
    dimensions,
    threshold: alarm.Threshold,
    comparisonOperator: alarm.ComparisonOperator,
    alarmActions: alarm.AlarmActions ?? [],
    metricNames: (alarm.Metrics ?? []).flatMap((m) => (m.MetricStat?.Metric?.MetricName ? [m.MetricStat.Metric.MetricName] : [])),
  };
}

function decision(value: string | undefined): AccessDecision {
  return value === 'allowed' ? 'allowed' : value === 'explicitDeny' ? 'explicitDeny' : 'implicitDeny';
}

export class LiveTarget implements RuntimeTarget, ConfigurationTarget {
  readonly kind = 'live' as const;
  readonly capabilities: readonly Capability[] = ['runtime', 'configuration'];
  private out?: LiveOutputs;
  private clients?: LiveClients;
  private destroyClients?: () => void;
  private accountId = 'unknown';

  constructor(private readonly options: LiveTargetOptions) {}

  async open(): Promise<void> {
    const raw = this.options.outputs ?? (await readStackOutputs(this.options.stack, this.options.outputsFile));
    this.out = parseLiveOutputs(raw, this.options.stack);
    if (this.options.clients) this.clients = this.options.clients;
    else {
      const real = defaultClients();
      this.clients = real;
      this.destroyClients = real.destroy;
    }
    const queueUrl = Object.values(this.out.retryQueueUrls)[0] ?? '';
    this.accountId = /\/(\d{12})\//.exec(queueUrl)?.[1] ?? 'unknown';
  }

  async close(): Promise<void> {
    this.destroyClients?.();
    this.destroyClients = undefined;
  }

  private get o(): LiveOutputs {
    if (!this.out) throw new Error('the live target is not open');
    return this.out;
  }

  private get c(): LiveClients {
    if (!this.clients) throw new Error('the live target is not open');
    return this.clients;
  }

  describe(): TargetDescription {
    return {
      kind: 'live',
      summary: `deployed stack ${this.options.stack} in account ${this.accountId} (AWS SDK default credential chain)`,
      stack: this.options.stack,
      regions: { primaryRegion: this.o.primaryRegion, drRegion: this.o.drRegion },
      account: this.accountId,
      timeScale: 1,
      notExercised: [],
      replication: 'DynamoDB global table and S3 replication as deployed in AWS',
    };
  }

  async budget(): Promise<DrBudget> {
    return this.o.budget ?? budgetFromSettings(loadStackSettings(this.options.stack));
  }

  /** The payment routes run the stack's REQUEST authorizer: `Authorization: Bearer <merchant credential>`. */
  private apiHeaders(): Record<string, string> {
    const credential = this.options.merchantCredential ?? process.env.DR_MERCHANT_CREDENTIAL;
    if (!credential) {
      throw new Error(
        'the live target sends payments as a merchant: set DR_MERCHANT_CREDENTIAL to a credential issued for this stack (npm run credentials -- issue --merchant <id> --table <credentials table>), kept in the CI secret store',
      );
    }
    return { Authorization: `Bearer ${credential}` };
  }

  private api(region: string): string {
    const url = this.o.apiUrls[region];
    if (!url) throw new Error(`the stack outputs name no API endpoint for ${region}`);
    return url;
  }

  async submitPayment(region: string, request: PaymentRequest): Promise<PaymentReceipt> {
    return postPayment(this.api(region), request, REQUEST_TIMEOUT_MS, this.apiHeaders());
  }

  async submitPaymentViaFailover(request: PaymentRequest): Promise<PaymentReceipt> {
    this.requireFailoverEndpoint();
    return postPayment(this.o.failoverEndpoint, request, REQUEST_TIMEOUT_MS, this.apiHeaders());
  }

  async readPayment(region: string, transactionId: string): Promise<StoredPayment | undefined> {
    const docs = DynamoDBDocumentClient.from(this.c.dynamodb(region));
    const out = await docs.send(new GetCommand({ TableName: this.o.tableName, Key: { pk: `PAYMENT#${transactionId}` } }));
    return toStoredPayment(out.Item);
  }

  private bucket(region: string): string {
    const b = this.o.buckets[region];
    if (!b) throw new Error(`the stack outputs name no bucket for ${region}`);
    return b;
  }

  async writeTransactionLog(region: string, key: string, body: string): Promise<void> {
    await this.c.s3(region).send(new PutObjectCommand({ Bucket: this.bucket(region), Key: key, Body: body, ContentType: 'application/json' }));
  }

  async readTransactionLog(region: string, key: string): Promise<string | undefined> {
    try {
      const out = await this.c.s3(region).send(new GetObjectCommand({ Bucket: this.bucket(region), Key: key }));
      return out.Body ? await out.Body.transformToString() : '';
    } catch (error) {
      if (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound')) return undefined;
      throw error;
    }
  }

  /** What Route 53 answers for a name in the stack's hosted zone. */
  private async dnsAnswer(name: string): Promise<{ values: string[]; detail: string }> {
    const out = await this.c.route53().send(new TestDNSAnswerCommand({ HostedZoneId: this.o.hostedZoneId, RecordName: name, RecordType: 'A' }));
    const values = [...(out.RecordData ?? [])].sort();
    return { values, detail: `${name} ${out.RecordType ?? 'A'} ${out.ResponseCode ?? ''} ${values.join(',')}` };
  }

  /**
   * Which region the failover record answers with, by Route 53's own answer (TestDNSAnswer):
   * a CNAME answer names the region's execute-api host; an alias answer (custom domains) is a set
   * of addresses, compared with the answers for each region's own hostname in the zone. The region
   * that a client reaching the failover hostname lands on (its GET /health `region`) is the
   * fallback and the confirmation.
   */
  async observeFailover(): Promise<FailoverObservation> {
    this.requireFailoverEndpoint();
    const regions = [this.o.primaryRegion, this.o.drRegion];
    // TestDNSAnswer is a Route 53 control-plane call (us-east-1): when it cannot answer, the
    // region that GET /health through the failover hostname reports decides.
    const failover = await this.dnsAnswer(this.o.failoverHostname).catch((error: unknown) => ({
      values: [] as string[],
      detail: `unavailable (${error instanceof Error ? error.name : String(error)})`,
    }));
    let dnsRegion = regions.find((r) => failover.values.some((v) => v.includes(`.${r}.`)));
    if (!dnsRegion && this.o.hostedZoneName) {
      for (const region of regions) {
        const host = new URL(this.api(region)).hostname;
        if (!host.endsWith(this.o.hostedZoneName)) continue;
        const own = await this.dnsAnswer(host);
        if (own.values.some((v) => failover.values.includes(v))) dnsRegion = region;
      }
    }
    let healthRegion: string | undefined;
    let health: string;
    try {
      const response = await fetchWithDeadline(`${this.o.failoverEndpoint.replace(/\/$/, '')}/health`, { method: 'GET' }, REQUEST_TIMEOUT_MS);
      const body = await readJson(response);
      healthRegion = isObject(body) ? str(body.region) : undefined;
      health = `GET /health answered ${response.status} from ${healthRegion ?? '?'}`;
    } catch (error) {
      health = `GET /health failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    return {
      servingRegion: dnsRegion ?? healthRegion,
      detail: `TestDNSAnswer ${failover.detail} -> ${dnsRegion ?? 'inconclusive'}; ${health}`,
    };
  }

  async limitation(): Promise<string | undefined> {
    return undefined;
  }

  private manualFailoverParameter(region: string): string {
    const fromOutputs = this.o.raw.manualFailoverParameters;
    return (isObject(fromOutputs) ? str(fromOutputs[region]) : undefined) ?? manualFailoverParameterName(parameterPath(PROJECT, this.o.environmentSuffix, region));
  }

  /** Throws the reason no drill can run when the stack publishes no failover hostname. */
  private requireFailoverEndpoint(): void {
    if (!this.o.failoverEndpoint) {
      throw new Error('the stack publishes no failover hostname (customDomainsEnabled is false): no HTTPS client can call one, so there is no failover to drill');
    }
  }

  /**
   * Fails the primary over the way the runbook does: the failover switch in the DR region (stack
   * output `failoverSwitch`, a CloudWatch metric whose alarm gates the primary's record), which
   * needs neither the primary region nor us-east-1. Other regions (or a stack without the switch)
   * use the region's manual failover flag.
   */
  async makeUnhealthy(region: string): Promise<RestoreAction> {
    const sw = this.o.raw.failoverSwitch;
    if (region === this.o.primaryRegion && isObject(sw) && str(sw.region) && str(sw.namespace) && str(sw.metricName) && isObject(sw.dimensions)) {
      this.requireFailoverEndpoint();
      const cloudwatch = this.c.cloudwatch(str(sw.region)!);
      const dimensions = Object.entries(sw.dimensions).map(([Name, Value]) => ({ Name, Value: String(Value) }));
      const publish = (value: number) =>
        cloudwatch.send(new PutMetricDataCommand({ Namespace: str(sw.namespace), MetricData: [{ MetricName: str(sw.metricName), Dimensions: dimensions, Value: value }] }));
      await publish(1);
      return {
        description: `publish ${str(sw.metricName)} = 0 in ${str(sw.region)} (fail back through the failover switch)`,
        restore: async () => void (await publish(0)),
      };
    }
    const name = this.manualFailoverParameter(region);
    const ssm = this.c.ssm(region);
    const before = await ssm.send(new GetParameterCommand({ Name: name }));
    const original = before.Parameter?.Value ?? 'false';
    await ssm.send(new PutParameterCommand({ Name: name, Value: 'true', Type: 'String', Overwrite: true }));
    return {
      description: `set ${name} in ${region} back to "${original}"`,
      restore: async () => void (await ssm.send(new PutParameterCommand({ Name: name, Value: original, Type: 'String', Overwrite: true }))),
    };
  }

  async alarms(region: string): Promise<AlarmFacts[]> {
    const facts: AlarmFacts[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      // Bounded: a runaway pagination must not hang a scheduled run.
      if ((pages += 1) > MAX_ALARM_PAGES) throw new Error(`DescribeAlarms in ${region} returned more than ${MAX_ALARM_PAGES} pages`);
      const page = await this.c.cloudwatch(region).send(new DescribeAlarmsCommand({ NextToken: token, AlarmTypes: ['MetricAlarm'], MaxRecords: 100 }));
      for (const a of page.MetricAlarms ?? []) facts.push(alarmFacts(a, region));
      token = page.NextToken;
    } while (token);
    return facts;
  }

  async table(): Promise<TableFacts> {
    const primary = this.o.primaryRegion;
    const described = await this.c.dynamodb(primary).send(new DescribeTableCommand({ TableName: this.o.tableName }));
    const t = described.Table;
    if (!t) throw new Error(`table ${this.o.tableName} not found in ${primary}`);
    const pitr = async (region: string) => {
      const out = await this.c.dynamodb(region).send(new DescribeContinuousBackupsCommand({ TableName: this.o.tableName }));
      return out.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === 'ENABLED';
    };
    const replicas = [];
    for (const r of t.Replicas ?? []) {
      if (!r.RegionName || r.RegionName === primary) continue;
      replicas.push({ region: r.RegionName, pointInTimeRecovery: await pitr(r.RegionName) });
    }
    return {
      name: this.o.tableName,
      region: primary,
      billingMode: t.BillingModeSummary?.BillingMode ?? 'PROVISIONED',
      pointInTimeRecovery: await pitr(primary),
      replicas,
      kmsEncrypted: t.SSEDescription?.SSEType === 'KMS',
    };
  }

  async buckets(): Promise<BucketFacts[]> {
    const facts: BucketFacts[] = [];
    for (const [region, bucket] of Object.entries(this.o.buckets)) {
      const s3 = this.c.s3(region);
      const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
      const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })).catch(() => undefined);
      const pab = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })).catch(() => undefined);
      const replication = await s3.send(new GetBucketReplicationCommand({ Bucket: bucket })).catch(() => undefined);
      const c = pab?.PublicAccessBlockConfiguration;
      facts.push({
        name: bucket,
        region,
        versioning: versioning.Status === 'Enabled',
        encryption: encryption?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
        publicAccessBlocked: c?.BlockPublicAcls === true && c.BlockPublicPolicy === true && c.IgnorePublicAcls === true && c.RestrictPublicBuckets === true,
        replicatesTo: (replication?.ReplicationConfiguration?.Rules ?? [])
          .filter((r) => r.Status === 'Enabled')
          .map((r) => (r.Destination?.Bucket ?? '').replace(/^arn:aws:s3:::/, '')),
      });
    }
    return facts;
  }

  async queues(): Promise<QueueFacts[]> {
    const facts: QueueFacts[] = [];
    const all: Array<[string, string, boolean]> = [
      ...Object.entries(this.o.retryQueueUrls).map(([r, u]): [string, string, boolean] => [r, u, false]),
      ...Object.entries(this.o.deadLetterQueueUrls).map(([r, u]): [string, string, boolean] => [r, u, true]),
    ];
    for (const [region, url, isDlq] of all) {
      const out = await this.c.sqs(region).send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
      const a = out.Attributes ?? {};
      const kms = a.KmsMasterKeyId;
      const managed = a.SqsManagedSseEnabled === 'true';
      facts.push({
        name: url.split('/').pop() ?? url,
        region,
        encrypted: managed || (kms !== undefined && kms !== ''),
        encryption: kms ? 'SSE-KMS' : managed ? 'SSE-SQS' : undefined,
        isDeadLetterQueue: isDlq,
        hasRedrivePolicy: a.RedrivePolicy !== undefined,
      });
    }
    return facts;
  }

  /** The functions the stack deploys in a region (names follow infra/naming.ts), as the stack configures them. */
  private functionsIn(region: string): FunctionFacts[] {
    const suffix = this.o.environmentSuffix;
    const environment: Record<string, string> = {
      TABLE_NAME: this.o.tableName,
      RETRY_QUEUE_URL: this.o.retryQueueUrls[region] ?? '',
      TRANSACTION_LOG_BUCKET: this.o.buckets[region] ?? '',
      MANUAL_FAILOVER_PARAMETER: this.manualFailoverParameter(region),
      PARAMETER_PATH: parameterPath(PROJECT, suffix, region),
    };
    return PAYMENT_FUNCTIONS.map((handler) => {
      // The stack's `functions` output when it has one; else the names infra/naming.ts gives.
      const exported = this.o.functions[region]?.[handler];
      const name = exported?.name ?? resourceName(kebab(handler), suffix, region);
      const roleArn = exported?.roleArn ?? `arn:aws:iam::${this.accountId}:role/${name}-role`;
      return { logicalName: handler, name, region, roleArn, environment };
    });
  }

  async regionalResources(region: string): Promise<RegionalResources> {
    const base = regionalResourcesFromFunctions(region, this.functionsIn(region), this.accountId);
    const dlqUrl = this.o.deadLetterQueueUrls[region];
    const dlqName = dlqUrl?.split('/').pop();
    const apiName = resourceName('payments-api', this.o.environmentSuffix, region);
    return { ...base, apiName, deadLetterQueueArn: dlqName ? `arn:aws:sqs:${region}:${base.accountId}:${dlqName}` : undefined };
  }

  async simulate(fn: FunctionFacts, questions: AccessQuestion[]): Promise<AccessAnswer[]> {
    const answers: AccessAnswer[] = [];
    for (const q of questions) {
      const out = await this.c.iam().send(
        new SimulatePrincipalPolicyCommand({ PolicySourceArn: fn.roleArn, ActionNames: [q.action], ResourceArns: [q.resource] }),
      );
      answers.push({ ...q, decision: decision(out.EvaluationResults?.[0]?.EvalDecision) });
    }
    return answers;
  }
}
