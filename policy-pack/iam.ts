/**
 * IAM: least privilege, literally. Every Allow names its actions; a wildcard resource is accepted only
 * for actions AWS offers no resource-level form for (the documented allow-list below).
 */
import * as aws from '@pulumi/aws';
import { ReportViolation, ResourceValidationArgs, validateResourceOfType } from '@pulumi/policy';
import { PackResourcePolicy, pciDss, tags } from './lib/policy';
import { checkEach } from './lib/preview';
import { get, jsonDocument, list, str, strings } from './lib/props';
import { tokenOf } from './lib/stack';

/**
 * Actions that have no resource-level permissions, so `Resource: "*"` is the only form AWS accepts.
 * - X-Ray (tracing from Lambda): https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html
 *   lists PutTraceSegments, PutTelemetryRecords, GetSampling* without resource types.
 * - cloudwatch:PutMetricData: no resource types (scoped only by the cloudwatch:namespace condition key):
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html
 * - ssm:DescribeParameters: no resource types:
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html
 * - dynamodb:ListStreams: no resource types (a stream event source mapping's role needs it):
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
 */
export const DEFAULT_WILDCARD_RESOURCE_ACTIONS = [
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'xray:GetSamplingStatisticSummaries',
  'cloudwatch:PutMetricData',
  'ssm:DescribeParameters',
  'dynamodb:ListStreams',
];

/**
 * Whether a Resource element grants every resource of its kind: `*`, or an ARN whose resource part is
 * a wildcard (`arn:aws:dynamodb:*:*:table/*`, `arn:aws:sqs:us-east-1:123456789012:*`, `arn:aws:s3:::*`).
 * ARN format: arn:partition:service:region:account:resource, the resource part optionally
 * `type/name` or `type:name` (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).
 * S3 object ARNs `arn:aws:s3:::<bucket>/*` name one bucket and are not wildcards.
 */
export function isWildcardResource(resource: string): boolean {
  if (resource === '*') return true;
  const parts = resource.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return false;
  const service = parts[2];
  const rest = parts.slice(5).join(':');
  if (service === 's3') return rest === '*' || rest === '*/*';
  return rest === '*' || /^[A-Za-z0-9-]+[/:]\*$/.test(rest);
}

const DOCUMENT_SOURCES: Record<string, (props: unknown) => Array<{ label: string; document: unknown }>> = {
  [tokenOf(aws.iam.Role)]: (props) =>
    list(props, 'inlinePolicies').map((p, i) => ({ label: `inline policy ${str(p, 'name') ?? i}`, document: jsonDocument(get(p, 'policy')) })),
  [tokenOf(aws.iam.RolePolicy)]: (props) => [{ label: 'policy', document: jsonDocument(get(props, 'policy')) }],
  [tokenOf(aws.iam.Policy)]: (props) => [{ label: 'policy', document: jsonDocument(get(props, 'policy')) }],
  [tokenOf(aws.iam.UserPolicy)]: (props) => [{ label: 'policy', document: jsonDocument(get(props, 'policy')) }],
  [tokenOf(aws.iam.GroupPolicy)]: (props) => [{ label: 'policy', document: jsonDocument(get(props, 'policy')) }],
};

export const IAM_POLICY_TYPES = Object.keys(DOCUMENT_SOURCES);

/** Visits every Allow statement of every identity policy document the resource carries. */
function forEachAllow(args: ResourceValidationArgs, visit: (statement: unknown, label: string) => void): void {
  const source = DOCUMENT_SOURCES[args.type];
  if (!source) args.notApplicable(`Policy only applies to ${IAM_POLICY_TYPES.join(', ')}`);
  checkEach(source(args.props), ({ label, document }) => {
    checkEach(list(document, 'Statement').concat(isSingleStatement(document) ? [get(document, 'Statement')] : []), (statement) => {
      if (str(statement, 'Effect') === 'Allow') visit(statement, label);
    });
  });
}

function isSingleStatement(document: unknown): boolean {
  const statement = get(document, 'Statement');
  return typeof statement === 'object' && statement !== null && !Array.isArray(statement);
}

function sid(statement: unknown): string {
  const value = str(statement, 'Sid');
  return value ? `statement ${value}` : 'a statement';
}

