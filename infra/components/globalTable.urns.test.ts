/**
 * Both tables hold data, so refactoring their component must not change what Pulumi identifies
 * them by: the payments table keeps its URN, and the merchant-credentials table, once its own
 * component type, carries an alias to its former URN so `pulumi up` updates it in place (the
 * engine derives the child table's alias from its parent's).
 * https://www.pulumi.com/docs/iac/concepts/options/aliases/
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as pulumi from '@pulumi/pulumi';
import { PROJECT } from '../settings';
import { mockComponents, settle, type ProgramRun } from '../testing/harness';
import { FORMER_CREDENTIALS_TABLE_TYPE, GlobalTable } from './globalTable';

const layout = { primaryRegion: 'us-east-1', replicaRegions: ['us-east-2'], consistencyMode: 'strong' as const, witnessRegion: 'us-west-2' };
const value = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply((v) => resolve(v)));

describe('global table URNs', () => {
  let run: ProgramRun;
  before(async () => {
    run = await mockComponents();
  });
  const prefix = () => `urn:pulumi:${run.stack}::${PROJECT}::`;

  it('keeps the payments table at payments-dr:database:GlobalTable::payments, its table a child of it', async () => {
    const payments = new GlobalTable('payments', { ...layout, tableName: 'payments-table-t', ttlAttribute: 'expiration' });
    await settle(run);
    assert.equal(await value(payments.urn), `${prefix()}payments-dr:database:GlobalTable::payments`);
    assert.equal(await value(payments.table.urn), `${prefix()}payments-dr:database:GlobalTable$aws:dynamodb/table:Table::payments-table`);
  });

  it("aliases the merchant-credentials table to its former component type's URN", async () => {
    const credentials = new GlobalTable('merchant-credentials', { ...layout, tableName: 'merchant-credentials-t' }, { aliases: [{ type: FORMER_CREDENTIALS_TABLE_TYPE }] });
    await settle(run);
    const aliases = (credentials as unknown as { __aliases: pulumi.Input<string>[] }).__aliases;
    const resolved = await Promise.all(aliases.map((a) => value(pulumi.output(a))));
    assert.deepEqual(resolved, [`${prefix()}payments-dr:database:CredentialsTable::merchant-credentials`]);
  });

  it('lays out both tables alike: key, on-demand, stream, PITR and encryption on every replica', async () => {
    await settle(run);
    const tables = run.resources.filter((r) => r.type === 'aws:dynamodb/table:Table');
    assert.equal(tables.length, 2);
    const layoutOf = (t: (typeof tables)[number]) => {
      const { name: _name, ttl: _ttl, ...rest } = t.inputs;
      return rest;
    };
    assert.deepEqual(layoutOf(tables[0]), layoutOf(tables[1]));
    assert.equal(tables[0].inputs.hashKey, 'pk');
    assert.equal(tables[0].inputs.billingMode, 'PAY_PER_REQUEST');
    assert.equal(tables[0].inputs.pointInTimeRecovery.enabled, true);
  });
});
