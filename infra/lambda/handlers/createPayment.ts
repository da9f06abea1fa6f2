/**
 * POST /payments: validate, then commit exactly once.
 *
 * Exactly-once has two layers:
 * 1. Powertools idempotency (DynamoDB persistence on the payments table, key `pk`, TTL `expiration`)
 *    keyed by (merchantId, Idempotency-Key) and validated against the request hash: a replay gets the
 *    stored response, a different body gets 422, a concurrent duplicate waits briefly for the result.
 * 2. The transactionId is derived from (merchantId, Idempotency-Key) and the payment is written with
 *    `attribute_not_exists(pk)`: even when the idempotency record has not replicated yet (a retry in
 *    the other region) or has expired, the write cannot create a second transaction; the stored item
 *    answers instead (same hash: the original transaction; different hash: 422).
 *
 * A retryable DynamoDB failure queues the payment (202 PENDING, same transactionId); if the queue
 * fails too the client gets 503 + Retry-After and nothing was accepted. After the commit the
 * transaction log is written with a bounded wait; if S3 is slow or failing the record is handed to
 * the retry queue for re-emission, and the payment still succeeds.
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyInconsistentStateError,
  IdempotencyItemNotFoundError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createDynamoDbClient, createS3Client, createSqsClient, REQUEST_PATH_QUEUE_TUNING, REQUEST_PATH_TUNING, TRANSACTION_LOG_TUNING } from '../commons/clients';
import { readCoreConfig, readPaymentRules, readRetryQueueConfig, readTransactionLogConfig } from '../commons/config';
import {
  describeError,
  IdempotencyKeyReusedError,
  isRetryableAwsError,
  PaymentsError,
  RequestInProgressError,
  ServiceUnavailableError,
} from '../commons/errors';
import { errorResponse, internalErrorResponse, jsonResponse } from '../commons/http';
import { isPaymentView, newPaymentItem, toView, type PaymentItem, type PaymentView } from '../commons/payment';
import { flushMetrics, logger, METRIC, metrics } from '../commons/powertools';
import { PaymentRepository } from '../commons/repository';
import { RetryQueue } from '../commons/retryQueue';
import { PARTITION_KEY, TTL_ATTRIBUTE } from '../commons/tableSchema';
import { TransactionLog } from '../commons/transactionLog';
import { readIdempotencyKey, parsePaymentRequest } from '../commons/validation';

const core = readCoreConfig();
const rules = readPaymentRules();
const queueConfig = readRetryQueueConfig();
const logConfig = readTransactionLogConfig();

const dynamodb = createDynamoDbClient(core.region, REQUEST_PATH_TUNING);
const repository = new PaymentRepository(dynamodb, core.tableName);
const retryQueue = new RetryQueue(createSqsClient(core.region, REQUEST_PATH_QUEUE_TUNING), queueConfig.retryQueueUrl);
const transactionLog = new TransactionLog(createS3Client(core.region, TRANSACTION_LOG_TUNING), logConfig);

/** How long the transaction-log write may add to a payment before it is deferred to the retry queue. */
export const TRANSACTION_LOG_BUDGET_MS = 1_000;
/** How long a concurrent duplicate waits for the first request's result before answering 409. */
export const IN_PROGRESS_WAIT_MS = 2_000;

/** What the idempotent function receives; only merchantId, idempotencyKey and requestHash are hashed. */
interface CommitRequest {
  readonly merchantId: string;
  readonly idempotencyKey: string;
  readonly requestHash: string;
  readonly item: PaymentItem;
}

/** Per-invocation facts the handler needs whatever Powertools throws around them. */
interface InvocationState {
  executed: boolean;
  committed?: PaymentItem;
  rejection?: PaymentsError;
}

const persistenceStore = new DynamoDBPersistenceLayer({
  tableName: core.tableName,
  keyAttr: PARTITION_KEY,
  expiryAttr: TTL_ATTRIBUTE,
  awsSdkV3Client: dynamodb,
});

const idempotencyConfig = new IdempotencyConfig({
  eventKeyJmesPath: '[merchantId, idempotencyKey]',
  payloadValidationJmesPath: 'requestHash',
  throwOnNoIdempotencyKey: true,
  expiresAfterSeconds: rules.idempotencyTtlSeconds,
});

async function writeTransactionLog(item: PaymentItem): Promise<void> {
  try {
    await transactionLog.write(item, TRANSACTION_LOG_BUDGET_MS);
    metrics.addMetric(METRIC.transactionLogWritten, MetricUnit.Count, 1);
    return;
  } catch (error) {
    metrics.addMetric(METRIC.error, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.transactionLogFailed, MetricUnit.Count, 1);
    logger.warn('transaction log write failed; deferring to the retry queue', { transactionId: item.transactionId, ...describeError(error) });
  }
  try {
    await retryQueue.send('transaction-log', item);
  } catch (error) {
    // The payment is committed in DynamoDB (PITR, both regions); only its log object is missing.
    // This error log and metric are what an operator re-emits from (alarm on TransactionLogWriteFailed).
    metrics.addMetric(METRIC.error, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.retryQueueFailed, MetricUnit.Count, 1);
    logger.error('transaction log record could not be written nor queued', { transactionId: item.transactionId, ...describeError(error) });
  }
}

