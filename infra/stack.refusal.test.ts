/**
 * The program refuses, at preview, a configuration whose RTO budget exceeds 15 minutes: the dev
 * stack with custom domains off and a 15-minute DNS TTL (30 s + 60 s + 900 s = 990 s).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DrBudgetError } from './budget';
import { runProgram } from './testing/harness';

describe('stack refusal', () => {
  it('fails the preview with a DrBudgetError naming every term', async () => {
    await assert.rejects(
      runProgram({ stack: 'dev', preview: true, rootStack: false, overrides: { customDomainsEnabled: 'false', dnsTtlSeconds: '900' } }),
      (error: Error) => {
        assert.equal(error.name, DrBudgetError.name);
        assert.match(error.message, /RTO budget 990 s exceeds the 900 s objective: detection 30 s \(healthCheckIntervalSeconds 10 x healthCheckFailureThreshold 3\) \+ Route 53 propagation 60 s \+ DNS cache 900 s \(dnsTtlSeconds\)/);
        return true;
      },
    );
  });
});
