/**
 * API Gateway: the regional REST APIs, their stages and custom domains.
 */
import * as aws from '@pulumi/aws';
import { PolicyResource, validateResourceOfType } from '@pulumi/policy';
import { PackResourcePolicy, PackStackPolicy, pciDss, tags } from './lib/policy';
import { checkAll, checkEach, isSet, known } from './lib/preview';
import { bool, get, str, strings } from './lib/props';
import { referencedBy, RegionConfig, regionConfig, regionOf, regionSchema, tokenOf } from './lib/stack';

export const apigatewayStageAccessLogging: PackResourcePolicy = {
  name: 'apigateway-stage-access-logging',
  description: 'Checks whether API Gateway stages write access logs, with the request id, to a log group.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('10.2.1', 'Audit logs are enabled and active for all system components and cardholder data.'),
  remediationSteps: 'Set `accessLogSettings: { destinationArn: <log group arn>, format: JSON with $context.requestId, ... }` on the aws.apigateway.Stage.',
  tags: tags('LOG-01', 'api'),
  validateResource: validateResourceOfType(aws.apigateway.Stage, (stage, _args, reportViolation) => {
    const settings = stage.accessLogSettings;
    if (!settings || !isSet(settings, 'destinationArn')) {
      reportViolation('API Gateway stage must write access logs (accessLogSettings.destinationArn).');
      return;
    }
    const format = str(settings, 'format');
    if (format === undefined || !format.includes('$context.requestId')) {
      reportViolation('API Gateway stage access log format must include $context.requestId.');
    }
  }),
};

const STAGE_TYPE = tokenOf(aws.apigateway.Stage);
const METHOD_SETTINGS_TYPE = tokenOf(aws.apigateway.MethodSettings);
const ACCOUNT_TYPE = tokenOf(aws.apigateway.Account);

/** Whether two resources' `restApi` inputs refer to the same API (same dependency, or the same id). */
function sameRestApi(a: PolicyResource, b: PolicyResource): boolean {
  const depsA = (a.propertyDependencies?.restApi ?? []).map((d) => d.urn);
  const depsB = (b.propertyDependencies?.restApi ?? []).map((d) => d.urn);
  if (depsA.length > 0 && depsB.length > 0) return depsA.some((u) => depsB.includes(u));
  const idA = str(a.props, 'restApi');
  const idB = str(b.props, 'restApi');
  return idA !== undefined && idA === idB;
}

/** Whether a MethodSettings targets a stage: through the dependency of its stageName, else by equal values. */
function targetsStage(settings: PolicyResource, stage: PolicyResource): boolean {
  const deps = settings.propertyDependencies?.stageName ?? [];
  if (deps.length > 0) return deps.some((d) => d.urn === stage.urn);
  return str(settings.props, 'stageName') === str(stage.props, 'stageName') && sameRestApi(settings, stage);
}

const EXECUTION_LEVELS = ['INFO', 'ERROR'];

export const apigatewayStageExecutionLogging: PackStackPolicy = {
  name: 'apigateway-stage-execution-logging',
  description:
    'Checks whether every API Gateway stage has execution logging and metrics on all methods, without full request/response data, and its region has the API Gateway CloudWatch role set.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('10.2.1', 'Audit logs are enabled and active; sensitive authentication data is never logged (3.3.1).'),
  remediationSteps:
    'Add an aws.apigateway.MethodSettings for the stage with methodPath "*/*" and settings { loggingLevel: "INFO", metricsEnabled: true, dataTraceEnabled: false }, and one aws.apigateway.Account per region with cloudwatchRoleArn.',
  tags: tags('LOG-01', 'api'),
  subjects: [STAGE_TYPE],
  configSchema: { properties: { ...regionSchema } },
  validateStack: (args, reportViolation) => {
    const { primaryRegion } = regionConfig(args.getConfig<Partial<RegionConfig>>());
    const settings = args.resources.filter((r) => r.type === METHOD_SETTINGS_TYPE);
    const accounts = args.resources.filter((r) => r.type === ACCOUNT_TYPE);
    checkEach(
      args.resources.filter((r) => r.type === STAGE_TYPE),
      (stage) =>
        checkAll(
          () => {
            const mine = settings.filter((s) => targetsStage(s, stage) && str(s.props, 'methodPath') === '*/*');
            if (mine.length === 0) {
              reportViolation('API Gateway stage must enable execution logging (no aws.apigateway.MethodSettings with methodPath "*/*" for it).', stage.urn);
              return;
            }
            checkEach(mine, (s) =>
              checkAll(
                () => {
                  const level = str(s.props, 'settings', 'loggingLevel');
                  if (level === undefined || !EXECUTION_LEVELS.includes(level)) {
                    reportViolation(`API Gateway stage must enable execution logging (settings.loggingLevel INFO or ERROR), got ${level ?? 'OFF'}.`, stage.urn);
                  }
                },
                () => {
                  if (bool(s.props, 'settings', 'metricsEnabled') !== true) reportViolation('API Gateway stage must enable detailed metrics (settings.metricsEnabled true).', stage.urn);
                },
                () => {
                  if (bool(s.props, 'settings', 'dataTraceEnabled') === true) {
                    reportViolation('API Gateway stage must not log full requests and responses (settings.dataTraceEnabled false): payment bodies would reach the logs.', stage.urn);
                  }
                },
              ),
            );
          },
          () => {
            const region = regionOf(stage, primaryRegion);
            const account = accounts.filter((a) => regionOf(a, primaryRegion) === region && isSet(a.props, 'cloudwatchRoleArn'));
            if (account.length === 0) {
              reportViolation(`API Gateway stage must have the account CloudWatch role set in ${region} (an aws.apigateway.Account with cloudwatchRoleArn in that region).`, stage.urn);
            }
          },
        ),
    );
  },
};

