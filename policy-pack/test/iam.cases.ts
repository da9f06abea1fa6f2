import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { iamNoWildcardActions, iamNoWildcardResources } from '../iam';
import { findings, TestResource, UNKNOWN, violations } from './harness';

type Statement = Record<string, unknown>;

/** Happy path: the function's statements, scoped, plus the one allow-listed wildcard (X-Ray). */
function statements(): Statement[] {
  return [
    { Sid: 'Table', Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem'], Resource: ['arn:aws:dynamodb:us-east-1:123456789012:table/payments-table-dev'] },
    { Sid: 'Tracing', Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
    { Sid: 'DenyOthers', Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': 'us-east-1' } } },
  ];
}

function rolePolicy(change: (s: Statement[]) => void = () => undefined): TestResource {
  const list = statements();
  change(list);
  return { type: 'aws:iam/rolePolicy:RolePolicy', name: 'create-payment-policy-dev', props: { role: 'create-payment-role-dev', policy: JSON.stringify({ Version: '2012-10-17', Statement: list }) } };
}

describe('iam-no-wildcard-actions', () => {
  it('passes named actions (a Deny "*" is fine)', async () => assert.deepEqual(await violations(iamNoWildcardActions, rolePolicy()), []));
  it('rejects a service wildcard', async () => {
    assert.deepEqual(await violations(iamNoWildcardActions, rolePolicy((s) => (s[0].Action = 'dynamodb:*'))), ['IAM policy must not allow wildcard actions (statement Table allows dynamodb:*).']);
  });
  it('rejects a prefix wildcard', async () => {
    assert.deepEqual(await violations(iamNoWildcardActions, rolePolicy((s) => (s[0].Action = ['dynamodb:Get*']))), ['IAM policy must not allow wildcard actions (statement Table allows dynamodb:Get*).']);
  });
  it('rejects NotAction', async () => {
    assert.deepEqual(
      await violations(
        iamNoWildcardActions,
        rolePolicy((s) => {
          delete s[0].Action;
          s[0].NotAction = 'iam:*';
        }),
      ),
      ['IAM policy must not allow NotAction (statement Table allows everything except a list).'],
    );
  });
  it('checks inline policies of roles', async () => {
    const role: TestResource = {
      type: 'aws:iam/role:Role',
      name: 'create-payment-role-dev',
      props: { inlinePolicies: [{ name: 'access', policy: JSON.stringify({ Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }) }] },
    };
    assert.deepEqual(await violations(iamNoWildcardActions, role), ['IAM inline policy access must not allow wildcard actions (a statement allows *).']);
  });
  it('is not applicable to other resources', async () => {
    assert.deepEqual(await findings(iamNoWildcardActions, { type: 'aws:sqs/queue:Queue', name: 'q-dev', props: {} }), []);
  });
  it('reports an unknown document during preview as not checkable', async () => {
    const result = await findings(iamNoWildcardActions, { ...rolePolicy(), props: { role: 'r', policy: UNKNOWN } });
    assert.deepEqual(result.map((f) => [f.kind, f.message]), [['unknown', "cannot be checked until apply: string value at .policy can't be known during preview"]]);
  });
});

describe('iam-no-wildcard-resources', () => {
  it('passes scoped resources and the X-Ray allow-list', async () => assert.deepEqual(await violations(iamNoWildcardResources, rolePolicy()), []));
  it('rejects Resource "*" for an action with a resource-level form', async () => {
    assert.deepEqual(await violations(iamNoWildcardResources, rolePolicy((s) => (s[0].Resource = '*'))), [
      'IAM policy must not allow Resource "*" for actions that have a resource-level form (statement Table: dynamodb:PutItem, dynamodb:GetItem).',
    ]);
  });
  it('rejects a scoped action mixed into the allow-listed statement', async () => {
    assert.deepEqual(await violations(iamNoWildcardResources, rolePolicy((s) => (s[1].Action = ['xray:PutTraceSegments', 'sqs:SendMessage']))), [
      'IAM policy must not allow Resource "*" for actions that have a resource-level form (statement Tracing: sqs:SendMessage).',
    ]);
  });
  it('rejects NotResource', async () => {
    assert.deepEqual(
      await violations(
        iamNoWildcardResources,
        rolePolicy((s) => {
          delete s[0].Resource;
          s[0].NotResource = 'arn:aws:dynamodb:us-east-1:123456789012:table/other';
        }),
      ),
      ['IAM policy must not allow NotResource (statement Table allows every resource except a list).'],
    );
  });
  it('honours a configured allow-list', async () => {
    assert.deepEqual(await violations(iamNoWildcardResources, rolePolicy(), { wildcardResourceActions: ['xray:PutTraceSegments'] }), [
      'IAM policy must not allow Resource "*" for actions that have a resource-level form (statement Tracing: xray:PutTelemetryRecords).',
    ]);
  });
});
