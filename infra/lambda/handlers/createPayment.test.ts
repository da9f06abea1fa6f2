/**
 * POST /payments against a real DynamoDB engine (dynalite) and a real S3 engine (s3rver).
 * SQS has no local engine: the retry queue is the AWS-JSON-protocol double in testkit/awsJsonDouble
 * (the real SQS client talks to it). Throttling, 5xx and slow S3 are injected by a fault proxy in
 * front of the engines, so the SDK sees exactly what AWS would send.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { transactionIdFor } from '../commons/payment';
import { loadFresh, saveEnv } from '../testkit/env';
import { lambdaContext, postPayment, sqsEvent } from '../testkit/lambda';
import { startRegion, type RegionFixture } from '../testkit/region';

type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

interface ErrorBody {
  error: { code: string; message: string; details?: { field: string; issue: string }[] };
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

describe('createPayment handler', () => {
  let restoreEnv: () => void;
  let east1: RegionFixture;
  let east2: RegionFixture;
  let createPayment: ApiHandler;
  let retryProcessor: SqsHandler;
  let loggerEast1: typeof import('../commons/powertools').logger;

  before(async () => {
    // Prepare: two regions; the handlers of us-east-1 are loaded with its environment.
    restoreEnv = saveEnv();
    [east1, east2] = await Promise.all([startRegion('us-east-1'), startRegion('us-east-2')]);
    east1.apply();
    ({ handler: createPayment } = loadFresh<{ handler: ApiHandler }>('../handlers/createPayment'));
    ({ handler: retryProcessor } = await import('./retryProcessor'));
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

  describe('bad input is a 400 with code, message and details, never a 500', () => {
    const cases: { name: string; event: () => APIGatewayProxyEvent; code: string; field?: string }[] = [
      { name: 'malformed JSON', event: () => postPayment('{"amount": 1,', newKey()), code: 'MALFORMED_JSON' },
      { name: 'a JSON array instead of an object', event: () => postPayment('[1,2]', newKey()), code: 'MALFORMED_JSON' },
      { name: 'an empty body', event: () => postPayment('', newKey()), code: 'MALFORMED_JSON' },
      { name: 'amount as a string', event: () => postPayment({ ...valid, amount: '100' }, newKey()), code: 'VALIDATION_FAILED', field: 'amount' },
      { name: 'a negative amount', event: () => postPayment({ ...valid, amount: -5 }, newKey()), code: 'VALIDATION_FAILED', field: 'amount' },
      { name: 'a zero amount', event: () => postPayment({ ...valid, amount: 0 }, newKey()), code: 'VALIDATION_FAILED', field: 'amount' },
      { name: 'a fractional amount', event: () => postPayment({ ...valid, amount: 10.5 }, newKey()), code: 'VALIDATION_FAILED', field: 'amount' },
      { name: 'an amount above MAX_AMOUNT_MINOR', event: () => postPayment({ ...valid, amount: 100_000_001 }, newKey()), code: 'VALIDATION_FAILED', field: 'amount' },
      { name: 'an unknown currency', event: () => postPayment({ ...valid, currency: 'XYZ' }, newKey()), code: 'VALIDATION_FAILED', field: 'currency' },
      { name: 'a lower-case currency', event: () => postPayment({ ...valid, currency: 'eur' }, newKey()), code: 'VALIDATION_FAILED', field: 'currency' },
      { name: 'a missing merchantId', event: () => postPayment({ amount: 1, currency: 'USD' }, newKey()), code: 'VALIDATION_FAILED', field: 'merchantId' },
      { name: 'merchantId as a number', event: () => postPayment({ ...valid, merchantId: 42 }, newKey()), code: 'VALIDATION_FAILED', field: 'merchantId' },
      { name: 'metadata with a non-string value', event: () => postPayment({ ...valid, metadata: { a: { b: 1 } } }, newKey()), code: 'VALIDATION_FAILED', field: 'metadata.a' },
      {
        name: 'metadata with too many entries',
        event: () => postPayment({ ...valid, metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) }, newKey()),
        code: 'VALIDATION_FAILED',
        field: 'metadata',
      },
      { name: 'an unknown field (e.g. a card number)', event: () => postPayment({ ...valid, cardNumber: '4111111111111111' }, newKey()), code: 'VALIDATION_FAILED', field: 'cardNumber' },
      { name: 'an oversized body', event: () => postPayment({ ...valid, reference: 'x'.repeat(20_000) }, newKey()), code: 'PAYLOAD_TOO_LARGE', field: 'body' },
      { name: 'a missing Idempotency-Key', event: () => postPayment(valid), code: 'MISSING_IDEMPOTENCY_KEY', field: 'Idempotency-Key' },
      { name: 'a blank Idempotency-Key', event: () => postPayment(valid, '   '), code: 'MISSING_IDEMPOTENCY_KEY', field: 'Idempotency-Key' },
      { name: 'an over-long Idempotency-Key', event: () => postPayment(valid, 'k'.repeat(129)), code: 'MISSING_IDEMPOTENCY_KEY', field: 'Idempotency-Key' },
    ];
    for (const c of cases) {
      it(`refuses ${c.name} with ${c.code}`, async () => {
        // Act
        const result = await createPayment(c.event(), lambdaContext());
        // Assess
        assert.equal(result.statusCode, 400, result.body);
        const body = json<ErrorBody>(result);
        assert.equal(body.error.code, c.code);
        assert.ok(body.error.message.length > 0);
        if (c.field !== undefined) assert.ok(body.error.details?.some((d) => d.field === c.field), `details name ${c.field}: ${result.body}`);
      });
    }

    it('reports every invalid field at once and stores nothing', async () => {
      // Prepare
      const before = (await paymentItems(east1)).length;
      // Act
      const result = await createPayment(postPayment({ amount: 1.5, currency: 'ABC', merchantId: '' }, newKey()), lambdaContext());
      // Assess
      assert.equal(result.statusCode, 400);
      const fields = json<ErrorBody>(result).error.details?.map((d) => d.field).sort();
      assert.deepEqual(fields, ['amount', 'currency', 'merchantId']);
      assert.equal((await paymentItems(east1)).length, before);
    });

    it('reads the Idempotency-Key header case-insensitively and accepts a base64 body', async () => {
      // Prepare
      const event = postPayment('', undefined, { 'idempotency-KEY': newKey() });
      event.body = Buffer.from(JSON.stringify(valid)).toString('base64');
      event.isBase64Encoded = true;
      // Act
      const result = await createPayment(event, lambdaContext());
      // Assess
      assert.equal(result.statusCode, 201, result.body);
    });
  });

  it('commits a payment: 201 with the transaction, one stored item, one transaction-log object', async () => {
    // Prepare
    const key = newKey();
    // Act
    const result = await createPayment(postPayment(valid, key), lambdaContext());
    // Assess
    assert.equal(result.statusCode, 201, result.body);
    const body = json<Record<string, unknown>>(result);
    const transactionId = transactionIdFor(valid.merchantId, key);
    assert.deepEqual(Object.keys(body), ['transactionId', 'status', 'amount', 'currency', 'merchantId', 'reference', 'metadata', 'createdAt', 'region']);
    assert.equal(body.transactionId, transactionId);
    assert.equal(body.status, 'COMMITTED');
    assert.equal(body.amount, valid.amount);
    assert.equal(body.currency, 'EUR');
    assert.equal(body.region, 'us-east-1');
    assert.deepEqual(body.metadata, { basket: 'b-9', channel: 'web' });

    const stored = (await paymentItems(east1)).find((i) => i.pk?.S === `PAYMENT#${transactionId}`);
    assert.ok(stored, 'payment item stored');
    assert.equal(stored.amount?.N, '12345');
    assert.equal(stored.status?.S, 'COMMITTED');
    assert.equal(stored.idempotencyKey?.S, key);
    assert.equal(stored.expiration, undefined, 'payments never expire; only idempotency records carry the TTL');
    assert.match(stored.requestHash?.S ?? '', /^[0-9a-f]{64}$/);

    const day = String(body.createdAt).slice(0, 10).replace(/-/g, '/');
    const logKey = `transactions/${day}/${transactionId}.json`;
    assert.ok((await east1.s3.list(east1.bucket, 'transactions/')).includes(logKey));
    const record = JSON.parse(await east1.s3.getText(east1.bucket, logKey)) as Record<string, unknown>;
    assert.equal(record.transactionId, transactionId);
    assert.equal(record.amount, valid.amount);
    assert.equal(record.status, 'COMMITTED');
    assert.equal(east1.aws.messages.length, 0, 'nothing queued on the happy path');
  });

  it('replays the same key and body with the identical 201 body and no second transaction', async () => {
    // Prepare
    const key = newKey();
    const first = await createPayment(postPayment(valid, key), lambdaContext());
    const count = (await paymentItems(east1)).length;
    // Act: same body with its keys in another order
    const replay = await createPayment(postPayment({ metadata: { basket: 'b-9', channel: 'web' }, reference: 'order-77', merchantId: 'merchant-1', currency: 'EUR', amount: 12_345 }, key), lambdaContext());
    // Assess
    assert.equal(first.statusCode, 201);
    assert.equal(replay.statusCode, 201);
    assert.equal(replay.body, first.body);
    assert.equal((await paymentItems(east1)).length, count);
  });

  it('refuses the same key with a different body: 422 IDEMPOTENCY_KEY_REUSED, original untouched', async () => {
    // Prepare
    const key = newKey();
    const first = await createPayment(postPayment(valid, key), lambdaContext());
    // Act
    const reused = await createPayment(postPayment({ ...valid, amount: valid.amount + 1 }, key), lambdaContext());
    // Assess
    assert.equal(reused.statusCode, 422);
    assert.equal(json<ErrorBody>(reused).error.code, 'IDEMPOTENCY_KEY_REUSED');
    const stored = (await paymentItems(east1)).find((i) => i.pk?.S === `PAYMENT#${json<{ transactionId: string }>(first).transactionId}`);
    assert.equal(stored?.amount?.N, String(valid.amount));
    // and the original replay still works afterwards
    assert.equal((await createPayment(postPayment(valid, key), lambdaContext())).body, first.body);
  });

  it('the same key from another merchant is a different transaction', async () => {
    const key = newKey();
    const a = json<{ transactionId: string }>(await createPayment(postPayment(valid, key), lambdaContext()));
    const b = json<{ transactionId: string }>(await createPayment(postPayment({ ...valid, merchantId: 'merchant-2' }, key), lambdaContext()));
    assert.notEqual(a.transactionId, b.transactionId);
  });

  it('10 concurrent identical requests create exactly one transaction, and every answer is that transaction', async () => {
    // Prepare
    const key = newKey();
    const transactionId = transactionIdFor(valid.merchantId, key);
    // Act
    const results = await Promise.all(Array.from({ length: 10 }, () => createPayment(postPayment(valid, key), lambdaContext())));
    // Assess
    for (const r of results) {
      assert.ok(r.statusCode === 201 || r.statusCode === 409, `201 or 409, got ${r.statusCode}: ${r.body}`);
      if (r.statusCode === 409) assert.equal(r.headers?.['Retry-After'], '1');
    }
    const created = results.filter((r) => r.statusCode === 201);
    assert.ok(created.length >= 1);
    assert.equal(new Set(created.map((r) => r.body)).size, 1, 'all 201 bodies identical');
    assert.equal(json<{ transactionId: string }>(created[0]!).transactionId, transactionId);
    const items = (await paymentItems(east1)).filter((i) => i.pk?.S === `PAYMENT#${transactionId}`);
    assert.equal(items.length, 1);
    const logs = (await east1.s3.list(east1.bucket)).filter((k) => k.endsWith(`${transactionId}.json`));
    assert.equal(logs.length, 1);
  });

  describe('a retry in the other region (us-east-2)', () => {
    let createPaymentEast2: ApiHandler;

    before(() => {
      // Prepare: the us-east-2 function, a separate execution environment with its own table.
      east2.apply();
      ({ handler: createPaymentEast2 } = loadFresh<{ handler: ApiHandler }>('../handlers/createPayment'));
      east1.apply();
    });

    /** Global-table replication, emulated: copy items from us-east-1's table to us-east-2's. */
    async function replicate(filter: (item: Record<string, AttributeValue>) => boolean): Promise<number> {
      const items = (await east1.dynamodb.scan(east1.tableName)).filter(filter);
      for (const Item of items) await east2.dynamodb.client.send(new PutItemCommand({ TableName: east2.tableName, Item }));
      return items.length;
    }

    it('answers with the original transaction once the idempotency record and the payment have replicated', async () => {
      // Prepare
      const key = newKey();
      const original = await createPayment(postPayment(valid, key), lambdaContext());
      assert.ok((await replicate(() => true)) > 0);
      // Act
      const retried = await createPaymentEast2(postPayment(valid, key), lambdaContext());
      // Assess
      assert.equal(retried.statusCode, 201);
      assert.equal(retried.body, original.body);
      const id = json<{ transactionId: string }>(original).transactionId;
      assert.equal((await paymentItems(east2)).filter((i) => i.pk?.S === `PAYMENT#${id}`).length, 1);
    });

    it('answers with the original transaction when only the payment item has replicated (conditional write)', async () => {
      // Prepare
      const key = newKey();
      const original = await createPayment(postPayment(valid, key), lambdaContext());
      const id = json<{ transactionId: string }>(original).transactionId;
      await replicate((i) => i.pk?.S === `PAYMENT#${id}`);
      // Act
      const retried = await createPaymentEast2(postPayment(valid, key), lambdaContext());
      // Assess
      assert.equal(retried.statusCode, 201, retried.body);
      assert.equal(retried.body, original.body, 'same transactionId, createdAt and processing region');
      const items = (await paymentItems(east2)).filter((i) => i.pk?.S === `PAYMENT#${id}`);
      assert.equal(items.length, 1);
      assert.equal(items[0]?.region?.S, 'us-east-1', 'the replicated item was not overwritten');
    });

    it('refuses a different body under the same key there too (422)', async () => {
      const key = newKey();
      const original = await createPayment(postPayment(valid, key), lambdaContext());
      const id = json<{ transactionId: string }>(original).transactionId;
      await replicate((i) => i.pk?.S === `PAYMENT#${id}`);
      const reused = await createPaymentEast2(postPayment({ ...valid, currency: 'USD' }, key), lambdaContext());
      assert.equal(reused.statusCode, 422);
      assert.equal(json<ErrorBody>(reused).error.code, 'IDEMPOTENCY_KEY_REUSED');
    });

    it('derives the same transactionId before replication, so replication converges on one item', async () => {
      const key = newKey();
      const a = json<{ transactionId: string }>(await createPayment(postPayment(valid, key), lambdaContext()));
      const b = json<{ transactionId: string; region: string }>(await createPaymentEast2(postPayment(valid, key), lambdaContext()));
      assert.equal(b.transactionId, a.transactionId);
      assert.equal(b.region, 'us-east-2');
    });
  });

  describe('when DynamoDB fails retryably', () => {
    it('queues the payment on throttling: 202 PENDING with the transactionId and the payment on the retry queue', async () => {
      // Prepare
      const key = newKey();
      east1.dynamodbProxy.fault = { kind: 'throttle' };
      // Act
      const result = await createPayment(postPayment(valid, key), lambdaContext());
      // Assess
      assert.equal(result.statusCode, 202, result.body);
      const body = json<{ transactionId: string; status: string }>(result);
      assert.equal(body.status, 'PENDING');
      assert.equal(body.transactionId, transactionIdFor(valid.merchantId, key));
      assert.equal(east1.aws.messages.length, 1);
      const message = JSON.parse(east1.aws.messages[0]!.body) as { kind: string; item: { transactionId: string; amount: number } };
      assert.equal(east1.aws.messages[0]!.queueUrl, east1.retryQueueUrl);
      assert.equal(message.kind, 'payment');
      assert.equal(message.item.transactionId, body.transactionId);
      assert.equal(message.item.amount, valid.amount);
      east1.dynamodbProxy.fault = { kind: 'none' };
      assert.equal((await paymentItems(east1)).filter((i) => i.pk?.S === `PAYMENT#${body.transactionId}`).length, 0);
    });

    it('queues on a 5xx of the payment write itself, and the retry processor then commits it exactly once', async () => {
      // Prepare: only the payment's conditional write fails (the idempotency record write succeeds)
      const key = newKey();
      const id = transactionIdFor(valid.merchantId, key);
      east1.dynamodbProxy.match = (_req, body) => body.includes(`PAYMENT#${id}`) && body.includes('ConditionExpression');
      east1.dynamodbProxy.fault = { kind: 'status', status: 500, body: '{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"injected"}' };
      // Act
      const pending = await createPayment(postPayment(valid, key), lambdaContext());
      const queued = east1.aws.messages.map((m) => m.body);
      east1.reset();
      // SQS is at-least-once: the processor may see the message twice.
      const first = await retryProcessor(sqsEvent(queued), lambdaContext('payments-retry'));
      const redelivered = await retryProcessor(sqsEvent(queued), lambdaContext('payments-retry'));
      const clientRetry = await createPayment(postPayment(valid, key), lambdaContext());
      // Assess
      assert.equal(pending.statusCode, 202, pending.body);
      assert.equal(json<{ transactionId: string }>(pending).transactionId, id);
      assert.equal(queued.length, 1);
      assert.deepEqual(first.batchItemFailures, []);
      assert.deepEqual(redelivered.batchItemFailures, []);
      const items = (await paymentItems(east1)).filter((i) => i.pk?.S === `PAYMENT#${id}`);
      assert.equal(items.length, 1);
      assert.equal(items[0]?.status?.S, 'COMMITTED');
      assert.equal(clientRetry.statusCode, 201, clientRetry.body);
      assert.equal(json<{ transactionId: string; status: string }>(clientRetry).transactionId, id);
      assert.equal(json<{ transactionId: string; status: string }>(clientRetry).status, 'COMMITTED');
      assert.ok((await east1.s3.list(east1.bucket)).some((k) => k.endsWith(`${id}.json`)), 'transaction log written by the processor');
    });

    it('queues on DynamoDB timeouts (no answer at all) within a bounded time: 202 PENDING', async () => {
      // Prepare
      const key = newKey();
      east1.dynamodbProxy.fault = { kind: 'hang' };
      const started = Date.now();
      // Act
      const result = await createPayment(postPayment(valid, key), lambdaContext());
      // Assess
      const elapsed = Date.now() - started;
      assert.equal(result.statusCode, 202, result.body);
      assert.equal(json<{ transactionId: string }>(result).transactionId, transactionIdFor(valid.merchantId, key));
      assert.equal(east1.aws.messages.length, 1);
      assert.ok(elapsed < 6_000, `answered in ${elapsed} ms`);
    });

    it('a write that committed but whose answer was lost is recognised on the SDK retry: 201, one item, logged', async () => {
      // Prepare
      const key = newKey();
      const id = transactionIdFor(valid.merchantId, key);
      east1.dynamodbProxy.match = (_req, body) => body.includes(`PAYMENT#${id}`) && body.includes('ConditionExpression');
      east1.dynamodbProxy.fault = { kind: 'lose-response', times: 1 };
      // Act
      const result = await createPayment(postPayment(valid, key), lambdaContext());
      // Assess
      assert.equal(result.statusCode, 201, result.body);
      assert.equal(json<{ transactionId: string }>(result).transactionId, id);
      assert.equal((await paymentItems(east1)).filter((i) => i.pk?.S === `PAYMENT#${id}`).length, 1);
      assert.ok((await east1.s3.list(east1.bucket)).some((k) => k.endsWith(`${id}.json`)), 'the transaction log has it');
    });

    it('answers 503 with Retry-After when the retry queue fails too, and nothing is stored', async () => {
      // Prepare
      const key = newKey();
      east1.dynamodbProxy.fault = { kind: 'throttle' };
      east1.aws.failSendMessage = { status: 500, type: 'InternalError' };
      // Act
      const result = await createPayment(postPayment(valid, key), lambdaContext());
      // Assess
      assert.equal(result.statusCode, 503, result.body);
      assert.equal(json<ErrorBody>(result).error.code, 'SERVICE_UNAVAILABLE');
      assert.match(String(result.headers?.['Retry-After']), /^\d+$/);
      east1.dynamodbProxy.fault = { kind: 'none' };
      assert.equal((await paymentItems(east1)).filter((i) => i.pk?.S === `PAYMENT#${transactionIdFor(valid.merchantId, key)}`).length, 0);
      // and the client's retry with the same key then succeeds
      const retried = await createPayment(postPayment(valid, key), lambdaContext());
      assert.equal(retried.statusCode, 201, retried.body);
    });
  });

  describe('the transaction log never fails a payment', () => {
    it('S3 hanging: 201 within the log budget, and the record is handed to the retry queue', async () => {
      // Prepare
      const key = newKey();
      east1.s3Proxy.fault = { kind: 'hang' };
      const started = Date.now();
      // Act
      const result = await createPayment(postPayment(valid, key), lambdaContext());
      // Assess
      const elapsed = Date.now() - started;
      assert.equal(result.statusCode, 201, result.body);
      assert.ok(elapsed < 2_500, `bounded: ${elapsed} ms`);
      const kinds = east1.aws.messages.map((m) => JSON.parse(m.body) as { kind: string; item: { transactionId: string } });
      assert.deepEqual(kinds.map((m) => m.kind), ['transaction-log']);
      assert.equal(kinds[0]!.item.transactionId, transactionIdFor(valid.merchantId, key));
    });

    it('S3 failing (5xx): 201, and the retry processor re-emits the record into the bucket', async () => {
      // Prepare
      const key = newKey();
      const id = transactionIdFor(valid.merchantId, key);
      east1.s3Proxy.fault = { kind: 'status', status: 503, body: '<Error><Code>SlowDown</Code><Message>injected</Message></Error>' };
      // Act
      const result = await createPayment(postPayment(valid, key), lambdaContext());
      const queued = east1.aws.messages.map((m) => m.body);
      east1.s3Proxy.fault = { kind: 'none' };
      const processed = await retryProcessor(sqsEvent(queued), lambdaContext('payments-retry'));
      // Assess
      assert.equal(result.statusCode, 201);
      assert.equal(queued.length, 1);
      assert.deepEqual(processed.batchItemFailures, []);
      assert.ok((await east1.s3.list(east1.bucket)).some((k) => k.endsWith(`${id}.json`)));
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
      east1.s3Proxy.fault = { kind: 'status', status: 500 };
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
