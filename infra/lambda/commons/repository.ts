/**
 * The payments table: the conditional insert that IS the commit, consistent reads and the health
 * write probe.
 *
 * Besides payment items (`pk = PAYMENT#<transactionId>`) the table holds one health-probe item per
 * region (`pk = HEALTH#<region>`, see `healthProbePk`); stream consumers must act on `PAYMENT#` items only.
 */
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { paymentPk, type PaymentItem, type PaymentStatus } from './payment';
import { PARTITION_KEY } from './tableSchema';

export type InsertOutcome = { readonly created: true; readonly item: PaymentItem } | { readonly created: false; readonly existing: PaymentItem };

/**
 * The health-probe item of a region. One per region: in multi-Region strong consistency, concurrent
 * writes to the same item from two Regions fail with ReplicatedWriteConflictException, so the
 * regions' probes must never share an item.
 */
export function healthProbePk(region: string): string {
  return `HEALTH#${region}`;
}

type Attributes = Record<string, AttributeValue>;

function isConditionalCheckFailure(error: unknown): error is Error & { Item?: Attributes } {
  return error instanceof ConditionalCheckFailedException || (error instanceof Error && error.name === 'ConditionalCheckFailedException');
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
   * The commit: one PutItem of the payment, only if no item has its key (`attribute_not_exists(pk)`).
   * On a conditional-check failure DynamoDB returns the stored item with the error
   * (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), so a duplicate costs no further request; where
   * the engine does not return it (dynalite ignores the parameter) one strongly consistent read does.
   * Nothing ever overwrites a stored payment. Source: DynamoDB API Reference, PutItem
   * (ConditionExpression, ReturnValuesOnConditionCheckFailure),
   * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html
   * Throws the SDK error on anything else (the caller classifies it with isRetryableAwsError).
   */
  async insert(item: PaymentItem): Promise<InsertOutcome> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toAttributes(item),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { created: true, item };
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      if (error.Item !== undefined && error.Item.pk !== undefined) return { created: false, existing: fromAttributes(error.Item) };
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

  /**
   * The health probe: one small conditional write of this region's health item, so the check fails
   * exactly when the replica cannot take writes (throttling, an unavailable replica, a lost MRSC
   * quorum), which a read would not show. The condition keeps it off any payment item.
   */
  async probeWrite(region: string, now: Date, abortSignal?: AbortSignal): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { [PARTITION_KEY]: { S: healthProbePk(region) } },
        UpdateExpression: 'SET #at = :at',
        ConditionExpression: 'attribute_not_exists(#tx)',
        ExpressionAttributeNames: { '#at': 'probedAt', '#tx': 'transactionId' },
        ExpressionAttributeValues: { ':at': { S: now.toISOString() } },
      }),
      abortSignal === undefined ? undefined : { abortSignal },
    );
  }
}
