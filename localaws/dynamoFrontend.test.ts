/**
 * The DynamoDB front end over a real dynalite: the throttling fault (as the SDK sees it), the change
 * feed (successful writes only, with commit times), ReturnValuesOnConditionCheckFailure and
 * last-writer-wins application of replicas.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { paymentsTableInput } from '../contract/paymentsTable';
import { DynamoFrontend, newer } from './dynamoFrontend';
import type { ChangeRecord } from '../sandbox/types';
import { loadDynalite } from './engines';
import { closeServer, listen } from './http';

const TABLE = 'payments-test';

describe('DynamoDB front end', () => {
  let engine: Server;
  let frontend: DynamoFrontend;
  let client: DynamoDBClient;
  const changes: ChangeRecord[] = [];

  before(async () => {
    engine = loadDynalite()({ createTableMs: 0 });
    const port = await listen(engine);
    frontend = new DynamoFrontend({ region: 'us-east-1', engineUrl: `http://127.0.0.1:${port}`, tableName: TABLE, keyAttributes: ['pk'], onChanges: (c) => changes.push(...c) });
    const endpoint = await frontend.start();
    await frontend.createTable({ ...paymentsTableInput(TABLE) });
    client = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  });

  after(async () => {
    client.destroy();
    await frontend.stop();
    await closeServer(engine);
  });

  it('feeds successful writes to the replicator, not failed conditional ones', async () => {
    changes.length = 0;
    const before = performance.timeOrigin + performance.now();
    await client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'A' }, v: { N: '1' } }, ConditionExpression: 'attribute_not_exists(pk)' }));
    await assert.rejects(
      client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'A' }, v: { N: '2' } }, ConditionExpression: 'attribute_not_exists(pk)' })),
      (err: Error) => err.name === 'ConditionalCheckFailedException',
    );
    assert.equal(changes.length, 1);
    assert.deepEqual(changes[0].key, { pk: { S: 'A' } });
    assert.equal(changes[0].version.origin, 'us-east-1');
    assert.ok(changes[0].version.ts >= before);
  });

  it('returns the stored item with a failed condition when ALL_OLD is asked for (dynalite ignores it; DynamoDB does not)', async () => {
    await client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'OLD' }, v: { N: '1' } } }));
    const failed = await client
      .send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'OLD' }, v: { N: '2' } }, ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }))
      .then(() => undefined, (err: Error & { Item?: unknown }) => err);
    assert.equal(failed?.name, 'ConditionalCheckFailedException');
    assert.deepEqual(failed?.Item, { pk: { S: 'OLD' }, v: { N: '1' } });
    const without = await client
      .send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'OLD' }, v: { N: '3' } }, ConditionExpression: 'attribute_not_exists(pk)' }))
      .then(() => undefined, (err: Error & { Item?: unknown }) => err);
    assert.equal(without?.name, 'ConditionalCheckFailedException');
    assert.equal(without?.Item, undefined);
  });

  it('throttles writes (or every data-plane call) with ProvisionedThroughputExceededException', async () => {
    frontend.setThrottling('writes');
    await assert.rejects(client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'B' } } })), (err: Error) => err.name === 'ProvisionedThroughputExceededException');
    assert.ok((await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'A' } } }))).Item);
    frontend.setThrottling('all');
    await assert.rejects(client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'A' } } })), (err: Error) => err.name === 'ProvisionedThroughputExceededException');
    frontend.setThrottling('off');
    await client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'B' } } }));
  });

  it('throttles a table operation with ThrottlingException, a data-plane call with ProvisionedThroughputExceededException (AWS names them so)', async () => {
    frontend.faults.fault = { kind: 'throttle' };
    try {
      await assert.rejects(client.send(new CreateTableCommand({ ...paymentsTableInput('throttled-table') })), (err: Error) => err.name === 'ThrottlingException');
      await assert.rejects(client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'A' } } })), (err: Error) => err.name === 'ProvisionedThroughputExceededException');
    } finally {
      frontend.faults.reset();
    }
  });

  it('applies a write whose answer is lost, then answers 500 InternalServerError; a hang is never answered', async () => {
    frontend.faults.fault = { kind: 'lose-response', times: 1 };
    await assert.rejects(client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'LOST' } } })), (err: Error) => err.name === 'InternalServerError');
    assert.equal(frontend.faults.fault.kind, 'none', 'the fault is used up');
    assert.ok((await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'LOST' } }, ConsistentRead: true }))).Item, 'the write was applied');
    frontend.faults.fault = { kind: 'hang' };
    try {
      await assert.rejects(client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'A' } } }), { abortSignal: AbortSignal.timeout(200) }), (err: Error) => /abort/i.test(err.name) || /abort/i.test(err.message));
    } finally {
      frontend.faults.reset();
    }
  });

  it('applies a replica only when it is newer than the local write (last writer wins)', async () => {
    changes.length = 0;
    await client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'C' }, writer: { S: 'local' } } }));
    const local = changes[0].version;
    const older = await frontend.applyReplica({ pk: { S: 'C' } }, { pk: { S: 'C' }, writer: { S: 'remote-old' } }, { ts: local.ts - 10, origin: 'us-east-2' });
    assert.equal(older.applied, false);
    const newerReplica = await frontend.applyReplica({ pk: { S: 'C' } }, { pk: { S: 'C' }, writer: { S: 'remote-new' } }, { ts: local.ts + 10, origin: 'us-east-2' });
    assert.equal(newerReplica.applied, true);
    const read = await frontend.readItem({ pk: { S: 'C' } });
    assert.deepEqual(read.item, { pk: { S: 'C' }, writer: { S: 'remote-new' } });
    assert.deepEqual(read.version, { ts: local.ts + 10, origin: 'us-east-2' });
    assert.equal(changes.length, 1, 'a replicated write is not fed back (no echo)');
    // A replicated delete.
    assert.equal((await frontend.applyReplica({ pk: { S: 'C' } }, null, { ts: local.ts + 20, origin: 'us-east-2' })).applied, true);
    assert.equal((await frontend.readItem({ pk: { S: 'C' } })).item, null);
  });

  it('orders versions by commit time, then by origin region', () => {
    assert.equal(newer({ ts: 2, origin: 'a' }, { ts: 1, origin: 'b' }), true);
    assert.equal(newer({ ts: 1, origin: 'b' }, { ts: 1, origin: 'a' }), true);
    assert.equal(newer({ ts: 1, origin: 'a' }, { ts: 1, origin: 'a' }), false);
  });
});
