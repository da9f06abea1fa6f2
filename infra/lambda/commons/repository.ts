/**
 * The payments table: the conditional insert that IS the commit, consistent reads and the health
 * write probe.
 *
 * The table holds payment items only (`pk = PAYMENT#<transactionId>`); the health probe's write never
 * changes data (see `probeWrite`).
 */
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { paymentPk, type PaymentItem, type PaymentStatus } from './payment';
import { PARTITION_KEY } from '../../../contract/paymentsTable';

export type InsertOutcome = { readonly created: true; readonly item: PaymentItem } | { readonly created: false; readonly existing: PaymentItem };

/**
 * The key a region's health probe targets (never written: see `probeWrite`). One per region, so the
 * two regions' probes never address the same item (in multi-Region strong consistency, concurrent
 * writes to one item from two Regions can fail with ReplicatedWriteConflictException).
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
   * The health probe: one PutItem through this replica's write path whose condition can never hold
   * (`#pk = :never` on the item `HEALTH#<region>`), so it never changes data: nothing replicates,
   * nothing reaches the table's stream, and a healthy replica answers ConditionalCheckFailedException
   * (the condition was evaluated by the partition that would have taken the write). Throttling, an
   * unavailable replica, a 5xx or a timeout throw instead, which is what a read would not show.
   * Resolves when the write path answered; throws the SDK error otherwise.
   * (Whether a lost MRSC quorum fails a condition-failing write is confirmed only in AWS: see README.)
   */
  async probeWrite(region: string, now: Date, abortSignal?: AbortSignal): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { [PARTITION_KEY]: { S: healthProbePk(region) }, probedAt: { S: now.toISOString() } },
          ConditionExpression: '#pk = :never',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
          ExpressionAttributeValues: { ':never': { S: 'HEALTH#never' } },
        }),
        abortSignal === undefined ? undefined : { abortSignal },
      );
    } catch (error) {
      if (isConditionalCheckFailure(error)) return;
      throw error;
    }
    // The impossible condition held: the table is not what this code expects.
    throw Object.assign(new Error('health probe condition unexpectedly held'), { name: 'HealthProbeWrote' });
  }
}
