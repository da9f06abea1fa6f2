/**
 * The REQUEST authorizer against a real credentials table (dynalite): Allow with the merchant in the
 * context, 401 (throws "Unauthorized") for a missing, unknown, wrong, expired credential, 403 (Deny)
 * for a revoked one, rotation with two valid credentials at once.
 */
import { CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { credentialsTableInput, credentialToAttributes, issueCredential, type CredentialRecord } from '../commons/credentials';
import { startDynalite, type DynaliteHandle } from '../../../localaws/engines';
import { applyRegionEnv, loadFresh, saveEnv } from '../../../localaws/handlerEnv';

type Authorizer = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

const TABLE = 'merchant-credentials-test';
const METHOD_ARN = 'arn:aws:execute-api:us-east-1:000000000000:abc123/v1/POST/payments';

function event(headers: Record<string, string>, multi?: Record<string, string[]>): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    resource: '/payments',
    path: '/payments',
    httpMethod: 'POST',
    headers,
    multiValueHeaders: multi ?? Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}

describe('authorizer handler', () => {
  let restoreEnv: () => void;
  let engine: DynaliteHandle;
  let authorize: Authorizer;
  const now = Date.now();
  const day = 86_400_000;

  async function store(record: CredentialRecord): Promise<void> {
    await engine.client.send(new PutItemCommand({ TableName: TABLE, Item: credentialToAttributes(record) }));
  }
  async function issue(merchantId: string, opts: { from?: number; to?: number; revoked?: boolean } = {}): Promise<string> {
    const { credential, record } = issueCredential({ merchantId, now: new Date(now), notBefore: new Date(opts.from ?? now - day), expiresAt: new Date(opts.to ?? now + day) });
    await store(opts.revoked ? { ...record, revokedAt: new Date(now).toISOString() } : record);
    return credential;
  }
  const unauthorized = (e: APIGatewayRequestAuthorizerEvent) => assert.rejects(authorize(e), (error: unknown) => error instanceof Error && error.message === 'Unauthorized');

  before(async () => {
    restoreEnv = saveEnv();
    engine = await startDynalite();
    await engine.client.send(new CreateTableCommand(credentialsTableInput(TABLE)));
    applyRegionEnv({ region: 'us-east-1', tableName: 'payments-test', dynamodbEndpoint: engine.endpoint, sqsEndpoint: 'http://127.0.0.1:9', s3Endpoint: 'http://127.0.0.1:9', bucket: 'b', credentialsTableName: TABLE });
    ({ handler: authorize } = loadFresh<{ handler: Authorizer }>('../handlers/authorizer'));
  });

  after(async () => {
    await engine.close();
    restoreEnv();
  });

  it('allows a valid credential: principal and context name its merchant, the policy covers the payment methods', async () => {
    const credential = await issue('m-auth');
    const result = await authorize(event({ Authorization: `Bearer ${credential}` }));
    assert.equal(result.principalId, 'm-auth');
    assert.equal(result.context?.merchantId, 'm-auth');
    const statement = result.policyDocument.Statement[0] as { Effect: string; Resource: string[] };
    assert.equal(statement.Effect, 'Allow');
    assert.deepEqual(statement.Resource, ['arn:aws:execute-api:us-east-1:000000000000:abc123/v1/*/payments', 'arn:aws:execute-api:us-east-1:000000000000:abc123/v1/*/payments/*']);
  });

  it('401 for a missing, malformed, unknown or wrong credential', async () => {
    const credential = await issue('m-auth');
    await unauthorized(event({}));
    await unauthorized(event({ Authorization: 'Basic abc' }));
    await unauthorized(event({ Authorization: `Bearer pdr_0000000000000000_${'A'.repeat(43)}` }));
    await unauthorized(event({ Authorization: `Bearer ${credential.slice(0, -2)}xx` }));
  });

  it('401 for two different Authorization headers', async () => {
    const a = await issue('m-auth');
    const b = await issue('m-other');
    await unauthorized(event({ Authorization: `Bearer ${b}` }, { Authorization: [`Bearer ${a}`, `Bearer ${b}`] }));
  });

  it('401 outside the validity window (expired, not yet valid)', async () => {
    await unauthorized(event({ Authorization: `Bearer ${await issue('m-auth', { from: now - 2 * day, to: now - day })}` }));
    await unauthorized(event({ Authorization: `Bearer ${await issue('m-auth', { from: now + day, to: now + 2 * day })}` }));
  });

  it('403 (Deny) for a revoked credential', async () => {
    const result = await authorize(event({ Authorization: `Bearer ${await issue('m-auth', { revoked: true })}` }));
    assert.equal((result.policyDocument.Statement[0] as { Effect: string }).Effect, 'Deny');
    assert.equal(result.context?.merchantId, undefined);
  });

  it('rotation: the old and the new credential both work during the overlap', async () => {
    const old = await issue('m-rotate', { to: now + day });
    const fresh = await issue('m-rotate', { from: now - 1000, to: now + 365 * day });
    for (const c of [old, fresh]) assert.equal((await authorize(event({ authorization: `Bearer ${c}` }))).context?.merchantId, 'm-rotate');
  });
});
