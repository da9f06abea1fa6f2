/** The payments table: conditional inserts, consistent reads and the health probe. */
import { GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { paymentPk, type PaymentItem, type PaymentStatus } from './payment';
import { PARTITION_KEY } from './tableSchema';

export type InsertOutcome = { readonly created: true; readonly item: PaymentItem } | { readonly created: false; readonly existing: PaymentItem };

/** The key the health check reads: a real data-plane read that needs no item to exist. */
export const HEALTH_PROBE_PK = 'HEALTH#probe';

type Attributes = Record<string, AttributeValue>;

function isConditionalCheckFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/**
 * The item's DynamoDB attributes. Written out by hand: the schema is small and fixed, and it keeps
 * the plain client (whose middleware stack can be cached) instead of the document client.
 */
export function toAttributes(item: PaymentItem): Attributes {
  const attributes: Attributes = {
    pk: { S: item.pk },
    transactionId: { S: item.transactionId },
    merchantId: { S: item.merchantId },
    amount: { N: String(item.amount) },
    currency: { S: item.currency },
    status: { S: item.status },
    createdAt: { S: item.createdAt },
    updatedAt: { S: item.updatedAt },
    region: { S: item.region },
    requestHash: { S: item.requestHash },
    idempotencyKey: { S: item.idempotencyKey },
  };
  if (item.reference !== undefined) attributes.reference = { S: item.reference };
  if (item.metadata !== undefined) {
    attributes.metadata = { M: Object.fromEntries(Object.entries(item.metadata).map(([k, v]) => [k, { S: v }])) };
  }
  return attributes;
}

export function fromAttributes(a: Attributes): PaymentItem {
  const text = (name: string) => a[name]?.S ?? '';
  const status: PaymentStatus = a.status?.S === 'PENDING' ? 'PENDING' : 'COMMITTED';
  const metadata = a.metadata?.M;
  return {
    pk: text('pk'),
    transactionId: text('transactionId'),
    merchantId: text('merchantId'),
    amount: Number(a.amount?.N ?? Number.NaN),
    currency: text('currency'),
    ...(a.reference?.S === undefined ? {} : { reference: a.reference.S }),
    ...(metadata === undefined ? {} : { metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, v.S ?? ''])) }),
    status,
    createdAt: text('createdAt'),
    updatedAt: text('updatedAt'),
    region: text('region'),
    requestHash: text('requestHash'),
    idempotencyKey: text('idempotencyKey'),
  };
}

export class PaymentRepository {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /**
   * Writes the payment only if no item has its key (`attribute_not_exists(pk)`); otherwise returns
   * the stored item, read strongly consistently, so the caller can tell a replay from a key reuse.
   * (DynamoDB could return the old item with ReturnValuesOnConditionCheckFailure; dynalite ignores it,
   * so the read keeps one code path that works on both.)
   */
  async insert(item: PaymentItem): Promise<InsertOutcome> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toAttributes(item),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        }),
      );
      return { created: true, item };
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
    }
    const existing = await this.get(item.transactionId);
    if (existing === undefined) {
      // Deleted between the two calls (only by an operator): let the caller retry.
      throw Object.assign(new Error(`payment ${item.transactionId} vanished during insert`), { name: 'TransactionConflictException' });
    }
    return { created: false, existing };
  }

  async get(transactionId: string): Promise<PaymentItem | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { [PARTITION_KEY]: { S: paymentPk(transactionId) } }, ConsistentRead: true }));
    return result.Item === undefined ? undefined : fromAttributes(result.Item);
  }

  /** One eventually consistent GetItem: proves the table exists and answers in this region. */
  async probe(): Promise<void> {
    await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { [PARTITION_KEY]: { S: HEALTH_PROBE_PK } } }));
  }
}
