/**
 * GET /payments/{id}: the authenticated merchant's payment.
 * - COMMITTED: the item, read strongly consistently in this region's replica; if it is not there
 *   (committed in the peer region and not replicated yet), in the peer region's replica.
 * - PENDING: no replica holds it but a pending-payment marker does (this region's bucket, then the
 *   peer's): the payment was accepted with 202 and is queued for commit.
 * - 404 otherwise, and also for another merchant's payment: existence is never revealed.
 * 503 + Retry-After when neither a replica nor a marker could be read.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createDynamoDbClient, createS3Client, PEER_REQUEST_PATH_TUNING, PENDING_MARKER_TUNING, REQUEST_PATH_TUNING } from '../commons/clients';
import { readClientEnvironment, readCoreConfig, readPeerConfig } from '../commons/config';
import { describeError, NotFoundError, PaymentsError, ServiceUnavailableError, UnauthenticatedError, ValidationError } from '../commons/errors';
import { authenticatedMerchant, errorResponse, internalErrorResponse, jsonResponse } from '../commons/http';
import { toView, TRANSACTION_ID_PATTERN, type PaymentItem } from '../commons/payment';
import { PendingMarkers } from '../commons/pendingMarkers';
import { flushMetrics, logger, METRIC, metrics } from '../commons/powertools';
import { PaymentRepository } from '../commons/repository';

const core = readCoreConfig();
const peer = readPeerConfig();
const clientEnv = readClientEnvironment();
const peerClientEnv = { s3ForcePathStyle: clientEnv.s3ForcePathStyle, endpoints: peer.peerEndpoints };
const replicas = [
  new PaymentRepository(createDynamoDbClient(core.region, REQUEST_PATH_TUNING, clientEnv), core.tableName),
  new PaymentRepository(createDynamoDbClient(peer.peerRegion, PEER_REQUEST_PATH_TUNING, peerClientEnv), core.tableName),
];
const markers = [
  new PendingMarkers(createS3Client(core.region, PENDING_MARKER_TUNING, clientEnv), peer.pendingBucket, peer.pendingPrefix),
  new PendingMarkers(createS3Client(peer.peerRegion, PENDING_MARKER_TUNING, peerClientEnv), peer.peerPendingBucket, peer.pendingPrefix),
];

export const MARKER_READ_BUDGET_MS = 1_000;

type Found = { readonly item: PaymentItem; readonly status: 'COMMITTED' | 'PENDING' };

/** The first source that answers with the payment; undefined if every source answered "none"; throws if none found and any failed. */
async function find(id: string): Promise<Found | undefined> {
  let failure: unknown;
  for (const replica of replicas) {
    try {
      const item = await replica.get(id);
      if (item !== undefined) return { item, status: 'COMMITTED' };
    } catch (error) {
      failure ??= error;
      logger.warn('payment read failed', describeError(error));
    }
  }
  for (const marker of markers) {
    try {
      const item = await marker.get(id, MARKER_READ_BUDGET_MS);
      if (item !== undefined) return { item, status: 'PENDING' };
    } catch (error) {
      failure ??= error;
      logger.warn('pending marker read failed', describeError(error));
    }
  }
  if (failure !== undefined) throw new ServiceUnavailableError('Payments are temporarily unavailable; retry shortly.', 1, failure);
  return undefined;
}

export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  logger.addContext(context);
  const requestId = event.requestContext?.requestId ?? context.awsRequestId;
  try {
    const merchantId = authenticatedMerchant(event);
    if (merchantId === undefined) throw new UnauthenticatedError();
    const id = event.pathParameters?.id?.toLowerCase();
    if (id === undefined || !TRANSACTION_ID_PATTERN.test(id)) throw new ValidationError([{ field: 'id', issue: 'must be a transaction id (UUID)', reason: 'PATTERN' }]);
    logger.appendKeys({ transactionId: id });
    const found = await find(id);
    // Another merchant's payment answers exactly like a missing one.
    if (found === undefined || found.item.merchantId !== merchantId) throw new NotFoundError(`Payment ${id}`);
    return jsonResponse(200, toView({ ...found.item, status: found.status }));
  } catch (error) {
    if (error instanceof PaymentsError) {
      if (error.statusCode >= 500) metrics.addMetric(METRIC.error, MetricUnit.Count, 1);
      return errorResponse(error, requestId);
    }
    metrics.addMetric(METRIC.error, MetricUnit.Count, 1);
    logger.error('get payment failed', describeError(error));
    return internalErrorResponse(requestId);
  } finally {
    logger.resetKeys();
    flushMetrics();
  }
}
