/**
 * Naming: every physically named resource carries the environment suffix, so two environments in
 * one account never collide. Logical names need no suffix: the stack name already scopes their URNs.
 */
import * as aws from '@pulumi/aws';
import type { ReportViolation, ResourceValidationArgs } from '@pulumi/policy';
import { PackResourcePolicy, pciDss, tags } from './lib/policy';
import { str } from './lib/props';
import { tokenOf } from './lib/stack';

/** The physical-name property of resource types whose names must be unique per account (and region). */
export const PHYSICAL_NAME_PROPS: Readonly<Record<string, string>> = {
  [tokenOf(aws.dynamodb.Table)]: 'name',
  [tokenOf(aws.s3.Bucket)]: 'bucket',
  [tokenOf(aws.s3.BucketV2)]: 'bucket',
  [tokenOf(aws.lambda.Function)]: 'name',
  [tokenOf(aws.iam.Role)]: 'name',
  [tokenOf(aws.iam.Policy)]: 'name',
  [tokenOf(aws.sqs.Queue)]: 'name',
  [tokenOf(aws.sns.Topic)]: 'name',
  [tokenOf(aws.cloudwatch.LogGroup)]: 'name',
  [tokenOf(aws.cloudwatch.MetricAlarm)]: 'name',
  [tokenOf(aws.cloudwatch.Dashboard)]: 'dashboardName',
  [tokenOf(aws.apigateway.RestApi)]: 'name',
  [tokenOf(aws.apigateway.UsagePlan)]: 'name',
  [tokenOf(aws.apigateway.ApiKey)]: 'name',
  [tokenOf(aws.apigateway.DomainName)]: 'domainName',
  [tokenOf(aws.route53.Zone)]: 'name',
  [tokenOf(aws.route53.Record)]: 'name',
  [tokenOf(aws.ssm.Parameter)]: 'name',
  [tokenOf(aws.kms.Alias)]: 'name',
  [tokenOf(aws.secretsmanager.Secret)]: 'name',
};

/** The stack name inside a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function stackFromUrn(urn: string): string | undefined {
  const match = /^urn:pulumi:([^:]+)::/.exec(urn);
  return match?.[1];
}

/** Whether `name` carries `suffix` as a whole token (delimited by anything but a letter or digit). */
export function carriesSuffix(name: string, suffix: string): boolean {
  const escaped = suffix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^a-z0-9])${escaped}([^a-z0-9]|$)`, 'i').test(name);
}

/**
 * Names AWS dictates, which therefore cannot carry a suffix: API Gateway writes execution logs to
 * `API-Gateway-Execution-Logs_{rest-api-id}/{stage}` (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html);
 * the REST API id already makes that name unique per environment.
 */
export const DEFAULT_AWS_MANDATED_NAMES = ['^API-Gateway-Execution-Logs_[a-z0-9]+/'];

interface NamingConfig {
  environmentSuffix?: string;
  awsMandatedNames?: string[];
  exemptTypes?: string[];
}

export const resourceNameEnvironmentSuffix: PackResourcePolicy = {
  name: 'resource-name-environment-suffix',
  description: 'Checks whether the physical names of account-wide named resources carry the environment suffix.',
  enforcementLevel: 'mandatory',
  severity: 'low',
  framework: pciDss('12.5.1', 'An inventory of system components in scope is maintained; every resource is attributable to its environment.'),
  remediationSteps: 'Derive the name from the component name and the typed config: `${resourceType}-${environmentSuffix}` (plus the region for regional resources).',
  tags: tags('GOV-01', 'naming'),
  configSchema: {
    properties: {
      environmentSuffix: {
        type: 'string',
        description: 'Expected suffix; default: the stack name. The offline gate sets it from the stack\'s <project>:environmentSuffix.',
      },
      exemptTypes: { type: 'array', items: { type: 'string' }, default: [], description: 'Type tokens exempt from the naming rule.' },
      awsMandatedNames: {
        type: 'array',
        items: { type: 'string' },
        default: DEFAULT_AWS_MANDATED_NAMES,
        description: 'Regular expressions of physical names AWS dictates (exempt).',
      },
    },
  },
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    if (args.type === 'pulumi:pulumi:Stack' || args.type.startsWith('pulumi:providers:')) args.notApplicable('Stacks and providers are named by Pulumi');
    const config = args.getConfig<NamingConfig>();
    if ((config.exemptTypes ?? []).includes(args.type)) args.notApplicable(`${args.type} is exempt from the naming rule by configuration`);
    const stack = stackFromUrn(args.urn);
    const suffix = config.environmentSuffix ?? stack;
    if (suffix === undefined || suffix === '') args.notApplicable('No environment suffix configured (policy setting environmentSuffix) and none derivable from the stack');
    const prop = PHYSICAL_NAME_PROPS[args.type];
    if (prop === undefined) args.notApplicable(`${args.type} has no account-wide physical name (its logical name is scoped by the stack's URN)`);
    // Without an explicit name the provider auto-names the resource from its logical name.
    const physical = str(args.props, prop);
    const mandated = config.awsMandatedNames ?? DEFAULT_AWS_MANDATED_NAMES;
    if (physical !== undefined && mandated.some((pattern) => new RegExp(pattern).test(physical))) {
      args.notApplicable(`"${physical}" is a name AWS dictates`);
    }
    const checked = physical ?? args.name;
    if (!carriesSuffix(checked, suffix)) {
      reportViolation(
        physical !== undefined
          ? `Resource ${prop} must carry the environment suffix "${suffix}" (policy setting environmentSuffix), got "${physical}".`
          : `Resource ${prop} must carry the environment suffix "${suffix}" (policy setting environmentSuffix; auto-named from "${args.name}").`,
      );
    }
  },
};

export const namingPolicies = [resourceNameEnvironmentSuffix];
