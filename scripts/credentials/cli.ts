/**
 * `npm run credentials -- <command>`: issue and rotate merchant API credentials.
 *
 *   issue  --merchant <id> [--valid-days <n>=365] [--not-before <ISO instant>] [--table <name>]
 *          Prints the credential ONCE (hand it to the merchant over a secure channel; it is stored
 *          nowhere) and the hash-only record, as the `aws dynamodb put-item` command that writes it
 *          to the credentials global table (any one region; the global table replicates it).
 *   expire --key-id <id> --at <ISO instant> [--table <name>]
 *          Prints the command that ends a credential's validity at `--at` (rotation: after the
 *          merchant switched to the new credential, or at the end of the overlap window).
 *   revoke --key-id <id> [--table <name>]
 *          Prints the command that refuses a credential at once (the authorizer answers 403).
 *
 * `--table` defaults to `merchant-credentials-<stack suffix>`; pass the stack's output.
 * The script never talks to AWS itself: it prints what to run, so the secret never reaches a log
 * of this tool's own and the write is done with the operator's own credentials.
 */
import { parseArgs } from 'node:util';
import { credentialToAttributes, issueCredential, CREDENTIAL_PK_PREFIX } from '../../infra/lambda/commons/credentials';
import { MERCHANT_ID } from '../../infra/lambda/commons/validation';

export class CredentialsCliError extends Error {}

const KEY_ID = /^[0-9a-f]{16}$/;

function instant(value: string | undefined, what: string): Date {
  const t = value === undefined ? Number.NaN : Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value ?? '') || Number.isNaN(t)) throw new CredentialsCliError(`${what} must be an ISO 8601 instant, e.g. 2026-12-01T00:00:00Z`);
  return new Date(t);
}

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** Runs one command; returns the lines to print (stdout). Throws CredentialsCliError on bad usage. */
export function runCredentialsCli(argv: string[], now: Date = new Date()): string[] {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { merchant: { type: 'string' }, 'valid-days': { type: 'string' }, 'not-before': { type: 'string' }, table: { type: 'string' }, 'key-id': { type: 'string' }, at: { type: 'string' } },
    strict: true,
  });
  const table = values.table ?? 'merchant-credentials-dev';
  if (command === 'issue') {
    const merchantId = values.merchant ?? '';
    if (!MERCHANT_ID.test(merchantId)) throw new CredentialsCliError('--merchant must be 1 to 64 of A-Z a-z 0-9 _ - (starting with a letter or digit)');
    const days = Number(values['valid-days'] ?? '365');
    if (!Number.isInteger(days) || days < 1 || days > 3650) throw new CredentialsCliError('--valid-days must be an integer from 1 to 3650');
    const notBefore = values['not-before'] === undefined ? now : instant(values['not-before'], '--not-before');
    const { credential, record } = issueCredential({ merchantId, now, notBefore, expiresAt: new Date(notBefore.getTime() + days * 86_400_000) });
    return [
      `credential (shown once; give it to ${merchantId}, store it nowhere): ${credential}`,
      `record: ${JSON.stringify(record)}`,
      `write it: aws dynamodb put-item --table-name ${table} --condition-expression 'attribute_not_exists(pk)' --item ${shellQuote(JSON.stringify(credentialToAttributes(record)))}`,
    ];
  }
  if (command === 'expire' || command === 'revoke') {
    const keyId = values['key-id'] ?? '';
    if (!KEY_ID.test(keyId)) throw new CredentialsCliError('--key-id must be the 16 hex characters after "pdr_" in the credential');
    const attribute = command === 'expire' ? 'expiresAt' : 'revokedAt';
    const at = command === 'expire' ? instant(values.at, '--at') : now;
    const key = JSON.stringify({ pk: { S: `${CREDENTIAL_PK_PREFIX}${keyId}` } });
    const valuesJson = JSON.stringify({ ':at': { S: at.toISOString() } });
    return [
      `${command} ${keyId} at ${at.toISOString()}: aws dynamodb update-item --table-name ${table} --key ${shellQuote(key)} --update-expression 'SET ${attribute} = :at' --condition-expression 'attribute_exists(pk)' --expression-attribute-values ${shellQuote(valuesJson)}`,
    ];
  }
  throw new CredentialsCliError('usage: npm run credentials -- issue --merchant <id> [--valid-days n] [--not-before ISO] [--table name] | expire --key-id <id> --at <ISO> | revoke --key-id <id>');
}

if (require.main === module) {
  try {
    for (const line of runCredentialsCli(process.argv.slice(2))) process.stdout.write(`${line}\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
}
