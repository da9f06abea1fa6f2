/**
 * The program under the second committed stack (Pulumi.staging.yaml: suffix stg, custom domains
 * OFF, multi-Region strong consistency with a witness, 30 s x 2, TTL 30 s). Uses the
 * content-hash bundle cache (`.bundle-cache/`); stack.dev.test.ts bundles for real.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from './settings';
import { ofType, one } from './testing/harness';
import { iamSuite } from './testing/iamSuite';
import { stackSuite } from './testing/stackSuite';

process.env.PAYMENTS_DR_BUNDLE_CACHE = join(REPO_ROOT, '.bundle-cache');
const suite = stackSuite('staging');
iamSuite('staging', suite.settings, () => suite.run());

describe('stack staging: configuration specifics', () => {
  it('reads the committed staging settings', () => {
    assert.equal(suite.settings.environmentSuffix, 'stg');
    assert.equal(suite.settings.customDomainsEnabled, false);
    assert.equal(suite.settings.consistencyMode, 'strong');
    assert.equal(suite.settings.witnessRegion, 'us-west-2');
  });

  it('builds an MRSC table: STRONG replica, us-west-2 witness, no TTL (unsupported by MRSC)', () => {
    const table = one(suite.run(), 'aws:dynamodb/table:Table', () => true);
    assert.equal(table.inputs.name, 'payments-table-stg');
    assert.deepEqual(table.inputs.replicas.map((r: { regionName: string; consistencyMode: string }) => [r.regionName, r.consistencyMode]), [['us-east-2', 'STRONG']]);
    assert.deepEqual(table.inputs.globalTableWitness, { regionName: 'us-west-2' });
    assert.equal(table.inputs.ttl, undefined);
  });

  it('has no certificates or custom domains, and CNAME failover records with the 30 s TTL', () => {
    const run = suite.run();
    assert.equal(ofType(run, 'aws:acm/certificate:Certificate').length, 0);
    assert.equal(ofType(run, 'aws:apigateway/domainName:DomainName').length, 0);
    const records = ofType(run, 'aws:route53/record:Record');
    assert.deepEqual(records.map((r) => [r.inputs.name, r.inputs.type, r.inputs.ttl]), [
      ['api.payments-stg.example.com', 'CNAME', 30],
      ['api.payments-stg.example.com', 'CNAME', 30],
    ]);
  });

  it('budgets RTO 150 s (60 s detection + 60 s propagation + 30 s TTL) and RPO 0 s', () => {
    const b = suite.run().outputs.drBudget;
    assert.deepEqual([b.rtoSeconds, b.rpoSeconds, b.rto.detectionSeconds, b.rto.dnsCacheSeconds, b.withinTargets], [150, 0, 60, 30, true]);
  });
});
