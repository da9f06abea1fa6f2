import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidRetryMessageError, parseRetryMessage } from './retryQueue';
import { METRICS_NAMESPACE, SERVICE_NAME, tracer } from './powertools';
import { newPaymentItem } from './payment';

describe('Powertools singletons', () => {
  it('the tracer is off outside Lambda and leaves clients untouched', () => {
    // Prepare
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const before = client.middlewareStack.identify().length;
    // Act
    const captured = tracer.captureAWSv3Client(client);
    // Assess
    assert.equal(tracer.isTracingEnabled(), false);
    assert.equal(captured, client);
    assert.equal(client.middlewareStack.identify().length, before);
    client.destroy();
  });

  it('uses the contract service name and metrics namespace', () => {
    assert.equal(SERVICE_NAME, 'payments');
    assert.equal(METRICS_NAMESPACE, 'PaymentsDR');
  });
});

describe('retry queue messages', () => {
  const item = newPaymentItem({ request: { merchantId: 'm', amount: 10, currency: 'USD', metadata: { a: 'b' } }, idempotencyKey: 'k', region: 'us-east-1', now: new Date(0) });

  it('round-trips a payment message', () => {
    const parsed = parseRetryMessage(JSON.stringify({ version: 1, kind: 'payment', item }));
    assert.deepEqual(parsed, { version: 1, kind: 'payment', item });
  });

  it('refuses messages it cannot apply safely', () => {
    const bad = (m: unknown) => () => parseRetryMessage(JSON.stringify(m));
    assert.throws(() => parseRetryMessage('nope'), InvalidRetryMessageError);
    assert.throws(bad({ version: 2, kind: 'payment', item }), /unknown version/);
    assert.throws(bad({ version: 1, kind: 'refund', item }), /unknown kind/);
    assert.throws(bad({ version: 1, kind: 'payment', item: { ...item, amount: 1.5 } }), /amount must be an integer/);
    assert.throws(bad({ version: 1, kind: 'payment', item: { ...item, pk: 'PAYMENT#other' } }), /does not match/);
    assert.throws(bad({ version: 1, kind: 'payment', item: { ...item, metadata: { a: 1 } } }), /metadata/);
  });
});
