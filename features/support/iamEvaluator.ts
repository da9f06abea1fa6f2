/**
 * An offline evaluator of identity-based IAM policies, for the `plan` target's least-privilege
 * questions (the `live` target asks IAM's policy simulator instead).
 *
 * Implements the parts of the evaluation logic that identity policies of one role need:
 * an explicit Deny wins, otherwise an Allow whose Action/NotAction and Resource/NotResource match
 * allows, otherwise the request is implicitly denied. Wildcards `*` and `?` match as IAM does
 * (actions case-insensitively). Conditions are treated conservatively: a conditional Allow counts
 * as allowing (it may), a conditional Deny as not denying (it may not) — so "must be denied"
 * questions never pass because of a condition the simulator would need context for.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
import type { AccessAnswer, AccessQuestion } from './targets/target';

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, unknown>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}

function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function wildcard(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, caseInsensitive ? 'i' : '').test(value);
}

function matchesAction(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined) return list(statement.Action).some((p) => wildcard(p, action, true));
  if (statement.NotAction !== undefined) return !list(statement.NotAction).some((p) => wildcard(p, action, true));
  return false;
}

function matchesResource(statement: PolicyStatement, resource: string): boolean {
  if (statement.Resource !== undefined) return list(statement.Resource).some((p) => wildcard(p, resource, false));
  if (statement.NotResource !== undefined) return !list(statement.NotResource).some((p) => wildcard(p, resource, false));
  return false;
}

/** Parses a policy given as JSON text or as an object; throws a clear error otherwise. */
export function parsePolicy(policy: unknown, where: string): PolicyDocument {
  const doc: unknown = typeof policy === 'string' ? JSON.parse(policy) : policy;
  if (typeof doc !== 'object' || doc === null) throw new Error(`${where}: the policy is not a JSON document`);
  const raw = (doc as { Statement?: unknown }).Statement;
  const statements = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  for (const s of statements) {
    if (typeof s !== 'object' || s === null) throw new Error(`${where}: a statement is not an object`);
    const effect = (s as { Effect?: unknown }).Effect;
    if (effect !== 'Allow' && effect !== 'Deny') throw new Error(`${where}: statement Effect must be Allow or Deny, got ${String(effect)}`);
  }
  return { Version: (doc as { Version?: string }).Version, Statement: statements as PolicyStatement[] };
}

export function evaluate(policies: PolicyDocument[], question: AccessQuestion): AccessAnswer {
  const statements = policies.flatMap((p) => p.Statement);
  const applies = (s: PolicyStatement) => matchesAction(s, question.action) && matchesResource(s, question.resource);
  if (statements.some((s) => s.Effect === 'Deny' && s.Condition === undefined && applies(s))) {
    return { ...question, decision: 'explicitDeny' };
  }
  if (statements.some((s) => s.Effect === 'Allow' && applies(s))) return { ...question, decision: 'allowed' };
  return { ...question, decision: 'implicitDeny' };
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
