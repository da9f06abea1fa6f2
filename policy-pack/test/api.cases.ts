import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apigatewayDomainTls12, apigatewayRestApiRegional, apigatewayStageAccessLogging, apigatewayStageExecutionLogging } from '../api';
import { findings, TestResource, UNKNOWN, violations, violationsOn, withChange } from './harness';

const T = {
  api: 'aws:apigateway/restApi:RestApi',
  stage: 'aws:apigateway/stage:Stage',
  settings: 'aws:apigateway/methodSettings:MethodSettings',
  account: 'aws:apigateway/account:Account',
  domain: 'aws:apigateway/domainName:DomainName',
};

function stage(change: (p: Record<string, unknown>) => void = () => undefined): TestResource {
  const props: Record<string, unknown> = {
    restApi: 'abc123',
    region: 'us-east-1',
    stageName: 'v1',
    accessLogSettings: { destinationArn: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/payments-dev', format: '{"requestId":"$context.requestId"}' },
  };
  change(props);
  return { type: T.stage, name: 'stage-dev-us-east-1', props };
}

describe('apigateway-stage-access-logging', () => {
  it('passes a stage with access logs including the request id', async () => assert.deepEqual(await violations(apigatewayStageAccessLogging, stage()), []));
  it('rejects a stage without access logs', async () => {
    assert.deepEqual(await violations(apigatewayStageAccessLogging, stage((p) => delete p.accessLogSettings)), ['API Gateway stage must write access logs (accessLogSettings.destinationArn).']);
  });
  it('rejects a format without $context.requestId', async () => {
    assert.deepEqual(await violations(apigatewayStageAccessLogging, stage((p) => (p.accessLogSettings = { destinationArn: 'arn:x', format: '$context.status' }))), [
      'API Gateway stage access log format must include $context.requestId.',
    ]);
  });
  it('accepts a destination that is unknown during preview (it will be set)', async () => {
    assert.deepEqual(await findings(apigatewayStageAccessLogging, stage((p) => (p.accessLogSettings = { destinationArn: UNKNOWN, format: '$context.requestId' }))), []);
  });
});

/** Happy path: a stage, its "*" method settings, and the region's account CloudWatch role. */
function executionStack(): TestResource[] {
  return [
    { type: T.api, name: 'payments-api-dev-us-east-1', props: { name: 'payments-api-dev-us-east-1', region: 'us-east-1' } },
    { ...stage(), dependsOn: { restApi: ['payments-api-dev-us-east-1'] } },
    {
      type: T.settings,
      name: 'method-settings-dev-us-east-1',
      props: { restApi: 'abc123', region: 'us-east-1', stageName: 'v1', methodPath: '*/*', settings: { loggingLevel: 'INFO', metricsEnabled: true, dataTraceEnabled: false } },
      dependsOn: { restApi: ['payments-api-dev-us-east-1'], stageName: ['stage-dev-us-east-1'] },
    },
    { type: T.account, name: 'apigw-account-dev-us-east-1', props: { region: 'us-east-1', cloudwatchRoleArn: 'arn:aws:iam::123456789012:role/apigw-cloudwatch-dev' } },
  ];
}
const changeSettings = (mutate: (settings: Record<string, unknown>) => void) =>
  withChange(executionStack(), (rs) => mutate((rs[2].props.settings ?? {}) as Record<string, unknown>));

describe('apigateway-stage-execution-logging', () => {
  const STAGE = 'stage-dev-us-east-1';
  it('passes a stage with INFO logging, metrics and no data trace', async () => assert.deepEqual(await violationsOn(apigatewayStageExecutionLogging, executionStack()), []));
  it('rejects a stage without method settings', async () => {
    assert.deepEqual(await violationsOn(apigatewayStageExecutionLogging, executionStack().filter((r) => r.type !== T.settings)), [
      [STAGE, 'API Gateway stage must enable execution logging (no aws.apigateway.MethodSettings with methodPath "*/*" for it).'],
    ]);
  });
  it('rejects logging OFF', async () => {
    assert.deepEqual(await violationsOn(apigatewayStageExecutionLogging, changeSettings((s) => (s.loggingLevel = 'OFF'))), [
      [STAGE, 'API Gateway stage must enable execution logging (settings.loggingLevel INFO or ERROR), got OFF.'],
    ]);
  });
  it('rejects metrics off', async () => {
    assert.deepEqual(await violationsOn(apigatewayStageExecutionLogging, changeSettings((s) => (s.metricsEnabled = false))), [
      [STAGE, 'API Gateway stage must enable detailed metrics (settings.metricsEnabled true).'],
    ]);
  });
  it('rejects full request/response logging', async () => {
    assert.deepEqual(await violationsOn(apigatewayStageExecutionLogging, changeSettings((s) => (s.dataTraceEnabled = true))), [
      [STAGE, 'API Gateway stage must not log full requests and responses (settings.dataTraceEnabled false): payment bodies would reach the logs.'],
    ]);
  });
  it('rejects a region without the account CloudWatch role', async () => {
    assert.deepEqual(await violationsOn(apigatewayStageExecutionLogging, executionStack().filter((r) => r.type !== T.account)), [
      [STAGE, 'API Gateway stage must have the account CloudWatch role set in us-east-1 (an aws.apigateway.Account with cloudwatchRoleArn in that region).'],
    ]);
  });
});

describe('apigateway-rest-api-regional', () => {
  const api = (types?: string): TestResource => ({
    type: T.api,
    name: 'payments-api-dev-us-east-1',
    props: { name: 'payments-api-dev-us-east-1', ...(types === undefined ? {} : { endpointConfiguration: { types } }) },
  });
  it('passes a REGIONAL API', async () => assert.deepEqual(await violations(apigatewayRestApiRegional, api('REGIONAL')), []));
  it('rejects EDGE', async () => assert.deepEqual(await violations(apigatewayRestApiRegional, api('EDGE')), ['API Gateway REST API must use a REGIONAL endpoint, got EDGE.']));
  it('rejects the default (edge-optimized)', async () => {
    assert.deepEqual(await violations(apigatewayRestApiRegional, api()), ['API Gateway REST API must use a REGIONAL endpoint, got EDGE (default).']);
  });
});

describe('apigateway-domain-tls12', () => {
  const domain = (change: (p: Record<string, unknown>) => void = () => undefined): TestResource => {
    const props: Record<string, unknown> = {
      domainName: 'api.payments-dev.example.com',
      region: 'us-east-1',
      regionalCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      endpointConfiguration: { types: 'REGIONAL' },
      securityPolicy: 'TLS_1_2',
    };
    change(props);
    return { type: T.domain, name: 'api-domain-dev-us-east-1', props };
  };
  it('passes a REGIONAL TLS 1.2 domain', async () => assert.deepEqual(await violations(apigatewayDomainTls12, domain()), []));
  it('accepts the TLS 1.3 security policies', async () => {
    assert.deepEqual(await violations(apigatewayDomainTls12, domain((p) => (p.securityPolicy = 'SecurityPolicy_TLS13_1_2_2021_06'))), []);
  });
  it('rejects TLS_1_0', async () => {
    assert.deepEqual(await violations(apigatewayDomainTls12, domain((p) => (p.securityPolicy = 'TLS_1_0'))), [
      'API Gateway custom domain must enforce TLS 1.2 or newer (securityPolicy TLS_1_2), got TLS_1_0.',
    ]);
  });
  it('rejects an unset security policy', async () => {
    assert.deepEqual(await violations(apigatewayDomainTls12, domain((p) => delete p.securityPolicy)), [
      'API Gateway custom domain must enforce TLS 1.2 or newer (securityPolicy TLS_1_2), got TLS_1_0 (default).',
    ]);
  });
  it('rejects an EDGE domain', async () => {
    assert.deepEqual(await violations(apigatewayDomainTls12, domain((p) => (p.endpointConfiguration = { types: 'EDGE' }))), ['API Gateway custom domain must be REGIONAL, got EDGE.']);
  });
  it('rejects a domain without a regional certificate', async () => {
    assert.deepEqual(await violations(apigatewayDomainTls12, domain((p) => delete p.regionalCertificateArn)), [
      'API Gateway custom domain must use a regional ACM certificate (regionalCertificateArn).',
    ]);
  });
});
