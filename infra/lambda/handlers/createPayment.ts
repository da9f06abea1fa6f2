/**
 * POST /payments, the HTTP adapter: authenticates the merchant (the authorizer's
 * `requestContext.authorizer.merchantId`, never the body), validates, builds the payment item (the
 * transactionId is a pure function of (merchant, Idempotency-Key), so every retry, in either
 * region, targets the same item), then commits it with payments/commit.ts and maps the outcome:
 * committed or replayed -> 201 (the stored payment), queued -> 202 PENDING, unavailable -> 503 +
 * Retry-After (nothing accepted), a refused request -> its 4xx with a machine-readable code,
 * anything else -> 500. The commit itself is ONE DynamoDB write per new payment.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createDynamoDbClient, createS3Client, createSqsClient, PEER_REQUEST_PATH_TUNING, REQUEST_PATH_QUEUE_TUNING, REQUEST_PATH_TUNING, PENDING_MARKER_TUNING } from '../commons/clients';
import { readClientEnvironment, readCoreConfig, readPaymentRules, readPeerConfig, readRetryQueueConfig } from '../commons/config';
import { describeError, PaymentsError, ServiceUnavailableError, UnauthenticatedError } from '../commons/errors';
import { authenticatedMerchant, errorResponse, internalErrorResponse, jsonResponse } from '../commons/http';
import { instrumented } from '../commons/instrumentation';
import { newPaymentItem, toView } from '../commons/payment';
import { PendingMarkers } from '../commons/pendingMarkers';
import { CachedWindow, PendingWindow } from '../commons/pendingWindow';
import { logger, METRIC, metrics } from '../commons/powertools';
import { PaymentRepository } from '../commons/repository';
import { RetryQueue } from '../commons/retryQueue';
import { parsePaymentRequest, readIdempotencyKey } from '../commons/validation';
import { commitPayment, WINDOW_CALL_BUDGET_MS, type CommitPorts } from '../payments/commit';
import { PENDING_WINDOW_OPEN_SECONDS } from '../../../contract/queues';

export { PENDING_CALL_BUDGET_MS } from '../payments/commit';

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
const s3 = { own: createS3Client(core.region, PENDING_MARKER_TUNING, clientEnv), peer: createS3Client(peer.peerRegion, PENDING_MARKER_TUNING, peerClientEnv) };
const pendingMarkers = [
  { region: core.region, markers: new PendingMarkers(s3.own, peer.pendingBucket, peer.pendingPrefix) },
  { region: peer.peerRegion, markers: new PendingMarkers(s3.peer, peer.peerPendingBucket, peer.pendingPrefix) },
];
const windowOf = (region: string, window: PendingWindow) => ({
  region,
  window,
  view: new CachedWindow(window, peer.pendingWindowCacheMs, WINDOW_CALL_BUDGET_MS, (error) => {
    metrics.addMetric(METRIC.pendingWindowFailed, MetricUnit.Count, 1);
    logger.warn('pending window unreadable; counted as closed', { windowRegion: region, ...describeError(error) });
  }),
});
const windows = [
  windowOf(core.region, new PendingWindow(s3.own, peer.pendingBucket)),
  windowOf(peer.peerRegion, new PendingWindow(s3.peer, peer.peerPendingBucket)),
];
const ports: CommitPorts = {
  local,
  peer: peerReplica,
  markers: pendingMarkers,
  queues,
  windows,
  timing: { windowCacheMs: peer.pendingWindowCacheMs, windowOpenMs: PENDING_WINDOW_OPEN_SECONDS * 1000 },
};

function unavailableResponse(requestId: string | undefined, cause: unknown): APIGatewayProxyResult {
  return errorResponse(new ServiceUnavailableError('Payments are temporarily unavailable; retry with the same Idempotency-Key.', 2, cause), requestId);
}

export const handler = instrumented('createPayment', async (event: APIGatewayProxyEvent, context, scope): Promise<APIGatewayProxyResult> => {
  const requestId = event.requestContext?.requestId ?? context?.awsRequestId;
  try {
    const merchantId = authenticatedMerchant(event);
    if (merchantId === undefined) throw new UnauthenticatedError();
    const idempotencyKey = readIdempotencyKey(event);
    const request = parsePaymentRequest(event, rules, merchantId);
    const item = newPaymentItem({ request, idempotencyKey, region: core.region, now: new Date() });
    scope.annotate({ transactionId: item.transactionId, merchantId });
    const outcome = await commitPayment(item, ports);
    switch (outcome.kind) {
      case 'committed':
      case 'replayed':
        return jsonResponse(201, toView(outcome.payment));
      case 'queued':
        return jsonResponse(202, toView({ ...outcome.payment, status: 'PENDING' }));
      case 'unavailable':
        return unavailableResponse(requestId, outcome.cause);
    }
  } catch (error) {
    if (error instanceof PaymentsError) {
      metrics.addMetric(METRIC.paymentRejected, MetricUnit.Count, 1);
      logger.info('payment request refused', { code: error.code, statusCode: error.statusCode });
      return errorResponse(error, requestId);
    }
    metrics.addMetric(METRIC.error, MetricUnit.Count, 1);
    logger.error('create payment failed', describeError(error));
    scope.recordError(error);
    return internalErrorResponse(requestId);
  }
});
