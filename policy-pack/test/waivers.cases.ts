import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { evaluatePlan } from '../offline/evaluate';
import { buildPolicies, committedWaivers, initialConfig, POLICY_NAMES } from '../policies';
import { isExpired, loadWaivers, parseWaivers, Waiver, WaiverError } from '../lib/waivers';
import { plan, TestResource, urnOf } from './harness';

const NOW = new Date('2026-11-29T12:00:00Z');
const queue: TestResource = { type: 'aws:sqs/queue:Queue', name: 'legacy-queue-dev', props: { name: 'legacy-queue-dev', sqsManagedSseEnabled: false } };
const bucket: TestResource = { type: 'aws:s3/bucket:Bucket', name: 'legacy-bucket-dev', props: { bucket: 'legacy-bucket-dev-1', region: 'us-east-2' } };

function waiver(overrides: Partial<Waiver> = {}): Waiver {
  return {
    policy: 'sqs-queue-encrypted',
    resource: 'legacy-queue-dev',
    justification: 'Queue drained and deleted in change CHG-1042; no payment data since 2026-11-01',
    owner: 'payments-platform',
    expires: '2026-12-31',
    ...overrides,
  };
}

/** Evaluates one policy with the waivers applied exactly as the pack and the gate apply them. */
async function evaluate(policyName: string, waivers: Waiver[], resources: TestResource[]) {
  const policies = buildPolicies(waivers, () => NOW).filter((p) => p.name === policyName);
  return evaluatePlan(plan(resources), policies, initialConfig(waivers));
}

describe('waivers', () => {
  it('a valid waiver silences the policy for that resource and is reported as waived', async () => {
    const result = await evaluate('sqs-queue-encrypted', [waiver()], [queue]);
    assert.deepEqual(result.findings, []);
    assert.deepEqual(
      result.waived.map((w) => [w.policy, w.resource, w.message, w.waiver.expires]),
      [['sqs-queue-encrypted', 'legacy-queue-dev', 'SQS queue must be encrypted at rest (sqsManagedSseEnabled true or kmsMasterKeyId set).', '2026-12-31']],
    );
  });
  it('applies through the last day of validity (UTC)', async () => {
    const result = await evaluate('sqs-queue-encrypted', [waiver({ expires: '2026-11-29' })], [queue]);
    assert.equal(result.findings.length, 0);
    assert.equal(isExpired(waiver({ expires: '2026-11-28' }), NOW), true);
  });
  it('an expired waiver brings the violation back, saying the waiver expired', async () => {
    const result = await evaluate('sqs-queue-encrypted', [waiver({ expires: '2026-11-28' })], [queue]);
    assert.deepEqual(result.waived, []);
    assert.deepEqual(
      result.findings.map((f) => [f.level, f.policy, f.resource, f.message]),
      [
        [
          'mandatory',
          'sqs-queue-encrypted',
          'legacy-queue-dev',
          'SQS queue must be encrypted at rest (sqsManagedSseEnabled true or kmsMasterKeyId set). (waiver expired on 2026-11-28; owner payments-platform: "Queue drained and deleted in change CHG-1042; no payment data since 2026-11-01")',
        ],
      ],
    );
  });
  it('silences only the named policy and resource', async () => {
    const other: TestResource = { ...queue, name: 'other-queue-dev', props: { ...queue.props, name: 'other-queue-dev' } };
    const result = await evaluate('sqs-queue-encrypted', [waiver()], [queue, other]);
    assert.deepEqual(result.findings.map((f) => f.resource), ['other-queue-dev']);
    const viaOtherPolicy = await evaluate('sqs-queue-encrypted', [waiver({ policy: 'sqs-queue-redrive-policy' })], [queue]);
    assert.equal(viaOtherPolicy.findings.length, 1);
  });
  it('matches a full URN', async () => {
    const result = await evaluate('sqs-queue-encrypted', [waiver({ resource: urnOf(queue.type, queue.name) })], [queue]);
    assert.equal(result.findings.length, 0);
    assert.equal(result.waived.length, 1);
  });
  it('applies to stack policies (the violation is reported on the bucket)', async () => {
    const w = waiver({ policy: 's3-bucket-versioning-enabled', resource: 'legacy-bucket-dev' });
    const result = await evaluate('s3-bucket-versioning-enabled', [w], [bucket]);
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.waived.map((x) => x.resource), ['legacy-bucket-dev']);
  });
  it('rejects malformed waivers with the entry and field named', () => {
    assert.throws(() => parseWaivers({ waivers: [{ ...waiver(), owner: '' }] }, POLICY_NAMES), new WaiverError('waivers[0].owner must be a non-empty string'));
    assert.throws(() => parseWaivers({ waivers: [waiver({ expires: '31/12/2026' })] }, POLICY_NAMES), new WaiverError('waivers[0].expires must be a date YYYY-MM-DD, got "31/12/2026"'));
    assert.throws(() => parseWaivers({ waivers: [waiver({ policy: 'no-such-policy' })] }, POLICY_NAMES), new WaiverError('waivers[0].policy "no-such-policy" is not a policy of this pack'));
    assert.throws(() => parseWaivers({ waivers: [waiver({ justification: 'because' })] }, POLICY_NAMES), new WaiverError('waivers[0].justification must explain the exception (at least 20 characters)'));
    assert.throws(() => parseWaivers([], POLICY_NAMES), new WaiverError('waivers file must be an object with a "waivers" array'));
  });
  it('loads a waivers file from disk', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'waivers-')), 'waivers.json');
    writeFileSync(file, JSON.stringify({ waivers: [waiver()] }));
    assert.deepEqual(loadWaivers(POLICY_NAMES, file), [waiver()]);
  });
  it('the committed waivers file is valid', () => {
    assert.ok(Array.isArray(committedWaivers()));
  });
});
