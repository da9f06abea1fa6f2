import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dynamodbOnDemandBilling, dynamodbPointInTimeRecovery, dynamodbReplicaPointInTimeRecovery, dynamodbReplicatedToDr } from '../database';
import { findings, TestResource, UNKNOWN, violations } from './harness';

const TABLE = 'aws:dynamodb/table:Table';

/** A compliant global table (happy path). */
function table(change: (props: Record<string, unknown>) => void = () => undefined): TestResource {
  const props: Record<string, unknown> = {
    name: 'payments-table-dev',
    region: 'us-east-1',
    billingMode: 'PAY_PER_REQUEST',
    hashKey: 'pk',
    streamEnabled: true,
    streamViewType: 'NEW_AND_OLD_IMAGES',
    pointInTimeRecovery: { enabled: true },
    replicas: [{ regionName: 'us-east-2', pointInTimeRecovery: true }],
  };
  change(props);
  return { type: TABLE, name: 'payments-table-dev', props };
}

describe('dynamodb-on-demand-billing', () => {
  it('passes an on-demand table', async () => assert.deepEqual(await violations(dynamodbOnDemandBilling, table()), []));
  it('rejects provisioned billing', async () => {
    assert.deepEqual(await violations(dynamodbOnDemandBilling, table((p) => (p.billingMode = 'PROVISIONED'))), [
      'DynamoDB table must use on-demand billing (billingMode PAY_PER_REQUEST), got PROVISIONED.',
    ]);
  });
  it('rejects an unset billing mode (the provider default is provisioned)', async () => {
    assert.deepEqual(await violations(dynamodbOnDemandBilling, table((p) => delete p.billingMode)), [
      'DynamoDB table must use on-demand billing (billingMode PAY_PER_REQUEST), got PROVISIONED (default).',
    ]);
  });
});

describe('dynamodb-point-in-time-recovery', () => {
  it('passes a table and replicas with PITR', async () => assert.deepEqual(await violations(dynamodbPointInTimeRecovery, table()), []));
  it('rejects a table without PITR', async () => {
    assert.deepEqual(await violations(dynamodbPointInTimeRecovery, table((p) => (p.pointInTimeRecovery = { enabled: false }))), [
      'DynamoDB table must enable point-in-time recovery (pointInTimeRecovery.enabled true).',
    ]);
  });
  it('rejects a replica without PITR', async () => {
    assert.deepEqual(await violations(dynamodbPointInTimeRecovery, table((p) => (p.replicas = [{ regionName: 'us-east-2' }]))), [
      'DynamoDB replica in us-east-2 must enable point-in-time recovery (replicas[].pointInTimeRecovery true).',
    ]);
  });
  it('still reports the replica when the table setting is unknown during preview, and says what it could not check', async () => {
    const result = await findings(dynamodbPointInTimeRecovery, table((p) => ((p.pointInTimeRecovery = UNKNOWN), (p.replicas = [{ regionName: 'us-east-2', pointInTimeRecovery: false }]))));
    assert.deepEqual(
      result.map((f) => [f.kind, f.level, f.message]),
      [
        ['violation', 'mandatory', 'DynamoDB replica in us-east-2 must enable point-in-time recovery (replicas[].pointInTimeRecovery true).'],
        ['unknown', 'advisory', "cannot be checked until apply: string value at .pointInTimeRecovery can't be known during preview"],
      ],
    );
  });
});

describe('dynamodb-replica-point-in-time-recovery', () => {
  const replica = (pitr: boolean | undefined): TestResource => ({
    type: 'aws:dynamodb/tableReplica:TableReplica',
    name: 'payments-table-dev-us-west-2',
    props: { globalTableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/payments-table-dev', region: 'us-west-2', ...(pitr === undefined ? {} : { pointInTimeRecovery: pitr }) },
  });
  it('passes a replica with PITR', async () => assert.deepEqual(await violations(dynamodbReplicaPointInTimeRecovery, replica(true)), []));
  it('rejects a replica without PITR', async () => {
    assert.deepEqual(await violations(dynamodbReplicaPointInTimeRecovery, replica(undefined)), ['DynamoDB table replica must enable point-in-time recovery (pointInTimeRecovery true).']);
  });
});

describe('dynamodb-replicated-to-dr-region', () => {
  it('passes a table replicated to us-east-2', async () => assert.deepEqual(await violations(dynamodbReplicatedToDr, table()), []));
  it('rejects a table without replicas', async () => {
    assert.deepEqual(await violations(dynamodbReplicatedToDr, table((p) => (p.replicas = []))), ['DynamoDB table must be replicated to the DR region us-east-2 (replicas: none; the DR region is the policy setting drRegion).']);
  });
  it('rejects a table replicated elsewhere only', async () => {
    assert.deepEqual(await violations(dynamodbReplicatedToDr, table((p) => (p.replicas = [{ regionName: 'eu-west-1', pointInTimeRecovery: true }]))), [
      'DynamoDB table must be replicated to the DR region us-east-2 (replicas: eu-west-1; the DR region is the policy setting drRegion).',
    ]);
  });
  it('rejects a table without streams', async () => {
    assert.deepEqual(await violations(dynamodbReplicatedToDr, table((p) => (p.streamEnabled = false))), [
      'DynamoDB table must enable streams (streamEnabled true) to replicate as a global table.',
    ]);
  });
  it('follows the configured DR region', async () => {
    assert.deepEqual(await violations(dynamodbReplicatedToDr, table(), { drRegion: 'us-west-2' }), ['DynamoDB table must be replicated to the DR region us-west-2 (replicas: us-east-2; the DR region is the policy setting drRegion).']);
  });
});
