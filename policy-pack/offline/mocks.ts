/**
 * Mocks for the offline plan capture: they answer like AWS would for the attributes a program reads
 * back (ARNs, URLs, ids, ACM validation options) and for the invokes the DR stack makes.
 *
 * `resolved` mode fills in every computed attribute (what a stack looks like after `pulumi up`);
 * `preview` mode returns only the inputs, so everything computed stays unknown, as in a first
 * `pulumi preview` of a new stack.
 */
import { createHash } from 'node:crypto';
import type * as pulumi from '@pulumi/pulumi';

export const MOCK_ACCOUNT_ID = '123456789012';

/** What a program gets for a `secure:` config value offline (the ciphertext cannot be decrypted here). */
export const SECRET_PLACEHOLDER = 'offline-gate-placeholder';

type Json = Record<string, unknown>;

const shortId = (seed: string, length = 10): string => createHash('sha256').update(seed).digest('hex').slice(0, length);

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The physical name the provider would use: the explicit one, else an auto-name like Pulumi's. */
function physicalName(name: string, inputs: Json, key = 'name'): string {
  return text(inputs[key]) ?? `${name}-${shortId(name, 7)}`;
}

function regionOf(inputs: Json, defaultRegion: string): string {
  return text(inputs.region) ?? defaultRegion;
}

/** Physical id of a new resource (what `id` resolves to). */
export function mockId(type: string, name: string, inputs: Json, defaultRegion: string): string {
  const region = regionOf(inputs, defaultRegion);
  switch (type) {
    case 'aws:s3/bucket:Bucket':
    case 'aws:s3/bucketV2:BucketV2':
      return physicalName(name, inputs, 'bucket');
    case 'aws:apigateway/restApi:RestApi':
      return shortId(`api-${name}`);
    case 'aws:route53/zone:Zone':
      return `Z${shortId(`zone-${name}`, 12).toUpperCase()}`;
    case 'aws:route53/healthCheck:HealthCheck':
      return `${shortId(`hc-${name}`, 8)}-0000-4000-8000-${shortId(`hc2-${name}`, 12)}`;
    case 'aws:sqs/queue:Queue':
      return `https://sqs.${region}.amazonaws.com/${MOCK_ACCOUNT_ID}/${physicalName(name, inputs)}`;
    case 'aws:sns/topic:Topic':
      return `arn:aws:sns:${region}:${MOCK_ACCOUNT_ID}:${physicalName(name, inputs)}`;
    case 'aws:apigateway/domainName:DomainName':
      return text(inputs.domainName) ?? `${name}-id`;
    default:
      return text(inputs.name) ?? `${name}-${shortId(type + name, 8)}`;
  }
}

