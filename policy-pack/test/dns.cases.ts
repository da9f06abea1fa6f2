import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { route53FailoverPrimaryHealthCheck, route53HealthCheckHttps } from '../dns';
import { route53FailoverPair } from '../resilience';
import { findings, TestResource, UNKNOWN, violations, violationsOn, withChange } from './harness';

const HC = 'aws:route53/healthCheck:HealthCheck';
const RECORD = 'aws:route53/record:Record';

function healthCheck(change: (p: Record<string, unknown>) => void = () => undefined): TestResource {
  const props: Record<string, unknown> = { type: 'HTTPS', fqdn: 'abc123.execute-api.us-east-1.amazonaws.com', port: 443, resourcePath: '/v1/health', requestInterval: 10, failureThreshold: 3 };
  change(props);
  return { type: HC, name: 'api-health-dev-us-east-1', props };
}

describe('route53-health-check-https-api', () => {
  it('passes an HTTPS check of the API health path', async () => assert.deepEqual(await violations(route53HealthCheckHttps, healthCheck()), []));
  it('accepts HTTPS_STR_MATCH', async () => assert.deepEqual(await violations(route53HealthCheckHttps, healthCheck((p) => ((p.type = 'HTTPS_STR_MATCH'), (p.searchString = 'healthy')))), []));
  it('rejects HTTP', async () => {
    assert.deepEqual(await violations(route53HealthCheckHttps, healthCheck((p) => (p.type = 'HTTP'))), ['Route 53 health check must be an HTTPS check (type HTTPS or HTTPS_STR_MATCH), got HTTP.']);
  });
  it('rejects a check without a hostname', async () => {
    assert.deepEqual(await violations(route53HealthCheckHttps, healthCheck((p) => delete p.fqdn)), ['Route 53 health check must probe the API hostname (fqdn).']);
  });
  it('rejects a check of an IP address', async () => {
    assert.deepEqual(await violations(route53HealthCheckHttps, healthCheck((p) => (p.ipAddress = '192.0.2.10'))), [
      'Route 53 health check must probe a hostname, not an IP address (ipAddress must be unset).',
    ]);
  });
  it('rejects a check of the root path', async () => {
    assert.deepEqual(await violations(route53HealthCheckHttps, healthCheck((p) => (p.resourcePath = '/'))), [
      'Route 53 health check must probe the API health path (resourcePath such as /<stage>/health), got /.',
    ]);
  });
  it('accepts a hostname that is unknown during preview (the API is new)', async () => {
    assert.deepEqual(await findings(route53HealthCheckHttps, healthCheck((p) => (p.fqdn = UNKNOWN))), []);
  });
});

function record(role: 'PRIMARY' | 'SECONDARY', change: (p: Record<string, unknown>) => void = () => undefined): TestResource {
  const region = role === 'PRIMARY' ? 'us-east-1' : 'us-east-2';
  const props: Record<string, unknown> = {
    zoneId: 'Z123',
    name: 'api.payments-dev.example.com',
    type: 'A',
    setIdentifier: `${role.toLowerCase()}-${region}`,
    failoverRoutingPolicies: [{ type: role }],
    healthCheckId: `hc-${region}`,
    aliases: [{ name: `d-${region}.execute-api.${region}.amazonaws.com`, zoneId: 'ZAPIGW', evaluateTargetHealth: true }],
  };
  change(props);
  return { type: RECORD, name: `api-failover-dev-${role.toLowerCase()}`, props };
}

describe('route53-failover-primary-health-check', () => {
  it('passes a PRIMARY with a health check', async () => assert.deepEqual(await violations(route53FailoverPrimaryHealthCheck, record('PRIMARY')), []));
  it('rejects a PRIMARY without a health check', async () => {
    assert.deepEqual(await violations(route53FailoverPrimaryHealthCheck, record('PRIMARY', (p) => delete p.healthCheckId)), ['Route 53 PRIMARY failover record must carry a health check (healthCheckId).']);
  });
  it('does not require one on the SECONDARY', async () => {
    assert.deepEqual(await violations(route53FailoverPrimaryHealthCheck, record('SECONDARY', (p) => delete p.healthCheckId)), []);
  });
});

describe('route53-failover-pair', () => {
  const api = (region: string): TestResource => ({ type: 'aws:apigateway/restApi:RestApi', name: `payments-api-dev-${region}`, props: { region } });
  const pair = (): TestResource[] => [api('us-east-1'), api('us-east-2'), record('PRIMARY'), record('SECONDARY')];
  it('passes a complete pair', async () => assert.deepEqual(await violationsOn(route53FailoverPair, pair()), []));
  it('rejects a PRIMARY without SECONDARY', async () => {
    assert.deepEqual(await violationsOn(route53FailoverPair, pair().slice(0, 3)), [
      ['api-failover-dev-primary', 'Route 53 failover records for api.payments-dev.example.com A must be one PRIMARY and one SECONDARY, got 1 PRIMARY and 0 SECONDARY.'],
    ]);
  });
  it('rejects equal set identifiers', async () => {
    const rs = withChange(pair(), (list) => (list[3].props.setIdentifier = list[2].props.setIdentifier));
    assert.deepEqual(await violationsOn(route53FailoverPair, rs), [['api-failover-dev-secondary', 'Route 53 failover records for api.payments-dev.example.com A must have distinct setIdentifiers.']]);
  });
  it('rejects both records pointing at the same region', async () => {
    const rs = withChange(pair(), (list) => (list[3].props.aliases = list[2].props.aliases));
    assert.deepEqual(await violationsOn(route53FailoverPair, rs), [
      ['api-failover-dev-secondary', 'Route 53 failover records for api.payments-dev.example.com A must point at different regional targets (both point at d-us-east-1.execute-api.us-east-1.amazonaws.com).'],
    ]);
  });
  it('rejects a two-region API without failover records', async () => {
    assert.deepEqual(await violationsOn(route53FailoverPair, pair().slice(0, 2)), [
      ['stack', 'Stack must front the API of us-east-1 and us-east-2 with a PRIMARY/SECONDARY failover record pair (none found; regions from the policy settings primaryRegion and drRegion).'],
    ]);
  });
});
