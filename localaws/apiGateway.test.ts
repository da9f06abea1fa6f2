/**
 * The API Gateway emulation with recording handlers: the REST proxy event (payload 1.0) the real
 * handlers receive, the typed Lambda context, and API Gateway's own answers (403 for undefined
 * routes, 502 for a failing or timed-out function), plus the region-down switch.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { ApiGatewayEmulator, type ApiHandler, type RequestAuthorizerHandler } from './apiGateway';
import type { FunctionSpec } from './lambdaRuntime';
import { refusesConnections } from './http';

const fn = (functionName: string, timeoutMs = 2_000): FunctionSpec => ({ functionName, region: 'us-east-2', memoryMB: 256, timeoutMs });

describe('API Gateway emulator', () => {
  const seen: { event: APIGatewayProxyEvent; context: Context }[] = [];
  const record: ApiHandler = async (event, context) => {
    seen.push({ event, context });
    return { statusCode: 201, headers: { 'X-Custom': 'yes' }, body: JSON.stringify({ ok: true }) };
  };
  const api = new ApiGatewayEmulator({
    region: 'us-east-2',
    stage: 'v1',
    routes: [
      { method: 'GET', resource: '/payments/{id}', fn: fn('get-payment'), handler: record },
      { method: 'POST', resource: '/payments', fn: fn('create-payment'), handler: record },
      { method: 'GET', resource: '/boom', fn: fn('boom'), handler: async () => Promise.reject(new Error('kaput')) },
      { method: 'GET', resource: '/slow', fn: fn('slow', 50), handler: () => new Promise(() => undefined) },
    ],
  });
  let base: string;

  before(async () => {
    base = await api.start();
  });
  after(() => api.stop());

  it('builds the REST proxy event: resource, path parameters, headers as sent, query, stage and request context', async () => {
    const res = await fetch(`${base}/payments/tx%201?verbose=1&tag=a&tag=b`, { headers: { 'Idempotency-Key': 'k-1', 'X-Trace': 'one' } });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('x-custom'), 'yes');
    const { event, context } = seen[seen.length - 1];
    assert.equal(event.resource, '/payments/{id}');
    assert.equal(event.path, '/payments/tx%201');
    assert.equal(event.httpMethod, 'GET');
    assert.deepEqual(event.pathParameters, { id: 'tx 1' });
    assert.deepEqual(event.queryStringParameters, { verbose: '1', tag: 'b' });
    assert.deepEqual(event.multiValueQueryStringParameters, { verbose: ['1'], tag: ['a', 'b'] });
    assert.equal(event.headers['Idempotency-Key'], 'k-1', 'header names keep their case, as in API Gateway');
    assert.deepEqual(event.multiValueHeaders['X-Trace'], ['one']);
    assert.match(event.headers.Host ?? '', /\.execute-api\.us-east-2\.amazonaws\.com$/);
    assert.equal(event.body, null);
    assert.equal(event.isBase64Encoded, false);
    assert.equal(event.requestContext.stage, 'v1');
    assert.equal(event.requestContext.path, '/v1/payments/tx%201');
    assert.equal(event.requestContext.resourcePath, '/payments/{id}');
    assert.equal(event.requestContext.identity.sourceIp, '127.0.0.1');
    assert.equal(event.requestContext.requestId, res.headers.get('x-amzn-requestid'));
    assert.equal(context.functionName, 'get-payment');
    assert.equal(context.invokedFunctionArn, 'arn:aws:lambda:us-east-2:000000000000:function:get-payment');
    assert.ok(context.getRemainingTimeInMillis() <= 2_000);
  });

  it('passes the body through untouched', async () => {
    const res = await fetch(`${base}/payments`, { method: 'POST', body: '{"amount": 1}', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 201);
    assert.equal(seen[seen.length - 1].event.body, '{"amount": 1}');
    assert.equal(seen[seen.length - 1].event.pathParameters, null);
  });

  it('answers 403 Missing Authentication Token for an undefined resource, method or stage', async () => {
    for (const [method, path] of [['GET', '/v1/nowhere'], ['DELETE', '/v1/payments'], ['GET', '/v2/payments/x']] as const) {
      const res = await fetch(`${base.replace(/\/v1$/, '')}${path}`, { method });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.deepEqual(await res.json(), { message: 'Missing Authentication Token' });
    }
  });

  it('answers 502 when the function throws or times out', async () => {
    for (const path of ['/boom', '/slow']) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 502, path);
      assert.deepEqual(await res.json(), { message: 'Internal server error' });
    }
  });

  it('refuses connections while the region is down and answers on the same URL when it is back', async () => {
    await api.setDown(true);
    assert.equal(await refusesConnections(base), true);
    await api.setDown(false);
    assert.equal((await fetch(`${base}/payments/x`)).status, 201);
  });
});

describe('API Gateway emulator: Lambda REQUEST authorizer', () => {
  const seen: APIGatewayProxyEvent[] = [];
  let authorizerCalls = 0;
  const authorizer: RequestAuthorizerHandler = async (event) => {
    authorizerCalls++;
    const token = event.headers?.Authorization ?? '';
    const arn = event.methodArn.split('/').slice(0, 2).join('/');
    if (token === 'Bearer good') return { principalId: 'm-1', policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${arn}/*/payments` }] }, context: { merchantId: 'm-1' } };
    if (token === 'Bearer revoked') return { principalId: 'm-1', policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: `${arn}/*` }] } };
    if (token === 'Bearer crash') throw new Error('table unavailable');
    throw new Error('Unauthorized');
  };
  const api = new ApiGatewayEmulator({
    region: 'us-east-2',
    stage: 'v1',
    routes: [
      { method: 'POST', resource: '/payments', fn: fn('create-payment'), authorizer: { fn: fn('authorizer'), handler: authorizer, identityHeader: 'Authorization' }, handler: async (event) => {
        seen.push(event);
        return { statusCode: 201, body: '{}' };
      } },
      { method: 'GET', resource: '/health', fn: fn('health'), handler: async () => ({ statusCode: 200, body: '{}' }) },
    ],
  });
  let base: string;
  before(async () => {
    base = await api.start();
  });
  after(() => api.stop());
  const post = (authorization?: string) => fetch(`${base}/payments`, { method: 'POST', headers: authorization === undefined ? {} : { Authorization: authorization }, body: '{}' });

  it('passes the authorizer context to the integration as requestContext.authorizer', async () => {
    const res = await post('Bearer good');
    assert.equal(res.status, 201);
    assert.equal(seen[seen.length - 1]?.requestContext.authorizer?.merchantId, 'm-1');
    assert.equal(seen[seen.length - 1]?.requestContext.authorizer?.principalId, 'm-1');
  });

  it('401 {"message":"Unauthorized"} without the identity header, and the authorizer is not invoked', async () => {
    const before = authorizerCalls;
    const res = await post();
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { message: 'Unauthorized' });
    assert.equal(authorizerCalls, before);
  });

  it('401 when the authorizer throws "Unauthorized", 403 on Deny, 500 when it fails otherwise', async () => {
    assert.equal((await post('Bearer wrong')).status, 401);
    const denied = await post('Bearer revoked');
    assert.equal(denied.status, 403);
    assert.match(((await denied.json()) as { message: string }).message, /explicit deny/);
    assert.equal((await post('Bearer crash')).status, 500);
  });

  it('routes without an authorizer (health) need no credential', async () => {
    assert.equal((await fetch(`${base}/health`)).status, 200);
  });
});