export const iamNoWildcardActions: PackResourcePolicy = {
  name: 'iam-no-wildcard-actions',
  description: 'Checks whether IAM policies allow only explicitly named actions (no "*" in an action, no NotAction).',
  enforcementLevel: 'mandatory',
  severity: 'critical',
  framework: pciDss('7.2.1', 'Access is assigned based on least privileges needed to perform job responsibilities.'),
  remediationSteps: 'Replace wildcard actions ("*", "dynamodb:*", "s3:Get*") with the exact actions the function calls, and use Action instead of NotAction.',
  tags: tags('SEC-03', 'iam'),
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) =>
    forEachAllow(args, (statement, label) => {
      if (get(statement, 'NotAction') !== undefined) {
        reportViolation(`IAM ${label} must not allow NotAction (${sid(statement)} allows everything except a list).`);
      }
      const wildcards = strings(get(statement, 'Action')).filter((a) => a.includes('*'));
      if (wildcards.length > 0) reportViolation(`IAM ${label} must not allow wildcard actions (${sid(statement)} allows ${wildcards.join(', ')}).`);
    }),
};

export const iamNoWildcardResources: PackResourcePolicy = {
  name: 'iam-no-wildcard-resources',
  description: 'Checks whether IAM policies allow "Resource: *" only for actions that have no resource-level form.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('7.2.1', 'Access is assigned based on least privileges needed to perform job responsibilities.'),
  remediationSteps: 'Scope the statement to the exact ARNs (table and index ARNs, queue ARN, parameter path, bucket prefix, log group ARN); keep "*" only for the allow-listed actions in a separate statement.',
  tags: tags('SEC-03', 'iam'),
  configSchema: {
    properties: {
      wildcardResourceActions: {
        type: 'array',
        items: { type: 'string' },
        default: DEFAULT_WILDCARD_RESOURCE_ACTIONS,
        description: 'Actions without resource-level permissions, for which Resource "*" is accepted.',
      },
    },
  },
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    const allowed = args.getConfig<{ wildcardResourceActions?: string[] }>().wildcardResourceActions ?? DEFAULT_WILDCARD_RESOURCE_ACTIONS;
    forEachAllow(args, (statement, label) => {
      if (get(statement, 'NotResource') !== undefined) {
        reportViolation(`IAM ${label} must not allow NotResource (${sid(statement)} allows every resource except a list).`);
      }
      if (!strings(get(statement, 'Resource')).some(isWildcardResource)) return;
      const scoped = strings(get(statement, 'Action')).filter((a) => !allowed.includes(a));
      if (scoped.length > 0) {
        reportViolation(`IAM ${label} must not allow Resource "*" for actions that have a resource-level form (${sid(statement)}: ${scoped.join(', ')}).`);
      }
    });
  },
};

/**
 * AWS managed policies that grant every action of a service or of every service. AWS names them
 * `AdministratorAccess` (`*` on `*`), `PowerUserAccess` (`*` except IAM/Organizations) and
 * `<Service>FullAccess` (`<service>:*`): https://docs.aws.amazon.com/aws-managed-policy/latest/reference/policy-list.html
 * Patterns: `*` matches any characters.
 */
export const DEFAULT_FORBIDDEN_MANAGED_POLICIES = ['AdministratorAccess', 'PowerUserAccess', '*FullAccess'];

const ROLE_TYPE = tokenOf(aws.iam.Role);
const ATTACHMENT_TYPES = [tokenOf(aws.iam.RolePolicyAttachment), tokenOf(aws.iam.PolicyAttachment), tokenOf(aws.iam.UserPolicyAttachment), tokenOf(aws.iam.GroupPolicyAttachment)];

/** The name of an AWS managed policy (`arn:aws:iam::aws:policy/[path/]Name`), else undefined. */
export function awsManagedPolicyName(arn: string): string | undefined {
  const match = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  return match?.[1];
}

const globMatch = (pattern: string, value: string): boolean =>
  new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value);

