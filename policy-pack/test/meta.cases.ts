import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CONTROLS_DOC, renderControlsDoc } from '../../scripts/gate/controls-doc';
import { CONTROL_IDS } from '../controls';
import { BREAKAGES } from '../fixtures/lib/breakages';
import { controlOf, isStackPolicy } from '../lib/policy';
import { BASE_POLICIES, buildPolicies, initialConfig, POLICY_NAMES } from '../policies';

/** The mandatory policies the DR controls need, by subject (each must exist, mandatory). */
const REQUIRED_MANDATORY = [
  'dynamodb-on-demand-billing',
  'dynamodb-point-in-time-recovery',
  'dynamodb-replica-point-in-time-recovery',
  'dynamodb-replicated-to-dr-region',
  's3-bucket-versioning-enabled',
  's3-bucket-encrypted',
  's3-bucket-public-access-blocked',
  's3-bucket-tls-only',
  's3-bucket-replicated-to-dr-region',
  'sqs-queue-encrypted',
  'sqs-dead-letter-queue-retention',
  'sqs-queue-redrive-policy',
  'resource-not-protected',
  'resource-not-retained-on-delete',
  'no-deletion-protection',
  'resource-name-environment-suffix',
  'iam-no-wildcard-actions',
  'iam-no-wildcard-resources',
  'lambda-supported-runtime',
  'lambda-tracing-active',
  'lambda-log-group-retention',
  'apigateway-stage-access-logging',
  'apigateway-stage-execution-logging',
  'apigateway-rest-api-regional',
  'apigateway-domain-tls12',
  'route53-health-check-https-api',
  'route53-failover-primary-health-check',
  'dynamodb-replication-latency-alarms',
  'lambda-error-throttle-alarms',
  'apigateway-5xx-alarm',
  'cloudwatch-alarm-has-action',
  'regions-alike',
  'route53-failover-pair',
];

describe('pack metadata', () => {
  it('has unique kebab-case policy names', () => {
    assert.equal(new Set(POLICY_NAMES).size, POLICY_NAMES.length);
    for (const name of POLICY_NAMES) assert.match(name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
  for (const policy of BASE_POLICIES) {
    it(`${policy.name} carries description, enforcement, severity, PCI DSS requirement, remediation and one control`, () => {
      assert.match(policy.description, /^Checks whether .+\.$/);
      assert.ok(['mandatory', 'advisory'].includes(policy.enforcementLevel));
      assert.ok(['low', 'medium', 'high', 'critical'].includes(policy.severity));
      assert.equal(policy.framework.name, 'PCI DSS');
      assert.equal(policy.framework.version, '4.0');
      assert.match(policy.framework.reference, /^\d+(\.\d+)*$/);
      assert.ok(policy.framework.specification.length > 20);
      assert.ok(policy.remediationSteps.length > 20);
      assert.ok(CONTROL_IDS.includes(controlOf(policy)));
      assert.ok(policy.tags.includes(`domain:${policy.tags.find((t) => t.startsWith('domain:'))?.slice(7)}`));
    });
  }
  it('contains every mandatory policy the DR controls need, mandatory', () => {
    for (const name of REQUIRED_MANDATORY) {
      const policy = BASE_POLICIES.find((p) => p.name === name);
      assert.ok(policy, `missing policy ${name}`);
      assert.equal(policy.enforcementLevel, 'mandatory', name);
    }
  });
  it('implements the cross-resource rules as stack policies', () => {
    const stack = BASE_POLICIES.filter(isStackPolicy).map((p) => p.name);
    for (const name of ['s3-bucket-versioning-enabled', 'regions-alike', 'route53-failover-pair', 'dynamodb-replication-latency-alarms']) assert.ok(stack.includes(name), name);
  });
  it('has a fixture breakage for every mandatory policy', () => {
    const mandatory = BASE_POLICIES.filter((p) => p.enforcementLevel === 'mandatory').map((p) => p.name).sort();
    assert.deepEqual(Object.keys(BREAKAGES).sort(), mandatory);
  });
  it('gives every control at least one policy', () => {
    for (const id of CONTROL_IDS) assert.ok(BASE_POLICIES.some((p) => controlOf(p) === id), id);
  });
  it('declares the waivers config on every policy and hands the waivers to the engine as initial config', () => {
    const waiver = { policy: 's3-bucket-tls-only', resource: 'txlog-dev', justification: 'Migration window agreed with the QSA on 2026-11-01', owner: 'platform-team', expires: '2099-01-31' };
    const policies = buildPolicies([waiver]);
    for (const p of policies) assert.ok(p.configSchema?.properties.waivers, p.name);
    const tls = policies.find((p) => p.name === 's3-bucket-tls-only');
    assert.deepEqual(tls?.configSchema?.properties.waivers.default, [waiver]);
    assert.deepEqual(initialConfig([waiver])['s3-bucket-tls-only'], { waivers: [waiver] });
    assert.deepEqual(initialConfig([waiver])['s3-bucket-encrypted'], { waivers: [] });
  });
});

describe('docs/controls.md', () => {
  it('is the generated catalog (regenerate with: npx tsx scripts/gate/controls-doc.ts --write)', () => {
    assert.equal(readFileSync(CONTROLS_DOC, 'utf8'), renderControlsDoc());
  });
  it('lists a test for every policy', () => {
    const doc = renderControlsDoc();
    assert.doesNotMatch(doc, /\*\*none\*\*/);
  });
});
