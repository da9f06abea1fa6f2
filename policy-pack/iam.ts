/**
 * IAM: least privilege, literally. Every Allow names its actions; a wildcard resource is accepted only
 * for actions AWS offers no resource-level form for (the documented allow-list below).
 */
import * as aws from '@pulumi/aws';
import type { ReportViolation, ResourceValidationArgs } from '@pulumi/policy';
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
 */
export const DEFAULT_WILDCARD_RESOURCE_ACTIONS = [
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'xray:GetSamplingStatisticSummaries',
  'cloudwatch:PutMetricData',
  'ssm:DescribeParameters',
];

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
      if (!strings(get(statement, 'Resource')).includes('*')) return;
      const scoped = strings(get(statement, 'Action')).filter((a) => !allowed.includes(a));
      if (scoped.length > 0) {
        reportViolation(`IAM ${label} must not allow Resource "*" for actions that have a resource-level form (${sid(statement)}: ${scoped.join(', ')}).`);
      }
    });
  },
};

export const iamPolicies = [iamNoWildcardActions, iamNoWildcardResources];