export const iamNoFullAccessManagedPolicies: PackResourcePolicy = {
  name: 'iam-no-full-access-managed-policies',
  description: 'Checks whether roles, users and groups are free of AWS managed policies that allow every action (AdministratorAccess, PowerUserAccess, *FullAccess).',
  enforcementLevel: 'mandatory',
  severity: 'critical',
  framework: pciDss('7.2.1', 'Access is assigned based on least privileges needed to perform job responsibilities.'),
  remediationSteps: 'Remove the managed policy (managedPolicyArns or the policy attachment) and grant the exact actions on the exact ARNs in an inline or customer managed policy.',
  tags: tags('SEC-03', 'iam'),
  configSchema: {
    properties: {
      forbiddenManagedPolicies: {
        type: 'array',
        items: { type: 'string' },
        default: DEFAULT_FORBIDDEN_MANAGED_POLICIES,
        description: 'Names of AWS managed policies that must not be attached (`*` matches any characters).',
      },
    },
  },
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    const forbidden = args.getConfig<{ forbiddenManagedPolicies?: string[] }>().forbiddenManagedPolicies ?? DEFAULT_FORBIDDEN_MANAGED_POLICIES;
    let arns: string[];
    if (args.type === ROLE_TYPE) arns = strings(get(args.props, 'managedPolicyArns'));
    else if (ATTACHMENT_TYPES.includes(args.type)) arns = strings(get(args.props, 'policyArn'));
    else return args.notApplicable(`Policy only applies to ${[ROLE_TYPE, ...ATTACHMENT_TYPES].join(', ')}`);
    for (const arn of arns) {
      const name = awsManagedPolicyName(arn);
      if (name === undefined || !forbidden.some((pattern) => globMatch(pattern, name))) continue;
      const grants = name === 'AdministratorAccess' ? 'every action on every resource' : name === 'PowerUserAccess' ? 'every action but IAM and Organizations' : 'every action of its service';
      const target = args.type === ROLE_TYPE ? undefined : [...strings(get(args.props, 'role')), ...strings(get(args.props, 'roles')), ...strings(get(args.props, 'user')), ...strings(get(args.props, 'users')), ...strings(get(args.props, 'group')), ...strings(get(args.props, 'groups'))];
      const to = target && target.length > 0 ? ` to ${target.join(', ')}` : '';
      reportViolation(`IAM ${args.type === ROLE_TYPE ? 'role' : 'policy attachment'} must not attach the AWS managed policy ${name}${to} (it allows ${grants}).`);
    }
  },
};

/**
 * Condition keys that restrict who a resource-based policy with `Principal: "*"` lets in (global
 * condition keys, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
 */
export const RESTRICTING_CONDITION_KEYS = [
  'aws:SourceArn',
  'aws:SourceAccount',
  'aws:SourceOwner',
  'aws:SourceOrgID',
  'aws:PrincipalOrgID',
  'aws:PrincipalOrgPaths',
  'aws:PrincipalAccount',
  'aws:PrincipalArn',
  'aws:SourceVpc',
  'aws:SourceVpce',
  'aws:SourceIp',
];

/** Whether a statement's Principal is everyone (`"*"` or `{ AWS: "*" }`). */
export function isEveryone(principal: unknown): boolean {
  return principal === '*' || strings(get(principal, 'AWS')).includes('*');
}

/** Whether a statement carries a condition on one of the restricting keys (any operator). */
export function hasRestrictingCondition(statement: unknown): boolean {
  const condition = get(statement, 'Condition');
  if (typeof condition !== 'object' || condition === null) return false;
  return Object.values(condition as Record<string, unknown>).some(
    (test) => typeof test === 'object' && test !== null && Object.keys(test).some((key) => RESTRICTING_CONDITION_KEYS.some((k) => k.toLowerCase() === key.toLowerCase())),
  );
}

/** Where resource-based policies live: the separate policy resources and the inline `policy` of the resource. */
const RESOURCE_POLICY_SOURCES: Record<string, string> = {
  [tokenOf(aws.sqs.QueuePolicy)]: 'SQS queue policy',
  [tokenOf(aws.sqs.Queue)]: 'SQS queue policy',
  [tokenOf(aws.s3.BucketPolicy)]: 'S3 bucket policy',
  [tokenOf(aws.s3.Bucket)]: 'S3 bucket policy',
  [tokenOf(aws.sns.TopicPolicy)]: 'SNS topic policy',
  [tokenOf(aws.sns.Topic)]: 'SNS topic policy',
};

