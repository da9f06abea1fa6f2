/**
 * The program under the committed dev stack (Pulumi.dev.yaml: suffix dev, custom domains on,
 * strong consistency, 10 s x 3). Bundles the handlers for real (no cache): this file is the one
 * that exercises `bundleHandlerSync` end to end.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { iamSuite } from './testing/iamSuite';
import { stackSuite } from './testing/stackSuite';

delete process.env.PAYMENTS_DR_BUNDLE_CACHE;
// No cache of any kind: infra/lambda/build.ts's bundleHandlerSync keeps its own .bundle-cache/ too.
process.env.PAYMENTS_DR_BUNDLE_NO_CACHE = 'true';
const suite = stackSuite('dev');
iamSuite('dev', suite.settings, () => suite.run());

describe('stack dev: bundles', () => {
  it('built every deployed handler with esbuild in this run, no cache consulted', async () => {
    const { BUNDLE_ORIGINS } = await import('./lambdaCode');
    const { HANDLERS } = await import('../contract');
    suite.run();
    assert.deepEqual([...BUNDLE_ORIGINS.keys()].sort(), [...HANDLERS].sort());
  });
});

describe('stack dev: configuration specifics', () => {
  it('reads the committed dev settings', () => {
    assert.equal(suite.settings.environmentSuffix, 'dev');
    assert.equal(suite.settings.customDomainsEnabled, true);
    assert.equal(suite.settings.consistencyMode, 'strong');
  });
  it('budgets RTO 150 s (30 s detection + 60 s propagation + 60 s alias TTL) and RPO 0 s for confirmed payments (strong consistency)', () => {
    const b = suite.run().outputs.drBudget;
    assert.deepEqual([b.rtoSeconds, b.rpoSeconds, b.rpo.bounded, b.withinObjectives], [150, 0, true, true]);
  });
});
