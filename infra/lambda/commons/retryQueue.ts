/**
 * Messages on the retry queues (SQS, encrypted; each with a dead-letter queue). createPayment sends
 * a payment that no replica of the table accepted to BOTH regions' retry queues (separate failure
 * domains); each region's retry processor commits it with the same conditional write, so however
 * often and wherever it is delivered there is one transaction.
 *
 * The processor trusts nothing in a message: `parseRetryMessage` parses it strictly, applies the
 * API's field rules, and recomputes the transaction id (from merchant + Idempotency-Key), the key and
 * the request hash (from the canonical fields); a message that does not match what createPayment
 * would have produced is refused with a reason.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PaymentRules } from './config';
import { PaymentsError } from './errors';
import { newPaymentItem, type PaymentItem } from './payment';
import { isJsonObject, parseStrictJson, StrictJsonError, type JsonValue } from './strictJson';
import { LIMITS, validatePaymentFields } from './validation';

export const RETRY_MESSAGE_VERSION = 2;

export interface RetryMessage {
  readonly version: typeof RETRY_MESSAGE_VERSION;
  readonly kind: 'payment';
  readonly item: PaymentItem;
}

/**
 * JSON with every character outside printable ASCII written as a `\uXXXX` escape: the same value
 * for any JSON parser, and a message SQS always accepts. SQS refuses a body with a character
 * outside #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF (InvalidMessageContents;
 * SendMessage API reference, https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html),
 * and a payment's text may hold U+FFFE or U+FFFF, which JSON and DynamoDB carry as they are.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export class RetryQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(item: PaymentItem, abortSignal?: AbortSignal): Promise<void> {
    const message: RetryMessage = { version: RETRY_MESSAGE_VERSION, kind: 'payment', item };
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: asciiJson(message),
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'payment' },
          transactionId: { DataType: 'String', StringValue: item.transactionId },
        },
      }),
      abortSignal === undefined ? undefined : { abortSignal },
    );
  }
}

export type RetryMessageRejection =
  | 'NOT_STRICT_JSON'
  | 'NOT_AN_OBJECT'
  | 'UNKNOWN_VERSION'
  | 'UNKNOWN_KIND'
  | 'MISSING_FIELD'
  | 'INVALID_PAYMENT'
  | 'INVALID_IDEMPOTENCY_KEY'
  | 'INVALID_TIMESTAMP'
  | 'INVALID_REGION'
  | 'TRANSACTION_ID_MISMATCH'
  | 'KEY_MISMATCH'
  | 'REQUEST_HASH_MISMATCH'
  | 'UNEXPECTED_FIELD';

export class InvalidRetryMessageError extends Error {
  constructor(
    readonly reason: RetryMessageRejection,
    detail: string,
  ) {
    super(`invalid retry message (${reason}): ${detail}`);
    this.name = 'InvalidRetryMessageError';
  }
}

const ITEM_FIELDS = new Set(['pk', 'transactionId', 'merchantId', 'amount', 'currency', 'reference', 'metadata', 'status', 'createdAt', 'updatedAt', 'region', 'requestHash', 'idempotencyKey']);
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * Parses and checks a message body; returns the payment item to commit, rebuilt from the validated
 * request (never taken from the message as is). Throws InvalidRetryMessageError with the reason.
 */
export function parseRetryMessage(body: string, rules: PaymentRules): PaymentItem {
  let parsed: JsonValue;
  try {
    parsed = parseStrictJson(body);
  } catch (error) {
    throw new InvalidRetryMessageError('NOT_STRICT_JSON', error instanceof StrictJsonError ? error.reason : 'not JSON');
  }
  if (!isJsonObject(parsed)) throw new InvalidRetryMessageError('NOT_AN_OBJECT', 'message is not an object');
  if (parsed.version === undefined || typeof parsed.version !== 'object' || parsed.version === null || !('text' in parsed.version) || parsed.version.text !== String(RETRY_MESSAGE_VERSION)) {
    throw new InvalidRetryMessageError('UNKNOWN_VERSION', 'version must be 2');
  }
  if (parsed.kind !== 'payment') throw new InvalidRetryMessageError('UNKNOWN_KIND', 'kind must be payment');
  const item = parsed.item;
  if (!isJsonObject(item)) throw new InvalidRetryMessageError('MISSING_FIELD', 'item must be an object');
  for (const field of Object.keys(item)) if (!ITEM_FIELDS.has(field)) throw new InvalidRetryMessageError('UNEXPECTED_FIELD', `item.${field.slice(0, 40)}`);
  const text = (field: string): string => {
    const v = item[field];
    if (typeof v !== 'string') throw new InvalidRetryMessageError('MISSING_FIELD', `item.${field} must be a string`);
    return v;
  };
  const merchantId = text('merchantId');
  const idempotencyKey = text('idempotencyKey');
  if (idempotencyKey.length === 0 || idempotencyKey.length > LIMITS.idempotencyKeyMaxLength || !/^[\x21-\x7E]+$/.test(idempotencyKey)) {
    throw new InvalidRetryMessageError('INVALID_IDEMPOTENCY_KEY', 'item.idempotencyKey is not a valid Idempotency-Key');
  }
  const createdAt = text('createdAt');
  if (!ISO_INSTANT.test(createdAt) || Number.isNaN(Date.parse(createdAt)) || text('updatedAt') !== createdAt) {
    throw new InvalidRetryMessageError('INVALID_TIMESTAMP', 'item.createdAt must be an ISO instant equal to item.updatedAt');
  }
  const region = text('region');
  if (!REGION.test(region)) throw new InvalidRetryMessageError('INVALID_REGION', 'item.region is not a region name');
  if (text('status') !== 'COMMITTED') throw new InvalidRetryMessageError('INVALID_PAYMENT', 'item.status must be COMMITTED');

  let request;
  try {
    const fields: Record<string, JsonValue> = { amount: item.amount ?? null, currency: item.currency ?? null };
    if (item.reference !== undefined) fields.reference = item.reference;
    if (item.metadata !== undefined) fields.metadata = item.metadata;
    request = validatePaymentFields(fields, rules, merchantId);
  } catch (error) {
    if (error instanceof PaymentsError) {
      const first = error.details?.[0];
      throw new InvalidRetryMessageError('INVALID_PAYMENT', first === undefined ? error.code : `${first.field}: ${first.reason ?? first.issue}`);
    }
    throw error;
  }
  const rebuilt = newPaymentItem({ request, idempotencyKey, region, now: new Date(createdAt) });
  if (text('transactionId') !== rebuilt.transactionId) throw new InvalidRetryMessageError('TRANSACTION_ID_MISMATCH', 'item.transactionId is not derived from merchantId and idempotencyKey');
  if (text('pk') !== rebuilt.pk) throw new InvalidRetryMessageError('KEY_MISMATCH', 'item.pk does not match its transactionId');
  if (text('requestHash') !== rebuilt.requestHash) throw new InvalidRetryMessageError('REQUEST_HASH_MISMATCH', 'item.requestHash does not match the payment fields');
  return rebuilt;
}
