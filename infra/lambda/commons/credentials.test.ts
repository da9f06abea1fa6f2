/** Merchant credentials: issue, hash-only records, constant-time verification, validity windows. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { credentialFromAttributes, credentialToAttributes, issueCredential, parseCredential, verifyCredential } from './credentials';

const now = new Date('2026-11-30T12:00:00.000Z');
const day = 86_400_000;

describe('merchant credentials', () => {
  it('issues a 256-bit secret and stores only its SHA-256', () => {
    const { credential, record } = issueCredential({ merchantId: 'm-1', now, expiresAt: new Date(now.getTime() + 365 * day) });
    const parsed = parseCredential(credential);
    assert.ok(parsed);
    assert.equal(Buffer.from(parsed.secret, 'base64url').length, 32);
    assert.equal(record.secretSha256, createHash('sha256').update(parsed.secret).digest('hex'));
    assert.ok(!JSON.stringify(record).includes(parsed.secret), 'the record never holds the secret');
    assert.equal(record.pk, `CREDENTIAL#${parsed.keyId}`);
    assert.deepEqual(credentialFromAttributes(credentialToAttributes(record)), record);
  });

  it('two issued credentials share nothing secret', () => {
    const a = issueCredential({ merchantId: 'm-1', now, expiresAt: new Date(now.getTime() + day) });
    const b = issueCredential({ merchantId: 'm-1', now, expiresAt: new Date(now.getTime() + day) });
    assert.notEqual(a.credential, b.credential);
    assert.notEqual(a.record.keyId, b.record.keyId);
  });

  it('verifies the right secret within [notBefore, expiresAt) only', () => {
    const { credential, record } = issueCredential({ merchantId: 'm-1', now, notBefore: new Date(now.getTime() + day), expiresAt: new Date(now.getTime() + 2 * day) });
    const parsed = parseCredential(credential)!;
    assert.deepEqual(verifyCredential(parsed, record, now), { ok: false, reason: 'NOT_YET_VALID' });
    assert.deepEqual(verifyCredential(parsed, record, new Date(now.getTime() + day)), { ok: true, merchantId: 'm-1' });
    assert.deepEqual(verifyCredential(parsed, record, new Date(now.getTime() + 2 * day)), { ok: false, reason: 'EXPIRED' });
  });

  it('refuses a wrong secret for a real key id, and a revoked credential', () => {
    const { credential, record } = issueCredential({ merchantId: 'm-1', now, expiresAt: new Date(now.getTime() + day) });
    const parsed = parseCredential(credential)!;
    const wrong = { ...parsed, secret: `${parsed.secret.slice(0, -1)}${parsed.secret.endsWith('A') ? 'B' : 'A'}` };
    assert.deepEqual(verifyCredential(wrong, record, now), { ok: false, reason: 'WRONG_SECRET' });
    assert.deepEqual(verifyCredential(parsed, { ...record, revokedAt: now.toISOString() }, now), { ok: false, reason: 'REVOKED' });
  });

  it('parses only its own format', () => {
    for (const text of ['', 'pdr_', 'Bearer x', 'pdr_0123456789abcdef_short', `pdr_0123456789ABCDEF_${'a'.repeat(43)}`]) assert.equal(parseCredential(text), undefined, text);
  });
});
