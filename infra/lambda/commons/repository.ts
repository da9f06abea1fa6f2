/** The payments table: conditional inserts, consistent reads and the health probe. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { paymentPk, type PaymentItem, type PaymentStatus } from './payment';
import { PARTITION_KEY } from './tableSchema';

export type InsertOutcome = { readonly created: true; readonly item: PaymentItem } | { readonly created: false; readonly existing: PaymentItem };

/** The key the health check reads: a real data-plane read that needs no item to exist. */
export const HEALTH_PROBE_PK = 'HEALTH#probe';

function isConditionalCheckFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

function asPaymentItem(raw: Record<string, unknown>): PaymentItem {
  const status = raw.status as PaymentStatus;
  const metadata = raw.metadata as Record<string, string> | undefined;
  return {
    pk: String(raw.pk),
    transactionId: String(raw.transactionId),
    merchantId: String(raw.merchantId),
    amount: Number(raw.amount),
    currency: String(raw.currency),
    ...(typeof raw.reference === 'string' ? { reference: raw.reference } : {}),
    ...(metadata !== undefined ? { metadata } : {}),
    status,
    createdAt: String(raw.createdAt),
    updatedAt: String(raw.updatedAt),
    region: String(raw.region),
    requestHash: String(raw.requestHash),
    idempotencyKey: String(raw.idempotencyKey),
  };
}

export class PaymentRepository {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /**
   * Writes the payment only if no item has its key (`attribute_not_exists(pk)`); otherwise returns
   * the stored item, read strongly consistently, so the caller can tell a replay from a key reuse.
   * (DynamoDB could return the old item with ReturnValuesOnConditionCheckFailure; dynalite ignores it,
   * so the read keeps one code path that works on both.)
   */
  async insert(item: PaymentItem): Promise<InsertOutcome> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
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
    const result = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { [PARTITION_KEY]: paymentPk(transactionId) }, ConsistentRead: true }));
    return result.Item === undefined ? undefined : asPaymentItem(result.Item);
  }

  /** One eventually consistent GetItem: proves the table exists and answers in this region. */
  async probe(): Promise<void> {
    await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { [PARTITION_KEY]: HEALTH_PROBE_PK } }));
  }
}
