/**
 * POST /payments: validate, then commit with ONE DynamoDB write.
 *
 * 1. The merchant is the authorizer's (`requestContext.authorizer.merchantId`); the transactionId is
 *    a pure function of (merchant, Idempotency-Key), so every retry, in either region, targets the
 *    same item.
 * 2. The commit is a conditional PutItem (`attribute_not_exists(pk)`): it is the payment and the
 *    idempotency record at once. If the key exists, DynamoDB hands back the stored item with the
 *    failure (`ReturnValuesOnConditionCheckFailure: ALL_OLD`): same request hash -> the same 201
 *    body (replay), another -> 422 IDEMPOTENCY_KEY_REUSED. Nothing ever overwrites a stored payment.
 *    The transaction log is written from the table's stream (transactionLogWriter), not here: the
 *    success path makes no S3 or SQS call.
 * 3. If this region's replica refuses the write retryably (throttling, 5xx, timeout), the same
 *    conditional write goes to the peer region's replica: a global table accepts writes in every
 *    replica Region, in both consistency modes -> 201 if it commits there.
 * 4. Only if neither replica accepts it: the payment is durably queued. A pending-payment marker is
 *    claimed in S3 (conditional create, both regions' buckets) and the payment is sent to BOTH
 *    regions' retry queues; 202 PENDING if a marker and a queue accepted it, else 503 + Retry-After
 *    with nothing accepted. A same-key request meanwhile finds the marker: same body -> the same
 *    202, another body -> 422. Either region's retry processor then commits it with the same
 *    conditional write, so the 202 does not depend on the accepting region coming back.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createDynamoDbClient, createS3Client, createSqsClient, PEER_REQUEST_PATH_TUNING, REQUEST_PATH_QUEUE_TUNING, REQUEST_PATH_TUNING, PENDING_MARKER_TUNING } from '../commons/clients';
import { readClientEnvironment, readCoreConfig, readPaymentRules, readPeerConfig, readRetryQueueConfig } from '../commons/config';
import { describeError, IdempotencyKeyReusedError, isRetryableAwsError, PaymentsError, ServiceUnavailableError, UnauthenticatedError } from '../commons/errors';
import { authenticatedMerchant, errorResponse, internalErrorResponse, jsonResponse } from '../commons/http';
import { newPaymentItem, toView, type PaymentItem } from '../commons/payment';
import { PendingMarkers, type MarkerClaim } from '../commons/pendingMarkers';
import { flushMetrics, logger, METRIC, metrics } from '../commons/powertools';
import { PaymentRepository, type InsertOutcome } from '../commons/repository';
import { RetryQueue } from '../commons/retryQueue';
import { parsePaymentRequest, readIdempotencyKey } from '../commons/validation';

const core = readCoreConfig();
const rules = readPaymentRules();
const queueConfig = readRetryQueueConfig();
const peer = readPeerConfig();
const clientEnv = readClientEnvironment();
const peerClientEnv = { s3ForcePathStyle: clientEnv.s3ForcePathStyle, endpoints: peer.peerEndpoints };

const local = new PaymentRepository(createDynamoDbClient(core.region, REQUEST_PATH_TUNING, clientEnv), core.tableName);
const peerReplica = new PaymentRepository(createDynamoDbClient(peer.peerRegion, PEER_REQUEST_PATH_TUNING, peerClientEnv), core.tableName);
const queues = [
  { region: core.region, queue: new RetryQueue(createSqsClient(core.region, REQUEST_PATH_QUEUE_TUNING, clientEnv), queueConfig.retryQueueUrl) },
  { region: peer.peerRegion, queue: new RetryQueue(createSqsClient(peer.peerRegion, REQUEST_PATH_QUEUE_TUNING, peerClientEnv), peer.peerRetryQueueUrl) },
];
const markers = [
  { region: core.region, markers: new PendingMarkers(createS3Client(core.region, PENDING_MARKER_TUNING, clientEnv), peer.pendingBucket, peer.pendingPrefix) },
  { region: peer.peerRegion, markers: new PendingMarkers(createS3Client(peer.peerRegion, PENDING_MARKER_TUNING, peerClientEnv), peer.peerPendingBucket, peer.pendingPrefix) },
];

/** Per call budget of the pending path's S3 and SQS calls (whatever the SDK's own timeouts say). */
export const PENDING_CALL_BUDGET_MS = 1_500;

function committedResponse(outcome: InsertOutcome, item: PaymentItem, where: 'local' | 'peer'): APIGatewayProxyResult {
  if (outcome.created) {
    metrics.addMetric(METRIC.paymentCommitted, MetricUnit.Count, 1);
    if (where === 'peer') metrics.addMetric(METRIC.paymentCommittedInPeer, MetricUnit.Count, 1);
    logger.info('payment committed', { transactionId: item.transactionId, replica: where });
    return jsonResponse(201, toView(item));
  }
  if (outcome.existing.requestHash !== item.requestHash) throw new IdempotencyKeyReusedError();
  metrics.addMetric(METRIC.paymentReplayed, MetricUnit.Count, 1);
  logger.info('payment already committed; returning it', { transactionId: item.transactionId, committedIn: outcome.existing.region });
  return jsonResponse(201, toView(outcome.existing));
}

