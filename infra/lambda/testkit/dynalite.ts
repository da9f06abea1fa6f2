/**
 * A real DynamoDB engine for tests: dynalite (DynamoDB's HTTP API and validation, in process),
 * listening on 127.0.0.1 with an OS-assigned port. Tables are created from the shared table schema.
 */
import { CreateTableCommand, DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AddressInfo, Server } from 'node:net';
import { paymentsTableInput } from '../../../contract/paymentsTable';

interface DynaliteOptions {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}
// dynalite ships no type declarations; this is the part we use (declared here rather than as an
// ambient module so it cannot collide with another owner's declaration).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;

/** s3rver only accepts its fixed key pair; dynalite accepts any, so tests use this one everywhere. */
export const TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface DynaliteHandle {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  createTable(tableName: string): Promise<void>;
  /** Every item of a table (raw attribute values), for assertions and replication emulation. */
  scan(tableName: string): Promise<Record<string, AttributeValue>[]>;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<DynaliteHandle> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  return {
    endpoint,
    client,
    async createTable(tableName) {
      await client.send(new CreateTableCommand(paymentsTableInput(tableName)));
    },
    async scan(tableName) {
      const items: Record<string, AttributeValue>[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      return items;
    },
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
