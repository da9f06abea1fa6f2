/**
 * The regional API's deploy-correctness rules, on the dev program under mocks plus components
 * declared next to it: WAF in front of every stage with /health never throttled by it, deployments
 * triggered by content, one owner per ACM validation record, the account-wide CloudWatch role
 * only on request and with what AWS checks.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { REPO_ROOT, loadStackSettings } from '../settings';
import { ofType, one, runProgram, settle, type ProgramRun, type RecordedResource } from '../testing/harness';
import { HEALTH_RATE_LIMIT_PER_IP, healthPathRegex, MANAGED_RULE_GROUPS } from './apiFirewall';
import { API_GATEWAY_LOGS_MANAGED_POLICY_ARN, ApiGatewayAccount } from './apiGatewayAccount';
import { PaymentApi } from './paymentApi';
import { perRegionApi } from '../testing/apiContract';

process.env.PAYMENTS_DR_BUNDLE_CACHE = join(REPO_ROOT, '.bundle-cache');
const s = loadStackSettings('dev');
const regions = [s.primaryRegion, s.drRegion];

describe('payment API deploy rules', () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({ stack: 'dev' });
  });
  const acl = (region: string) => one(run, 'aws:wafv2/webAcl:WebAcl', (r) => r.inputs.region === region);
  const rule = (region: string, name: string) => acl(region).inputs.rules.find((x: { name: string }) => x.name === name);

  for (const region of regions) {
    it(`${region}: a REGIONAL web ACL citing PCI DSS 6.4.2 is associated with the stage`, () => {
      const a = acl(region);
      assert.equal(a.inputs.scope, 'REGIONAL');
      assert.deepEqual(a.inputs.defaultAction, { allow: {} });
      assert.match(a.inputs.description, /PCI DSS 6\.4\.2/);
      const stage = one(run, 'aws:apigateway/stage:Stage', (r) => r.inputs.region === region);
      const association = one(run, 'aws:wafv2/webAclAssociation:WebAclAssociation', (r) => r.inputs.region === region);
      assert.deepEqual(association.inputs, { region, resourceArn: stage.state.arn, webAclArn: a.state.arn });
      const logging = one(run, 'aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration', (r) => r.inputs.region === region);
      assert.match(logging.inputs.logDestinationConfigs[0], /:log-group:aws-waf-logs-/);
    });

    it(`${region}: rate-limits the payment routes per IP, never counting /health`, () => {
      const r = rule(region, 'payment-routes-rate-limit');
      assert.deepEqual(r.action, { block: {} });
      assert.equal(r.statement.rateBasedStatement.limit, s.wafRateLimitPerIp);
      assert.equal(r.statement.rateBasedStatement.aggregateKeyType, 'IP');
      assert.equal(r.statement.rateBasedStatement.scopeDownStatement.notStatement.statement.regexMatchStatement.regexString, healthPathRegex('v1'));
    });

    it(`${region}: gives /health its own per-IP limit, 10x what one Route 53 checker sends`, () => {
      const r = rule(region, 'health-route-rate-limit');
      assert.equal(r.statement.rateBasedStatement.limit, HEALTH_RATE_LIMIT_PER_IP);
      // One checker IP: one request per interval per health check; 30 per 5-minute window at 10 s.
      assert.ok(HEALTH_RATE_LIMIT_PER_IP >= 10 * (300 / 10));
      assert.equal(r.statement.rateBasedStatement.scopeDownStatement.regexMatchStatement.regexString, healthPathRegex('v1'));
    });

    it(`${region}: applies the AWS managed rule groups to everything but /health`, () => {
      for (const group of MANAGED_RULE_GROUPS) {
        const r = rule(region, group);
        assert.deepEqual(r.overrideAction, { none: {} });
        assert.equal(r.statement.managedRuleGroupStatement.vendorName, 'AWS');
        assert.ok(r.statement.managedRuleGroupStatement.scopeDownStatement.notStatement, `${group} skips /health`);
      }
    });

    it(`${region}: /health has its own method throttle, apart from the payment methods`, () => {
      const settings = ofType(run, 'aws:apigateway/methodSettings:MethodSettings').filter((r) => r.inputs.region === region);
      assert.deepEqual(settings.map((m) => m.inputs.methodPath).sort(), ['*/*', 'health/GET']);
    });
  }

  it('matches exactly the health route as WAF sees it (custom domain or execute-api stage prefix)', () => {
    const re = new RegExp(healthPathRegex('v1'));
    assert.deepEqual(['/health', '/v1/health', '/payments/health', '/v1/payments/health', '/healthz', '/v2/health'].map((p) => re.test(p)), [true, true, false, false, false, false]);
  });

  it('owns each ACM validation record once: the failover hostname\'s by the primary only', () => {
    const records = ofType(run, 'aws:route53/record:Record').filter((r) => String(r.inputs.name).startsWith('_'));
    const names = records.map((r) => r.inputs.name);
    assert.equal(new Set(names).size, names.length, 'no validation record has two owners');
    assert.equal(records.length, 3, 'failover hostname (shared) + one regional hostname per region');
    for (const r of records) assert.equal(r.inputs.allowOverwrite, undefined, `${r.name} must not overwrite another owner's record`);
    const secondaryValidation = one(run, 'aws:acm/certificateValidation:CertificateValidation', (r) => r.inputs.region === s.drRegion);
    const shared = records.find((r) => r.name === `payments-${s.primaryRegion}-api-failover-validation`)!;
    assert.ok(secondaryValidation.inputs.validationRecordFqdns.includes(shared.inputs.name));
  });

  it('reads, and does not set, the account-wide API Gateway CloudWatch role unless asked to', () => {
    assert.equal(s.manageApiGatewayAccount, false);
    const accounts = ofType(run, 'aws:apigateway/account:Account');
    assert.deepEqual(accounts.map((a) => [a.inputs.region, a.id]).sort(), regions.map((r) => [r, '123456789012']).sort(), 'one read per region, by account id');
    assert.deepEqual(ofType(run, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment'), [], 'no role of its own');
    const stageDeps = run.options.find((o) => o.name === `payments-${s.primaryRegion}-api-stage`)?.dependsOn;
    assert.ok(stageDeps?.includes(`apigateway-account-${s.primaryRegion}`), 'the stage waits for the account settings');
  });

  it('gives the account CloudWatch role the managed policy API Gateway checks (welcome log group included)', async () => {
    new ApiGatewayAccount('account-check', { manage: true, accountId: '123456789012', environmentSuffix: 'chk', regions });
    await settle(run);
    const attachment = one(run, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment', (r) => r.name === 'account-check-push-to-cloudwatch-logs');
    assert.deepEqual(attachment.inputs, { role: 'apigw-cloudwatch-role-chk', policyArn: API_GATEWAY_LOGS_MANAGED_POLICY_ARN });
    const accounts = ofType(run, 'aws:apigateway/account:Account').filter((r) => r.name.startsWith('account-check-'));
    assert.deepEqual(accounts.map((a) => a.inputs).sort((a, b) => a.region.localeCompare(b.region)),
      regions.map((region) => ({ region, cloudwatchRoleArn: 'arn:aws:iam::123456789012:role/apigw-cloudwatch-role-chk' })));
  });

  it('redeploys on content, not ids: same content same trigger, one changed method setting a new one', async () => {
    const fn = (n: string) => ({ name: `${n}-fn`, invokeArn: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:${n}/invocations` });
    const args = {
      region: 'us-east-1', environmentSuffix: 'trg', maxAmountMinor: 100, allowedCurrencies: ['USD'], logRetentionDays: 365, wafRateLimitPerIp: 6000,
      functions: { createPayment: fn('c'), getPayment: fn('g'), health: fn('h') },
      authorizer: fn('a'),
    };
    new PaymentApi('trigger-a', args);
    new PaymentApi('trigger-b', args);
    new PaymentApi('trigger-c', { ...args, healthThrottlingRateLimit: 51 });
    await settle(run);
    const trigger = (name: string): string => (one(run, 'aws:apigateway/deployment:Deployment', (r: RecordedResource) => r.name === `${name}-deployment`).inputs.triggers as { redeployment: string }).redeployment;
    assert.notEqual(one(run, 'aws:apigateway/method:Method', (r) => r.name === 'trigger-a-health-method').id, one(run, 'aws:apigateway/method:Method', (r) => r.name === 'trigger-b-health-method').id);
    assert.equal(trigger('trigger-a'), trigger('trigger-b'), 'different ids, same content: same deployment');
    assert.notEqual(trigger('trigger-a'), trigger('trigger-c'), 'a method setting changed in place: a new deployment');
  });

  perRegionApi('dev', () => run);
});
