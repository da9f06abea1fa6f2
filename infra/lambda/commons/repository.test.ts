/** The repository against dynalite, including what dynalite does not implement. */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDynalite, type DynaliteHandle } from '../../../localaws/engines';
import { newPaymentItem } from './payment';
import { fromAttributes, PaymentRepository, toAttributes } from './repository';

describe('PaymentRepository on dynalite', () => {
  let engine: DynaliteHandle;
  let repository: PaymentRepository;
  const item = newPaymentItem({
    request: { merchantId: 'm-repo', amount: 4200, currency: 'GBP', reference: 'ref', metadata: { b: '2', a: '1' } },
    idempotencyKey: 'repo-key',
    region: 'us-east-2',
    now: new Date('2026-11-29T12:00:00.000Z'),
  });

  before(async () => {
    engine = await startDynalite();
    await engine.createTable('payments-repo');
    repository = new PaymentRepository(engine.client, 'payments-repo');
  });

  after(() => engine.close());

  it('maps an item to attributes and back without loss', () => {
    assert.deepEqual(fromAttributes(toAttributes(item)), item);
    const bare = newPaymentItem({ request: { merchantId: 'm', amount: 1, currency: 'USD' }, idempotencyKey: 'k', region: 'us-east-1', now: new Date(0) });
    assert.deepEqual(fromAttributes(toAttributes(bare)), bare);
  });

  it('inserts once, then returns the stored item instead of overwriting it', async () => {
    // Act
    const first = await repository.insert(item);
    const second = await repository.insert({ ...item, amount: 1, createdAt: '2030-01-01T00:00:00.000Z' });
    // Assess
    assert.equal(first.created, true);
    assert.equal(second.created, false);
    assert.deepEqual(second.created ? undefined : second.existing, item);
    assert.deepEqual(await repository.get(item.transactionId), item);
    assert.equal(await repository.get('00000000-0000-8000-8000-000000000000'), undefined);
  });

  it('dynalite ignores ReturnValuesOnConditionCheckFailure (so the old item must be read back there)', async () => {
    // This is why the repository reads the item when the failure carries none; DynamoDB returns it
    // with the ConditionalCheckFailedException, so in AWS a duplicate costs no read.
    const error = await engine.client
      .send(new PutItemCommand({ TableName: 'payments-repo', Item: toAttributes(item), ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }))
      .then(() => undefined, (e: unknown) => e as { name: string; Item?: unknown });
    assert.equal(error?.name, 'ConditionalCheckFailedException');
    assert.equal(error?.Item, undefined);
  });

  it('the health probe goes through the write path but never changes data (nothing to replicate or stream)', async () => {
    // Prepare
    const before = await engine.scan('payments-repo');
    // Act
    await repository.probeWrite('us-east-1', new Date('2026-11-30T00:00:00.000Z'));
    await repository.probeWrite('us-east-2', new Date('2026-11-30T00:00:01.000Z'));
    // Assess
    assert.deepEqual(await engine.scan('payments-repo'), before);
  });

  it('fails the health probe when the table is missing', async () => {
    await assert.rejects(new PaymentRepository(engine.client, 'payments-missing').probeWrite('us-east-1', new Date()), { name: 'ResourceNotFoundException' });
  });
});
