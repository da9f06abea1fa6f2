/**
 * The program under the second committed stack (Pulumi.staging.yaml: suffix stg, 30 s x 2,
 * 90-day logs, multi-Region strong consistency with a witness). The custom-domains-off state of a
 * first deploy is covered by infra/components/dnsFailover.switch.test.ts. Uses the
 * content-hash bundle cache (`.bundle-cache/`); stack.dev.test.ts bundles for real.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from './settings';
import { perRegionApi } from './testing/apiContract';
import { one } from './testing/harness';
import { iamSuite } from './testing/iamSuite';
import { stackContracts } from './testing/stackContracts';
import { stackInvariants } from './testing/stackInvariants';

process.env.PAYMENTS_DR_BUNDLE_CACHE = join(REPO_ROOT, '.bundle-cache');
const suite = stackInvariants('staging');
stackContracts(suite);
iamSuite('staging', suite.settings, () => suite.run());
perRegionApi('staging', () => suite.run());

describe('stack staging: configuration specifics', () => {
  it('reads the committed staging settings', () => {
    assert.equal(suite.settings.environmentSuffix, 'stg');
    assert.equal(suite.settings.customDomainsEnabled, true);
    assert.equal(suite.settings.consistencyMode, 'strong');
    assert.equal(suite.settings.witnessRegion, 'us-west-2');
  });

  it('builds an MRSC table: STRONG replica, us-west-2 witness, no TTL (unsupported by MRSC)', () => {
    const table = one(suite.run(), 'aws:dynamodb/table:Table', (r) => r.inputs.name === 'payments-table-stg');
    assert.equal(table.inputs.name, 'payments-table-stg');
    assert.deepEqual(table.inputs.replicas.map((r: { regionName: string; consistencyMode: string }) => [r.regionName, r.consistencyMode]), [['us-east-2', 'STRONG']]);
    assert.deepEqual(table.inputs.globalTableWitness, { regionName: 'us-west-2' });
    assert.equal(table.inputs.ttl, undefined);
  });

  it('budgets RTO 180 s (60 s detection + 60 s propagation + 60 s alias TTL) and RPO 0 s', () => {
    const b = suite.run().outputs.drBudget;
    assert.deepEqual([b.rtoSeconds, b.rpoSeconds, b.rto.detectionSeconds, b.rto.dnsCacheSeconds, b.withinObjectives], [180, 0, 60, 60, true]);
  });
});
