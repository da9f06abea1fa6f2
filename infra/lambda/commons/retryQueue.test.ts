/** Retry messages: the processor accepts exactly what createPayment produces, and refuses the rest by reason. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPaymentRules } from './config';
import { newPaymentItem, transactionIdFor, paymentPk } from './payment';
import { asciiJson, InvalidRetryMessageError, parseRetryMessage, RETRY_MESSAGE_VERSION } from './retryQueue';

const rules = readPaymentRules({});
const item = newPaymentItem({ request: { merchantId: 'm', amount: 10, currency: 'USD', metadata: { a: 'b' } }, idempotencyKey: 'k', region: 'us-east-1', now: new Date(0) });
const message = (overrides: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => JSON.stringify({ version: 2, kind: 'payment', item: { ...item, ...overrides }, ...top });

function reasonOf(body: string): string {
  try {
    parseRetryMessage(body, rules);
    return 'accepted';
  } catch (error) {
    if (error instanceof InvalidRetryMessageError) return error.reason;
    throw error;
  }
}

describe('retry queue messages', () => {
  it('accepts what createPayment produces, rebuilt from the validated request', () => {
    assert.deepEqual(parseRetryMessage(message(), rules), item);
  });

  it('sends every payment text in a body SQS accepts (printable ASCII), and reads back the same payment', () => {
    // U+FFFE and U+FFFF are valid in JSON and DynamoDB but outside the characters SQS accepts.
    const text = newPaymentItem({
      request: { merchantId: 'm', amount: 10, currency: 'USD', reference: 'caf\u00e9 \u20ac \ud83d\ude00', metadata: { note: 'x\ufffey\uffff' } },
      idempotencyKey: 'k',
      region: 'us-east-1',
      now: new Date(0),
    });
    const body = asciiJson({ version: RETRY_MESSAGE_VERSION, kind: 'payment', item: text });
    assert.match(body, /^[\x20-\x7e]*$/);
    assert.deepEqual(parseRetryMessage(body, rules), text);
  });

  const refused: [string, string, string][] = [
    ['not JSON', 'nope', 'NOT_STRICT_JSON'],
    ['duplicate keys', `{"version":2,"version":2,"kind":"payment","item":${JSON.stringify(item)}}`, 'NOT_STRICT_JSON'],
    ['an unknown version', message({}, { version: 1 }), 'UNKNOWN_VERSION'],
    ['an unknown kind', message({}, { kind: 'refund' }), 'UNKNOWN_KIND'],
    ['a negative amount', message({ amount: -500000000 }), 'INVALID_PAYMENT'],
    ['a fractional amount', message({ amount: 1.5 }), 'INVALID_PAYMENT'],
    ['an amount above the maximum', message({ amount: 100_000_001 }), 'INVALID_PAYMENT'],
    ['a currency outside the allow-list', message({ currency: 'XXX' }), 'INVALID_PAYMENT'],
    ['a control character in the reference', message({ reference: 'a\u0085b' }), 'NOT_STRICT_JSON'],
    ['a non-string metadata value', message({ metadata: { a: 1 } }), 'INVALID_PAYMENT'],
    ['a forged transaction id', message({ transactionId: transactionIdFor('m', 'other') }), 'TRANSACTION_ID_MISMATCH'],
    ['a key that is not its transaction id', message({ pk: paymentPk(transactionIdFor('m', 'other')) }), 'KEY_MISMATCH'],
    ['a request hash that does not match the fields', message({ amount: 11 }), 'REQUEST_HASH_MISMATCH'],
    ['an extra field', message({ status2: 'x' }), 'UNEXPECTED_FIELD'],
    ['a PENDING status', message({ status: 'PENDING' }), 'INVALID_PAYMENT'],
    ['a malformed createdAt', message({ createdAt: 'yesterday', updatedAt: 'yesterday' }), 'INVALID_TIMESTAMP'],
    ['an invalid Idempotency-Key', message({ idempotencyKey: 'has space' }), 'INVALID_IDEMPOTENCY_KEY'],
    ['a region that is not a region', message({ region: 'mars' }), 'INVALID_REGION'],
  ];
  for (const [name, body, reason] of refused) it(`refuses ${name}: ${reason}`, () => assert.equal(reasonOf(body), reason));
});
