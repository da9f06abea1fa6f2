/**
 * Everything that grants access: AWS managed policies, resource-based policies, role trust policies,
 * Lambda permissions and function URLs, wildcard-resource ARNs. One test per property changing one thing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lambdaNoPublicInvoke } from '../compute';
import { iamNoFullAccessManagedPolicies, iamNoWildcardResources, iamRoleTrustScoped, isWildcardResource, resourcePolicyNotPublic } from '../iam';
import { findings, TestResource, UNKNOWN, violations } from './harness';

const LAMBDA_TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };

function role(change: (p: Record<string, unknown>) => void = () => undefined): TestResource {
  const props: Record<string, unknown> = { name: 'create-payment-role-dev', assumeRolePolicy: JSON.stringify(LAMBDA_TRUST) };
  change(props);
  return { type: 'aws:iam/role:Role', name: 'create-payment-role-dev', props };
}

const attachment = (policyArn: string): TestResource => ({
  type: 'aws:iam/rolePolicyAttachment:RolePolicyAttachment',
  name: 'create-payment-attachment-dev',
  props: { role: 'create-payment-role-dev', policyArn },
});

describe('iam-no-full-access-managed-policies', () => {
  it('passes a role without managed policies', async () => assert.deepEqual(await violations(iamNoFullAccessManagedPolicies, role()), []));
  it('passes a narrow AWS managed policy', async () => {
    assert.deepEqual(await violations(iamNoFullAccessManagedPolicies, attachment('arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole')), []);
  });
  it('passes a customer managed policy whatever its name', async () => {
    assert.deepEqual(await violations(iamNoFullAccessManagedPolicies, attachment('arn:aws:iam::123456789012:policy/AdministratorAccess')), []);
  });
  it('rejects AdministratorAccess in managedPolicyArns', async () => {
    assert.deepEqual(await violations(iamNoFullAccessManagedPolicies, role((p) => (p.managedPolicyArns = ['arn:aws:iam::aws:policy/AdministratorAccess']))), [
      'IAM role must not attach the AWS managed policy AdministratorAccess (it allows every action on every resource).',
    ]);
  });
  it('rejects a *FullAccess policy attached with RolePolicyAttachment', async () => {
    assert.deepEqual(await violations(iamNoFullAccessManagedPolicies, attachment('arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess')), [
      'IAM policy attachment must not attach the AWS managed policy AmazonDynamoDBFullAccess to create-payment-role-dev (it allows every action of its service).',
    ]);
  });
  it('rejects PowerUserAccess attached with PolicyAttachment', async () => {
    const r: TestResource = { type: 'aws:iam/policyAttachment:PolicyAttachment', name: 'power-dev', props: { roles: ['ops-dev'], policyArn: 'arn:aws:iam::aws:policy/PowerUserAccess' } };
    assert.deepEqual(await violations(iamNoFullAccessManagedPolicies, r), ['IAM policy attachment must not attach the AWS managed policy PowerUserAccess to ops-dev (it allows every action but IAM and Organizations).']);
  });
  it('follows the configured list', async () => {
    assert.deepEqual(await violations(iamNoFullAccessManagedPolicies, attachment('arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess'), { forbiddenManagedPolicies: ['AdministratorAccess'] }), []);
  });
});

describe('iam-no-wildcard-resources: wildcard-resource ARNs count as "*"', () => {
  const policy = (resource: string): TestResource => ({
    type: 'aws:iam/rolePolicy:RolePolicy',
    name: 'create-payment-policy-dev',
    props: { policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Table', Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: resource }] }) },
  });
  it('passes one table ARN', async () => assert.deepEqual(await violations(iamNoWildcardResources, policy('arn:aws:dynamodb:us-east-1:123456789012:table/payments-dev')), []));
  it('rejects every table (table/*)', async () => {
    assert.deepEqual(await violations(iamNoWildcardResources, policy('arn:aws:dynamodb:*:*:table/*')), [
      'IAM policy must not allow Resource "*" for actions that have a resource-level form (statement Table: dynamodb:PutItem).',
    ]);
  });
  it('classifies ARNs by their resource part', () => {
    assert.deepEqual(
      ['*', 'arn:aws:sqs:us-east-1:123456789012:*', 'arn:aws:s3:::*', 'arn:aws:s3:::*/*', 'arn:aws:s3:::txlog-dev/*', 'arn:aws:logs:us-east-1:1:log-group:/aws/lambda/x:*', 'arn:aws:lambda:us-east-1:1:function:*'].map(
        isWildcardResource,
      ),
      [true, true, true, true, false, false, true],
    );
  });
});

function queuePolicy(statement: Record<string, unknown>): TestResource {
  return {
    type: 'aws:sqs/queuePolicy:QueuePolicy',
    name: 'payments-retry-policy-dev',
    props: { queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/payments-retry-dev', policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Send', ...statement }] }) },
  };
}
const SEND = { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:123456789012:payments-retry-dev' };

describe('resource-policy-least-privilege', () => {
  it('passes a named principal and action', async () => assert.deepEqual(await violations(resourcePolicyNotPublic, queuePolicy(SEND)), []));
  it('rejects Principal "*" without a condition', async () => {
    assert.deepEqual(await violations(resourcePolicyNotPublic, queuePolicy({ ...SEND, Principal: '*' })), [
      'SQS queue policy must not allow every principal (Principal "*") without a condition on aws:SourceArn, aws:SourceAccount, aws:SourceOwner, aws:SourceOrgID, aws:PrincipalOrgID (statement Send).',
    ]);
  });
  it('passes Principal "*" restricted by aws:SourceArn', async () => {
    const restricted = { ...SEND, Principal: '*', Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:123456789012:alarms-dev' } } };
    assert.deepEqual(await violations(resourcePolicyNotPublic, queuePolicy(restricted)), []);
  });
  it('rejects Principal { AWS: "*" } the same way', async () => {
    assert.equal((await violations(resourcePolicyNotPublic, queuePolicy({ ...SEND, Principal: { AWS: '*' } }))).length, 1);
  });
  it('rejects a service wildcard action', async () => {
    assert.deepEqual(await violations(resourcePolicyNotPublic, queuePolicy({ ...SEND, Action: 'sqs:*' })), ['SQS queue policy must not allow wildcard actions (statement Send allows sqs:*).']);
  });
  it('ignores Deny statements (the TLS-only denial names every principal)', async () => {
    assert.deepEqual(await violations(resourcePolicyNotPublic, queuePolicy({ ...SEND, Effect: 'Deny', Principal: '*', Action: 'sqs:*' })), []);
  });
  it('reads the inline policy of an SNS topic', async () => {
    const topic: TestResource = {
      type: 'aws:sns/topic:Topic',
      name: 'alarms-dev',
      props: { name: 'alarms-dev', policy: JSON.stringify({ Statement: { Sid: 'Publish', Effect: 'Allow', Principal: '*', Action: 'sns:Publish', Resource: '*' } }) },
    };
    assert.deepEqual(await violations(resourcePolicyNotPublic, topic), [
      'SNS topic policy must not allow every principal (Principal "*") without a condition on aws:SourceArn, aws:SourceAccount, aws:SourceOwner, aws:SourceOrgID, aws:PrincipalOrgID (statement Publish).',
    ]);
  });
  it('a policy unknown during preview is an advisory, never a pass', async () => {
    const fs = await findings(resourcePolicyNotPublic, { ...queuePolicy(SEND), props: { queueUrl: UNKNOWN, policy: UNKNOWN } });
    assert.deepEqual(fs.map((f) => [f.kind, f.level]), [['unknown', 'advisory']]);
  });
});

describe('iam-role-trust-scoped', () => {
  const trust = (statement: Record<string, unknown>) => role((p) => (p.assumeRolePolicy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Assume', ...statement }] })));
  it('passes a service principal', async () => assert.deepEqual(await violations(iamRoleTrustScoped, role()), []));
  it('rejects Principal { AWS: "*" } without a condition', async () => {
    assert.deepEqual(await violations(iamRoleTrustScoped, trust({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' })), [
      'IAM role trust policy must not let every principal assume the role (Principal "*" without a condition, statement Assume).',
    ]);
  });
  it('passes Principal "*" restricted to the organization', async () => {
    const statement = { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } } };
    assert.deepEqual(await violations(iamRoleTrustScoped, trust(statement)), []);
  });
  it('rejects a federated principal without conditions', async () => {
    const statement = { Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' }, Action: 'sts:AssumeRoleWithWebIdentity' };
    assert.deepEqual(await violations(iamRoleTrustScoped, trust(statement)), [
      'IAM role trust policy must restrict a federated principal with conditions (statement Assume trusts arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com without any).',
    ]);
  });
  it('rejects sts:*', async () => {
    assert.deepEqual(await violations(iamRoleTrustScoped, trust({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:*' })), [
      'IAM role trust policy must name the assume action (statement Assume allows sts:*).',
    ]);
  });
});

describe('lambda-no-public-invoke', () => {
  const permission = (change: (p: Record<string, unknown>) => void = () => undefined): TestResource => {
    const props: Record<string, unknown> = {
      function: 'create-payment-dev',
      action: 'lambda:InvokeFunction',
      principal: 'apigateway.amazonaws.com',
      sourceArn: 'arn:aws:execute-api:us-east-1:123456789012:abc123/*/*',
    };
    change(props);
    return { type: 'aws:lambda/permission:Permission', name: 'create-payment-permission-dev', props };
  };
  it('passes API Gateway with its source ARN', async () => assert.deepEqual(await violations(lambdaNoPublicInvoke, permission()), []));
  it('rejects principal "*" without a source condition', async () => {
    assert.deepEqual(await violations(lambdaNoPublicInvoke, permission((p) => ((p.principal = '*'), delete p.sourceArn))), [
      'Lambda permission must not let every principal invoke the function (principal "*" without sourceArn, sourceAccount or principalOrgId).',
    ]);
  });
  it('passes principal "*" restricted to the organization', async () => {
    assert.deepEqual(await violations(lambdaNoPublicInvoke, permission((p) => ((p.principal = '*'), delete p.sourceArn, (p.principalOrgId = 'o-abc123')))), []);
  });
  it('rejects lambda:*', async () => {
    assert.deepEqual(await violations(lambdaNoPublicInvoke, permission((p) => (p.action = 'lambda:*'))), ['Lambda permission must name the action (lambda:InvokeFunction), got lambda:*.']);
  });
  it('rejects a function URL without IAM authentication', async () => {
    const url: TestResource = { type: 'aws:lambda/functionUrl:FunctionUrl', name: 'create-payment-url-dev', props: { functionName: 'create-payment-dev', authorizationType: 'NONE' } };
    assert.deepEqual(await violations(lambdaNoPublicInvoke, url), ['Lambda function URL must require IAM authentication (authorizationType AWS_IAM), got NONE.']);
  });
});
