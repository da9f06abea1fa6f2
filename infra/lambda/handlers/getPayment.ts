/**
 * GET /payments/{id}, the HTTP adapter: the authenticated merchant's payment, found by
 * payments/lookup.ts: 200 with status COMMITTED or PENDING; 404 when missing, and also for another
 * merchant's payment (existence is never revealed); 400 for an id that is not a transaction id;
 * 503 + Retry-After when neither a replica nor a marker could be read.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createDynamoDbClient, createS3Client, MARKER_READ_TUNING, REQUEST_PATH_TUNING } from '../commons/clients';
import { readClientEnvironment, readCoreConfig, readPeerConfig } from '../commons/config';
import { describeError, NotFoundError, PaymentsError, UnauthenticatedError, ValidationError } from '../commons/errors';
import { authenticatedMerchant, errorResponse, internalErrorResponse, jsonResponse } from '../commons/http';
import { instrumented } from '../commons/instrumentation';
import { toView, TRANSACTION_ID_PATTERN } from '../commons/payment';
import { PendingMarkers } from '../commons/pendingMarkers';
import { logger, METRIC, metrics } from '../commons/powertools';
import { PaymentRepository } from '../commons/repository';
import { findPayment, type LookupPorts } from '../payments/lookup';

export { MARKER_READ_BUDGET_MS } from '../payments/lookup';

const core = readCoreConfig();
const peer = readPeerConfig();
const clientEnv = readClientEnvironment();
const peerClientEnv = { s3ForcePathStyle: clientEnv.s3ForcePathStyle, endpoints: peer.peerEndpoints };
const replica = new PaymentRepository(createDynamoDbClient(core.region, REQUEST_PATH_TUNING, clientEnv), core.tableName);
const ports: LookupPorts = {
  replica,
  markers: new PendingMarkers(createS3Client(core.region, MARKER_READ_TUNING, clientEnv), peer.pendingBucket, peer.pendingPrefix),
  peerMarkers: new PendingMarkers(createS3Client(peer.peerRegion, MARKER_READ_TUNING, peerClientEnv), peer.peerPendingBucket, peer.pendingPrefix),
};

export const handler = instrumented('getPayment', async (event: APIGatewayProxyEvent, context, scope): Promise<APIGatewayProxyResult> => {
  const requestId = event.requestContext?.requestId ?? context?.awsRequestId;
  try {
    const merchantId = authenticatedMerchant(event);
    if (merchantId === undefined) throw new UnauthenticatedError();
    const id = event.pathParameters?.id?.toLowerCase();
    if (id === undefined || !TRANSACTION_ID_PATTERN.test(id)) throw new ValidationError([{ field: 'id', issue: 'must be a transaction id (UUID)', reason: 'PATTERN' }]);
    scope.annotate({ transactionId: id, merchantId });
    const found = await findPayment(id, ports);
    // Another merchant's payment answers exactly like a missing one.
    if (found === undefined || found.item.merchantId !== merchantId) throw new NotFoundError(`Payment ${id}`);
    return jsonResponse(200, toView({ ...found.item, status: found.status }));
  } catch (error) {
    metrics.addMetric(METRIC.error, MetricUnit.Count, 1);
    if (error instanceof PaymentsError) return errorResponse(error, requestId);
    logger.error('get payment failed', describeError(error));
    scope.recordError(error);
    return internalErrorResponse(requestId);
  }
});
