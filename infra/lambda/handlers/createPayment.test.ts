/**
 * POST /payments against real engines: each region is a dynalite table and an s3rver bucket (each
 * behind its front, localaws/) plus the SQS emulator; the two regions are each other's peer, as deployed.
 * Throttling, 5xx, hangs and lost responses are injected by the fronts, so the SDK sees what AWS
 * would send. Global-table replication is not running here: tests copy items when they need it.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { transactionIdFor } from '../commons/payment';
import { loadFresh, saveEnv } from '../../../localaws/handlerEnv';
import { apiEvent, getPaymentEvent, lambdaContext, postPayment, sqsEvent } from '../../../localaws/lambdaEvents';
import { startRegionPair, type RegionFixture } from '../../../localaws/regionFixture';
import { PENDING_WINDOW_KEY } from '../../../contract/environment';

type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

interface ErrorBody {
  error: { code: string; message: string; details?: { field: string; issue: string; reason?: string }[] };
}

const valid = { amount: 12_345, currency: 'EUR', merchantId: 'merchant-1', reference: 'order-77', metadata: { channel: 'web', basket: 'b-9' } };

let keySeq = 0;
const newKey = () => `key-${process.pid}-${Date.now()}-${++keySeq}`;

function json<T>(result: APIGatewayProxyResult): T {
  return JSON.parse(result.body) as T;
}

async function paymentItems(region: RegionFixture): Promise<Record<string, AttributeValue>[]> {
  return (await region.dynamodb.scan(region.tableName)).filter((i) => i.pk?.S?.startsWith('PAYMENT#'));
}

async function itemOf(region: RegionFixture, transactionId: string): Promise<Record<string, AttributeValue> | undefined> {
  return (await paymentItems(region)).find((i) => i.pk?.S === `PAYMENT#${transactionId}`);
}

/** Requests that reached a region's engines through its fronts (DynamoDB, S3) and the messages its queues hold. */
function counters(region: RegionFixture): () => { dynamodb: number; s3: number; sqs: number } {
  const start = { dynamodb: region.dynamodbFaults.requests(), s3: region.s3Faults.requests(), sqs: region.queued().length };
  return () => ({ dynamodb: region.dynamodbFaults.requests() - start.dynamodb, s3: region.s3Faults.requests() - start.s3, sqs: region.queued().length - start.sqs });
}

const bothWritesFail = (east1: RegionFixture, east2: RegionFixture) => {
  for (const r of [east1, east2]) {
    r.dynamodbFaults.match = (req) => /PutItem/.test(String(req.headers['x-amz-target']));
    r.dynamodbFaults.fault = { kind: 'throttle' };
  }
};

