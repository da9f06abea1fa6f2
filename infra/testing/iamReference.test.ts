/**
 * The IAM reference checks and the simulator, on small policies: each check passes a correct
 * policy and names the fault in a broken one (misspelt action, ARN of the wrong resource type,
 * invalid condition key, a specific ARN where AWS takes only `*`, an extra dangerous action).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowedActionsOn, checkPolicy, declaredPolicies, simulate, type DeclaredPolicy, type PolicyDocument, type PolicyStatement } from './iamReference';

const A = '123456789012';
const TABLE = `arn:aws:dynamodb:us-east-1:${A}:table/payments`;
const QUEUE = `arn:aws:sqs:us-east-1:${A}:payments-retry`;
const OBJECTS = 'arn:aws:s3:::transaction-logs/transactions/*';
const STREAMS = `arn:aws:logs:us-east-1:${A}:log-group:/aws/lambda/create-payment:log-stream:*`;
const ROLE = `arn:aws:iam::${A}:role/create-payment-role`;

const identity = (...Statement: PolicyStatement[]): DeclaredPolicy => ({ where: 'test policy', kind: 'identity', document: { Version: '2012-10-17', Statement } });
const GOOD: PolicyStatement[] = [
  { Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: STREAMS },
  { Sid: 'Traces', Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
  { Sid: 'Table', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: TABLE, Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PAY#*'] } } },
  { Sid: 'Queue', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: QUEUE },
  { Sid: 'Log', Effect: 'Allow', Action: ['s3:PutObject'], Resource: OBJECTS },
];

describe('IAM policies against the service authorization reference', () => {
  it('passes a policy whose actions, resource types and condition keys all exist and fit', async () => {
    assert.deepEqual(await checkPolicy(identity(...GOOD)), []);
  });

  it('names a misspelt action', async () => {
    assert.deepEqual(await checkPolicy(identity({ Sid: 'Table', Effect: 'Allow', Action: ['dynamodb:GetItems'], Resource: TABLE })), [
      'test policy statement Table: action dynamodb:GetItems must exist in the service authorization reference',
    ]);
  });

  it('names a wildcard that matches no action, and an unknown service', async () => {
    const findings = await checkPolicy(identity({ Sid: 'X', Effect: 'Allow', Action: ['dynamodb:Frobnicate*', 'dynamo:GetItem'], Resource: TABLE }));
    assert.deepEqual(findings, [
      'test policy statement X: action dynamodb:Frobnicate* must exist in the service authorization reference',
      'test policy statement X: action dynamo:GetItem must exist in the service authorization reference',
    ]);
  });

  it('names an ARN of a resource type the action does not take', async () => {
    const findings = await checkPolicy(identity({ Sid: 'Queue', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: TABLE }));
    assert.deepEqual(findings, [
      'test policy statement Queue: sqs:SendMessage must name a resource of a type it supports (arn:${Partition}:sqs:${Region}:${Account}:${QueueName})',
      `test policy statement Queue: resource ${TABLE} must be of a type one of its actions supports (sqs:SendMessage)`,
    ]);
  });

  it('tells a log group from its log streams (PutLogEvents takes log streams only)', async () => {
    const group = `arn:aws:logs:us-east-1:${A}:log-group:/aws/lambda/create-payment`;
    const findings = await checkPolicy(identity({ Sid: 'Logs', Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: group }));
    assert.equal(findings.length, 2);
    assert.match(findings[0], /logs:PutLogEvents must name a resource of a type it supports \(.*log-stream:\$\{LogStreamName\}\)/);
  });

  it('tells a table from its indexes', async () => {
    const findings = await checkPolicy(identity({ Sid: 'T', Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: `${TABLE}/index/by-merchant` }));
    assert.match(findings.join('\n'), /dynamodb:PutItem must name a resource of a type it supports/);
  });

  it('requires exactly "*" for an action that supports no resource type', async () => {
    const findings = await checkPolicy(identity({ Sid: 'Traces', Effect: 'Allow', Action: ['xray:PutTraceSegments'], Resource: `arn:aws:xray:us-east-1:${A}:group/default` }));
    assert.equal(findings[0], 'test policy statement Traces: Resource must be exactly "*" for xray:PutTraceSegments, which supports no resource type');
  });

  it('names "*" where the action takes a narrower resource (least privilege), but lets a Deny be broad', async () => {
    assert.match((await checkPolicy(identity({ Sid: 'T', Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: '*' }))).join('\n'), /dynamodb:GetItem must name a resource of a type it supports/);
    assert.deepEqual(await checkPolicy(identity({ Sid: 'T', Effect: 'Deny', Action: ['dynamodb:DeleteTable'], Resource: '*' })), []);
  });

  it('names a condition key that does not exist', async () => {
    const findings = await checkPolicy(identity({ Sid: 'T', Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: TABLE, Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKey': ['PAY#*'] } } }));
    assert.deepEqual(findings, ['test policy statement T: condition key dynamodb:LeadingKey must exist in the service authorization reference']);
  });

  it('names a condition key that exists but that the action never sends', async () => {
    const findings = await checkPolicy(identity({ Sid: 'Q', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: QUEUE, Condition: { StringEquals: { 'dynamodb:LeadingKeys': 'PAY#1' } } }));
    assert.deepEqual(findings, ['test policy statement Q: condition key dynamodb:LeadingKeys must be one sqs:SendMessage supports']);
  });

  it('accepts global condition keys, tag-key forms included', async () => {
    const findings = await checkPolicy(identity({ Sid: 'Q', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: QUEUE, Condition: { Bool: { 'aws:SecureTransport': 'true' }, StringEquals: { 'aws:ResourceTag/Project': 'payments-dr' } } }));
    assert.deepEqual(findings, []);
  });

  it('requires Resource "*" in a key policy, and a Principal in resource policies', async () => {
    const key: DeclaredPolicy = { where: 'key', kind: 'key', document: { Version: '2012-10-17', Statement: [{ Sid: 'K', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: ['kms:Decrypt'], Resource: `arn:aws:kms:us-east-1:${A}:key/1234` }] } };
    assert.deepEqual(await checkPolicy(key), ['key statement K: Resource must be "*" in a key policy (it means this key)']);
    const bucket: DeclaredPolicy = { where: 'bucket', kind: 'resource', document: { Version: '2012-10-17', Statement: [{ Sid: 'B', Effect: 'Deny', Action: ['s3:*'], Resource: OBJECTS }] } };
    assert.match((await checkPolicy(bucket)).join('\n'), /Principal/);
  });

  it('finds every policy a program declares, whatever resource carries it, with its kind', () => {
    const doc = (s: object) => JSON.stringify({ Version: '2012-10-17', Statement: [s] });
    const found = declaredPolicies([
      { type: 'aws:iam/role:Role', name: 'r', inputs: { assumeRolePolicy: doc({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }), inlinePolicies: [{ name: 'i', policy: doc(GOOD[0]) }] } },
      { type: 'aws:kms/key:Key', name: 'k', inputs: { policy: doc({ Effect: 'Allow', Principal: { AWS: 'x' }, Action: 'kms:*', Resource: '*' }) } },
      { type: 'aws:sqs/queuePolicy:QueuePolicy', name: 'q', inputs: { policy: doc({ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: QUEUE }) } },
      { type: 'aws:iam/rolePolicy:RolePolicy', name: 'p', inputs: { policy: doc(GOOD[1]), name: 'not a policy' } },
    ]);
    assert.deepEqual(found.map((p) => [p.where, p.kind]), [
      ['aws:iam/role:Role r.assumeRolePolicy', 'trust'],
      ['aws:iam/role:Role r.inlinePolicies', 'identity'],
      ['aws:kms/key:Key k.policy', 'key'],
      ['aws:sqs/queuePolicy:QueuePolicy q.policy', 'resource'],
      ['aws:iam/rolePolicy:RolePolicy p.policy', 'identity'],
    ]);
  });
});

describe('IAM simulator', () => {
  const policies = [identity(...GOOD).document];
  const ask = (action: string, resource: string, extra: Partial<Parameters<typeof simulate>[0]> = {}) => simulate({ principal: ROLE, action, resource, identityPolicies: policies, ...extra });

  it('allows what the policy grants and implicitly denies the rest', async () => {
    assert.equal(await ask('sqs:SendMessage', QUEUE), 'allowed');
    assert.equal(await ask('s3:PutObject', 'arn:aws:s3:::transaction-logs/transactions/2026/a.json'), 'allowed');
    assert.equal(await ask('s3:PutObject', 'arn:aws:s3:::transaction-logs/other/a.json'), 'implicitDeny');
    assert.equal(await ask('sqs:DeleteQueue', QUEUE), 'implicitDeny');
  });

  it('evaluates conditions on the request context (ForAllValues holds when the key is absent, as in IAM)', async () => {
    assert.equal(await ask('dynamodb:PutItem', TABLE, { context: { 'dynamodb:LeadingKeys': ['PAY#1'] } }), 'allowed');
    assert.equal(await ask('dynamodb:PutItem', TABLE, { context: { 'dynamodb:LeadingKeys': ['PENDING#1'] } }), 'implicitDeny');
    assert.equal(await ask('dynamodb:PutItem', TABLE), 'allowed');
  });

  it('lets a resource policy Deny win over an identity Allow', async () => {
    const tlsOnly: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: ['arn:aws:s3:::transaction-logs', 'arn:aws:s3:::transaction-logs/*'], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] };
    const object = 'arn:aws:s3:::transaction-logs/transactions/a.json';
    assert.equal(await ask('s3:PutObject', object, { resourcePolicy: tlsOnly, resourceAccount: A }), 'allowed');
    assert.equal(await ask('s3:PutObject', object, { resourcePolicy: tlsOnly, resourceAccount: A, context: { 'aws:SecureTransport': 'false' } }), 'explicitDeny');
  });

  it('in Discovery mode, counts an Allow that some context could satisfy as allowing', async () => {
    assert.equal(await ask('dynamodb:PutItem', TABLE, { context: { 'dynamodb:LeadingKeys': ['PENDING#1'] } }), 'implicitDeny');
    assert.equal(await ask('dynamodb:PutItem', TABLE, { context: { 'dynamodb:LeadingKeys': ['PENDING#1'] }, mode: 'Discovery' }), 'allowed');
  });

  it('refuses a request whose action does not exist or whose resource the action does not take', async () => {
    await assert.rejects(ask('sqs:SendMessages', QUEUE), /invalid\.action/);
    await assert.rejects(ask('sqs:SendMessage', TABLE), /no\.resource\.types/);
  });

  it('lists every action a role is allowed on a resource, so an extra dangerous grant shows', async () => {
    assert.deepEqual(await allowedActionsOn(policies, ROLE, TABLE), ['dynamodb:GetItem', 'dynamodb:PutItem']);
    const broader = [identity(...GOOD, { Sid: 'Oops', Effect: 'Allow', Action: ['dynamodb:DeleteTable'], Resource: TABLE }).document];
    assert.deepEqual(await allowedActionsOn(broader, ROLE, TABLE), ['dynamodb:DeleteTable', 'dynamodb:GetItem', 'dynamodb:PutItem']);
    assert.deepEqual(await allowedActionsOn(policies, ROLE, '*'), ['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });
});
