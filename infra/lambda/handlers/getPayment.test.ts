/**
 * GET /payments/{id} against dynalite and s3rver: 200 with the authenticated merchant's transaction,
 * 404 for an unknown one or another merchant's, 400, 503 on throttling. (PENDING answers for queued
 * payments are proved in createPayment.test.ts, with both regions.)
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { transactionIdFor } from '../commons/payment';
import { loadFresh, saveEnv } from '../../../localaws/handlerEnv';
import { getPaymentEvent, lambdaContext, postPayment } from '../../../localaws/lambdaEvents';
import { startRegion, type RegionFixture } from '../../../localaws/regionFixture';

type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const getEvent = (id: string, merchantId = 'm-get') => getPaymentEvent(id, merchantId);

describe('getPayment handler', () => {
  let restoreEnv: () => void;
  let region: RegionFixture;
  let getPayment: ApiHandler;
  let createPayment: ApiHandler;

  before(async () => {
    restoreEnv = saveEnv();
    region = await startRegion('us-east-1');
    region.apply();
    ({ handler: getPayment } = loadFresh<{ handler: ApiHandler }>('../handlers/getPayment'));
    ({ handler: createPayment } = await import('./createPayment'));
  });

  after(async () => {
    await region.close();
    restoreEnv();
  });

  beforeEach(() => region.reset());

  it('returns 200 with exactly what POST /payments returned', async () => {
    // Prepare
    const created = await createPayment(postPayment({ amount: 500, currency: 'GBP', merchantId: 'm-get', metadata: { z: '1', a: '2' } }, 'get-key-1'), lambdaContext());
    const { transactionId } = JSON.parse(created.body) as { transactionId: string };
    // Act
    const result = await getPayment(getEvent(transactionId), lambdaContext());
    // Assess
    assert.equal(created.statusCode, 201);
    assert.equal(result.statusCode, 200);
    assert.equal(result.body, created.body);
  });

  it('accepts an upper-case id', async () => {
    const id = transactionIdFor('m-get', 'get-key-1');
    const result = await getPayment(getEvent(id.toUpperCase()), lambdaContext());
    assert.equal(result.statusCode, 200);
  });

  it('answers another merchant\'s payment exactly like a missing one (404), without revealing it exists', async () => {
    const id = transactionIdFor('m-get', 'get-key-1');
    const unknown = await getPayment(getEvent(transactionIdFor('m-other', 'never-used'), 'm-other'), lambdaContext());
    const others = await getPayment(getEvent(id, 'm-other'), lambdaContext());
    assert.equal(others.statusCode, 404);
    assert.equal(JSON.parse(others.body).error.code, JSON.parse(unknown.body).error.code);
    assert.ok(!others.body.includes('GBP') && !others.body.includes('"amount"'), 'no payment data in the answer');
  });

  it('returns 404 NOT_FOUND for an unknown transaction', async () => {
    // Act
    const result = await getPayment(getEvent(transactionIdFor('m-get', 'never-used')), lambdaContext());
    // Assess
    assert.equal(result.statusCode, 404);
    assert.equal((JSON.parse(result.body) as { error: { code: string } }).error.code, 'NOT_FOUND');
  });

  it('returns 400 for an id that is not a transaction id (no table read)', async () => {
    // Prepare
    const seen = region.dynamodbFaults.requests();
    // Act
    const result = await getPayment(getEvent('PAYMENT#../../etc'), lambdaContext());
    // Assess
    assert.equal(result.statusCode, 400);
    const body = JSON.parse(result.body) as { error: { code: string; details: { field: string }[] } };
    assert.equal(body.error.code, 'VALIDATION_FAILED');
    assert.equal(body.error.details[0]?.field, 'id');
    assert.equal(region.dynamodbFaults.requests(), seen);
  });

  it('publishes an Error metric (CloudWatch EMF, namespace PaymentsDR) when it refuses a request', async () => {
    // Prepare: a fresh execution environment with metrics on, stdout captured
    region.apply({ POWERTOOLS_METRICS_DISABLED: 'false' });
    const { handler } = loadFresh<{ handler: ApiHandler }>('../handlers/getPayment');
    const written: string[] = [];
    const originalWrite = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
    try {
      // Act
      await handler(getEvent('not-an-id'), lambdaContext());
    } finally {
      process.stdout.write = originalWrite;
      region.apply();
    }
    // Assess
    const emf = written
      .join('')
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as { _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] }; Error?: number; service?: string });
    assert.equal(emf.length, 1, written.join(''));
    assert.equal(emf[0]!._aws.CloudWatchMetrics[0]!.Namespace, 'PaymentsDR');
    assert.ok(emf[0]!._aws.CloudWatchMetrics[0]!.Metrics.some((m) => m.Name === 'Error'));
    assert.equal(emf[0]!.Error, 1);
    assert.equal(emf[0]!.service, 'payments');
  });

  it('returns 503 with Retry-After when DynamoDB throttles', async () => {
    // Prepare
    region.dynamodbFaults.fault = { kind: 'throttle' };
    // Act
    const result = await getPayment(getEvent(transactionIdFor('m-get', 'get-key-1')), lambdaContext());
    // Assess
    assert.equal(result.statusCode, 503);
    assert.equal(result.headers?.['Retry-After'], '1');
  });
});