/** The conditional write against this region's replica, then against the peer's on a retryable failure. */
async function commit(item: PaymentItem): Promise<APIGatewayProxyResult | { readonly failed: unknown }> {
  try {
    return committedResponse(await local.insert(item), item, 'local');
  } catch (error) {
    if (!isRetryableAwsError(error)) throw error;
    logger.warn('local replica refused the write; trying the peer region', { transactionId: item.transactionId, ...describeError(error) });
  }
  try {
    return committedResponse(await peerReplica.insert(item), item, 'peer');
  } catch (error) {
    if (!isRetryableAwsError(error)) throw error;
    return { failed: error };
  }
}

function pendingResponse(item: PaymentItem): APIGatewayProxyResult {
  return jsonResponse(202, toView({ ...item, status: 'PENDING' }));
}

function unavailable(requestId: string, cause: unknown): APIGatewayProxyResult {
  metrics.addMetric(METRIC.paymentUnavailable, MetricUnit.Count, 1);
  return errorResponse(new ServiceUnavailableError('Payments are temporarily unavailable; retry with the same Idempotency-Key.', 2, cause), requestId);
}

/**
 * Neither replica took the write: claim the pending markers, then queue to both regions.
 * 202 once at least one marker and one queue hold it; 422 if a marker holds another request.
 */
async function queuePending(item: PaymentItem, requestId: string, cause: unknown): Promise<APIGatewayProxyResult> {
  const claims = await Promise.allSettled(markers.map((m) => m.markers.claim(item, PENDING_CALL_BUDGET_MS)));
  const held: MarkerClaim[] = [];
  claims.forEach((c, i) => {
    if (c.status === 'fulfilled') held.push(c.value);
    else {
      metrics.addMetric(METRIC.pendingMarkerFailed, MetricUnit.Count, 1);
      logger.warn('pending marker could not be written', { transactionId: item.transactionId, markerRegion: markers[i]!.region, ...describeError(c.reason) });
    }
  });
  const existing = held.flatMap((c) => (c.outcome === 'created' ? [] : [c.existing]));
  // Conditional withdrawal: a marker another same-request replay adopted meanwhile stays, with that
  // request's queued message behind it (commons/pendingMarkers.ts).
  const withdraw = () =>
    Promise.allSettled(
      claims.map((c, i) => (c.status === 'fulfilled' && c.value.outcome === 'created' ? markers[i]!.markers.withdraw(item.transactionId, c.value.etag, PENDING_CALL_BUDGET_MS) : undefined)),
    );
  if (existing.some((e) => e.requestHash !== item.requestHash)) {
    await withdraw();
    throw new IdempotencyKeyReusedError();
  }
  if (held.length === 0) {
    logger.error('payment could not be committed nor marked pending; client must retry', { transactionId: item.transactionId, dynamodb: describeError(cause) });
    return unavailable(requestId, cause);
  }
  // A pending replay queues the original item again (same content; the processors' write is idempotent).
  const payment = existing[0] ?? item;
  const sends = await Promise.allSettled(queues.map((q) => q.queue.send(payment, AbortSignal.timeout(PENDING_CALL_BUDGET_MS))));
  sends.forEach((s, i) => {
    if (s.status === 'rejected') {
      metrics.addMetric(METRIC.retryQueueFailed, MetricUnit.Count, 1);
      logger.warn('retry queue refused the payment', { transactionId: item.transactionId, queueRegion: queues[i]!.region, ...describeError(s.reason) });
    }
  });
  if (!sends.some((s) => s.status === 'fulfilled')) {
    await withdraw();
    logger.error('payment could not be committed nor queued; client must retry', { transactionId: item.transactionId, dynamodb: describeError(cause) });
    return unavailable(requestId, cause);
  }
  metrics.addMetric(existing.length > 0 ? METRIC.paymentReplayed : METRIC.paymentQueued, MetricUnit.Count, 1);
  logger.warn('payment queued: no replica accepted the write', { transactionId: item.transactionId, ...describeError(cause) });
  return pendingResponse(payment);
}

export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  logger.addContext(context);
  const requestId = event.requestContext?.requestId ?? context.awsRequestId;
  try {
    const merchantId = authenticatedMerchant(event);
    if (merchantId === undefined) throw new UnauthenticatedError();
    const idempotencyKey = readIdempotencyKey(event);
    const request = parsePaymentRequest(event, rules, merchantId);
    const item = newPaymentItem({ request, idempotencyKey, region: core.region, now: new Date() });
    logger.appendKeys({ transactionId: item.transactionId, merchantId });
    const committed = await commit(item);
    if (!('failed' in committed)) return committed;
    return await queuePending(item, requestId, committed.failed);
  } catch (error) {
    if (error instanceof PaymentsError) {
      metrics.addMetric(METRIC.paymentRejected, MetricUnit.Count, 1);
      logger.info('payment request refused', { code: error.code, statusCode: error.statusCode });
      return errorResponse(error, requestId);
    }
    metrics.addMetric(METRIC.error, MetricUnit.Count, 1);
    logger.error('create payment failed', describeError(error));
    return internalErrorResponse(requestId);
  } finally {
    logger.resetKeys();
    flushMetrics();
  }
}
