import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCredential, verifyCredential, type CredentialRecord } from '../../infra/lambda/commons/credentials';
import { CredentialsCliError, runCredentialsCli } from './cli';

const now = new Date('2026-11-30T12:00:00.000Z');

describe('credentials CLI', () => {
  it('issue prints the credential once and a hash-only record that verifies it', () => {
    const [credentialLine, recordLine, writeLine] = runCredentialsCli(['issue', '--merchant', 'm-1', '--valid-days', '30', '--table', 'merchant-credentials-stg'], now);
    const credential = /: (pdr_\S+)$/.exec(credentialLine ?? '')?.[1] ?? '';
    const record = JSON.parse((recordLine ?? '').replace(/^record: /, '')) as CredentialRecord;
    const parsed = parseCredential(credential);
    assert.ok(parsed);
    assert.equal(record.merchantId, 'm-1');
    assert.equal(record.expiresAt, '2026-12-30T12:00:00.000Z');
    assert.deepEqual(verifyCredential(parsed, record, now), { ok: true, merchantId: 'm-1' });
    assert.ok(!(recordLine ?? '').includes(parsed.secret) && !(writeLine ?? '').includes(parsed.secret), 'the secret appears only on the credential line');
    assert.match(writeLine ?? '', /put-item --table-name merchant-credentials-stg --condition-expression 'attribute_not_exists\(pk\)'/);
  });

  it('expire and revoke print the update for one key id', () => {
    const [expire] = runCredentialsCli(['expire', '--key-id', '0123456789abcdef', '--at', '2026-12-07T00:00:00Z'], now);
    assert.match(expire ?? '', /SET expiresAt = :at/);
    assert.match(expire ?? '', /CREDENTIAL#0123456789abcdef/);
    assert.match(expire ?? '', /2026-12-07T00:00:00.000Z/);
    assert.match(runCredentialsCli(['revoke', '--key-id', '0123456789abcdef'], now)[0] ?? '', /SET revokedAt = :at/);
  });

  it('refuses bad usage with a message', () => {
    assert.throws(() => runCredentialsCli(['issue', '--merchant', 'has space'], now), CredentialsCliError);
    assert.throws(() => runCredentialsCli(['issue', '--merchant', 'm-1', '--valid-days', '0'], now), CredentialsCliError);
    assert.throws(() => runCredentialsCli(['expire', '--key-id', 'nothex', '--at', '2026-12-07T00:00:00Z'], now), CredentialsCliError);
    assert.throws(() => runCredentialsCli(['expire', '--key-id', '0123456789abcdef', '--at', 'tomorrow'], now), CredentialsCliError);
    assert.throws(() => runCredentialsCli(['delete'], now), CredentialsCliError);
  });
});