export const resourcePolicyNotPublic: PackResourcePolicy = {
  name: 'resource-policy-least-privilege',
  description:
    'Checks whether resource-based policies (SQS queue, S3 bucket, SNS topic) allow no unrestricted Principal "*" and no wildcard actions.',
  enforcementLevel: 'mandatory',
  severity: 'critical',
  framework: pciDss('7.2.1', 'Access is assigned based on least privileges needed to perform job responsibilities.'),
  remediationSteps:
    'Name the principals (account, role or service) in each Allow, or keep Principal "*" only with a condition on aws:SourceArn, aws:SourceAccount or aws:PrincipalOrgID; list the exact actions instead of "*" or "<service>:*".',
  tags: tags('SEC-03', 'iam'),
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    const label = RESOURCE_POLICY_SOURCES[args.type];
    if (label === undefined) return args.notApplicable(`Policy only applies to ${Object.keys(RESOURCE_POLICY_SOURCES).join(', ')}`);
    const raw = get(args.props, 'policy');
    if (raw === undefined || raw === null || raw === '') return;
    const document = jsonDocument(raw);
    checkEach(list(document, 'Statement').concat(isSingleStatement(document) ? [get(document, 'Statement')] : []), (statement) => {
      if (str(statement, 'Effect') !== 'Allow') return;
      if (isEveryone(get(statement, 'Principal')) && !hasRestrictingCondition(statement)) {
        reportViolation(`${label} must not allow every principal (Principal "*") without a condition on ${RESTRICTING_CONDITION_KEYS.slice(0, 5).join(', ')} (${sid(statement)}).`);
      }
      const wildcards = strings(get(statement, 'Action')).filter((a) => a === '*' || a.endsWith(':*'));
      if (wildcards.length > 0) reportViolation(`${label} must not allow wildcard actions (${sid(statement)} allows ${wildcards.join(', ')}).`);
      if (get(statement, 'NotAction') !== undefined) reportViolation(`${label} must not allow NotAction (${sid(statement)} allows everything except a list).`);
    });
  },
};

export const iamRoleTrustScoped: PackResourcePolicy = {
  name: 'iam-role-trust-scoped',
  description: 'Checks whether IAM role trust policies let only named principals assume the role (no unrestricted "*", no federated principal without conditions).',
  enforcementLevel: 'mandatory',
  severity: 'critical',
  framework: pciDss('7.2.1', 'Access is assigned based on least privileges needed to perform job responsibilities.'),
  remediationSteps:
    'Name the service (e.g. lambda.amazonaws.com) or account role in Principal; for Principal "*" add aws:PrincipalOrgID or aws:PrincipalArn conditions; for a Federated principal add conditions on the token audience and subject.',
  tags: tags('SEC-03', 'iam'),
  validateResource: validateResourceOfType(aws.iam.Role, (_role, args, reportViolation) => {
    const document = jsonDocument(get(args.props, 'assumeRolePolicy'));
    checkEach(list(document, 'Statement').concat(isSingleStatement(document) ? [get(document, 'Statement')] : []), (statement) => {
      if (str(statement, 'Effect') !== 'Allow') return;
      const principal = get(statement, 'Principal');
      if (isEveryone(principal) && !hasRestrictingCondition(statement)) {
        reportViolation(`IAM role trust policy must not let every principal assume the role (Principal "*" without a condition, ${sid(statement)}).`);
      }
      if (strings(get(principal, 'Federated')).length > 0 && get(statement, 'Condition') === undefined) {
        reportViolation(`IAM role trust policy must restrict a federated principal with conditions (${sid(statement)} trusts ${strings(get(principal, 'Federated')).join(', ')} without any).`);
      }
      const wildcards = strings(get(statement, 'Action')).filter((a) => a === '*' || a.endsWith(':*'));
      if (wildcards.length > 0) reportViolation(`IAM role trust policy must name the assume action (${sid(statement)} allows ${wildcards.join(', ')}).`);
    });
  }),
};

export const iamPolicies = [iamNoWildcardActions, iamNoWildcardResources, iamNoFullAccessManagedPolicies, resourcePolicyNotPublic, iamRoleTrustScoped];