/** `endpointConfiguration.types` is a string in @pulumi/aws 7 and a list in older versions. */
function endpointTypes(props: unknown): string[] {
  return strings(get(get(props, 'endpointConfiguration'), 'types'));
}

export const apigatewayRestApiRegional: PackResourcePolicy = {
  name: 'apigateway-rest-api-regional',
  description: 'Checks whether API Gateway REST APIs use a REGIONAL endpoint.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('12.10.1', 'Incident response includes business recovery: each region serves its own endpoint so DNS can fail over between them.'),
  remediationSteps: 'Set `endpointConfiguration: { types: "REGIONAL" }` on the aws.apigateway.RestApi (edge-optimized APIs route through one CloudFront distribution and cannot fail over per region).',
  tags: tags('DR-03', 'api'),
  validateResource: validateResourceOfType(aws.apigateway.RestApi, (_api, args, reportViolation) => {
    const types = endpointTypes(args.props);
    if (types.length !== 1 || types[0] !== 'REGIONAL') {
      reportViolation(`API Gateway REST API must use a REGIONAL endpoint, got ${types.length > 0 ? types.join(', ') : 'EDGE (default)'}.`);
    }
  }),
};

/** Security policies enforcing TLS 1.2 or newer (TLS_1_0 allows 1.0 and 1.1). */
export function isTls12OrNewer(policy: string | undefined): boolean {
  return policy === 'TLS_1_2' || (policy !== undefined && /^SecurityPolicy_TLS1[23]_/.test(policy));
}

export const apigatewayDomainTls12: PackResourcePolicy = {
  name: 'apigateway-domain-tls12',
  description: 'Checks whether API Gateway custom domains are REGIONAL with a regional certificate and a TLS 1.2 (or newer) security policy.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('4.2.1', 'Strong cryptography and security protocols protect data during transmission over open, public networks.'),
  remediationSteps: 'Set `securityPolicy: "TLS_1_2"`, `endpointConfiguration: { types: "REGIONAL" }` and `regionalCertificateArn` on the aws.apigateway.DomainName.',
  tags: tags('SEC-02', 'api'),
  validateResource: validateResourceOfType(aws.apigateway.DomainName, (domain, args, reportViolation) => {
    checkAll(
      () => {
        if (!isTls12OrNewer(domain.securityPolicy)) {
          reportViolation(`API Gateway custom domain must enforce TLS 1.2 or newer (securityPolicy TLS_1_2), got ${domain.securityPolicy ?? 'TLS_1_0 (default)'}.`);
        }
      },
      () => {
        const types = endpointTypes(args.props);
        if (types.length !== 1 || types[0] !== 'REGIONAL') {
          reportViolation(`API Gateway custom domain must be REGIONAL, got ${types.length > 0 ? types.join(', ') : 'EDGE (default)'}.`);
        }
      },
      () => {
        if (!isSet(args.props, 'regionalCertificateArn')) {
          reportViolation('API Gateway custom domain must use a regional ACM certificate (regionalCertificateArn).');
        }
      },
    );
  }),
};