describe('createPayment handler', () => {
  let restoreEnv: () => void;
  let east1: RegionFixture;
  let east2: RegionFixture;
  let createPayment: ApiHandler;
  let createPaymentEast2: ApiHandler;
  let getPaymentEast2: ApiHandler;
  let retryProcessorEast2: SqsHandler;
  let loggerEast1: typeof import('../commons/powertools').logger;

  before(async () => {
    // Prepare: two regions, each the other's peer; each region's handlers in their own module instance.
    restoreEnv = saveEnv();
    [east1, east2] = await startRegionPair('us-east-1', 'us-east-2');
    east2.apply();
    ({ handler: createPaymentEast2 } = loadFresh<{ handler: ApiHandler }>('../handlers/createPayment'));
    ({ handler: getPaymentEast2 } = loadFresh<{ handler: ApiHandler }>('../handlers/getPayment'));
    ({ handler: retryProcessorEast2 } = loadFresh<{ handler: SqsHandler }>('../handlers/retryProcessor'));
    east1.apply();
    ({ handler: createPayment } = loadFresh<{ handler: ApiHandler }>('../handlers/createPayment'));
    ({ logger: loggerEast1 } = await import('../commons/powertools'));
  });

  after(async () => {
    await Promise.all([east1.close(), east2.close()]);
    restoreEnv();
  });

  beforeEach(() => {
    east1.reset();
    east2.reset();
  });

  describe('bad input is a 4xx with code, message and details, never a 5xx, and stores nothing', () => {
    const cases: { name: string; event: () => APIGatewayProxyEvent; status?: number; code: string; field?: string; reason?: string }[] = [
      { name: 'malformed JSON', event: () => postPayment('{"amount": 1,', newKey()), code: 'MALFORMED_JSON' },
      { name: 'a JSON array instead of an object', event: () => postPayment('[1,2]', newKey()), code: 'MALFORMED_JSON' },
      { name: 'an empty body', event: () => postPayment('', newKey()), code: 'MALFORMED_JSON' },
      { name: 'amount as a string', event: () => postPayment({ ...valid, amount: '100' }, newKey()), code: 'VALIDATION_FAILED', field: 'amount' },
      { name: 'a negative amount', event: () => postPayment({ ...valid, amount: -5 }, newKey()), code: 'VALIDATION_FAILED', field: 'amount' },
      { name: 'a zero amount', event: () => postPayment({ ...valid, amount: 0 }, newKey()), code: 'VALIDATION_FAILED', field: 'amount' },
      { name: 'a fractional amount', event: () => postPayment({ ...valid, amount: 10.5 }, newKey()), code: 'VALIDATION_FAILED', field: 'amount', reason: 'NUMBER_FRACTION' },
      { name: 'a fraction beyond double precision (1.9999999999999999)', event: () => postPayment('{"amount":1.9999999999999999,"currency":"EUR"}', newKey()), code: 'VALIDATION_FAILED', field: 'amount', reason: 'NUMBER_FRACTION' },
      { name: 'duplicate JSON keys', event: () => postPayment('{"amount":5,"amount":100,"currency":"EUR"}', newKey()), code: 'VALIDATION_FAILED', field: 'amount', reason: 'DUPLICATE_KEY' },
      { name: 'a C1 control character', event: () => postPayment('{"amount":5,"currency":"EUR","reference":"x\\u0085y"}', newKey()), code: 'VALIDATION_FAILED', field: 'reference', reason: 'CONTROL_CHARACTER' },
      { name: 'a lone surrogate', event: () => postPayment('{"amount":5,"currency":"EUR","reference":"\\udfff"}', newKey()), code: 'VALIDATION_FAILED', field: 'reference', reason: 'LONE_SURROGATE' },
      { name: 'a metadata key "constructor"', event: () => postPayment('{"amount":5,"currency":"EUR","metadata":{"constructor":"x"}}', newKey()), code: 'VALIDATION_FAILED', field: 'metadata.constructor', reason: 'FORBIDDEN_KEY' },
      { name: 'an amount above MAX_AMOUNT_MINOR', event: () => postPayment({ ...valid, amount: 100_000_001 }, newKey()), code: 'VALIDATION_FAILED', field: 'amount' },
      { name: 'an unknown currency', event: () => postPayment({ ...valid, currency: 'XYZ' }, newKey()), code: 'VALIDATION_FAILED', field: 'currency' },
      { name: 'a lower-case currency', event: () => postPayment({ ...valid, currency: 'eur' }, newKey()), code: 'VALIDATION_FAILED', field: 'currency' },
      { name: 'merchantId as a number', event: () => postPayment({ ...valid, merchantId: 42 }, newKey(), {}, { merchantId: 'merchant-1' }), code: 'VALIDATION_FAILED', field: 'merchantId' },
      { name: 'metadata with a non-string value', event: () => postPayment({ ...valid, metadata: { a: { b: 1 } } }, newKey()), code: 'VALIDATION_FAILED', field: 'metadata.a' },
      { name: 'an unknown field (e.g. a card number)', event: () => postPayment({ ...valid, cardNumber: '4111111111111111' }, newKey()), code: 'VALIDATION_FAILED', field: 'cardNumber' },
      { name: 'an oversized body', event: () => postPayment({ ...valid, reference: 'x'.repeat(20_000) }, newKey()), code: 'PAYLOAD_TOO_LARGE', field: 'body' },
      { name: 'a missing Idempotency-Key', event: () => postPayment(valid), code: 'MISSING_IDEMPOTENCY_KEY', field: 'Idempotency-Key' },
      { name: 'a blank Idempotency-Key', event: () => postPayment(valid, '   '), code: 'MISSING_IDEMPOTENCY_KEY', field: 'Idempotency-Key' },
      { name: 'an over-long Idempotency-Key', event: () => postPayment(valid, 'k'.repeat(129)), code: 'MISSING_IDEMPOTENCY_KEY', field: 'Idempotency-Key' },
      {
        name: 'two different Idempotency-Key headers',
        event: () => {
          const e = postPayment(valid, 'k-one');
          e.multiValueHeaders['Idempotency-Key'] = ['k-one', 'k-two'];
          return e;
        },
        code: 'CONFLICTING_HEADERS',
        field: 'Idempotency-Key',
        reason: 'CONFLICTING_DUPLICATE_HEADER',
      },
      { name: 'a text/plain body', event: () => postPayment(valid, newKey(), { 'Content-Type': 'text/plain' }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', reason: 'UNSUPPORTED_MEDIA_TYPE' },
      { name: 'an XML body', event: () => postPayment('<payment/>', newKey(), { 'Content-Type': 'application/xml' }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', reason: 'UNSUPPORTED_MEDIA_TYPE' },
      {
        name: 'no content type',
        event: () => {
          const e = postPayment(valid, newKey());
          delete e.headers['Content-Type'];
          delete e.multiValueHeaders['Content-Type'];
          return e;
        },
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        reason: 'MISSING_CONTENT_TYPE',
      },
      { name: 'a body merchantId other than the credential\'s', event: () => postPayment({ ...valid, merchantId: 'merchant-2' }, newKey(), {}, { merchantId: 'merchant-1' }), status: 403, code: 'MERCHANT_MISMATCH', field: 'merchantId', reason: 'MERCHANT_MISMATCH' },
      { name: 'no authenticated merchant', event: () => apiEvent({ method: 'POST', path: '/payments', body: JSON.stringify(valid), headers: { 'Content-Type': 'application/json', 'Idempotency-Key': newKey() } }), status: 401, code: 'UNAUTHENTICATED' },
    ];
    for (const c of cases) {
      it(`refuses ${c.name} with ${c.status ?? 400} ${c.code}${c.reason === undefined ? '' : ` (${c.reason})`}`, async () => {
        // Prepare
        const before = (await paymentItems(east1)).length;
        // Act
        const result = await createPayment(c.event(), lambdaContext());
        // Assess
        assert.equal(result.statusCode, c.status ?? 400, result.body);
        const body = json<ErrorBody>(result);
        assert.equal(body.error.code, c.code);
        assert.ok(body.error.message.length > 0);
        if (c.field !== undefined) assert.ok(body.error.details?.some((d) => d.field === c.field), `details name ${c.field}: ${result.body}`);
        if (c.reason !== undefined) assert.ok(body.error.details?.some((d) => d.reason === c.reason), `details give reason ${c.reason}: ${result.body}`);
        assert.equal((await paymentItems(east1)).length, before, 'nothing stored');
        assert.equal(east1.queued().length + east2.queued().length, 0, 'nothing queued');
      });
    }

    it('reports every invalid field at once', async () => {
      const result = await createPayment(postPayment({ amount: 1.5, currency: 'ABC', reference: '' }, newKey()), lambdaContext());
      assert.equal(result.statusCode, 400);
      assert.deepEqual(json<ErrorBody>(result).error.details?.map((d) => d.field).sort(), ['amount', 'currency', 'reference']);
    });

    it('reads the Idempotency-Key header case-insensitively and accepts a base64 body', async () => {
      const event = postPayment('', undefined, { 'idempotency-KEY': newKey() });
      event.body = Buffer.from(JSON.stringify(valid)).toString('base64');
      event.isBase64Encoded = true;
      const result = await createPayment(event, lambdaContext());
      assert.equal(result.statusCode, 201, result.body);
    });
  });

  it('commits a payment with one conditional write: 201, one item, no S3 or SQS call (the pending windows are read once per cache period)', async () => {
    // Prepare: an execution environment whose window copies stay fresh for the whole test, warmed
    // by one payment, which reads each region's pending window once (closed: no marker read).
    process.env.PENDING_WINDOW_CACHE_MS = '60000';
    const { handler: longCache } = loadFresh<{ handler: ApiHandler }>('../handlers/createPayment');
    east1.apply();
    const warmEast1 = counters(east1);
    const warmEast2 = counters(east2);
    assert.equal((await longCache(postPayment(valid, newKey()), lambdaContext())).statusCode, 201);
    assert.deepEqual([warmEast1(), warmEast2()], [{ dynamodb: 1, s3: 1, sqs: 0 }, { dynamodb: 0, s3: 1, sqs: 0 }], 'one window read per region');
    const key = newKey();
    const east1Calls = counters(east1);
    const east2Calls = counters(east2);
    // Act
    const result = await longCache(postPayment(valid, key), lambdaContext());
    // Assess
    assert.equal(result.statusCode, 201, result.body);
    const body = json<Record<string, unknown>>(result);
    const transactionId = transactionIdFor(valid.merchantId, key);
    assert.deepEqual(Object.keys(body), ['transactionId', 'status', 'amount', 'currency', 'merchantId', 'reference', 'metadata', 'createdAt', 'region']);
    assert.equal(body.transactionId, transactionId);
    assert.equal(body.status, 'COMMITTED');
    assert.equal(body.region, 'us-east-1');
    assert.deepEqual(body.metadata, { basket: 'b-9', channel: 'web' });
    assert.deepEqual(east1Calls(), { dynamodb: 1, s3: 0, sqs: 0 });
    assert.deepEqual(east2Calls(), { dynamodb: 0, s3: 0, sqs: 0 });
    const stored = await itemOf(east1, transactionId);
    assert.equal(stored?.amount?.N, '12345');
    assert.equal(stored?.status?.S, 'COMMITTED');
    assert.equal(stored?.idempotencyKey?.S, key);
    assert.equal(stored?.expiration, undefined, 'payments never expire');
    assert.match(stored?.requestHash?.S ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual((await east1.dynamodb.scan(east1.tableName)).filter((i) => i.pk?.S?.includes(transactionId) || i.pk?.S?.includes(key)).length, 1, 'no idempotency record beside the payment');
  });

  it('never writes unconditionally: every DynamoDB write it sends, in either region, carries attribute_not_exists(pk)', async () => {
    // Prepare: record every request both regions' DynamoDB fronts see (no fault)
    const writes: string[] = [];
    for (const r of [east1, east2]) {
      r.dynamodbFaults.match = (req, body) => {
        if (/PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems/.test(String(req.headers['x-amz-target']))) writes.push(body);
        return false;
      };
    }
    const key = newKey();
    // Act: a commit, a replay, a key reuse, and a commit through the peer replica
    await createPayment(postPayment(valid, key), lambdaContext());
    await createPayment(postPayment(valid, key), lambdaContext());
    await createPayment(postPayment({ ...valid, amount: 1 }, key), lambdaContext());
    east1.dynamodbFaults.match = (req, body) => {
      if (/PutItem/.test(String(req.headers['x-amz-target']))) writes.push(body);
      return true;
    };
    east1.dynamodbFaults.fault = { kind: 'throttle' };
    await createPayment(postPayment(valid, newKey()), lambdaContext());
    // Assess
    assert.ok(writes.length >= 5, `${writes.length} writes seen`);
    for (const body of writes) {
      const request = JSON.parse(body) as { ConditionExpression?: string; ExpressionAttributeNames?: Record<string, string> };
      assert.equal(request.ConditionExpression, 'attribute_not_exists(#pk)', body.slice(0, 200));
      assert.deepEqual(request.ExpressionAttributeNames, { '#pk': 'pk' });
    }
  });

  it('takes the merchant from the credential only: no body merchantId is needed, and another merchant\'s key is another transaction', async () => {
    const key = newKey();
    const { merchantId: _omitted, ...withoutMerchant } = valid;
    const a = await createPayment(postPayment(withoutMerchant, key, {}, { merchantId: 'merchant-a' }), lambdaContext());
    const b = await createPayment(postPayment(withoutMerchant, key, {}, { merchantId: 'merchant-b' }), lambdaContext());
    assert.equal(a.statusCode, 201, a.body);
    assert.equal(b.statusCode, 201, `merchant-b cannot claim merchant-a's key: ${b.body}`);
    assert.equal(json<{ merchantId: string }>(a).merchantId, 'merchant-a');
    assert.notEqual(json<{ transactionId: string }>(a).transactionId, json<{ transactionId: string }>(b).transactionId);
  });

  it('replays the same key and body with the identical 201 body, no second transaction and no second write', async () => {
    // Prepare
    const key = newKey();
    const first = await createPayment(postPayment(valid, key), lambdaContext());
    const count = (await paymentItems(east1)).length;
    const calls = counters(east1);
    // Act: same body with its keys in another order
    const replay = await createPayment(postPayment({ metadata: { basket: 'b-9', channel: 'web' }, reference: 'order-77', merchantId: 'merchant-1', currency: 'EUR', amount: 12_345 }, key), lambdaContext());
    // Assess
    assert.equal(first.statusCode, 201);
    assert.equal(replay.statusCode, 201);
    assert.equal(replay.body, first.body);
    assert.equal((await paymentItems(east1)).length, count);
    // One request: the refused conditional write carries the stored item back (ReturnValuesOnConditionCheckFailure,
    // which DynamoDB implements and the DynamoDB front emulates for dynalite).
    assert.equal(calls().dynamodb, 1, 'a duplicate costs its refused write and no read');
  });

  it('still answers a replay where the engine does not return the stored item (dynalite itself): one extra read', async () => {
    const key = newKey();
    const first = await createPayment(postPayment(valid, key), lambdaContext());
    east1.dynamodbFront.returnOldItemOnConditionFailure = false;
    const calls = counters(east1);
    const replay = await createPayment(postPayment(valid, key), lambdaContext());
    assert.equal(replay.body, first.body);
    assert.equal(calls().dynamodb, 2);
  });

  it('refuses the same key with a different body: 422 IDEMPOTENCY_KEY_REUSED, original untouched', async () => {
    const key = newKey();
    const first = await createPayment(postPayment(valid, key), lambdaContext());
    const reused = await createPayment(postPayment({ ...valid, amount: valid.amount + 1 }, key), lambdaContext());
    assert.equal(reused.statusCode, 422);
    assert.equal(json<ErrorBody>(reused).error.code, 'IDEMPOTENCY_KEY_REUSED');
    assert.equal((await itemOf(east1, json<{ transactionId: string }>(first).transactionId))?.amount?.N, String(valid.amount));
    assert.equal((await createPayment(postPayment(valid, key), lambdaContext())).body, first.body);
  });

  it('10 concurrent identical requests create exactly one transaction and all get the same 201 body', async () => {
    const key = newKey();
    const transactionId = transactionIdFor(valid.merchantId, key);
    const results = await Promise.all(Array.from({ length: 10 }, () => createPayment(postPayment(valid, key), lambdaContext())));
    for (const r of results) assert.equal(r.statusCode, 201, r.body);
    assert.equal(new Set(results.map((r) => r.body)).size, 1, 'all 201 bodies identical');
    assert.equal(json<{ transactionId: string }>(results[0]!).transactionId, transactionId);
    assert.equal((await paymentItems(east1)).filter((i) => i.pk?.S === `PAYMENT#${transactionId}`).length, 1);
  });

  describe('a retry in the other region (us-east-2)', () => {
    /** Global-table replication, emulated: copy one item from us-east-1's replica to us-east-2's. */
    async function replicate(transactionId: string): Promise<void> {
      const item = await itemOf(east1, transactionId);
      assert.ok(item);
      await east2.dynamodb.client.send(new PutItemCommand({ TableName: east2.tableName, Item: item }));
    }

    it('answers with the original transaction once it has replicated (same body)', async () => {
      const key = newKey();
      const original = await createPayment(postPayment(valid, key), lambdaContext());
      await replicate(json<{ transactionId: string }>(original).transactionId);
      const retried = await createPaymentEast2(postPayment(valid, key), lambdaContext());
      assert.equal(retried.statusCode, 201);
      assert.equal(retried.body, original.body, 'same transactionId, createdAt and accepting region');
      const items = (await paymentItems(east2)).filter((i) => i.pk?.S === `PAYMENT#${json<{ transactionId: string }>(original).transactionId}`);
      assert.equal(items.length, 1);
      assert.equal(items[0]?.region?.S, 'us-east-1', 'the replicated item was not overwritten');
    });

    it('refuses a different body under the same key there too (422)', async () => {
      const key = newKey();
      const original = await createPayment(postPayment(valid, key), lambdaContext());
      await replicate(json<{ transactionId: string }>(original).transactionId);
      const reused = await createPaymentEast2(postPayment({ ...valid, currency: 'USD' }, key), lambdaContext());
      assert.equal(reused.statusCode, 422);
      assert.equal(json<ErrorBody>(reused).error.code, 'IDEMPOTENCY_KEY_REUSED');
    });
  });

  describe('when this region\'s replica refuses the write, the peer region\'s replica commits it', () => {
    it('throttling here: 201 committed in us-east-2\'s replica, nothing queued', async () => {
      // Prepare
      const key = newKey();
      const id = transactionIdFor(valid.merchantId, key);
      east1.dynamodbFaults.fault = { kind: 'throttle' };
      // Act
      const result = await createPayment(postPayment(valid, key), lambdaContext());
      // Assess
      assert.equal(result.statusCode, 201, result.body);
      assert.equal(json<{ status: string; region: string }>(result).status, 'COMMITTED');
      assert.equal(json<{ region: string }>(result).region, 'us-east-1', 'the accepting region');
      east1.dynamodbFaults.fault = { kind: 'none' };
      assert.equal(await itemOf(east1, id), undefined, 'not written here (replication brings it)');
      assert.equal((await itemOf(east2, id))?.amount?.N, String(valid.amount));
      assert.equal(east1.queued().length + east2.queued().length, 0);
    });

    it('no answer at all here (timeouts): 201 from the peer within a bounded time', async () => {
      const key = newKey();
      east1.dynamodbFaults.fault = { kind: 'hang' };
      const result = await createPayment(postPayment(valid, key), lambdaContext());
      assert.equal(result.statusCode, 201, result.body);
      assert.ok(await itemOf(east2, transactionIdFor(valid.merchantId, key)));
    });

    it('a write that committed here but whose answer was lost is recognised on the SDK retry: 201, one item', async () => {
      const key = newKey();
      const id = transactionIdFor(valid.merchantId, key);
      east1.dynamodbFaults.match = (_req, body) => body.includes(`PAYMENT#${id}`) && body.includes('ConditionExpression');
      east1.dynamodbFaults.fault = { kind: 'lose-response', times: 1 };
      const result = await createPayment(postPayment(valid, key), lambdaContext());
      assert.equal(result.statusCode, 201, result.body);
      assert.equal(json<{ transactionId: string }>(result).transactionId, id);
      assert.equal((await paymentItems(east1)).filter((i) => i.pk?.S === `PAYMENT#${id}`).length, 1);
      assert.equal(await itemOf(east2, id), undefined);
    });
  });

  describe('when neither replica takes the write: durably pending in both regions', () => {
    it('answers 202 PENDING with a marker in both regions\' buckets and the payment on both regions\' queues', async () => {
      // Prepare
      const key = newKey();
      const id = transactionIdFor(valid.merchantId, key);
      bothWritesFail(east1, east2);
      // Act
      const result = await createPayment(postPayment(valid, key), lambdaContext());
      // Assess
      assert.equal(result.statusCode, 202, result.body);
      const body = json<{ transactionId: string; status: string }>(result);
      assert.equal(body.status, 'PENDING');
      assert.equal(body.transactionId, id);
      for (const r of [east1, east2]) {
        assert.deepEqual(r.queued().map((m) => m.queueUrl), [r.retryQueueUrl], `queued in ${r.region}`);
        assert.ok((await r.s3.list(r.bucket, 'pending/')).includes(`pending/${id}.json`), `marker in ${r.region}`);
      }
      assert.equal(await itemOf(east1, id), undefined);
    });

    it('a same-key request while pending answers the same 202 (same body), in either region', async () => {
      const key = newKey();
      bothWritesFail(east1, east2);
      const first = await createPayment(postPayment(valid, key), lambdaContext());
      const again = await createPayment(postPayment(valid, key), lambdaContext());
      const inEast2 = await createPaymentEast2(postPayment(valid, key), lambdaContext());
      assert.equal(first.statusCode, 202);
      assert.equal(again.statusCode, 202);
      assert.equal(again.body, first.body);
      assert.equal(inEast2.statusCode, 202);
      assert.equal(inEast2.body, first.body);
    });

    it('a same-key request with another body while pending is 422, and the pending payment is the one committed', async () => {
      // Prepare
      const key = newKey();
      const id = transactionIdFor(valid.merchantId, key);
      bothWritesFail(east1, east2);
      const pending = await createPayment(postPayment(valid, key), lambdaContext());
      // Act
      const other = await createPayment(postPayment({ ...valid, amount: 900_000 }, key), lambdaContext());
      const otherInEast2 = await createPaymentEast2(postPayment({ ...valid, amount: 900_000 }, key), lambdaContext());
      // us-east-1 is lost for good; us-east-2's DynamoDB recovers and its retry processor runs.
      const queuedInEast2 = east2.queued().map((m) => m.body);
      east2.reset();
      const processed = await retryProcessorEast2(sqsEvent(queuedInEast2), lambdaContext('payments-retry'));
      const read = await getPaymentEast2(getPaymentEvent(id, valid.merchantId), lambdaContext());
      // Assess
      assert.equal(pending.statusCode, 202);
      assert.equal(other.statusCode, 422, other.body);
      assert.equal(json<ErrorBody>(other).error.code, 'IDEMPOTENCY_KEY_REUSED');
      assert.equal(otherInEast2.statusCode, 422, otherInEast2.body);
      assert.deepEqual(processed.batchItemFailures.length, 0);
      assert.equal((await itemOf(east2, id))?.amount?.N, String(valid.amount));
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(json<{ status: string; amount: number }>(read).status, 'COMMITTED');
      assert.equal(json<{ amount: number }>(read).amount, valid.amount);
    });

    it('after DynamoDB recovers, before any retry processor ran: another body is 422 in both regions, the same body commits the accepted payment', async () => {
      // Prepare: a 202 opens both regions' pending windows
      const key = newKey();
      const id = transactionIdFor(valid.merchantId, key);
      bothWritesFail(east1, east2);
      const pending = await createPayment(postPayment(valid, key), lambdaContext());
      assert.equal(pending.statusCode, 202, pending.body);
      for (const r of [east1, east2]) assert.deepEqual(await r.s3.list(r.bucket, PENDING_WINDOW_KEY), [PENDING_WINDOW_KEY], `window in ${r.region}`);
      // Act: DynamoDB accepts writes again in both regions; nothing has processed the queues
      east1.reset();
      east2.reset();
      const other = await createPayment(postPayment({ ...valid, amount: 900_000 }, key), lambdaContext());
      const otherInEast2 = await createPaymentEast2(postPayment({ ...valid, amount: 900_000 }, key), lambdaContext());
      const same = await createPaymentEast2(postPayment(valid, key), lambdaContext());
      // Assess
      assert.equal(other.statusCode, 422, other.body);
      assert.equal(json<ErrorBody>(other).error.code, 'IDEMPOTENCY_KEY_REUSED');
      assert.equal(otherInEast2.statusCode, 422, otherInEast2.body);
      assert.equal(same.statusCode, 201, same.body);
      const accepted = json<Record<string, unknown>>(pending);
      assert.deepEqual(json<Record<string, unknown>>(same), { ...accepted, status: 'COMMITTED' }, 'the accepted payment, exactly as accepted');
      assert.equal((await itemOf(east2, id))?.amount?.N, String(valid.amount));
    });

    it('GET answers PENDING (not 404) for a queued payment, in either region', async () => {
      const key = newKey();
      const id = transactionIdFor(valid.merchantId, key);
      bothWritesFail(east1, east2);
      await createPayment(postPayment(valid, key), lambdaContext());
      const read = await getPaymentEast2(getPaymentEvent(id, valid.merchantId), lambdaContext());
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(json<{ status: string }>(read).status, 'PENDING');
    });

    it('still 202 when one region\'s queue and bucket refuse (separate failure domains)', async () => {
      const key = newKey();
      bothWritesFail(east1, east2);
      east1.sqs.faults.fail('SendMessage', { status: 500, type: 'InternalError' });
      east1.s3Faults.fault = { kind: 'status', status: 503, body: '<Error><Code>SlowDown</Code><Message>injected</Message></Error>' };
      const result = await createPayment(postPayment(valid, key), lambdaContext());
      assert.equal(result.statusCode, 202, result.body);
      assert.equal(east2.queued().length, 1);
    });

    it('answers 503 with Retry-After when no queue accepts it, withdraws its markers, and the retry then succeeds', async () => {
      // Prepare
      const key = newKey();
      const id = transactionIdFor(valid.merchantId, key);
      bothWritesFail(east1, east2);
      east1.sqs.faults.fail('SendMessage', { status: 500, type: 'InternalError' });
      east2.sqs.faults.fail('SendMessage', { status: 500, type: 'InternalError' });
      // Act
      const result = await createPayment(postPayment(valid, key), lambdaContext());
      // Assess
      assert.equal(result.statusCode, 503, result.body);
      assert.equal(json<ErrorBody>(result).error.code, 'SERVICE_UNAVAILABLE');
      assert.match(String(result.headers?.['Retry-After']), /^\d+$/);
      for (const r of [east1, east2]) assert.ok(!(await r.s3.list(r.bucket, 'pending/')).includes(`pending/${id}.json`), `no marker left in ${r.region}`);
      east1.reset();
      east2.reset();
      const retried = await createPayment(postPayment(valid, key), lambdaContext());
      assert.equal(retried.statusCode, 201, retried.body);
    });

    it('answers 503 when no marker can be written in either region, and queues nothing', async () => {
      const key = newKey();
      bothWritesFail(east1, east2);
      for (const r of [east1, east2]) r.s3Faults.fault = { kind: 'status', status: 500 };
      const result = await createPayment(postPayment(valid, key), lambdaContext());
      assert.equal(result.statusCode, 503, result.body);
      assert.equal(east1.queued().length + east2.queued().length, 0);
    });
  });

  it('logs identifiers, never the request body, reference or metadata', async () => {
    // Prepare
    const logger = loggerEast1;
    const written: string[] = [];
    const originalWrite = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
    logger.setLogLevel('DEBUG');
    const key = newKey();
    const secret = { ...valid, reference: 'customer-jane-doe-ref', metadata: { email: 'jane.doe@example.com' } };
    try {
      // Act
      await createPayment(postPayment(secret, key), lambdaContext());
      await createPayment(postPayment({ ...secret, cardNumber: '4111111111111111' }, newKey()), lambdaContext());
      bothWritesFail(east1, east2);
      await createPayment(postPayment(secret, newKey()), lambdaContext());
    } finally {
      logger.setLogLevel('SILENT');
      process.stdout.write = originalWrite;
    }
    // Assess
    const logs = written.join('');
    assert.ok(logs.includes(transactionIdFor(valid.merchantId, key)), 'transaction ids are logged');
    for (const secretValue of ['customer-jane-doe-ref', 'jane.doe@example.com', '4111111111111111']) assert.ok(!logs.includes(secretValue), `${secretValue} not logged`);
  });
});
