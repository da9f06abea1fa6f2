import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPaymentRules } from './config';
import { ConflictingHeaderError, MalformedJsonError, MerchantMismatchError, MissingIdempotencyKeyError, PayloadTooLargeError, PaymentsError, UnsupportedMediaTypeError, ValidationError } from './errors';
import { LIMITS, parsePaymentRequest, readIdempotencyKey, requireJsonContentType } from './validation';

const rules = readPaymentRules({ MAX_AMOUNT_MINOR: '1000', ALLOWED_CURRENCIES: 'USD,EUR' });
const JSON_TYPE = { 'Content-Type': 'application/json' };
const parse = (body: unknown, merchantId = 'm') =>
  parsePaymentRequest({ body: typeof body === 'string' ? body : JSON.stringify(body), isBase64Encoded: false, headers: JSON_TYPE, multiValueHeaders: {} }, rules, merchantId);

function issuesOf(body: unknown): string[] {
  try {
    parse(body);
  } catch (error) {
    if (error instanceof ValidationError) return (error.details ?? []).map((d) => `${d.field}: ${d.issue}`);
    throw error;
  }
  return [];
}

/** `<code> <field>:<reason>` of the refusal, e.g. `VALIDATION_FAILED amount:NUMBER_FRACTION`. */
function refusalOf(body: string): string {
  try {
    parse(body);
  } catch (error) {
    if (error instanceof PaymentsError) return `${error.code} ${(error.details ?? []).map((d) => `${d.field}:${d.reason}`).join(',')}`;
    throw error;
  }
  return 'accepted';
}

