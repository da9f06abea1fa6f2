/** GET /payments/{id}: the stored transaction (strongly consistent read in this region), or 404. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createDynamoDbClient, REQUEST_PATH_TUNING } from '../commons/clients';
import { readCoreConfig } from '../commons/config';
import { describeError, isRetryableAwsError, NotFoundError, PaymentsError, ServiceUnavailableError, ValidationError } from '../commons/errors';
import { errorResponse, internalErrorResponse, jsonResponse } from '../commons/http';
import { toView, TRANSACTION_ID_PATTERN } from '../commons/payment';
import { flushMetrics, logger, METRIC, metrics } from '../commons/powertools';
import { PaymentRepository } from '../commons/repository';

const core = readCoreConfig();
const repository = new PaymentRepository(createDynamoDbClient(core.region, REQUEST_PATH_TUNING), core.tableName);

export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  logger.addContext(context);
  const requestId = event.requestContext?.requestId ?? context.awsRequestId;
  try {
    const id = event.pathParameters?.id?.toLowerCase();
    if (id === undefined || !TRANSACTION_ID_PATTERN.test(id)) throw new ValidationError([{ field: 'id', issue: 'must be a transaction id (UUID)' }]);
    logger.appendKeys({ transactionId: id });
    const item = await repository.get(id);
    if (item === undefined) throw new NotFoundError(`Payment ${id}`);
    return jsonResponse(200, toView(item));
  } catch (error) {
    metrics.addMetric(METRIC.error, MetricUnit.Count, 1);
    if (error instanceof PaymentsError) return errorResponse(error, requestId);
    if (isRetryableAwsError(error)) {
      logger.warn('payment read failed retryably', describeError(error));
      return errorResponse(new ServiceUnavailableError('Payments are temporarily unavailable; retry shortly.', 1), requestId);
    }
    logger.error('get payment failed', describeError(error));
    return internalErrorResponse(requestId);
  } finally {
    logger.resetKeys();
    flushMetrics();
  }
}
