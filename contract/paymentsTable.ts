/**
 * The payments table's schema, in one place: the stack's GlobalTable component declares this key,
 * TTL attribute and stream, and the sandbox, the bench and the handler tests create their dynalite
 * tables from `paymentsTableInput`, so a local table cannot drift from the deployed one. The
 * merchant-credentials table uses the same key layout.
 *
 * Types only from the AWS SDK (erased at build time): this module stays free of runtime imports.
 */
import type { CreateTableCommandInput, UpdateTimeToLiveCommandInput } from '@aws-sdk/client-dynamodb';

/** Partition key of every item (string, no sort key): `PAYMENT#<transactionId>`, `HEALTH#<region>`, `CREDENTIAL#<keyId>`. */
export const PARTITION_KEY = 'pk';
/** TTL attribute (epoch seconds); no payment carries it (payments never expire). */
export const TTL_ATTRIBUTE = 'expiration';
/** On-demand capacity: no capacity planning for a failover's doubled traffic. */
export const BILLING_MODE = 'PAY_PER_REQUEST';
/**
 * Global tables (version 2019.11.21) replicate from the table's stream, which must carry new and old
 * images; the transaction log reads the same stream.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GlobalTables.html
 */
export const STREAM_VIEW_TYPE = 'NEW_AND_OLD_IMAGES';

/** The CreateTable input for a payments table named `tableName`. */
export function paymentsTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: PARTITION_KEY, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }],
    BillingMode: BILLING_MODE,
    StreamSpecification: { StreamEnabled: true, StreamViewType: STREAM_VIEW_TYPE },
  };
}

/** The UpdateTimeToLive input enabling TTL on `expiration` (dynalite does not implement TTL; AWS does). */
export function paymentsTableTtlInput(tableName: string): UpdateTimeToLiveCommandInput {
  return { TableName: tableName, TimeToLiveSpecification: { Enabled: true, AttributeName: TTL_ATTRIBUTE } };
}