async function commit(request: CommitRequest, state: InvocationState): Promise<PaymentView> {
  state.executed = true;
  const outcome = await repository.insert(request.item);
  if (outcome.created) {
    state.committed = outcome.item;
    metrics.addMetric(METRIC.paymentCommitted, MetricUnit.Count, 1);
    logger.info('payment committed', { transactionId: outcome.item.transactionId });
    await writeTransactionLog(outcome.item);
    return toView(outcome.item);
  }
  const existing = outcome.existing;
  if (existing.requestHash !== request.requestHash) {
    state.rejection = new IdempotencyKeyReusedError();
    throw state.rejection;
  }
  // Same request already committed: here by an earlier attempt whose answer was lost (or which
  // timed out before writing its log), or in the other region and replicated. The idempotency
  // record that normally answers replays was missing, so this path is rare; re-writing the log
  // object (same key, same content) guarantees no committed payment is missing from the log.
  metrics.addMetric(METRIC.paymentReplayed, MetricUnit.Count, 1);
  logger.info('payment already committed; returning it', { transactionId: existing.transactionId, committedIn: existing.region });
  await writeTransactionLog(existing);
  return toView(existing);
}

const commitOnce = makeIdempotent(commit, {
  persistenceStore,
  config: idempotencyConfig,
  // A fixed prefix (not the function name, which differs per region) keeps the idempotency record's
  // key identical in both regions, so a replicated record answers a retry in the other region.
  keyPrefix: 'payments-createPayment',
});

/**
 * Another invocation holds the key (or just released it: the record vanished between Powertools'
 * failed conditional put and its read). Either way, trying again shortly is right.
 */
function isInProgress(error: unknown): boolean {
  return (
    error instanceof IdempotencyAlreadyInProgressError ||
    error instanceof IdempotencyInconsistentStateError ||
    error instanceof IdempotencyItemNotFoundError
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs the idempotent commit; a concurrent duplicate polls for the first request's result, bounded. */
async function commitWithBoundedWait(request: CommitRequest, state: InvocationState, context: Context): Promise<PaymentView> {
  const deadline = Date.now() + Math.min(IN_PROGRESS_WAIT_MS, Math.max(0, context.getRemainingTimeInMillis() - 3_000));
  for (let delay = 50; ; delay = Math.min(delay * 2, 400)) {
    try {
      return await commitOnce(request, state);
    } catch (error) {
      if (!isInProgress(error)) throw error;
      if (Date.now() + delay > deadline) throw new RequestInProgressError(1);
      await sleep(delay);
    }
  }
}

function pendingResponse(item: PaymentItem): APIGatewayProxyResult {
  return jsonResponse(202, toView({ ...item, status: 'PENDING' }));
}

/** 202 PENDING once the payment is on the retry queue; 503 + Retry-After if the queue fails too. */
async function queueForRetry(item: PaymentItem, cause: unknown, requestId: string): Promise<APIGatewayProxyResult> {
  try {
    await retryQueue.send('payment', item);
  } catch (error) {
    metrics.addMetric(METRIC.error, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.retryQueueFailed, MetricUnit.Count, 1);
    logger.error('payment could not be stored nor queued; client must retry', { transactionId: item.transactionId, ...describeError(error), dynamodb: describeError(cause) });
    return errorResponse(new ServiceUnavailableError('Payments are temporarily unavailable; retry with the same Idempotency-Key.', 2, error), requestId);
  }
  metrics.addMetric(METRIC.paymentQueued, MetricUnit.Count, 1);
  logger.warn('payment queued for retry after a retryable DynamoDB failure', { transactionId: item.transactionId, ...describeError(cause) });
  return pendingResponse(item);
}

export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  logger.addContext(context);
  idempotencyConfig.registerLambdaContext(context);
  const requestId = event.requestContext?.requestId ?? context.awsRequestId;
  const state: InvocationState = { executed: false };
  let item: PaymentItem | undefined;
  try {
    const idempotencyKey = readIdempotencyKey(event);
    const request = parsePaymentRequest(event, rules);
    item = newPaymentItem({ request, idempotencyKey, region: core.region, now: new Date() });
    logger.appendKeys({ transactionId: item.transactionId, merchantId: item.merchantId });

    const view = await commitWithBoundedWait({ merchantId: item.merchantId, idempotencyKey, requestHash: item.requestHash, item }, state, context);
    if (!isPaymentView(view)) throw new Error('stored idempotent response is not a payment');
    if (!state.executed) {
      metrics.addMetric(METRIC.paymentReplayed, MetricUnit.Count, 1);
      logger.info('idempotent replay', { transactionId: view.transactionId });
    }
    return jsonResponse(201, toView(view));
  } catch (error) {
    metrics.addMetric(METRIC.error, MetricUnit.Count, 1);
    if (state.committed !== undefined) {
      // Committed, but Powertools could not record the result: the payment stands; a retry finds it.
      logger.warn('payment committed but idempotency record not completed', { transactionId: state.committed.transactionId, ...describeError(error) });
      return jsonResponse(201, toView(state.committed));
    }
    const known = state.rejection ?? (error instanceof IdempotencyValidationError ? new IdempotencyKeyReusedError() : error);
    if (known instanceof PaymentsError) {
      metrics.addMetric(METRIC.paymentRejected, MetricUnit.Count, 1);
      logger.info('payment request refused', { code: known.code, statusCode: known.statusCode });
      return errorResponse(known, requestId);
    }
    if (item !== undefined && isRetryableAwsError(error)) return await queueForRetry(item, error, requestId);
    logger.error('create payment failed', describeError(error));
    return internalErrorResponse(requestId);
  } finally {
    logger.resetKeys();
    flushMetrics();
  }
}
