/** Typed Lambda fixtures: a Context, API Gateway REST proxy (payload 1.0) events and SQS events. */
import type { APIGatewayProxyEvent, Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';

export function lambdaContext(functionName = 'payments-test', timeoutMs = 10_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function apiEvent(args: {
  method: 'GET' | 'POST';
  path: string;
  resource?: string;
  body?: string | null;
  headers?: Record<string, string>;
  pathParameters?: Record<string, string>;
  isBase64Encoded?: boolean;
  /** The authorizer's merchant (`requestContext.authorizer.merchantId`); omitted: no authorizer context. */
  merchantId?: string;
}): APIGatewayProxyEvent {
  const headers = args.headers ?? {};
  return {
    resource: args.resource ?? args.path,
    path: args.path,
    httpMethod: args.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: args.pathParameters ?? null,
    stageVariables: null,
    body: args.body ?? null,
    isBase64Encoded: args.isBase64Encoded ?? false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: args.merchantId === undefined ? undefined : { merchantId: args.merchantId, principalId: args.merchantId },
      protocol: 'HTTP/1.1',
      httpMethod: args.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '127.0.0.1',
        user: null,
        userAgent: 'test',
        userArn: null,
      },
      path: `/test${args.path}`,
      stage: 'test',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: args.resource ?? args.path,
    },
  };
}

/** The merchant the test authorizer context names when a test does not say. */
export const TEST_MERCHANT = 'merchant-1';

/**
 * A POST /payments event as API Gateway passes it after the authorizer: the authenticated merchant
 * is `opts.merchantId`, else the body's `merchantId` (the body must name the credential's merchant
 * anyway), else TEST_MERCHANT.
 */
export function postPayment(body: unknown, idempotencyKey?: string, extraHeaders: Record<string, string> = {}, opts: { merchantId?: string } = {}): APIGatewayProxyEvent {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...extraHeaders };
  if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
  const bodyMerchant = typeof body === 'object' && body !== null ? (body as { merchantId?: unknown }).merchantId : undefined;
  const merchantId = opts.merchantId ?? (typeof bodyMerchant === 'string' && bodyMerchant !== '' ? bodyMerchant : TEST_MERCHANT);
  return apiEvent({ method: 'POST', path: '/payments', body: typeof body === 'string' ? body : JSON.stringify(body), headers, merchantId });
}

/** A GET /payments/{id} event for the authenticated `merchantId`. */
export function getPaymentEvent(id: string, merchantId: string = TEST_MERCHANT): APIGatewayProxyEvent {
  return apiEvent({ method: 'GET', path: `/payments/${id}`, resource: '/payments/{id}', pathParameters: { id }, merchantId });
}

export function sqsEvent(bodies: string[]): SQSEvent {
  const records: SQSRecord[] = bodies.map((body, i) => ({
    messageId: `msg-${i}-${randomUUID()}`,
    receiptHandle: `rh-${i}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:payments-retry',
    awsRegion: 'us-east-1',
  }));
  return { Records: records };
}
