/**
 * Per-merchant API credentials: the merchant a request acts for comes from its credential only.
 *
 * A credential is `pdr_<keyId>_<secret>`: `keyId` 16 hex characters (64 random bits, the lookup
 * key, not secret), `secret` 43 base64url characters (256 random bits). The credentials table (a
 * global table both regions share) stores one record per credential, keyed `CREDENTIAL#<keyId>`,
 * holding only SHA-256(secret): for a uniformly random 256-bit secret a single SHA-256 is
 * preimage-resistant, and no slow password hash is needed (the secret is not a human password).
 * The comparison is constant-time (`crypto.timingSafeEqual` on the two digests).
 *
 * Each record has `notBefore` and `expiresAt`; a merchant may hold several valid credentials at
 * once, which is how rotation works: issue the new one, let clients switch during the overlap, then
 * set the old one's `expiresAt` (see docs/architecture.md "Merchant credentials").
 */
import { GetItemCommand, type AttributeValue, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const CREDENTIAL_PREFIX = 'pdr_';
const CREDENTIAL_PATTERN = /^pdr_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
export const CREDENTIAL_PK_PREFIX = 'CREDENTIAL#';

export interface CredentialRecord {
  /** `CREDENTIAL#<keyId>` */
  readonly pk: string;
  readonly keyId: string;
  readonly merchantId: string;
  /** Hex SHA-256 of the secret part. */
  readonly secretSha256: string;
  /** ISO instants: the credential is valid in [notBefore, expiresAt). */
  readonly notBefore: string;
  readonly expiresAt: string;
  readonly createdAt: string;
  /** Set to refuse the credential at once (403 from the authorizer). */
  readonly revokedAt?: string;
}

export interface ParsedCredential {
  readonly keyId: string;
  readonly secret: string;
}

/** Splits a presented credential; undefined when it is not one of ours (never throws). */
export function parseCredential(presented: string): ParsedCredential | undefined {
  const m = CREDENTIAL_PATTERN.exec(presented);
  return m === null ? undefined : { keyId: m[1]!, secret: m[2]! };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Issues a credential for `merchantId`: returns the credential (to hand to the merchant once; it is
 * stored nowhere) and the record to write to the credentials table.
 */
export function issueCredential(args: { merchantId: string; now: Date; notBefore?: Date; expiresAt: Date }): { credential: string; record: CredentialRecord } {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const notBefore = args.notBefore ?? args.now;
  if (!(args.expiresAt.getTime() > notBefore.getTime())) throw new RangeError('expiresAt must be after notBefore');
  return {
    credential: `${CREDENTIAL_PREFIX}${keyId}_${secret}`,
    record: {
      pk: `${CREDENTIAL_PK_PREFIX}${keyId}`,
      keyId,
      merchantId: args.merchantId,
      secretSha256: sha256(secret).toString('hex'),
      notBefore: notBefore.toISOString(),
      expiresAt: args.expiresAt.toISOString(),
      createdAt: args.now.toISOString(),
    },
  };
}

export type Verdict = { readonly ok: true; readonly merchantId: string } | { readonly ok: false; readonly reason: 'WRONG_SECRET' | 'NOT_YET_VALID' | 'EXPIRED' | 'REVOKED' };

/** Checks a presented secret against its record at `now` (constant-time digest comparison). */
export function verifyCredential(presented: ParsedCredential, record: CredentialRecord, now: Date): Verdict {
  const expected = Buffer.from(record.secretSha256, 'hex');
  const actual = sha256(presented.secret);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual) || record.keyId !== presented.keyId) return { ok: false, reason: 'WRONG_SECRET' };
  if (record.revokedAt !== undefined) return { ok: false, reason: 'REVOKED' };
  const t = now.getTime();
  if (t < Date.parse(record.notBefore)) return { ok: false, reason: 'NOT_YET_VALID' };
  if (!(t < Date.parse(record.expiresAt))) return { ok: false, reason: 'EXPIRED' };
  return { ok: true, merchantId: record.merchantId };
}

export function credentialToAttributes(r: CredentialRecord): Record<string, AttributeValue> {
  return {
    pk: { S: r.pk },
    keyId: { S: r.keyId },
    merchantId: { S: r.merchantId },
    secretSha256: { S: r.secretSha256 },
    notBefore: { S: r.notBefore },
    expiresAt: { S: r.expiresAt },
    createdAt: { S: r.createdAt },
    ...(r.revokedAt === undefined ? {} : { revokedAt: { S: r.revokedAt } }),
  };
}

export function credentialFromAttributes(a: Record<string, AttributeValue>): CredentialRecord | undefined {
  const s = (n: string) => a[n]?.S;
  const [pk, keyId, merchantId, secretSha256, notBefore, expiresAt, createdAt] = ['pk', 'keyId', 'merchantId', 'secretSha256', 'notBefore', 'expiresAt', 'createdAt'].map(s);
  if (!pk || !keyId || !merchantId || !secretSha256 || !notBefore || !expiresAt || !createdAt) return undefined;
  const revokedAt = s('revokedAt');
  return { pk, keyId, merchantId, secretSha256, notBefore, expiresAt, createdAt, ...(revokedAt === undefined ? {} : { revokedAt }) };
}

/** The credentials table's CreateTable input (the stack declares the same key; the sandbox and tests create theirs from it). */
export function credentialsTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  };
}

export class CredentialStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** The record of `keyId` in this region's replica, or undefined. Throws SDK errors. */
  async get(keyId: string): Promise<CredentialRecord | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: `${CREDENTIAL_PK_PREFIX}${keyId}` } } }));
    return out.Item === undefined ? undefined : credentialFromAttributes(out.Item);
  }
}