/** Computed attributes per type (what AWS fills in after create). */
export function mockComputed(type: string, name: string, inputs: Json, id: string, defaultRegion: string): Json {
  const region = regionOf(inputs, defaultRegion);
  const acct = MOCK_ACCOUNT_ID;
  const service = /^aws:([a-z0-9]+)\//.exec(type)?.[1] ?? 'unknown';
  switch (type) {
    case 'aws:dynamodb/table:Table': {
      const table = physicalName(name, inputs);
      const stream = (r: string): string => `arn:aws:dynamodb:${r}:${acct}:table/${table}/stream/2026-01-01T00:00:00.000`;
      // Each replica has its own table and stream ARN in its region (the provider's `replica[].stream_arn`).
      const replicas = Array.isArray(inputs.replicas)
        ? {
            replicas: (inputs.replicas as Json[]).map((r) => {
              const replica = r as Record<string, Json>;
              const regionName = String(replica.regionName);
              return { ...replica, arn: `arn:aws:dynamodb:${regionName}:${acct}:table/${table}`, streamArn: stream(regionName) };
            }),
          }
        : {};
      return { name: table, arn: `arn:aws:dynamodb:${region}:${acct}:table/${table}`, streamArn: stream(region), ...replicas };
    }
    case 'aws:sqs/queue:Queue': {
      const queue = physicalName(name, inputs);
      return { name: queue, arn: `arn:aws:sqs:${region}:${acct}:${queue}`, url: `https://sqs.${region}.amazonaws.com/${acct}/${queue}` };
    }
    case 'aws:s3/bucket:Bucket':
    case 'aws:s3/bucketV2:BucketV2':
      return { bucket: id, arn: `arn:aws:s3:::${id}`, bucketDomainName: `${id}.s3.amazonaws.com`, bucketRegionalDomainName: `${id}.s3.${region}.amazonaws.com`, region };
    case 'aws:cloudwatch/logGroup:LogGroup': {
      const group = physicalName(name, inputs);
      return { name: group, arn: `arn:aws:logs:${region}:${acct}:log-group:${group}` };
    }
    case 'aws:iam/role:Role': {
      const role = physicalName(name, inputs);
      return { name: role, arn: `arn:aws:iam::${acct}:role/${role}`, uniqueId: `AROA${shortId(role, 16).toUpperCase()}` };
    }
    case 'aws:iam/policy:Policy': {
      const policy = physicalName(name, inputs);
      return { name: policy, arn: `arn:aws:iam::${acct}:policy/${policy}` };
    }
    case 'aws:lambda/function:Function': {
      const fn = physicalName(name, inputs);
      const arn = `arn:aws:lambda:${region}:${acct}:function:${fn}`;
      return { name: fn, arn, invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`, qualifiedArn: `${arn}:$LATEST`, version: '$LATEST' };
    }
    case 'aws:apigateway/restApi:RestApi':
      return { rootResourceId: `root${shortId(name, 6)}`, executionArn: `arn:aws:execute-api:${region}:${acct}:${id}`, arn: `arn:aws:apigateway:${region}::/restapis/${id}` };
    case 'aws:apigateway/stage:Stage':
      return {
        invokeUrl: `https://${String(inputs.restApi)}.execute-api.${region}.amazonaws.com/${String(inputs.stageName)}`,
        executionArn: `arn:aws:execute-api:${region}:${acct}:${String(inputs.restApi)}/${String(inputs.stageName)}`,
        arn: `arn:aws:apigateway:${region}::/restapis/${String(inputs.restApi)}/stages/${String(inputs.stageName)}`,
      };
    case 'aws:apigateway/deployment:Deployment':
      return { invokeUrl: `https://${String(inputs.restApi)}.execute-api.${region}.amazonaws.com/`, executionArn: `arn:aws:execute-api:${region}:${acct}:${String(inputs.restApi)}/` };
    case 'aws:apigateway/domainName:DomainName':
      return {
        regionalDomainName: `d-${shortId(name)}.execute-api.${region}.amazonaws.com`,
        regionalZoneId: `ZAPIGW${region.replace(/-/g, '').toUpperCase()}`,
        arn: `arn:aws:apigateway:${region}::/domainnames/${String(inputs.domainName)}`,
      };
    case 'aws:apigateway/apiKey:ApiKey':
      return { value: text(inputs.value) ?? `generated-${shortId(name, 30)}`, arn: `arn:aws:apigateway:${region}::/apikeys/${id}` };
    case 'aws:acm/certificate:Certificate': {
      const domains = [text(inputs.domainName), ...(Array.isArray(inputs.subjectAlternativeNames) ? inputs.subjectAlternativeNames.map(text) : [])].filter(
        (d): d is string => d !== undefined,
      );
      return {
        arn: `arn:aws:acm:${region}:${acct}:certificate/${shortId(name, 32)}`,
        domainValidationOptions: domains.map((domainName) => ({
          domainName,
          resourceRecordName: `_${shortId(domainName, 16)}.${domainName}.`,
          resourceRecordType: 'CNAME',
          resourceRecordValue: `_${shortId(`v${domainName}`, 16)}.acm-validations.aws.`,
        })),
      };
    }
    case 'aws:acm/certificateValidation:CertificateValidation':
      return { certificateArn: inputs.certificateArn };
    case 'aws:route53/zone:Zone':
      return { zoneId: id, nameServers: ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.co.uk', 'ns-3.awsdns-03.com', 'ns-4.awsdns-04.net'], arn: `arn:aws:route53:::hostedzone/${id}` };
    case 'aws:route53/record:Record':
      return { fqdn: inputs.name };
    case 'aws:route53/healthCheck:HealthCheck':
      return { arn: `arn:aws:route53:::healthcheck/${id}` };
    case 'aws:sns/topic:Topic': {
      const topic = physicalName(name, inputs);
      return { name: topic, arn: `arn:aws:sns:${region}:${acct}:${topic}` };
    }
    case 'aws:kms/key:Key': {
      const keyId = `${shortId(name, 8)}-0000-4000-8000-${shortId(name, 12)}`;
      return { arn: `arn:aws:kms:${region}:${acct}:key/${keyId}`, keyId };
    }
    case 'aws:cloudwatch/metricAlarm:MetricAlarm': {
      const alarm = physicalName(name, inputs);
      return { name: alarm, arn: `arn:aws:cloudwatch:${region}:${acct}:alarm:${alarm}` };
    }
    case 'aws:wafv2/webAcl:WebAcl': {
      const acl = physicalName(name, inputs);
      return { name: acl, arn: `arn:aws:wafv2:${region}:${acct}:regional/webacl/${acl}/${shortId(name, 8)}` };
    }
    case 'aws:cloudwatch/eventRule:EventRule': {
      const rule = physicalName(name, inputs);
      return { name: rule, arn: `arn:aws:events:${region}:${acct}:rule/${rule}` };
    }
    case 'aws:apigateway/usagePlan:UsagePlan':
      return { arn: `arn:aws:apigateway:${region}::/usageplans/${id}` };
    case 'aws:ssm/parameter:Parameter': {
      const parameter = physicalName(name, inputs);
      return { name: parameter, arn: `arn:aws:ssm:${region}:${acct}:parameter${parameter.startsWith('/') ? '' : '/'}${parameter}`, version: 1 };
    }
    default:
      return type.startsWith('aws:') ? { arn: `arn:aws:${service}:${region}:${acct}:${shortId(type + name, 12)}` } : {};
  }
}

/** Builds the JSON document `aws.iam.getPolicyDocument` returns, from its statements. */
export function policyDocumentJson(inputs: Json): string {
  const statements = Array.isArray(inputs.statements) ? inputs.statements : [];
  const principals = (list: unknown, key: string): Json | undefined => {
    if (!Array.isArray(list) || list.length === 0) return undefined;
    const out: Record<string, unknown> = {};
    for (const p of list as Json[]) {
      const type = String(p.type);
      const ids = Array.isArray(p.identifiers) ? p.identifiers : [];
      out[type] = ids.length === 1 ? ids[0] : ids;
    }
    return { [key]: out.AWS === '*' && Object.keys(out).length === 1 ? '*' : out };
  };
  const one = (v: unknown): unknown => (Array.isArray(v) && v.length === 1 ? v[0] : v);
  return JSON.stringify({
    Version: text(inputs.version) ?? '2012-10-17',
    Statement: (statements as Json[]).map((s) => {
      const condition: Record<string, Record<string, unknown>> = {};
      for (const c of Array.isArray(s.conditions) ? (s.conditions as Json[]) : []) {
        condition[String(c.test)] = { ...(condition[String(c.test)] ?? {}), [String(c.variable)]: one(c.values) };
      }
      return {
        ...(s.sid ? { Sid: s.sid } : {}),
        Effect: text(s.effect) ?? 'Allow',
        ...(s.actions ? { Action: one(s.actions) } : {}),
        ...(s.notActions ? { NotAction: one(s.notActions) } : {}),
        ...(s.resources ? { Resource: one(s.resources) } : {}),
        ...(s.notResources ? { NotResource: one(s.notResources) } : {}),
        ...(principals(s.principals, 'Principal') ?? {}),
        ...(principals(s.notPrincipals, 'NotPrincipal') ?? {}),
        ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
      };
    }),
  });
}

/** Answers to the invokes the DR stack (and typical AWS programs) make; `undefined` for unmocked tokens. */
export function mockInvoke(token: string, inputs: Json, defaultRegion: string): Json | undefined {
  switch (token) {
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return { accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/policy-gate`, userId: 'AIDAPOLICYGATE', id: MOCK_ACCOUNT_ID };
    case 'aws:index/getRegion:getRegion': {
      const region = text(inputs.region) ?? text(inputs.name) ?? defaultRegion;
      return { name: region, region, id: region, description: region, endpoint: `ec2.${region}.amazonaws.com` };
    }
    case 'aws:index/getPartition:getPartition':
      return { partition: 'aws', dnsSuffix: 'amazonaws.com', reverseDnsPrefix: 'com.amazonaws', id: 'aws' };
    case 'aws:index/getAvailabilityZones:getAvailabilityZones': {
      const region = text(inputs.region) ?? defaultRegion;
      return { names: ['a', 'b', 'c'].map((z) => `${region}${z}`), zoneIds: ['1', '2', '3'].map((z) => `use1-az${z}`), id: region };
    }
    case 'aws:iam/getPolicyDocument:getPolicyDocument':
      return { json: policyDocumentJson(inputs), minifiedJson: policyDocumentJson(inputs), id: shortId(JSON.stringify(inputs)) };
    default:
      return undefined;
  }
}

export type MockRecorder = (event: { kind: 'invoke'; token: string; mocked: boolean }) => void;

/** What the mocks answered for one resource registration. */
export interface MockedResource {
  type: string;
  name: string;
  /** Inputs with secrets unwrapped. */
  inputs: Json;
  state: Json;
  id: string;
  custom: boolean;
  /** Top-level input keys that were secret. */
  secretInputs: string[];
}

/** Pulumi's wire signature of a secret value (`{ [SECRET_SIG]: SECRET_VALUE, value }`). */
const WIRE_SIG = '4dabf18193072939515e22adb298388d';

/** Replaces secret wrappers by their values (deeply), so policies and tests see plain data. */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value !== null && typeof value === 'object' && (value as object).constructor === Object) {
    const object = value as Json;
    if (WIRE_SIG in object) return unwrapSecrets(object.value);
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/**
 * The mocks: `resolved` fills computed attributes, `preview` leaves them unknown. A resource placed
 * with an explicit provider lives in that provider's region (the region its ARNs and URLs carry).
 */
export function createMocks(options: {
  defaultRegion: string;
  preview: boolean;
  onInvoke?: MockRecorder;
  /** Called with every resource the mocks answered (the unit tests' recorder). */
  onResource?: (resource: MockedResource) => void;
  /** Throw on an invoke the mocks do not answer (our own tests), instead of answering `{}` (any program). */
  strictInvokes?: boolean;
}): pulumi.runtime.Mocks {
  /** Region of each aws provider, by the URN the provider reference starts with. */
  const providerRegions = new Map<string, string>();
  const providerRegion = (reference: string | undefined): string | undefined => {
    if (!reference) return undefined;
    const urn = reference.split('::').slice(0, -1).join('::');
    return providerRegions.get(urn.split('::').pop() ?? '');
  };
  return {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Json } {
      const raw = args.inputs as Json;
      const inputs = unwrapSecrets(raw) as Json;
      const secretInputs = Object.entries(raw)
        .filter(([, v]) => v !== null && typeof v === 'object' && WIRE_SIG in (v as Json))
        .map(([k]) => k);
      if (args.type === 'pulumi:providers:aws' && text(inputs.region)) providerRegions.set(args.name, inputs.region as string);
      if (options.preview) return { id: args.id || undefined, state: inputs };
      const region = text(inputs.region) ?? providerRegion(args.provider) ?? options.defaultRegion;
      const id = args.id || mockId(args.type, args.name, inputs, region);
      const state = { ...inputs, ...mockComputed(args.type, args.name, inputs, id, region) };
      options.onResource?.({ type: args.type, name: args.name, inputs, state, id, custom: args.custom ?? true, secretInputs });
      return { id, state };
    },
    call(args: pulumi.runtime.MockCallArgs): Json {
      const answer = mockInvoke(args.token, { ...args.inputs }, options.defaultRegion);
      options.onInvoke?.({ kind: 'invoke', token: args.token, mocked: answer !== undefined });
      if (answer === undefined && options.strictInvokes) throw new Error(`unmocked call ${args.token}`);
      return answer ?? {};
    },
  };
}