const WEB_ACL_ASSOCIATION_TYPES = [tokenOf(aws.wafv2.WebAclAssociation), tokenOf(aws.wafregional.WebAclAssociation)];
const METHOD_TYPE = tokenOf(aws.apigateway.Method);
const RESOURCE_TYPE = tokenOf(aws.apigateway.Resource);

export const apigatewayStageWaf: PackStackPolicy = {
  name: 'apigateway-stage-waf',
  description: 'Checks whether every API Gateway stage is associated with an AWS WAF web ACL.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('6.4.2', 'Public-facing web applications are protected by an automated technical solution that detects and prevents web-based attacks.'),
  remediationSteps: 'Add an aws.wafv2.WebAcl (scope REGIONAL, e.g. the AWS managed rule groups) in the stage\'s region and an aws.wafv2.WebAclAssociation with resourceArn: <stage>.arn.',
  tags: tags('SEC-05', 'api'),
  subjects: [STAGE_TYPE],
  validateStack: (args, reportViolation) => {
    const associations = args.resources.filter((r) => WEB_ACL_ASSOCIATION_TYPES.includes(r.type));
    checkEach(
      args.resources.filter((r) => r.type === STAGE_TYPE),
      (stage) => {
        const protectedBy = associations.filter((a) => referencedBy(a, 'resourceArn', [stage], (s) => [known(() => str(s.props, 'arn'))]).length > 0);
        if (protectedBy.length === 0) reportViolation('API Gateway stage must be protected by AWS WAF (no aws.wafv2.WebAclAssociation refers to its ARN).', stage.urn);
      },
    );
  },
};

/** Methods that answer without an authorizer by design: CORS preflight, and the configured anonymous paths. */
export const DEFAULT_ANONYMOUS_PATHS = ['health'];
const AUTHORIZED = ['CUSTOM', 'AWS_IAM', 'COGNITO_USER_POOLS'];

export const apigatewayMethodAuthorized: PackStackPolicy = {
  name: 'apigateway-method-authorized',
  description: 'Checks whether every API Gateway method requires authorization (CUSTOM, AWS_IAM or COGNITO_USER_POOLS), except CORS preflight and the configured anonymous paths.',
  enforcementLevel: 'mandatory',
  severity: 'critical',
  framework: pciDss('8.3.1', 'All access to system components is authenticated.'),
  remediationSteps: 'Set `authorization: "CUSTOM"` and `authorizerId: <authorizer>.id` (or AWS_IAM / COGNITO_USER_POOLS) on the aws.apigateway.Method.',
  tags: tags('SEC-05', 'api'),
  subjects: [METHOD_TYPE],
  configSchema: {
    properties: {
      anonymousPaths: { type: 'array', items: { type: 'string' }, default: DEFAULT_ANONYMOUS_PATHS, description: 'Path parts whose methods may answer without authorization.' },
    },
  },
  validateStack: (args, reportViolation) => {
    const anonymous = args.getConfig<{ anonymousPaths?: string[] }>().anonymousPaths ?? DEFAULT_ANONYMOUS_PATHS;
    const resources = args.resources.filter((r) => r.type === RESOURCE_TYPE);
    checkEach(
      args.resources.filter((r) => r.type === METHOD_TYPE),
      (method) => {
        const httpMethod = str(method.props, 'httpMethod') ?? '?';
        if (httpMethod === 'OPTIONS') return;
        const resource = referencedBy(method, 'resourceId', resources, (r) => [known(() => str(r.props, 'id'))])[0];
        const pathPart = resource === undefined ? '/' : (str(resource.props, 'pathPart') ?? '?');
        if (anonymous.includes(pathPart)) return;
        const authorization = str(method.props, 'authorization');
        if (authorization === undefined || !AUTHORIZED.includes(authorization)) {
          reportViolation(`API Gateway method ${httpMethod} ${pathPart} must require authorization (CUSTOM, AWS_IAM or COGNITO_USER_POOLS), got ${authorization ?? 'none'}.`, method.urn);
        }
      },
    );
  },
};

export const apiPolicies = [apigatewayStageAccessLogging, apigatewayStageExecutionLogging, apigatewayRestApiRegional, apigatewayDomainTls12, apigatewayStageWaf, apigatewayMethodAuthorized];
