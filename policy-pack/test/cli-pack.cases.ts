/**
 * The pack runs the way `pulumi preview --policy-pack policy-pack` runs it: started by
 * @pulumi/pulumi's run-policy-pack in policy-pack/ (ts-node compiles index.ts), spoken to over the
 * Analyzer gRPC protocol (scripts/gate/smoke-pack.ts). Only the Pulumi CLI itself is missing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { smokePack } from '../../scripts/gate/smoke-pack';

describe('the pack as the Pulumi CLI runs it', () => {
  it('serves its policies, applies waivers from its config, reports violations and unknowns', async () => {
    const checks = await smokePack();
    assert.deepEqual(checks.filter((c) => !c.ok).map((c) => c.what), []);
    assert.equal(checks.length, 8);
  });
});
