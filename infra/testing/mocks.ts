/**
 * Pulumi mocks answering like AWS would for the attributes the program reads back: ARNs, URLs,
 * ids, the caller identity, ACM validation options. Deterministic, so tests can assert exact values.
 */
import { createHash } from 'node:crypto';
import type * as pulumi from '@pulumi/pulumi';
import type { RecordedResource } from './harness';

export const MOCK_ACCOUNT_ID = '123456789012';

const shortId = (seed: string, length = 10): string => createHash('sha256').update(seed).digest('hex').slice(0, length);

/** Computed attributes per type (what AWS fills in after create). */
function computed(type: string, name: string, inputs: Record<string, any>, id: string): Record<string, any> {
  const region: string = inputs.region ?? 'us-east-1';
  const acct = MOCK_ACCOUNT_ID;
  switch (type) {
    case 'aws:dynamodb/table:Table':
      return {
        arn: `arn:aws:dynamodb:${region}:${acct}:table/${inputs.name}`,
        streamArn: `arn:aws:dynamodb:${region}:${acct}:table/${inputs.name}/stream/2026-01-01T00:00:00.000`,
        // Each replica has its own table and stream ARN in its region.
        ...(Array.isArray(inputs.replicas)
          ? {
              replicas: inputs.replicas.map((r: Record<string, any>) => ({
                ...r,
                arn: `arn:aws:dynamodb:${r.regionName}:${acct}:table/${inputs.name}`,
                streamArn: `arn:aws:dynamodb:${r.regionName}:${acct}:table/${inputs.name}/stream/2026-01-01T00:00:00.000`,
              })),
            }
          : {}),
      };
    case 'aws:sqs/queue:Queue':
      return { arn: `arn:aws:sqs:${region}:${acct}:${inputs.name}`, url: `https://sqs.${region}.amazonaws.com/${acct}/${inputs.name}` };
    case 'aws:s3/bucket:Bucket':
      return { arn: `arn:aws:s3:::${inputs.bucket}`, bucket: inputs.bucket, bucketRegionalDomainName: `${inputs.bucket}.s3.${region}.amazonaws.com` };
    case 'aws:cloudwatch/logGroup:LogGroup':
      return { arn: `arn:aws:logs:${region}:${acct}:log-group:${inputs.name}` };
    case 'aws:iam/role:Role':
      return { arn: `arn:aws:iam::${acct}:role/${inputs.name}` };
    case 'aws:lambda/function:Function': {
      const arn = `arn:aws:lambda:${region}:${acct}:function:${inputs.name}`;
      return { arn, invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`, qualifiedArn: `${arn}:$LATEST` };
    }
    case 'aws:apigateway/restApi:RestApi':
      return { rootResourceId: `root${shortId(name, 6)}`, executionArn: `arn:aws:execute-api:${region}:${acct}:${id}`, arn: `arn:aws:apigateway:${region}::/restapis/${id}` };
    case 'aws:apigateway/stage:Stage':
      return { invokeUrl: `https://${inputs.restApi}.execute-api.${region}.amazonaws.com/${inputs.stageName}`, arn: `arn:aws:apigateway:${region}::/restapis/${inputs.restApi}/stages/${inputs.stageName}` };
    case 'aws:apigateway/domainName:DomainName':
      return { regionalDomainName: `d-${shortId(name)}.execute-api.${region}.amazonaws.com`, regionalZoneId: `ZAPIGW${region.replace(/-/g, '').toUpperCase()}`, arn: `arn:aws:apigateway:${region}::/domainnames/${inputs.domainName}` };
    case 'aws:apigateway/apiKey:ApiKey':
      return { value: inputs.value ?? `generated-${shortId(name, 30)}` };
    case 'aws:acm/certificate:Certificate':
      return {
        arn: `arn:aws:acm:${region}:${acct}:certificate/${shortId(name, 32)}`,
        domainValidationOptions: [inputs.domainName, ...(inputs.subjectAlternativeNames ?? [])].map((domainName: string) => ({
          domainName,
          resourceRecordName: `_${shortId(domainName, 16)}.${domainName}.`,
          resourceRecordType: 'CNAME',
          resourceRecordValue: `_${shortId(`v${domainName}`, 16)}.acm-validations.aws.`,
        })),
      };
    case 'aws:acm/certificateValidation:CertificateValidation':
      return { certificateArn: inputs.certificateArn };
    case 'aws:route53/zone:Zone':
      return { zoneId: `Z${shortId(inputs.name, 12).toUpperCase()}`, nameServers: ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.co.uk', 'ns-3.awsdns-03.com', 'ns-4.awsdns-04.net'], arn: `arn:aws:route53:::hostedzone/${id}` };
    case 'aws:route53/record:Record':
      return { fqdn: inputs.name };
    case 'aws:route53/healthCheck:HealthCheck':
      return { arn: `arn:aws:route53:::healthcheck/${id}` };
    case 'aws:sns/topic:Topic':
      return { arn: `arn:aws:sns:${region}:${acct}:${inputs.name}` };
    case 'aws:kms/key:Key': {
      const keyId = `${shortId(name, 8)}-0000-4000-8000-${shortId(name, 12)}`;
      return { arn: `arn:aws:kms:${region}:${acct}:key/${keyId}`, keyId };
    }
    case 'aws:cloudwatch/metricAlarm:MetricAlarm':
      return { arn: `arn:aws:cloudwatch:${region}:${acct}:alarm:${inputs.name}` };
    case 'aws:ssm/parameter:Parameter':
      return { arn: `arn:aws:ssm:${region}:${acct}:parameter${inputs.name}` };
    case 'aws:wafv2/webAcl:WebAcl':
      return { arn: `arn:aws:wafv2:${region}:${acct}:regional/webacl/${inputs.name}/${shortId(name, 8)}` };
    case 'aws:cloudwatch/eventRule:EventRule':
      return { arn: `arn:aws:events:${region}:${acct}:rule/${inputs.name}` };
    case 'aws:apigateway/usagePlan:UsagePlan':
      return { arn: `arn:aws:apigateway:${region}::/usageplans/${id}` };
    default:
      return {};
  }
}

function physicalId(type: string, name: string, inputs: Record<string, any>): string {
  switch (type) {
    case 'aws:apigateway/restApi:RestApi':
      return shortId(`api-${name}`);
    case 'aws:s3/bucket:Bucket':
      return inputs.bucket;
    case 'aws:route53/healthCheck:HealthCheck':
      return `${shortId(`hc-${name}`, 8)}-hc`;
    case 'aws:route53/zone:Zone':
      return `Z${shortId(inputs.name, 12).toUpperCase()}`;
    case 'aws:sqs/queue:Queue':
      return `https://sqs.${inputs.region ?? 'us-east-1'}.amazonaws.com/${MOCK_ACCOUNT_ID}/${inputs.name}`;
    default:
      return typeof inputs.name === 'string' && inputs.name !== '' ? inputs.name : `${name}-id`;
  }
}

/** Pulumi's wire signature of a secret value (`{ [SECRET_SIG]: SECRET_VALUE, value }`). */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';

/** Replaces secret wrappers by their values (deeply), so tests compare plain data. */
export function unwrapSecrets(value: any): any {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value !== null && typeof value === 'object' && value.constructor === Object) {
    if (SECRET_SIG in value) return unwrapSecrets(value.value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

export function createMocks(record: RecordedResource[]): pulumi.runtime.Mocks {
  return {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
      const inputs = unwrapSecrets(args.inputs) as Record<string, any>;
      const secretInputs = Object.entries(args.inputs as Record<string, any>)
        .filter(([, v]) => v !== null && typeof v === 'object' && SECRET_SIG in v)
        .map(([k]) => k);
      const id = args.id || physicalId(args.type, args.name, inputs);
      const state = { ...inputs, ...computed(args.type, args.name, inputs, id) };
      record.push({ type: args.type, name: args.name, inputs, state, id, custom: args.custom ?? true, secretInputs });
      return { id, state };
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
      if (args.token === 'aws:index/getCallerIdentity:getCallerIdentity') {
        return { accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/ci`, userId: 'AIDACKCEVSQ6C2EXAMPLE', id: MOCK_ACCOUNT_ID };
      }
      throw new Error(`unmocked call ${args.token}`);
    },
  };
}
