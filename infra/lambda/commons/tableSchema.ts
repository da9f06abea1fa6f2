/**
 * The payments table's schema, in one place: the stack declares the same key, TTL and stream
 * settings, and the sandbox and the tests create their dynalite tables from `paymentsTableInput`,
 * so the local table cannot drift from the deployed one.
 */
import type { CreateTableCommandInput, UpdateTimeToLiveCommandInput } from '@aws-sdk/client-dynamodb';

/** Partition key of every item (no sort key): `PAYMENT#<transactionId>`. */
export const PARTITION_KEY = 'pk';
/** TTL attribute (epoch seconds); no item the handlers write carries it (payments never expire). */
export const TTL_ATTRIBUTE = 'expiration';

/** The CreateTable input for a table named `tableName`. */
export function paymentsTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: PARTITION_KEY, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    // Global tables replicate from the stream; NEW_AND_OLD_IMAGES is what they require.
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  };
}

/** The UpdateTimeToLive input enabling TTL on `expiration` (dynalite does not implement TTL; AWS does). */
export function paymentsTableTtlInput(tableName: string): UpdateTimeToLiveCommandInput {
  return { TableName: tableName, TimeToLiveSpecification: { Enabled: true, AttributeName: TTL_ATTRIBUTE } };
}