describe('payment request validation', () => {
  it('accepts a valid request and keeps only known fields; the merchant is the credential\'s', () => {
    assert.deepEqual(parse({ amount: 1000, currency: 'USD', merchantId: 'm_1-a', reference: 'r', metadata: { k: 'v' } }, 'm_1-a'), {
      merchantId: 'm_1-a',
      amount: 1000,
      currency: 'USD',
      reference: 'r',
      metadata: { k: 'v' },
    });
    assert.deepEqual(parse({ amount: 5, currency: 'EUR' }, 'm-2'), { merchantId: 'm-2', amount: 5, currency: 'EUR' });
  });

  it('refuses a body merchantId that is not the credential\'s merchant (403 MERCHANT_MISMATCH)', () => {
    assert.throws(() => parse({ amount: 5, currency: 'EUR', merchantId: 'm-other' }, 'm-2'), MerchantMismatchError);
  });

  it('checks the amount: integer minor units, > 0, <= MAX_AMOUNT_MINOR', () => {
    const base = { currency: 'USD' };
    assert.deepEqual(issuesOf({ ...base, amount: 1001 }), ['amount: must be at most 1000']);
    assert.deepEqual(issuesOf({ ...base, amount: 0 }), ['amount: must be greater than 0']);
    assert.deepEqual(issuesOf({ ...base, amount: -1 }), ['amount: must be greater than 0']);
    assert.deepEqual(issuesOf({ ...base, amount: 1.01 }), ['amount: must be an integer number of minor units (no fractions)']);
    assert.deepEqual(issuesOf({ ...base, amount: '5' }), ['amount: must be an integer number of minor units']);
    assert.deepEqual(issuesOf({ ...base, amount: null }), ['amount: must be an integer number of minor units']);
    assert.deepEqual(issuesOf({ ...base }), ['amount: is required']);
  });

  describe('refuses ambiguous input by kind, with its reason', () => {
    const cases: [string, string, string][] = [
      ['a fraction beyond double precision', '{"amount":1.9999999999999999,"currency":"USD"}', 'VALIDATION_FAILED amount:NUMBER_FRACTION'],
      ['a fraction', '{"amount":10.5,"currency":"USD"}', 'VALIDATION_FAILED amount:NUMBER_FRACTION'],
      ['a non-integral exponent form', '{"amount":1e-2,"currency":"USD"}', 'VALIDATION_FAILED amount:NUMBER_EXPONENT_NOT_INTEGRAL'],
      ['an integer a double cannot hold', '{"amount":9007199254740993,"currency":"USD"}', 'VALIDATION_FAILED amount:NUMBER_PRECISION_LOSS'],
      ['an out-of-range exponent', '{"amount":1e400,"currency":"USD"}', 'VALIDATION_FAILED amount:NUMBER_PRECISION_LOSS'],
      ['duplicate keys', '{"amount":5,"amount":100,"currency":"USD"}', 'VALIDATION_FAILED amount:DUPLICATE_KEY'],
      ['a C1 control character', '{"amount":5,"currency":"USD","reference":"a\\u0085b"}', 'VALIDATION_FAILED reference:CONTROL_CHARACTER'],
      ['a C0 control character', '{"amount":5,"currency":"USD","reference":"a\\u0007b"}', 'VALIDATION_FAILED reference:CONTROL_CHARACTER'],
      ['a lone surrogate', '{"amount":5,"currency":"USD","reference":"\\ud800"}', 'VALIDATION_FAILED reference:LONE_SURROGATE'],
      ['a metadata key "constructor"', '{"amount":5,"currency":"USD","metadata":{"constructor":"x"}}', 'VALIDATION_FAILED metadata.constructor:FORBIDDEN_KEY'],
      ['a key "__proto__"', '{"amount":5,"currency":"USD","__proto__":{}}', 'VALIDATION_FAILED __proto__:FORBIDDEN_KEY'],
      ['a metadata key "prototype"', '{"amount":5,"currency":"USD","metadata":{"prototype":"x"}}', 'VALIDATION_FAILED metadata.prototype:FORBIDDEN_KEY'],
      ['malformed JSON', '{"amount":5,', 'MALFORMED_JSON body:SYNTAX'],
    ];
    for (const [name, body, expected] of cases) it(`${name}: ${expected}`, () => assert.equal(refusalOf(body), expected));
    it('an integral exponent form is the integer it denotes', () => assert.equal(parse('{"amount":1e3,"currency":"USD"}').amount, 1000));
  });

  it('checks currency against the allow-list, exactly', () => {
    assert.deepEqual(issuesOf({ amount: 1, currency: 'GBP' }), ['currency: must be one of USD, EUR']);
    assert.deepEqual(issuesOf({ amount: 1, currency: 'usd' }), ['currency: must be one of USD, EUR']);
  });

  it('bounds merchantId, reference and metadata', () => {
    const base = { amount: 1, currency: 'USD' };
    assert.equal(issuesOf({ ...base, merchantId: 'x'.repeat(LIMITS.merchantIdMaxLength + 1) }).length, 1);
    assert.equal(issuesOf({ ...base, merchantId: 'has space' }).length, 1);
    assert.equal(issuesOf({ ...base, metadata: ['a'] }).length, 1);
    assert.equal(issuesOf({ ...base, metadata: { 'bad key!': 'v' } }).length, 1);
    assert.equal(issuesOf({ ...base, metadata: { k: 'v'.repeat(LIMITS.metadataValueMaxLength + 1) } }).length, 1);
    const big = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`key${i}`, 'v'.repeat(200)]));
    assert.deepEqual(issuesOf({ ...base, metadata: big }), [`metadata: must not exceed ${LIMITS.metadataMaxBytes} bytes`]);
  });

  it('refuses unknown fields rather than storing them', () => {
    assert.deepEqual(issuesOf({ amount: 1, currency: 'USD', pan: '4111' }), ['pan: is not a recognised field']);
  });

  it('distinguishes malformed JSON and oversized bodies from invalid fields', () => {
    assert.throws(() => parse('{'), MalformedJsonError);
    assert.throws(() => parse('"a string"'), MalformedJsonError);
    assert.throws(() => parse('null'), MalformedJsonError);
    assert.throws(() => parse(' '.repeat(LIMITS.maxBodyBytes + 1)), PayloadTooLargeError);
  });

  it('refuses a base64 body that is not UTF-8 (INVALID_UTF8)', () => {
    const event = { body: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), isBase64Encoded: true, headers: JSON_TYPE, multiValueHeaders: {} };
    assert.throws(() => parsePaymentRequest(event, rules, 'm'), (e: unknown) => e instanceof MalformedJsonError && e.details?.[0]?.reason === 'INVALID_UTF8');
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

  it('refuses two different Idempotency-Key values (CONFLICTING_DUPLICATE_HEADER), accepts a repeated identical one', () => {
    assert.throws(
      () => readIdempotencyKey({ headers: { 'Idempotency-Key': 'k2' }, multiValueHeaders: { 'Idempotency-Key': ['k1', 'k2'] } }),
      (e: unknown) => e instanceof ConflictingHeaderError && e.details?.[0]?.reason === 'CONFLICTING_DUPLICATE_HEADER',
    );
    assert.throws(() => readIdempotencyKey({ headers: { 'Idempotency-Key': 'k1', 'idempotency-key': 'k2' }, multiValueHeaders: {} }), ConflictingHeaderError);
    assert.equal(readIdempotencyKey({ headers: { 'Idempotency-Key': 'k1' }, multiValueHeaders: { 'Idempotency-Key': ['k1', 'k1'] } }), 'k1');
  });

  describe('the content type must be JSON (415 UNSUPPORTED_MEDIA_TYPE)', () => {
    const reasonFor = (headers: Record<string, string>, multi: Record<string, string[]> = {}) => {
      try {
        requireJsonContentType({ headers, multiValueHeaders: multi });
        return 'accepted';
      } catch (error) {
        assert.ok(error instanceof UnsupportedMediaTypeError);
        assert.equal(error.statusCode, 415);
        return error.details?.[0]?.reason;
      }
    };
    it('accepts application/json, with charset=utf-8, in any case', () => {
      assert.equal(reasonFor({ 'content-type': 'application/json' }), 'accepted');
      assert.equal(reasonFor({ 'Content-Type': 'Application/JSON; charset=UTF-8' }), 'accepted');
    });
    it('refuses a missing content type', () => assert.equal(reasonFor({}), 'MISSING_CONTENT_TYPE'));
    it('refuses text/plain', () => assert.equal(reasonFor({ 'Content-Type': 'text/plain' }), 'UNSUPPORTED_MEDIA_TYPE'));
    it('refuses XML', () => assert.equal(reasonFor({ 'Content-Type': 'application/xml' }), 'UNSUPPORTED_MEDIA_TYPE'));
    it('refuses another charset', () => assert.equal(reasonFor({ 'Content-Type': 'application/json; charset=latin1' }), 'UNSUPPORTED_CHARSET'));
    it('refuses two different content types', () => assert.equal(reasonFor({ 'Content-Type': 'application/json' }, { 'Content-Type': ['application/json', 'text/plain'] }), 'CONFLICTING_DUPLICATE_HEADER'));
  });
});
