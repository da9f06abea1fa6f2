import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPaymentRules } from './config';
import { MalformedJsonError, MissingIdempotencyKeyError, PayloadTooLargeError, ValidationError } from './errors';
import { LIMITS, parsePaymentRequest, readIdempotencyKey } from './validation';

const rules = readPaymentRules({ MAX_AMOUNT_MINOR: '1000', ALLOWED_CURRENCIES: 'USD,EUR' });
const parse = (body: unknown) => parsePaymentRequest({ body: typeof body === 'string' ? body : JSON.stringify(body), isBase64Encoded: false }, rules);

function issuesOf(body: unknown): string[] {
  try {
    parse(body);
  } catch (error) {
    if (error instanceof ValidationError) return (error.details ?? []).map((d) => `${d.field}: ${d.issue}`);
    throw error;
  }
  return [];
}

describe('payment request validation', () => {
  it('accepts a valid request and keeps only known fields', () => {
    assert.deepEqual(parse({ amount: 1000, currency: 'USD', merchantId: 'm_1-a', reference: 'r', metadata: { k: 'v' } }), {
      merchantId: 'm_1-a',
      amount: 1000,
      currency: 'USD',
      reference: 'r',
      metadata: { k: 'v' },
    });
  });

  it('checks the amount: integer minor units, > 0, <= MAX_AMOUNT_MINOR', () => {
    const base = { currency: 'USD', merchantId: 'm' };
    assert.deepEqual(issuesOf({ ...base, amount: 1001 }), ['amount: must be at most 1000']);
    assert.deepEqual(issuesOf({ ...base, amount: 0 }), ['amount: must be greater than 0']);
    assert.deepEqual(issuesOf({ ...base, amount: -1 }), ['amount: must be greater than 0']);
    assert.deepEqual(issuesOf({ ...base, amount: 1.01 }), ['amount: must be an integer number of minor units (no fractions)']);
    assert.deepEqual(issuesOf({ ...base, amount: '5' }), ['amount: must be an integer number of minor units']);
    assert.deepEqual(issuesOf({ ...base, amount: null }), ['amount: must be an integer number of minor units']);
    assert.deepEqual(issuesOf(`{"currency":"USD","merchantId":"m","amount":1e400}`), ['amount: must be an integer number of minor units']);
    assert.deepEqual(issuesOf({ ...base }), ['amount: is required']);
  });

  it('checks currency against the allow-list, exactly', () => {
    assert.deepEqual(issuesOf({ amount: 1, currency: 'GBP', merchantId: 'm' }), ['currency: must be one of USD, EUR']);
    assert.deepEqual(issuesOf({ amount: 1, currency: 'usd', merchantId: 'm' }), ['currency: must be one of USD, EUR']);
  });

  it('bounds merchantId, reference and metadata', () => {
    const base = { amount: 1, currency: 'USD', merchantId: 'm' };
    assert.equal(issuesOf({ ...base, merchantId: 'x'.repeat(LIMITS.merchantIdMaxLength + 1) }).length, 1);
    assert.equal(issuesOf({ ...base, merchantId: 'has space' }).length, 1);
    assert.equal(issuesOf({ ...base, reference: 'line\nbreak' }).length, 1);
    assert.equal(issuesOf({ ...base, metadata: ['a'] }).length, 1);
    assert.equal(issuesOf({ ...base, metadata: { 'bad key!': 'v' } }).length, 1);
    assert.equal(issuesOf({ ...base, metadata: { k: 'v'.repeat(LIMITS.metadataValueMaxLength + 1) } }).length, 1);
    const big = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`key${i}`, 'v'.repeat(200)]));
    assert.deepEqual(issuesOf({ ...base, metadata: big }), [`metadata: must not exceed ${LIMITS.metadataMaxBytes} bytes`]);
  });

  it('refuses unknown fields rather than storing them', () => {
    assert.deepEqual(issuesOf({ amount: 1, currency: 'USD', merchantId: 'm', pan: '4111' }), ['pan: is not a recognised field']);
  });

  it('distinguishes malformed JSON and oversized bodies from invalid fields', () => {
    assert.throws(() => parse('{'), MalformedJsonError);
    assert.throws(() => parse('"a string"'), MalformedJsonError);
    assert.throws(() => parse('null'), MalformedJsonError);
    assert.throws(() => parse(' '.repeat(LIMITS.maxBodyBytes + 1)), PayloadTooLargeError);
  });

  it('reads the Idempotency-Key header in any case, and refuses a missing or invalid one', () => {
    const event = (headers: Record<string, string>) => ({ headers, multiValueHeaders: {} });
    assert.equal(readIdempotencyKey(event({ 'idempotency-key': 'abc' })), 'abc');
    assert.equal(readIdempotencyKey(event({ 'IDEMPOTENCY-KEY': ' abc ' })), 'abc');
    assert.equal(readIdempotencyKey({ headers: {}, multiValueHeaders: { 'Idempotency-Key': ['multi'] } }), 'multi');
    assert.throws(() => readIdempotencyKey(event({})), MissingIdempotencyKeyError);
    assert.throws(() => readIdempotencyKey(event({ 'Idempotency-Key': 'has space' })), MissingIdempotencyKeyError);
    assert.throws(() => readIdempotencyKey(event({ 'Idempotency-Key': 'é' })), MissingIdempotencyKeyError);
  });
});
