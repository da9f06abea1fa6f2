/**
 * Facts both the plan and the live target derive the same way: a stored payment from a table item,
 * a queue ARN from its URL, a region's resources from the environment its functions get. Shared so
 * that no target imports a sibling target.
 */
import { str, num } from '../http';
import type { FunctionFacts, RegionalResources, StoredPayment } from './target';

export function toStoredPayment(item: Record<string, unknown> | undefined): StoredPayment | undefined {
  if (!item) return undefined;
  return {
    transactionId: str(item.transactionId) ?? String(item.pk ?? '').replace(/^PAYMENT#/, ''),
    status: str(item.status) ?? 'UNKNOWN',
    amount: num(item.amount) ?? Number(item.amount),
    currency: str(item.currency) ?? '',
    region: str(item.region) ?? '',
  };
}

/** `arn:aws:sqs:<region>:<account>:<name>` from a queue URL `https://sqs.<region>.amazonaws.com/<account>/<name>`. */
export function queueArnFromUrl(url: string, region: string): { arn: string; accountId: string } | undefined {
  const m = /\/(\d{12})\/([^/]+)$/.exec(url);
  return m ? { arn: `arn:aws:sqs:${region}:${m[1]}:${m[2]}`, accountId: m[1] } : undefined;
}

/**
 * A region's resources as its functions see them (the environment the stack gives them), which is
 * exactly what their roles must cover. Shared by the plan and live targets.
 */
export function regionalResourcesFromFunctions(region: string, functions: FunctionFacts[], fallbackAccountId: string, apiName?: string): RegionalResources {
  const env = functions.find((f) => f.environment.TABLE_NAME)?.environment;
  if (!env) throw new Error(`no payment function in ${region} carries TABLE_NAME: cannot tell which table it uses`);
  const need = (key: string): string => {
    const value = env[key];
    if (!value) throw new Error(`the payment functions in ${region} have no ${key} in their environment`);
    return value;
  };
  const queue = queueArnFromUrl(need('RETRY_QUEUE_URL'), region);
  const accountId = queue?.accountId ?? fallbackAccountId;
  const queueName = need('RETRY_QUEUE_URL').split('/').pop() ?? '';
  const manualFailoverFlag = need('MANUAL_FAILOVER_PARAMETER');
  return {
    region,
    accountId,
    tableName: need('TABLE_NAME'),
    tableArn: `arn:aws:dynamodb:${region}:${accountId}:table/${need('TABLE_NAME')}`,
    bucketName: need('TRANSACTION_LOG_BUCKET'),
    retryQueueArn: queue?.arn ?? `arn:aws:sqs:${region}:${accountId}:${queueName}`,
    parameterPath: need('PARAMETER_PATH'),
    manualFailoverParameterArn: `arn:aws:ssm:${region}:${accountId}:parameter${manualFailoverFlag.startsWith('/') ? '' : '/'}${manualFailoverFlag}`,
    apiName,
    functions,
  };
}

