import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeError, isRetryableAwsError, rootErrorName } from './errors';
import { newPaymentItem, requestHashOf, toView, transactionIdFor, TRANSACTION_ID_PATTERN } from './payment';

describe('payment identifiers', () => {
  it('derives a deterministic, UUIDv8-shaped transactionId from (merchantId, Idempotency-Key)', () => {
    const id = transactionIdFor('merchant-1', 'key-1');
    assert.equal(transactionIdFor('merchant-1', 'key-1'), id);
    assert.match(id, TRANSACTION_ID_PATTERN);
    assert.equal(id[14], '8', 'version 8');
    assert.ok('89ab'.includes(id[19]!), 'RFC 9562 variant');
    assert.notEqual(transactionIdFor('merchant-2', 'key-1'), id);
    assert.notEqual(transactionIdFor('merchant-1', 'key-2'), id);
    // no ambiguity from concatenation
    assert.notEqual(transactionIdFor('ab', 'c'), transactionIdFor('a', 'bc'));
  });

  it('hashes requests canonically: key order does not matter, any value does', () => {
    const a = requestHashOf({ merchantId: 'm', amount: 1, currency: 'USD', metadata: { x: '1', y: '2' } });
    assert.equal(requestHashOf({ metadata: { y: '2', x: '1' }, currency: 'USD', amount: 1, merchantId: 'm' }), a);
    assert.notEqual(requestHashOf({ merchantId: 'm', amount: 2, currency: 'USD', metadata: { x: '1', y: '2' } }), a);
    assert.notEqual(requestHashOf({ merchantId: 'm', amount: 1, currency: 'USD', metadata: { x: '1' } }), a);
    assert.notEqual(requestHashOf({ merchantId: 'm', amount: 1, currency: 'USD', reference: 'r', metadata: { x: '1', y: '2' } }), a);
  });

  it('renders the view in one field order whatever the source order', () => {
    const item = newPaymentItem({ request: { merchantId: 'm', amount: 5, currency: 'EUR', metadata: { b: '1', a: '2' } }, idempotencyKey: 'k', region: 'us-east-2', now: new Date(0) });
    const shuffled = JSON.parse(JSON.stringify({ region: item.region, createdAt: item.createdAt, metadata: { a: '2', b: '1' }, merchantId: 'm', currency: 'EUR', amount: 5, status: 'COMMITTED', transactionId: item.transactionId })) as typeof item;
    assert.equal(JSON.stringify(toView(shuffled)), JSON.stringify(toView(item)));
    assert.deepEqual(Object.keys(toView(item)), ['transactionId', 'status', 'amount', 'currency', 'merchantId', 'metadata', 'createdAt', 'region']);
  });
});

describe('retryable AWS error classification', () => {
  const sdkError = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(name), { name, ...extra });

  it('retries throttling, server faults, timeouts and network failures', () => {
    assert.ok(isRetryableAwsError(sdkError('ThrottlingException', { $fault: 'client' })));
    assert.ok(isRetryableAwsError(sdkError('ProvisionedThroughputExceededException')));
    assert.ok(isRetryableAwsError(sdkError('InternalServerError', { $fault: 'server' })));
    assert.ok(isRetryableAwsError(sdkError('Whatever', { $metadata: { httpStatusCode: 503 } })));
    assert.ok(isRetryableAwsError(sdkError('Whatever', { $retryable: { throttling: true } })));
    assert.ok(isRetryableAwsError(sdkError('TimeoutError')));
    assert.ok(isRetryableAwsError(Object.assign(new Error('socket'), { code: 'ECONNRESET' })));
  });

  it('looks through wrappers (Powertools persistence errors carry the SDK error as cause)', () => {
    const wrapped = new Error('Failed to save in progress record', { cause: sdkError('ThrottlingException') });
    assert.ok(isRetryableAwsError(wrapped));
    assert.equal(rootErrorName(wrapped), 'ThrottlingException');
  });

  it('does not retry client errors', () => {
    assert.ok(!isRetryableAwsError(sdkError('ValidationException', { $fault: 'client', $metadata: { httpStatusCode: 400 } })));
    assert.ok(!isRetryableAwsError(sdkError('ConditionalCheckFailedException', { $fault: 'client' })));
    assert.ok(!isRetryableAwsError(sdkError('ResourceNotFoundException', { $fault: 'client' })));
    assert.ok(!isRetryableAwsError('a string'));
    assert.deepEqual(describeError('x'), { errorName: 'string', errorMessage: 'x' });
  });
});
