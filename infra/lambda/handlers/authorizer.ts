/**
 * The REST API's Lambda REQUEST authorizer for the payment methods (not /health): authenticates the
 * merchant from `Authorization: Bearer <credential>` against the merchant credentials global table
 * (this region's replica, so it works unchanged in both regions and through a failover).
 *
 * API Gateway behaviour it relies on (Amazon API Gateway Developer Guide):
 * - Throwing `Error('Unauthorized')` makes API Gateway answer 401 `{"message":"Unauthorized"}`; an
 *   Allow/Deny policy is returned otherwise, and Deny answers 403. A missing identity source
 *   (the Authorization header) is a 401 without invoking the function. Any other error is a 500.
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
 * - The output is `{ principalId, policyDocument, context }`; `context` values reach the integration
 *   as `event.requestContext.authorizer.<key>` (here `merchantId`, `keyId`).
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
 * - With authorization caching on, the policy is cached per identity source for the TTL and applied
 *   to every method using the authorizer, so the Allow statement covers the payment resources of the
 *   stage (`<api>/<stage>/*\/payments` and `.../payments/*`), not just the method first called
 *   (https://repost.aws/knowledge-center/api-gateway-lambda-authorization-errors). A credential that
 *   expires or is revoked therefore stops working within the cache TTL (the stack sets it).
 *
 * Never logs the credential; logs the key id only.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { createDynamoDbClient, REQUEST_PATH_TUNING } from '../commons/clients';
import { readCredentialsConfig } from '../commons/config';
import { CredentialStore, parseCredential, verifyCredential } from '../commons/credentials';
import { describeError } from '../commons/errors';
import { instrumented } from '../commons/instrumentation';
import { logger, METRIC, metrics } from '../commons/powertools';

const config = readCredentialsConfig();
const store = new CredentialStore(createDynamoDbClient(config.region, REQUEST_PATH_TUNING), config.credentialsTableName);

/** The message API Gateway maps to 401. */
export const UNAUTHORIZED = 'Unauthorized';

function bearer(event: APIGatewayRequestAuthorizerEvent): string | undefined {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(event.headers ?? {})) if (name.toLowerCase() === 'authorization' && value !== undefined) values.add(value.trim());
  for (const [name, list] of Object.entries(event.multiValueHeaders ?? {})) if (name.toLowerCase() === 'authorization') for (const v of list ?? []) values.add(v.trim());
  if (values.size !== 1) return undefined; // none, or two different credentials: refuse
  const m = /^Bearer +(\S+)$/i.exec([...values][0]!);
  return m?.[1];
}

/** `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<path>` -> the stage's payment resources. */
export function paymentResources(methodArn: string): string[] {
  const [apiArn, stage] = methodArn.split('/');
  return [`${apiArn}/${stage}/*/payments`, `${apiArn}/${stage}/*/payments/*`];
}

function policy(principalId: string, effect: 'Allow' | 'Deny', methodArn: string, context: Record<string, string>): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: paymentResources(methodArn) }] },
    context,
  };
}

function refuse(reason: string, keyId?: string): never {
  metrics.addMetric(METRIC.credentialRejected, MetricUnit.Count, 1);
  logger.info('credential refused', { reason, ...(keyId === undefined ? {} : { keyId }) });
  throw new Error(UNAUTHORIZED);
}

export const handler = instrumented('authorizer', async (event: APIGatewayRequestAuthorizerEvent, _context, scope): Promise<APIGatewayAuthorizerResult> => {
  const presented = bearer(event);
  if (presented === undefined) return refuse('MISSING_OR_MALFORMED');
  const credential = parseCredential(presented);
  if (credential === undefined) return refuse('MALFORMED');
  let record;
  try {
    record = await store.get(credential.keyId);
  } catch (error) {
    // Not the client's fault: API Gateway answers 500 and the client retries.
    logger.error('credential lookup failed', { keyId: credential.keyId, ...describeError(error) });
    throw new Error('credential store unavailable');
  }
  if (record === undefined) return refuse('UNKNOWN_KEY', credential.keyId);
  scope.annotate({ merchantId: record.merchantId });
  const verdict = verifyCredential(credential, record, new Date());
  if (!verdict.ok) {
    if (verdict.reason === 'REVOKED') {
      metrics.addMetric(METRIC.credentialRejected, MetricUnit.Count, 1);
      logger.warn('revoked credential used', { keyId: credential.keyId, merchantId: record.merchantId });
      return policy(record.merchantId, 'Deny', event.methodArn, {});
    }
    return refuse(verdict.reason, credential.keyId);
  }
  return policy(verdict.merchantId, 'Allow', event.methodArn, { merchantId: verdict.merchantId, keyId: credential.keyId });
});
