/**
 * GET /health: the deep check Route 53 calls. Healthy means "this region can commit payments now":
 * - a write probe: one PutItem through this region's replica of the payments table whose condition
 *   never holds, so it changes nothing
 *   (a read would stay green while writes are throttled or the replica has lost its MRSC quorum);
 * - the region's manual failover flag (SSM, cached 5 s by Powertools parameters;
 *   POWERTOOLS_PARAMETERS_MAX_AGE overrides) is not "true" (the SREs' drill switch).
 * Both run in parallel, each capped at HEALTH_CHECK_BUDGET_MS, so the answer comes well inside the
 * Route 53 HTTPS checker's deadline: the checker must connect within 4 s and receive the response
 * within 2 s after connecting, otherwise the check fails (Amazon Route 53 Developer Guide, "How
 * Amazon Route 53 determines whether a health check is healthy",
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
 *
 * The body is machine-readable and discloses no internals (no error names or messages):
 * `{ status: 'healthy'|'unhealthy', region, checks: { dynamodbWrite: 'ok'|'failing', manualFailover: 'off'|'on'|'unknown' } }`.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createDynamoDbClient, createSsmClient, HEALTH_CHECK_TUNING } from '../commons/clients';
import { readCoreConfig, readManualFailoverConfig } from '../commons/config';
import { describeError, rootErrorName } from '../commons/errors';
import { jsonResponse } from '../commons/http';
import { instrumented } from '../commons/instrumentation';
import { logger, METRIC, metrics } from '../commons/powertools';
import { PaymentRepository } from '../commons/repository';

const core = readCoreConfig();
const manualFailover = readManualFailoverConfig();
const repository = new PaymentRepository(createDynamoDbClient(core.region, HEALTH_CHECK_TUNING), core.tableName);
const parameters = new SSMProvider({ awsSdkV3Client: createSsmClient(core.region, HEALTH_CHECK_TUNING) });

/** Hard ceiling per check, ms, whatever the SDK does (well inside Route 53's 2 s response deadline). */
export const HEALTH_CHECK_BUDGET_MS = 800;

export interface HealthBody {
  status: 'healthy' | 'unhealthy';
  region: string;
  checks: { dynamodbWrite: 'ok' | 'failing'; manualFailover: 'off' | 'on' | 'unknown' };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`check exceeded ${ms} ms`), { name: 'TimeoutError' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function checkWrite(): Promise<HealthBody['checks']['dynamodbWrite']> {
  try {
    await withTimeout(repository.probeWrite(core.region, new Date(), AbortSignal.timeout(HEALTH_CHECK_BUDGET_MS)), HEALTH_CHECK_BUDGET_MS);
    return 'ok';
  } catch (error) {
    // Logged (for operators), never answered (for anyone who can reach /health).
    logger.warn('health write probe failed', { check: 'dynamodbWrite', errorName: rootErrorName(error) });
    return 'failing';
  }
}

async function checkManualFailover(): Promise<HealthBody['checks']['manualFailover']> {
  try {
    const value = await withTimeout(parameters.get(manualFailover.parameterName), HEALTH_CHECK_BUDGET_MS);
    return value?.trim().toLowerCase() === 'true' ? 'on' : 'off';
  } catch (error) {
    logger.warn('manual failover flag unreadable', { check: 'manualFailover', errorName: rootErrorName(error) });
    return 'unknown';
  }
}

export const handler = instrumented('health', async (_event: APIGatewayProxyEvent, _context, scope): Promise<APIGatewayProxyResult> => {
  let body: HealthBody;
  try {
    const [dynamodbWrite, manualFailoverFlag] = await Promise.all([checkWrite(), checkManualFailover()]);
    const healthy = dynamodbWrite === 'ok' && manualFailoverFlag === 'off';
    body = { status: healthy ? 'healthy' : 'unhealthy', region: core.region, checks: { dynamodbWrite, manualFailover: manualFailoverFlag } };
  } catch (error) {
    logger.error('health check crashed', describeError(error));
    scope.recordError(error);
    body = { status: 'unhealthy', region: core.region, checks: { dynamodbWrite: 'failing', manualFailover: 'unknown' } };
  }
  if (body.status !== 'healthy') metrics.addMetric(METRIC.healthCheckFailed, MetricUnit.Count, 1);
  return jsonResponse(body.status === 'healthy' ? 200 : 503, body);
});
