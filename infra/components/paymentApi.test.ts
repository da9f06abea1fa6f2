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
import { MOCK_ACCOUNT_ID, ofType, one, runProgram, settle, type ProgramRun, type RecordedResource } from '../testing/harness';
import { HEALTH_RATE_LIMIT_PER_IP, healthPathRegex, MANAGED_RULE_GROUPS } from './apiFirewall';
import { API_GATEWAY_LOGS_MANAGED_POLICY_ARN, ApiGatewayAccount } from './apiGatewayAccount';
import { PaymentApi } from './paymentApi';

process.env.PAYMENTS_DR_BUNDLE_CACHE = join(REPO_ROOT, '.bundle-cache');
const s = loadStackSettings('dev');
const regions = [s.primaryRegion, s.drRegion];
const roles = [{ region: s.primaryRegion, role: 'primary' }, { region: s.drRegion, role: 'secondary' }];
const A = MOCK_ACCOUNT_ID;
const S = s.environmentSuffix;
const regionTags = (region: string, role: string) => ({ Project: 'payments-dr', Environment: S, Region: region, DrRole: role });
const named = (run: ProgramRun, type: string, name: string, key = 'name'): RecordedResource => one(run, type, (r) => r.inputs[key] === name);

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

  describe('payment API of the dev stack, per region', () => {
    // The stack's resources only: the tests above declare components of their own in the same run.
    const stack = (): ProgramRun => ({ ...run, resources: run.resources.filter((r) => !/^(trigger-|account-check-)/.test(r.name)) });
    const authorizerId = (region: string) => one(stack(), 'aws:apigateway/authorizer:Authorizer', (r) => r.inputs.region === region).id;
    for (const { region, role } of roles) {
      const apiName = `payments-api-${S}-${region}`;
      it(`${region}: REGIONAL REST API with /payments, /payments/{id}, /health, validation, merchant authorizer on payments`, () => {
        const api = named(stack(), 'aws:apigateway/restApi:RestApi', apiName);
        assert.deepEqual(api.inputs, {
          region,
          name: apiName,
          description: `Payment processing API (${S}, ${region})`,
          endpointConfiguration: { types: 'REGIONAL' },
          tags: regionTags(region, role),
        });
        const resources = ofType(stack(), 'aws:apigateway/resource:Resource').filter((r) => r.inputs.region === region);
        const byPath = Object.fromEntries(resources.map((r) => [r.inputs.pathPart, r]));
        assert.deepEqual(Object.keys(byPath).sort(), ['health', 'payments', '{id}']);
        assert.equal(byPath.payments.inputs.parentId, api.state.rootResourceId);
        assert.equal(byPath.health.inputs.parentId, api.state.rootResourceId);
        assert.equal(byPath['{id}'].inputs.parentId, byPath.payments.id);
        const validator = one(stack(), 'aws:apigateway/requestValidator:RequestValidator', (r) => r.inputs.region === region);
        assert.deepEqual(validator.inputs, { region, restApi: api.id, name: 'validate-body-and-parameters', validateRequestBody: true, validateRequestParameters: true });
        const model = one(stack(), 'aws:apigateway/model:Model', (r) => r.inputs.region === region);
        const schema = JSON.parse(model.inputs.schema);
        assert.deepEqual(schema.required, ['merchantId', 'amount', 'currency']);
        assert.deepEqual(schema.properties.amount, { type: 'integer', minimum: 1, maximum: s.maxAmountMinor });
        assert.deepEqual(schema.properties.currency, { type: 'string', enum: s.allowedCurrencies });
        const methods = ofType(stack(), 'aws:apigateway/method:Method').filter((r) => r.inputs.region === region);
        const method = (resourceId: string) => methods.find((m) => m.inputs.resourceId === resourceId)!.inputs;
        assert.deepEqual(method(byPath.payments.id), {
          region, restApi: api.id, resourceId: byPath.payments.id, httpMethod: 'POST', authorization: 'CUSTOM', authorizerId: authorizerId(region),
          requestValidatorId: validator.id, requestModels: { 'application/json': 'CreatePaymentRequest' },
        });
        assert.deepEqual(method(byPath['{id}'].id), {
          region, restApi: api.id, resourceId: byPath['{id}'].id, httpMethod: 'GET', authorization: 'CUSTOM', authorizerId: authorizerId(region),
          requestValidatorId: validator.id, requestParameters: { 'method.request.path.id': true },
        });
        assert.deepEqual(method(byPath.health.id), {
          region, restApi: api.id, resourceId: byPath.health.id, httpMethod: 'GET', authorization: 'NONE', requestValidatorId: validator.id,
        });
      });

      it(`${region}: Lambda proxy integrations and invoke permissions scoped to method and path`, () => {
        const api = named(stack(), 'aws:apigateway/restApi:RestApi', apiName);
        const integrations = ofType(stack(), 'aws:apigateway/integration:Integration').filter((r) => r.inputs.region === region);
        assert.equal(integrations.length, 3);
        for (const i of integrations) {
          assert.equal(i.inputs.type, 'AWS_PROXY');
          assert.equal(i.inputs.integrationHttpMethod, 'POST');
        }
        const uris = integrations.map((i) => i.inputs.uri).sort();
        assert.deepEqual(uris, ['create-payment', 'get-payment', 'health'].map((k) =>
          `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${region}:${A}:function:${k}-${S}-${region}/invocations`).sort());
        // The authorizer's own permission: infra/components/merchantAuthorization.test.ts; the peer probe's (EventBridge): failoverControl.test.ts.
        const permissions = ofType(stack(), 'aws:lambda/permission:Permission').filter((r) => r.inputs.region === region && r.inputs.principal === 'apigateway.amazonaws.com' && r.inputs.function !== `authorizer-${S}-${region}`).map((p) => p.inputs);
        const exec = api.state.executionArn;
        assert.deepEqual(permissions.sort((a, b) => a.function.localeCompare(b.function)), [
          { region, action: 'lambda:InvokeFunction', function: `create-payment-${S}-${region}`, principal: 'apigateway.amazonaws.com', sourceArn: `${exec}/*/POST/payments` },
          { region, action: 'lambda:InvokeFunction', function: `get-payment-${S}-${region}`, principal: 'apigateway.amazonaws.com', sourceArn: `${exec}/*/GET/payments/*` },
          { region, action: 'lambda:InvokeFunction', function: `health-${S}-${region}`, principal: 'apigateway.amazonaws.com', sourceArn: `${exec}/*/GET/health` },
        ]);
      });

      it(`${region}: stage with access + execution logging, metrics, tracing, throttling, and /health's own throttle`, () => {
        const api = named(stack(), 'aws:apigateway/restApi:RestApi', apiName);
        const stage = one(stack(), 'aws:apigateway/stage:Stage', (r) => r.inputs.region === region);
        const { deployment, accessLogSettings, ...rest } = stage.inputs;
        assert.ok(deployment);
        assert.deepEqual(rest, { region, restApi: api.id, stageName: 'v1', xrayTracingEnabled: true, tags: regionTags(region, role) });
        assert.equal(accessLogSettings.destinationArn, `arn:aws:logs:${region}:${A}:log-group:/aws/apigateway/${apiName}/access`);
        const format = JSON.parse(accessLogSettings.format);
        assert.equal(format.requestId, '$context.requestId');
        assert.ok(!JSON.stringify(format).includes('body'), 'access logs never carry bodies');
        assert.deepEqual(one(stack(), 'aws:apigateway/methodSettings:MethodSettings', (r) => r.inputs.region === region && r.inputs.methodPath === '*/*').inputs, {
          region, restApi: api.id, stageName: 'v1', methodPath: '*/*',
          settings: { metricsEnabled: true, loggingLevel: 'INFO', dataTraceEnabled: false, throttlingRateLimit: 100, throttlingBurstLimit: 200 },
        });
        assert.deepEqual(one(stack(), 'aws:apigateway/methodSettings:MethodSettings', (r) => r.inputs.region === region && r.inputs.methodPath === 'health/GET').inputs, {
          region, restApi: api.id, stageName: 'v1', methodPath: 'health/GET',
          settings: { metricsEnabled: true, loggingLevel: 'INFO', dataTraceEnabled: false, throttlingRateLimit: 50, throttlingBurstLimit: 100 },
        });
        const account = one(stack(), 'aws:apigateway/account:Account', (r) => r.inputs.region === region);
        assert.equal(account.inputs.cloudwatchRoleArn, s.manageApiGatewayAccount ? `arn:aws:iam::${A}:role/apigw-cloudwatch-role-${S}` : `arn:aws:iam::${A}:role/apigateway-cloudwatch-logs`);
        assert.deepEqual(named(stack(), 'aws:cloudwatch/logGroup:LogGroup', `API-Gateway-Execution-Logs_${api.id}/v1`).inputs, {
          region, name: `API-Gateway-Execution-Logs_${api.id}/v1`, retentionInDays: s.logRetentionDays, tags: regionTags(region, role),
        });
        const responses = ofType(stack(), 'aws:apigateway/response:Response').filter((r) => r.inputs.region === region);
        assert.deepEqual(responses.map((r) => r.inputs.responseType).sort(), ['BAD_REQUEST_BODY', 'BAD_REQUEST_PARAMETERS', 'THROTTLED']);
        for (const r of responses) {
          const body = JSON.parse(r.inputs.responseTemplates['application/json']);
          assert.deepEqual(Object.keys(body.error), ['code', 'message'], 'same error shape as the handlers');
          assert.equal(body.requestId, '$context.requestId');
        }
      });

      it(`${region}: regional custom domains ${s.customDomainsEnabled ? 'with ACM (DNS validation) and TLS 1.2' : 'are off'}`, () => {
        const domains = ofType(stack(), 'aws:apigateway/domainName:DomainName').filter((r) => r.inputs.region === region);
        const certificates = ofType(stack(), 'aws:acm/certificate:Certificate').filter((r) => r.inputs.region === region);
        if (!s.customDomainsEnabled) {
          assert.equal(domains.length, 0);
          assert.equal(certificates.length, 0);
          assert.equal(ofType(stack(), 'aws:apigateway/basePathMapping:BasePathMapping').length, 0);
          return;
        }
        const failoverHost = `api.${s.domainName}`;
        const regionalHost = `${region}.api.${s.domainName}`;
        const [cert] = certificates;
        assert.deepEqual(cert.inputs, { region, domainName: failoverHost, subjectAlternativeNames: [regionalHost], validationMethod: 'DNS', tags: regionTags(region, role) });
        const validation = one(stack(), 'aws:acm/certificateValidation:CertificateValidation', (r) => r.inputs.region === region);
        const options: any[] = cert.state.domainValidationOptions;
        assert.deepEqual(validation.inputs, { region, certificateArn: cert.state.arn, validationRecordFqdns: options.map((o) => o.resourceRecordName) });
        for (const o of options) {
          // One owner per validation record: the failover hostname's belongs to the primary.
          const owners = ofType(stack(), 'aws:route53/record:Record').filter((r) => r.inputs.name === o.resourceRecordName);
          assert.equal(owners.length, 1, `${o.resourceRecordName} has ${owners.length} owners`);
          const owner = o.domainName === failoverHost ? s.primaryRegion : region;
          assert.ok(owners[0].name.startsWith(`payments-${owner}-`), `${owners[0].name} owns ${o.resourceRecordName}`);
          assert.deepEqual(owners[0].inputs, { zoneId: one(stack(), 'aws:route53/zone:Zone', () => true).state.zoneId, name: o.resourceRecordName, type: 'CNAME', records: [o.resourceRecordValue], ttl: 60 });
        }
        assert.deepEqual(domains.map((d) => d.inputs).sort((a, b) => a.domainName.localeCompare(b.domainName)), [failoverHost, regionalHost].sort().map((domainName) => ({
          region, domainName, regionalCertificateArn: cert.state.arn, endpointConfiguration: { types: 'REGIONAL' }, securityPolicy: 'TLS_1_2', tags: regionTags(region, role),
        })));
        const mappings = ofType(stack(), 'aws:apigateway/basePathMapping:BasePathMapping').filter((r) => r.inputs.region === region);
        assert.deepEqual(mappings.map((m) => m.inputs.domainName).sort(), [failoverHost, regionalHost].sort());
        for (const m of mappings) assert.equal(m.inputs.stageName, 'v1');
        const regionalDomain = domains.find((d) => d.inputs.domainName === regionalHost)!;
        const record = one(stack(), 'aws:route53/record:Record', (r) => r.inputs.name === regionalHost);
        assert.deepEqual(record.inputs.aliases, [{ name: regionalDomain.state.regionalDomainName, zoneId: regionalDomain.state.regionalZoneId, evaluateTargetHealth: false }]);
      });
    }
  });
});
