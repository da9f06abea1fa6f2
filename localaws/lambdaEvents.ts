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

/** API Gateway's `requestTime` format (`dd/Mon/yyyy:HH:mm:ss +0000`). */
export function requestTime(d: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

export interface ApiEventArgs {
  method: string;
  /** The path after the stage (`/payments/abc`). */
  path: string;
  /** The matched resource template (`/payments/{id}`); default `path`. */
  resource?: string;
  body?: string | null;
  /** Header names as the client sent them; `multiValueHeaders` default: each header's one value. */
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  queryStringParameters?: Record<string, string> | null;
  multiValueQueryStringParameters?: Record<string, string[]> | null;
  pathParameters?: Record<string, string> | null;
  isBase64Encoded?: boolean;
  /** The authorizer's output (`context` plus `principalId`); default from `merchantId`, else none. */
  authorizer?: Record<string, unknown> | null;
  /** Shorthand for an authorizer context naming this merchant (`merchantId`, `principalId`). */
  merchantId?: string;
  /** Default `test`. */
  stage?: string;
  /** Default `local`. */
  apiId?: string;
  region?: string;
  requestId?: string;
  extendedRequestId?: string;
  resourceId?: string;
  /** Default `HTTP/1.1`. */
  protocol?: string;
  /** Default 127.0.0.1. */
  sourceIp?: string;
  /** Default `test`. */
  userAgent?: string | null;
  /** Default now. */
  now?: Date;
}

/**
 * An API Gateway REST API Lambda proxy event (payload format 1.0), as API Gateway passes it to the
 * integration (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format).
 * The one builder of these events: the API Gateway emulator builds each request's event with it,
 * and handler tests build theirs.
 */
export function apiEvent(args: ApiEventArgs): APIGatewayProxyEvent {
  const headers = args.headers ?? {};
  const stage = args.stage ?? 'test';
  const apiId = args.apiId ?? 'local';
  const now = args.now ?? new Date();
  const authorizer = args.authorizer !== undefined ? args.authorizer : args.merchantId === undefined ? undefined : { merchantId: args.merchantId, principalId: args.merchantId };
  const domainName = `${apiId}.execute-api.${args.region ?? 'us-east-1'}.amazonaws.com`;
  return {
    resource: args.resource ?? args.path,
    path: args.path,
    httpMethod: args.method,
    headers,
    multiValueHeaders: args.multiValueHeaders ?? Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: args.queryStringParameters ?? null,
    multiValueQueryStringParameters: args.multiValueQueryStringParameters ?? null,
    pathParameters: args.pathParameters ?? null,
    stageVariables: null,
    body: args.body ?? null,
    isBase64Encoded: args.isBase64Encoded ?? false,
    requestContext: {
      accountId: '000000000000',
      apiId,
      authorizer,
      protocol: args.protocol ?? 'HTTP/1.1',
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
        sourceIp: args.sourceIp ?? '127.0.0.1',
        user: null,
        userAgent: args.userAgent === undefined ? 'test' : args.userAgent,
        userArn: null,
      },
      path: `/${stage}${args.path}`,
      stage,
      requestId: args.requestId ?? randomUUID(),
      extendedRequestId: args.extendedRequestId,
      requestTime: requestTime(now),
      requestTimeEpoch: now.getTime(),
      resourceId: args.resourceId ?? 'local',
      resourcePath: args.resource ?? args.path,
      domainName,
      domainPrefix: apiId,
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
