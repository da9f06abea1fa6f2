/**
 * The service contract: what the Pulumi program deploys, the Lambda handlers read, the sandbox
 * emulates and the verification suite checks, declared once. Pure TypeScript with no runtime
 * dependency (no `@pulumi/*`, no AWS SDK at run time), so esbuild can bundle it into every function.
 *
 * - handlers.ts: the handler list and each function's sizing.
 * - environment.ts: the functions' environment variables and their builder; prefixes, idempotency TTL, request-rule defaults, the manual failover flag's name.
 * - queues.ts: the retry queue and the event source mappings (visibility timeout from the consumer's timeout).
 * - paymentsTable.ts: the payments table's key, TTL attribute, stream and billing mode.
 * - observability.ts: service name, metrics namespace and dimension, log level, metric names.
 * - sandboxReadyLine.ts: the sandbox's ready line (and the consistency modes).
 * - evidence.ts: the verification report's attachment media types.
 */
export * from './environment';
export * from './evidence';
export * from './handlers';
export * from './observability';
export * from './paymentsTable';
export * from './queues';
export * from './sandboxReadyLine';
