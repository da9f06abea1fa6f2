/** The strict JSON reader: every kind it refuses, with the exact reason, and what it keeps. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { integerOf, JsonNumber, parseStrictJson, StrictJsonError, textProblem } from './strictJson';

function reasonOf(text: string): string | undefined {
  try {
    parseStrictJson(text);
    return undefined;
  } catch (error) {
    if (error instanceof StrictJsonError) return error.reason;
    throw error;
  }
}

describe('strict JSON reader', () => {
  it('reads a payment body, keeping numbers as their source text', () => {
    const v = parseStrictJson('{"amount":1.9999999999999999,"currency":"USD","metadata":{"a":"b"},"list":[1,true,null]}') as Record<string, unknown>;
    assert.ok(v.amount instanceof JsonNumber);
    assert.equal((v.amount as JsonNumber).text, '1.9999999999999999');
    assert.equal(v.currency, 'USD');
    assert.equal(Object.getPrototypeOf(v), null);
  });

  it('refuses duplicate keys with DUPLICATE_KEY, whether the values differ or not', () => {
    assert.equal(reasonOf('{"amount":5,"amount":100}'), 'DUPLICATE_KEY');
    assert.equal(reasonOf('{"amount":5,"amount":5}'), 'DUPLICATE_KEY');
    assert.equal(reasonOf('{"metadata":{"k":"a","k":"b"}}'), 'DUPLICATE_KEY');
  });

  it('refuses keys that are not plain data with FORBIDDEN_KEY', () => {
    assert.equal(reasonOf('{"metadata":{"constructor":"x"}}'), 'FORBIDDEN_KEY');
    assert.equal(reasonOf('{"__proto__":{"polluted":"yes"}}'), 'FORBIDDEN_KEY');
    assert.equal(reasonOf('{"metadata":{"prototype":"x"}}'), 'FORBIDDEN_KEY');
  });

  it('refuses C0, DEL and C1 control characters, raw or escaped, with CONTROL_CHARACTER', () => {
    assert.equal(reasonOf('{"reference":"a\\u0000b"}'), 'CONTROL_CHARACTER');
    assert.equal(reasonOf('{"reference":"line\\nbreak"}'), 'CONTROL_CHARACTER');
    assert.equal(reasonOf('{"reference":"a\u0001b"}'), 'CONTROL_CHARACTER');
    assert.equal(reasonOf('{"reference":"a\\u007fb"}'), 'CONTROL_CHARACTER');
    assert.equal(reasonOf('{"reference":"a\\u0085b"}'), 'CONTROL_CHARACTER');
    assert.equal(reasonOf('{"reference":"a\u009bb"}'), 'CONTROL_CHARACTER');
    assert.equal(reasonOf('{"a\\u0080":"x"}'), 'CONTROL_CHARACTER');
  });

  it('refuses unpaired surrogates with LONE_SURROGATE and keeps paired ones', () => {
    assert.equal(reasonOf('{"reference":"\\ud800"}'), 'LONE_SURROGATE');
    assert.equal(reasonOf('{"reference":"\\udc00x"}'), 'LONE_SURROGATE');
    assert.equal(reasonOf('{"reference":"a\ud800"}'), 'LONE_SURROGATE');
    assert.equal(reasonOf('{"reference":"\\ud83d\\ude00"}'), undefined);
    assert.equal(textProblem('caf\u00e9 \ud83d\ude00'), undefined);
  });

  it('refuses what is not JSON with SYNTAX', () => {
    for (const text of ['', '{', '{"a":1,}', '[1,]', '{"a":01}', '{"a":1.}', '{"a":.5}', "{'a':1}", '{"a":1} x', '{"a":NaN}', '{"a":"\\x"}', '{"a":-}']) {
      assert.equal(reasonOf(text), 'SYNTAX', text);
    }
  });

  it('refuses nesting deeper than 16 with TOO_DEEP', () => {
    assert.equal(reasonOf(`${'['.repeat(40)}${']'.repeat(40)}`), 'TOO_DEEP');
  });
});

describe('integers judged on the JSON text', () => {
  const cases: [string, number | string][] = [
    ['12345', 12345],
    ['1e3', 1000],
    ['1E+3', 1000],
    ['100.0', 100],
    ['1.5e1', 15],
    ['-7', -7],
    ['0', 0],
    ['10.5', 'NUMBER_FRACTION'],
    ['1.9999999999999999', 'NUMBER_FRACTION'],
    ['0.1', 'NUMBER_FRACTION'],
    ['1e-2', 'NUMBER_EXPONENT_NOT_INTEGRAL'],
    ['1.5e0', 'NUMBER_EXPONENT_NOT_INTEGRAL'],
    ['9007199254740991', 9007199254740991],
    ['9007199254740992', 'NUMBER_PRECISION_LOSS'],
    ['9007199254740993', 'NUMBER_PRECISION_LOSS'],
    ['1e400', 'NUMBER_PRECISION_LOSS'],
    ['123456789012345678901234567890', 'NUMBER_PRECISION_LOSS'],
  ];
  for (const [text, expected] of cases) {
    it(`${text} -> ${expected}`, () => {
      const result = integerOf(new JsonNumber(text));
      if (typeof expected === 'number') assert.deepEqual(result, { ok: true, value: expected });
      else assert.deepEqual(result, { ok: false, reason: expected });
    });
  }
});
