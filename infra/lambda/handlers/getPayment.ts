/**
 * GET /payments/{id}: the authenticated merchant's payment.
 * - COMMITTED: the item, read strongly consistently in this region's replica (reads stay in the
 *   region: AWS's guidance for global tables is that calls to DynamoDB should not cross Regions).
 * - PENDING: the replica does not hold it but a pending-payment marker does (this region's bucket,
 *   then the peer's, which holds a copy whatever region accepted it): the payment was accepted with
 *   202 and is queued for commit.
 * - 404 otherwise, and also for another merchant's payment: existence is never revealed.
 * 503 + Retry-After when neither a replica nor a marker could be read.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createDynamoDbClient, createS3Client, MARKER_READ_TUNING, REQUEST_PATH_TUNING } from '../commons/clients';
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
const replica = new PaymentRepository(createDynamoDbClient(core.region, REQUEST_PATH_TUNING, clientEnv), core.tableName);
const markers = [
  new PendingMarkers(createS3Client(core.region, MARKER_READ_TUNING, clientEnv), peer.pendingBucket, peer.pendingPrefix),
  new PendingMarkers(createS3Client(peer.peerRegion, MARKER_READ_TUNING, peerClientEnv), peer.peerPendingBucket, peer.pendingPrefix),
];

/** Per marker read, whatever the SDK's own timeouts say (GET's function timeout is 10 s). */
export const MARKER_READ_BUDGET_MS = 3_000;

type Found = { readonly item: PaymentItem; readonly status: 'COMMITTED' | 'PENDING' };

/**
 * The first source that has the payment: this region's replica, this region's marker, the peer's
 * marker. Undefined when none has it and this region's own sources answered (the peer's marker is an
 * extra: a peer region that is down must not turn every unknown id into a 503); throws
 * ServiceUnavailableError when nothing was found and one of this region's sources failed.
 */
async function find(id: string): Promise<Found | undefined> {
  let failure: unknown;
  const sources: { local: boolean; status: Found['status']; read: () => Promise<PaymentItem | undefined> }[] = [
    { local: true, status: 'COMMITTED', read: () => replica.get(id) },
    { local: true, status: 'PENDING', read: () => markers[0]!.get(id, MARKER_READ_BUDGET_MS) },
    { local: false, status: 'PENDING', read: () => markers[1]!.get(id, MARKER_READ_BUDGET_MS) },
  ];
  for (const source of sources) {
    try {
      const item = await source.read();
      if (item !== undefined) return { item, status: source.status };
    } catch (error) {
      if (source.local) failure ??= error;
      logger.warn('payment lookup failed', { source: `${source.local ? 'local' : 'peer'}-${source.status === 'COMMITTED' ? 'replica' : 'marker'}`, ...describeError(error) });
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
    metrics.addMetric(METRIC.error, MetricUnit.Count, 1);
    if (error instanceof PaymentsError) return errorResponse(error, requestId);
    logger.error('get payment failed', describeError(error));
    return internalErrorResponse(requestId);
  } finally {
    logger.resetKeys();
    flushMetrics();
  }
}
