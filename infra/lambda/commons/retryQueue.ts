/**
 * Messages on the regional retry queue (SQS, encrypted; the stack adds a dead-letter queue).
 * - `payment`: a validated payment whose DynamoDB write failed retryably; the processor applies it
 *   with the same conditional write, so however often it is delivered there is one transaction.
 * - `transaction-log`: a committed payment whose transaction-log object could not be written in time.
 * Messages carry the payment item because the processor must be able to re-apply it; logs never do.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PaymentItem } from './payment';

export type RetryMessageKind = 'payment' | 'transaction-log';

export interface RetryMessage {
  readonly version: 1;
  readonly kind: RetryMessageKind;
  readonly item: PaymentItem;
}

export class RetryQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(kind: RetryMessageKind, item: PaymentItem): Promise<void> {
    const message: RetryMessage = { version: 1, kind, item };
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: kind },
          transactionId: { DataType: 'String', StringValue: item.transactionId },
        },
      }),
    );
  }
}

export class InvalidRetryMessageError extends Error {
  constructor(reason: string) {
    super(`invalid retry message: ${reason}`);
    this.name = 'InvalidRetryMessageError';
  }
}

/** Parses and checks a message body; throws InvalidRetryMessageError (the record then goes to the DLQ). */
export function parseRetryMessage(body: string): RetryMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new InvalidRetryMessageError('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new InvalidRetryMessageError('not an object');
  const m = parsed as Record<string, unknown>;
  if (m.version !== 1) throw new InvalidRetryMessageError('unknown version');
  if (m.kind !== 'payment' && m.kind !== 'transaction-log') throw new InvalidRetryMessageError('unknown kind');
  const item = m.item as Record<string, unknown> | null | undefined;
  if (typeof item !== 'object' || item === null) throw new InvalidRetryMessageError('missing item');
  for (const field of ['pk', 'transactionId', 'merchantId', 'currency', 'createdAt', 'updatedAt', 'region', 'requestHash', 'idempotencyKey']) {
    if (typeof item[field] !== 'string') throw new InvalidRetryMessageError(`item.${field} must be a string`);
  }
  if (typeof item.amount !== 'number' || !Number.isInteger(item.amount)) throw new InvalidRetryMessageError('item.amount must be an integer');
  if (item.pk !== `PAYMENT#${String(item.transactionId)}`) throw new InvalidRetryMessageError('item.pk does not match its transactionId');
  if (item.reference !== undefined && typeof item.reference !== 'string') throw new InvalidRetryMessageError('item.reference must be a string');
  const metadata = item.metadata;
  if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Object.values(metadata).some((v) => typeof v !== 'string'))) {
    throw new InvalidRetryMessageError('item.metadata must map strings to strings');
  }
  const text = (field: string) => item[field] as string;
  const payment: PaymentItem = {
    pk: text('pk'),
    transactionId: text('transactionId'),
    merchantId: text('merchantId'),
    amount: item.amount,
    currency: text('currency'),
    ...(item.reference === undefined ? {} : { reference: text('reference') }),
    ...(metadata === undefined ? {} : { metadata: metadata as Record<string, string> }),
    // What the processor writes is always the committed payment.
    status: 'COMMITTED',
    createdAt: text('createdAt'),
    updatedAt: text('updatedAt'),
    region: text('region'),
    requestHash: text('requestHash'),
    idempotencyKey: text('idempotencyKey'),
  };
  return { version: 1, kind: m.kind, item: payment };
}
