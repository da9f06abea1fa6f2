/**
 * A strict JSON (RFC 8259) reader for payment requests and retry messages: it refuses, by kind, what
 * `JSON.parse` accepts silently and what would make a request mean two things.
 *
 * - Duplicate object keys (`{"amount":5,"amount":100}`): RFC 8259 section 4 leaves their meaning to
 *   the implementation ("names within an object SHOULD be unique"); `JSON.parse` keeps the last one.
 *   Refused whatever the values (`DUPLICATE_KEY`).
 * - Numbers are kept as their source text (`JsonNumber`) and judged on it by `integerOf`, never
 *   through a double: `1.9999999999999999` is not silently 2 (RFC 8259 section 6 warns that numbers
 *   beyond IEEE 754 double precision lose precision).
 * - Text: C0 controls (U+0000-U+001F), DEL (U+007F) and C1 controls (U+0080-U+009F), raw or
 *   escaped, are `CONTROL_CHARACTER`; an unpaired UTF-16 surrogate (e.g. `"\ud800"`, which RFC 8259
 *   section 8.2 notes has unpredictable behaviour) is `LONE_SURROGATE`. Applies to keys and values.
 * - Keys that are not plain data (`__proto__`, `constructor`, `prototype`) are `FORBIDDEN_KEY`:
 *   they reach object prototypes in JavaScript consumers (ours and downstream).
 * Objects come back with a null prototype, so no key can reach `Object.prototype`.
 *
 * Why not a library: lossless-json 4 keeps number text, but refuses a repeated key only when the two
 * values differ (its parser compares them with `isDeepEqual`) and has no text rules; the duplicate-key
 * validators on npm (json-dup-key-validator) keep numbers as doubles. Input validation is the
 * product's core, so this reader is ours: small, no dependencies, every rule a test (strictJson.test.ts).
 */

/** A JSON number as written (e.g. `"12345"`, `"1e3"`, `"1.9999999999999999"`). */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type JsonValue = string | JsonNumber | boolean | null | JsonValue[] | JsonObject;
/** A JSON object: null prototype, keys in document order. */
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

export type StrictJsonReason = 'SYNTAX' | 'DUPLICATE_KEY' | 'CONTROL_CHARACTER' | 'LONE_SURROGATE' | 'FORBIDDEN_KEY' | 'TOO_DEEP';

export class StrictJsonError extends Error {
  constructor(
    readonly reason: StrictJsonReason,
    /** Where: a JSON path such as `$.metadata.constructor`, or `$` for the document. */
    readonly path: string,
    detail: string,
  ) {
    super(`${reason} at ${path}: ${detail}`);
    this.name = 'StrictJsonError';
  }
}

/** Keys refused anywhere in a document. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const MAX_DEPTH = 16;

/** The kind of character that text must not contain, or undefined when the text is clean. */
export function textProblem(text: string): 'CONTROL_CHARACTER' | 'LONE_SURROGATE' | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) return 'CONTROL_CHARACTER';
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return 'LONE_SURROGATE';
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return 'LONE_SURROGATE';
  }
  return undefined;
}

class Reader {
  private i = 0;
  constructor(private readonly s: string) {}

  fail(reason: StrictJsonReason, path: string, detail: string): never {
    throw new StrictJsonError(reason, path, detail);
  }

