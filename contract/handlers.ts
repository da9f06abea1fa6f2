/**
 * The functions the service is made of, and how each is sized. The Pulumi program deploys exactly
 * these (one `infra/lambda/handlers/<name>.ts` each, bundled by `infra/lambda/build.ts`), the
 * sandbox runs them with these timeouts, and the verification suite looks for these names.
 *
 * Sizing, per function (AWS Lambda units: memory in MB, timeout in whole seconds):
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
 */

/** The handlers, in deployment order. Each is `infra/lambda/handlers/<name>.ts` exporting `handler`. */
export const HANDLERS = ['createPayment', 'getPayment', 'health', 'retryProcessor', 'transactionLogWriter', 'authorizer'] as const;
export type HandlerName = (typeof HANDLERS)[number];

/** True when `name` is one of `HANDLERS`. */
export function isHandlerName(name: string): name is HandlerName {
  return (HANDLERS as readonly string[]).includes(name);
}

export interface HandlerSizing {
  /** MB; more memory also buys proportionally more CPU, which shortens cold starts. */
  readonly memorySize: number;
  /** Seconds (Lambda's unit). */
  readonly timeout: number;
  /** Concurrency reserved for the function (isolation from a retry storm). Undefined: none. */
  readonly reservedConcurrency?: number;
}

/**
 * Route 53 HTTPS health checks: the endpoint must return the status within 2 s after the TCP
 * connection is made (and connect within 4 s); a slower answer is a failure.
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html
 */
export const HEALTH_RESPONSE_DEADLINE_SECONDS = 2;

export const HANDLER_SIZING: Readonly<Record<HandlerName, HandlerSizing>> = {
  // 512 MB: SDK cold start well under a second. createPayment's worst case with every dependency
  // hanging is about 16 s (infra/lambda/commons/clients.ts); 20 s caps it below API Gateway's 29 s
  // integration limit. getPayment: 10 s.
  createPayment: { memorySize: 512, timeout: 20 },
  getPayment: { memorySize: 512, timeout: 10 },
  // Route 53's checkers need the status within HEALTH_RESPONSE_DEADLINE_SECONDS after connecting:
  // a 2 s timeout, 1024 MB (CPU scales with memory: a shorter cold start). Reserved concurrency: a
  // retry storm or a payment spike cannot starve it into a false failover (the checkers need a few
  // concurrent executions; 10 leaves room for the peer probe and operators).
  health: { memorySize: 1024, timeout: HEALTH_RESPONSE_DEADLINE_SECONDS, reservedConcurrency: 10 },
  // 30 s per batch of 10 queued payments; the retry queue's visibility timeout is derived from it
  // (see queues.ts).
  retryProcessor: { memorySize: 512, timeout: 30 },
  // Batches of up to 10,000 stream records (6 MB at most) into one gzip'd object; 60 s leaves room
  // for S3's own retries of one PutObject.
  transactionLogWriter: { memorySize: 512, timeout: 60 },
  // API Gateway waits at most 10 s for an authorizer; 5 s is ample for one GetItem.
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
  authorizer: { memorySize: 256, timeout: 5 },
};

/** `createPayment` -> `create-payment`: the handler's segment in resource names. */
export function handlerKey(name: HandlerName): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
