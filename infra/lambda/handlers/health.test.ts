/**
 * GET /health against dynalite, with the manual failover flag in the SSM emulator (SSM has no local
 * engine; the real SSM client and Powertools parameters talk to localaws/ssmEmulator).
 * Each scenario loads the handler fresh, as a new execution environment (empty parameter cache).
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { HealthBody } from './health';
import { loadFresh, saveEnv } from '../../../localaws/handlerEnv';
import { apiEvent, lambdaContext } from '../../../localaws/lambdaEvents';
import { startRegion, type RegionFixture } from '../../../localaws/regionFixture';

type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const healthEvent = () => apiEvent({ method: 'GET', path: '/health' });

describe('health handler', () => {
  let restoreEnv: () => void;
  let region: RegionFixture;

  function freshHandler(overrides: Record<string, string> = {}): ApiHandler {
    restoreEnv(); // no override leaks from one scenario into the next
    region.apply(overrides);
    return loadFresh<{ handler: ApiHandler }>('../handlers/health').handler;
  }

  async function check(handler: ApiHandler): Promise<{ statusCode: number; body: HealthBody; ms: number }> {
    const started = Date.now();
    const result = await handler(healthEvent(), lambdaContext('payments-health'));
    return { statusCode: result.statusCode, body: JSON.parse(result.body) as HealthBody, ms: Date.now() - started };
  }

  before(async () => {
    restoreEnv = saveEnv();
    region = await startRegion('us-east-2');
  });

  after(async () => {
    await region.close();
    restoreEnv();
  });

  beforeEach(() => {
    region.reset();
    region.ssm.put(region.manualFailoverParameter, 'false');
  });

  it('is healthy (200) with per-check status when the table takes writes and the flag is "false"', async () => {
    // Act
    const { statusCode, body } = await check(freshHandler());
    // Assess
    assert.equal(statusCode, 200);
    assert.deepEqual(body, { status: 'healthy', region: 'us-east-2', checks: { dynamodbWrite: 'ok', manualFailover: 'off' } });
  });

  it('is unhealthy (503) when DynamoDB writes are throttled but reads still work (a region that cannot commit)', async () => {
    // Prepare: only writes fail, as with the sandbox's `throttling` fault
    const handler = freshHandler();
    region.dynamodbFaults.match = (req) => /UpdateItem|PutItem/.test(String(req.headers['x-amz-target']));
    region.dynamodbFaults.fault = { kind: 'throttle' };
    // Act
    const { statusCode, body } = await check(handler);
    // Assess
    assert.equal(statusCode, 503);
    assert.deepEqual(body.checks, { dynamodbWrite: 'failing', manualFailover: 'off' });
  });

  it('discloses no internal error names or messages in its body', async () => {
    const { body } = await check(freshHandler({ TABLE_NAME: 'payments-missing', MANUAL_FAILOVER_PARAMETER: '/payments-dr/test/us-east-2/nope' }));
    const text = JSON.stringify(body);
    for (const internal of ['ResourceNotFound', 'ParameterNotFound', 'Exception', 'error']) assert.ok(!text.includes(internal), `${internal} not in ${text}`);
  });

  it('is unhealthy (503) when the manual failover flag is "true" (the drill switch)', async () => {
    // Prepare
    region.ssm.put(region.manualFailoverParameter, 'true');
    // Act
    const { statusCode, body } = await check(freshHandler());
    // Assess
    assert.equal(statusCode, 503);
    assert.equal(body.status, 'unhealthy');
    assert.deepEqual(body.checks, { dynamodbWrite: 'ok', manualFailover: 'on' });
  });

  it('caches the flag for a few seconds: one SSM read serves repeated checks', async () => {
    // Prepare
    const handler = freshHandler();
    const calls = region.ssm.faults.calls('GetParameter');
    // Act
    const first = await check(handler);
    region.ssm.put(region.manualFailoverParameter, 'true');
    const second = await check(handler);
    // Assess
    assert.equal(first.statusCode, 200);
    assert.equal(second.statusCode, 200, 'still the cached "false" within the cache age');
    assert.equal(region.ssm.faults.calls('GetParameter') - calls, 1);
  });

  it('sees a flag change at once when POWERTOOLS_PARAMETERS_MAX_AGE=0 (the sandbox scales the cache with its clock)', async () => {
    const handler = freshHandler({ POWERTOOLS_PARAMETERS_MAX_AGE: '0' });
    const first = await check(handler);
    region.ssm.put(region.manualFailoverParameter, 'true');
    const second = await check(handler);
    assert.equal(first.statusCode, 200);
    assert.equal(second.statusCode, 503);
  });

  it('is unhealthy (503) when the table is missing', async () => {
    // Act
    const { statusCode, body } = await check(freshHandler({ TABLE_NAME: 'payments-missing' }));
    // Assess
    assert.equal(statusCode, 503);
    assert.deepEqual(body.checks, { dynamodbWrite: 'failing', manualFailover: 'off' });
  });

  it('is unhealthy (503) when the flag parameter does not exist', async () => {
    const { statusCode, body } = await check(freshHandler({ MANUAL_FAILOVER_PARAMETER: '/payments-dr/test/us-east-2/nope' }));
    assert.equal(statusCode, 503);
    assert.deepEqual(body.checks, { dynamodbWrite: 'ok', manualFailover: 'unknown' });
  });

  it('answers well inside the Route 53 checker\'s 2 s response deadline when DynamoDB and SSM hang', async () => {
    // Prepare
    const handler = freshHandler();
    region.dynamodbFaults.fault = { kind: 'hang' };
    region.ssm.faults.delay('GetParameter', 5_000);
    // Act
    const { statusCode, body, ms } = await check(handler);
    // Assess
    assert.equal(statusCode, 503);
    assert.deepEqual(body.checks, { dynamodbWrite: 'failing', manualFailover: 'unknown' });
    assert.ok(ms < 1_500, `answered in ${ms} ms`);
  });
});