  ws(): void {
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else break;
    }
  }

  document(): JsonValue {
    this.ws();
    const value = this.value('$', 0);
    this.ws();
    if (this.i !== this.s.length) this.fail('SYNTAX', '$', `unexpected text at offset ${this.i}`);
    return value;
  }

  value(path: string, depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail('TOO_DEEP', path, `nested deeper than ${MAX_DEPTH}`);
    const c = this.s[this.i];
    if (c === '{') return this.object(path, depth);
    if (c === '[') return this.array(path, depth);
    if (c === '"') return this.string(path);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number(path);
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    return this.fail('SYNTAX', path, c === undefined ? 'unexpected end of input' : `unexpected character at offset ${this.i}`);
  }

  object(path: string, depth: number): JsonObject {
    this.i++; // {
    const out = Object.create(null) as Record<string, JsonValue>;
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('SYNTAX', path, `expected a key at offset ${this.i}`);
      const key = this.string(`${path}.<key>`);
      const at = `${path}.${key.slice(0, 40)}`;
      if (FORBIDDEN_KEYS.has(key)) this.fail('FORBIDDEN_KEY', at, `key "${key}" is not plain data`);
      if (Object.prototype.hasOwnProperty.call(out, key)) this.fail('DUPLICATE_KEY', at, 'key appears more than once');
      this.ws();
      if (this.s[this.i] !== ':') this.fail('SYNTAX', at, `expected ":" at offset ${this.i}`);
      this.i++;
      this.ws();
      out[key] = this.value(at, depth + 1);
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return out;
      if (c !== ',') this.fail('SYNTAX', path, `expected "," or "}" at offset ${this.i - 1}`);
    }
  }

  array(path: string, depth: number): JsonValue[] {
    this.i++; // [
    const out: JsonValue[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value(`${path}[${out.length}]`, depth + 1));
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return out;
      if (c !== ',') this.fail('SYNTAX', path, `expected "," or "]" at offset ${this.i - 1}`);
    }
  }

  string(path: string): string {
    this.i++; // opening quote
    let out = '';
    for (;;) {
      if (this.i >= this.s.length) this.fail('SYNTAX', path, 'unterminated string');
      const c = this.s.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        break;
      }
      if (c === 0x5c) {
        const e = this.s[this.i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && e in simple) {
          out += simple[e];
          this.i += 2;
          continue;
        }
        if (e === 'u') {
          const hex = this.s.slice(this.i + 2, this.i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('SYNTAX', path, `bad \\u escape at offset ${this.i}`);
          out += String.fromCharCode(parseInt(hex, 16));
          this.i += 6;
          continue;
        }
        this.fail('SYNTAX', path, `bad escape at offset ${this.i}`);
      }
      // RFC 8259 section 7: raw U+0000-U+001F must be escaped; the escaped form is refused below too.
      if (c <= 0x1f) this.fail('CONTROL_CHARACTER', path, `raw control character at offset ${this.i}`);
      out += this.s[this.i];
      this.i++;
    }
    const problem = textProblem(out);
    if (problem !== undefined) this.fail(problem, path, problem === 'CONTROL_CHARACTER' ? 'text contains a control character (C0, DEL or C1)' : 'text contains an unpaired UTF-16 surrogate');
    return out;
  }

  number(path: string): JsonNumber {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (m === null) return this.fail('SYNTAX', path, `bad number at offset ${this.i}`);
    this.i += m[0].length;
    const next = this.s[this.i];
    if (next !== undefined && /[0-9.eE+-]/.test(next)) this.fail('SYNTAX', path, `bad number at offset ${this.i}`);
    return new JsonNumber(m[0]);
  }
}

/** Parses `text` strictly; throws StrictJsonError with the reason and the JSON path. */
export function parseStrictJson(text: string): JsonValue {
  return new Reader(text).document();
}

export type IntegerReason = 'NUMBER_FRACTION' | 'NUMBER_EXPONENT_NOT_INTEGRAL' | 'NUMBER_PRECISION_LOSS';

/**
 * The exact integer a JSON number's text denotes, judged on the text: `12345`, `1e3` (1000) and
 * `100.0` are integers; `10.5` and `1.9999999999999999` are `NUMBER_FRACTION`; `1e-2` and
 * `1.5e0` are `NUMBER_EXPONENT_NOT_INTEGRAL`; anything beyond ±(2^53 - 1) (`9007199254740993`,
 * `1e400`), where a double can no longer hold every integer, is `NUMBER_PRECISION_LOSS`.
 */
export function integerOf(n: JsonNumber): { ok: true; value: number } | { ok: false; reason: IntegerReason } {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(n.text);
  if (m === null) return { ok: false, reason: 'NUMBER_FRACTION' };
  const [, sign, intPart, fracPart = '', expText] = m;
  const hasExponent = expText !== undefined;
  const exponent = hasExponent ? Number(expText) : 0;
  // value = digits * 10^(exponent - fracPart.length), digits = intPart + fracPart
  let digits = `${intPart}${fracPart}`.replace(/^0+(?=\d)/, '');
  let scale = exponent - fracPart.length;
  while (scale < 0 && digits.length > 1 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    scale++;
  }
  if (scale < 0 && digits !== '0') return { ok: false, reason: hasExponent ? 'NUMBER_EXPONENT_NOT_INTEGRAL' : 'NUMBER_FRACTION' };
  if (digits === '0') return { ok: true, value: 0 };
  if (digits.length + scale > 16) return { ok: false, reason: 'NUMBER_PRECISION_LOSS' };
  const value = BigInt(digits) * 10n ** BigInt(Math.max(0, scale));
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, reason: 'NUMBER_PRECISION_LOSS' };
  return { ok: true, value: Number(sign === '-' ? -value : value) };
}

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}
