/**
 * A region's SSM parameters, one branch per test: every value the region publishes (endpoint, table
 * name and regional endpoint, payment rules, idempotency and log settings), the manual failover flag
 * created "false" and owned by operators afterwards.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type * as pulumi from '@pulumi/pulumi';
import { mockComponents, ofType, settle, type ProgramRun } from '../testing/harness';
import { RegionParameters } from './regionParameters';

const tags = { Project: 'payments-dr', Environment: 't', Region: 'us-east-2', DrRole: 'secondary' };

describe('region parameters', () => {
  let run: ProgramRun;
  let given: RegionParameters;
  const ignored = new Map<string, string[] | undefined>();
  const valuesUnder = (path: string) =>
    Object.fromEntries(ofType(run, 'aws:ssm/parameter:Parameter').filter((p) => p.inputs.name.startsWith(path)).map((p) => [p.inputs.name.slice(path.length), [p.inputs.type, p.inputs.value]]));
  before(async () => {
    run = await mockComponents();
    const common = { region: 'us-east-2', apiEndpoint: 'https://us-east-2.api.example.com', tableName: 'payments-table-t', maxAmountMinor: 5000, allowedCurrencies: ['EUR', 'USD'] };
    new RegionParameters('defaults', { ...common, path: '/p/t/us-east-2/' });
    // Resource options never reach the mocks: a transformation on the component records its children's.
    const transformations = [(a: pulumi.ResourceTransformationArgs) => void ignored.set(a.name, a.opts.ignoreChanges)];
    given = new RegionParameters('given', { ...common, path: '/p/given/us-east-2/', tags }, { transformations });
    await settle(run);
  });

  it('publishes the endpoint, table, rules and the contract\'s settings (86400 s, transactions/)', () => {
    assert.deepEqual(valuesUnder('/p/t/us-east-2/'), {
      'api-endpoint': ['String', 'https://us-east-2.api.example.com'],
      'table-name': ['String', 'payments-table-t'],
      'table-endpoint': ['String', 'https://dynamodb.us-east-2.amazonaws.com'],
      'max-amount-minor': ['String', '5000'],
      'allowed-currencies': ['StringList', 'EUR,USD'],
      'idempotency-ttl-seconds': ['String', '86400'],
      'transaction-log-prefix': ['String', 'transactions/'],
      'manual-failover': ['String', 'false'],
    });
  });

  it('keeps every parameter in the Standard tier (no charge), in its region, with the given tags', () => {
    for (const p of ofType(run, 'aws:ssm/parameter:Parameter').filter((x) => x.name.startsWith('given-'))) {
      assert.deepEqual([p.inputs.tier, p.inputs.region, p.inputs.tags], ['Standard', 'us-east-2', tags], p.inputs.name);
    }
  });

  it('creates the manual failover flag "false" and leaves its value to operators afterwards', () => {
    assert.equal(given.manualFailoverParameterName, '/p/given/us-east-2/manual-failover');
    const flag = ofType(run, 'aws:ssm/parameter:Parameter').find((p) => p.inputs.name === given.manualFailoverParameterName)!;
    assert.equal(flag.inputs.value, 'false');
    assert.deepEqual(ignored.get('given-manual-failover'), ['value']);
    assert.deepEqual([...ignored].filter(([, v]) => v !== undefined).map(([k]) => k), ['given-manual-failover'], 'every other value follows the program');
  });
});
