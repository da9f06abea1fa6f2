/**
 * GET /health: the deep check Route 53 calls (it gives up after 4 s; a slow answer is a failure).
 * Reads the regional table and the region's maintenance flag (SSM, cached 5 s by Powertools
 * parameters; POWERTOOLS_PARAMETERS_MAX_AGE overrides) in parallel, each bounded to about a second,
 * so the answer always comes in under 2 s.
 * 503 when either dependency fails or the flag is "true" (the SREs' drill switch).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createDynamoDbClient, createSsmClient, HEALTH_CHECK_TUNING } from '../commons/clients';
import { readCoreConfig, readMaintenanceConfig } from '../commons/config';
import { describeError, rootErrorName } from '../commons/errors';
import { jsonResponse } from '../commons/http';
import { flushMetrics, logger, METRIC, metrics } from '../commons/powertools';
import { PaymentRepository } from '../commons/repository';

const core = readCoreConfig();
const maintenance = readMaintenanceConfig();
const repository = new PaymentRepository(createDynamoDbClient(core.region, HEALTH_CHECK_TUNING), core.tableName);
const parameters = new SSMProvider({ awsSdkV3Client: createSsmClient(core.region, HEALTH_CHECK_TUNING) });

/** Hard ceiling per check, whatever the SDK does. */
export const CHECK_TIMEOUT_MS = 1_500;

export interface DynamoDbCheck {
  ok: boolean;
  latencyMs: number;
  error?: string;
}
export interface MaintenanceCheck {
  ok: boolean;
  /** true when the region is in maintenance; null when the flag could not be read. */
  flag: boolean | null;
  error?: string;
}
export interface HealthBody {
  status: 'healthy' | 'unhealthy';
  region: string;
  checks: { dynamodb: DynamoDbCheck; maintenance: MaintenanceCheck };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`check exceeded ${ms} ms`), { name: 'TimeoutError' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function checkDynamoDb(): Promise<DynamoDbCheck> {
  const started = performance.now();
  try {
    await withTimeout(repository.probe(), CHECK_TIMEOUT_MS);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    metrics.addMetric(METRIC.error, MetricUnit.Count, 1);
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: rootErrorName(error) };
  }
}

async function checkMaintenance(): Promise<MaintenanceCheck> {
  try {
    // Cached for Powertools' default 5 s (POWERTOOLS_PARAMETERS_MAX_AGE overrides it; the sandbox
    // scales it with its clock): a drill takes effect within that plus Route 53's detection time.
    const value = await withTimeout(parameters.get(maintenance.parameterName), CHECK_TIMEOUT_MS);
    const flag = value?.trim().toLowerCase() === 'true';
    return { ok: !flag, flag };
  } catch (error) {
    metrics.addMetric(METRIC.error, MetricUnit.Count, 1);
    return { ok: false, flag: null, error: rootErrorName(error) };
  }
}

export async function handler(_event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  logger.addContext(context);
  try {
    const [dynamodb, maintenanceCheck] = await Promise.all([checkDynamoDb(), checkMaintenance()]);
    const healthy = dynamodb.ok && maintenanceCheck.ok;
    const body: HealthBody = { status: healthy ? 'healthy' : 'unhealthy', region: core.region, checks: { dynamodb, maintenance: maintenanceCheck } };
    if (!healthy) {
      metrics.addMetric(METRIC.healthCheckFailed, MetricUnit.Count, 1);
      logger.warn('health check failing', { checks: body.checks });
    }
    return jsonResponse(healthy ? 200 : 503, body);
  } catch (error) {
    metrics.addMetric(METRIC.error, MetricUnit.Count, 1);
    logger.error('health check crashed', describeError(error));
    const body: HealthBody = {
      status: 'unhealthy',
      region: core.region,
      checks: { dynamodb: { ok: false, latencyMs: 0, error: 'unknown' }, maintenance: { ok: false, flag: null, error: 'unknown' } },
    };
    return jsonResponse(503, body);
  } finally {
    flushMetrics();
  }
}
