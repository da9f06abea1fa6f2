/**
 * The exact REST API of a committed stack, per region: resource tree, validation, authorizer,
 * integrations and permissions, stage logging and throttling, custom domains. Registered by
 * infra/components/paymentApi.test.ts (dev) and infra/stack.staging.test.ts (staging), so values
 * that differ between the stacks are checked for both (one program run per test process).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadStackSettings } from '../settings';
import { MOCK_ACCOUNT_ID, ofType, one, type ProgramRun, type RecordedResource } from './harness';

const A = MOCK_ACCOUNT_ID;
const named = (run: ProgramRun, type: string, name: string, key = 'name'): RecordedResource => one(run, type, (r) => r.inputs[key] === name);

export function perRegionApi(stackName: string, source: () => ProgramRun): void {
  const s = loadStackSettings(stackName);
  const S = s.environmentSuffix;
  const roles = [{ region: s.primaryRegion, role: 'primary' }, { region: s.drRegion, role: 'secondary' }];
  const regionTags = (region: string, role: string) => ({ Project: 'payments-dr', Environment: S, Region: region, DrRole: role });
  describe(`payment API of the ${stackName} stack, per region`, () => {
    // The stack's resources only: the tests above declare components of their own in the same run.
    const stack = (): ProgramRun => ({ ...source(), resources: source().resources.filter((r) => !/^(trigger-|account-check-)/.test(r.name)) });
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
}
