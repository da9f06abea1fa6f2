/**
 * The one instrumentation wrapper every handler goes through: the checklist of Powertools for AWS
 * Lambda's `injectLambdaContext`, `logMetrics({ captureColdStartMetric: true })` and
 * `captureLambdaHandler` middlewares, without middy (not a dependency here):
 * - the Lambda context injected into the logger (function name, request id, cold start);
 * - the `ColdStart` metric (first invocation of an execution environment only);
 * - a handler subsegment `## <handler name>` with the `ColdStart` and `Service` annotations, closed
 *   and the Lambda facade segment restored after every invocation, whatever it returns or throws
 *   (same order as the tracer's middleware: @aws-lambda-powertools/tracer lib/esm/middleware/middy.js);
 * - `scope.annotate({ transactionId, merchantId })`: log keys and X-Ray annotations, so a trace is
 *   found by transaction id and merchant (annotations are indexed, metadata is not:
 *   https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-annotations);
 * - errors as trace metadata: an error the handler throws, and any it catches and reports through
 *   `scope.recordError` (a handler that answers 500 instead of throwing);
 * - after the invocation: log keys reset, stored metrics published.
 * The response is never added as metadata (payment bodies carry personal data); only identifiers
 * are annotated. Outside Lambda the tracer disables itself, so the wrapper adds no segment there.
 */
import type { Context } from 'aws-lambda';
import { logger as defaultLogger, metrics as defaultMetrics, tracer as defaultTracer } from './powertools';

/** The keys a trace and a log line are searched by. */
export interface TraceKeys {
  transactionId?: string;
  merchantId?: string;
}

/** What a handler body gets besides its event and context. */
export interface InvocationScope {
  /** Adds the keys to every later log line of this invocation and as trace annotations. */
  annotate(keys: TraceKeys): void;
  /** Records an error the handler caught (and answered) as metadata of the handler subsegment. */
  recordError(error: unknown): void;
}

interface Closable {
  close(): void;
}
interface SegmentLike {
  addNewSubsegment(name: string): Closable & object;
}

/** The Powertools utilities the wrapper drives (the singletons of ./powertools by default). */
export interface Instrumentation {
  logger: { addContext(context: Context): void; appendKeys(keys: Record<string, unknown>): void; resetKeys(): void };
  metrics: { captureColdStartMetric(functionName?: string): void; hasStoredMetrics(): boolean; publishStoredMetrics(): void };
  tracer: {
    isTracingEnabled(): boolean;
    getSegment(): unknown;
    setSegment(segment: never): void;
    annotateColdStart(): void;
    addServiceNameAnnotation(): void;
    putAnnotation(key: string, value: string): void;
    addErrorAsMetadata(error: Error, remote?: boolean): void;
  };
}

const POWERTOOLS: Instrumentation = { logger: defaultLogger, metrics: defaultMetrics, tracer: defaultTracer as unknown as Instrumentation['tracer'] };

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Wraps a handler body: `instrumented('createPayment', async (event, context, scope) => ...)`
 * returns the `(event, context)` function Lambda calls. `handlerName` names the subsegment.
 * `context` may be absent only where a test calls a handler without one (Lambda always passes it).
 * Rethrows what the body throws, after recording it.
 */
export function instrumented<E, R>(
  handlerName: string,
  body: (event: E, context: Context | undefined, scope: InvocationScope) => Promise<R>,
  tools: Instrumentation = POWERTOOLS,
): (event: E, context?: Context) => Promise<R> {
  const { logger, metrics, tracer } = tools;
  return async (event, context) => {
    if (context !== undefined) logger.addContext(context);
    metrics.captureColdStartMetric(context?.functionName);
    let facade: SegmentLike | undefined;
    let subsegment: Closable | undefined;
    if (tracer.isTracingEnabled()) {
      facade = tracer.getSegment() as SegmentLike | undefined;
      subsegment = facade?.addNewSubsegment(`## ${handlerName}`);
      if (subsegment !== undefined) tracer.setSegment(subsegment as never);
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
    }
    const scope: InvocationScope = {
      annotate(keys) {
        const defined = Object.fromEntries(Object.entries(keys).filter(([, v]) => typeof v === 'string' && v !== '')) as Record<string, string>;
        logger.appendKeys(defined);
        if (tracer.isTracingEnabled()) for (const [key, value] of Object.entries(defined)) tracer.putAnnotation(key, value);
      },
      recordError(error) {
        if (tracer.isTracingEnabled()) tracer.addErrorAsMetadata(asError(error));
      },
    };
    try {
      return await body(event, context, scope);
    } catch (error) {
      scope.recordError(error);
      throw error;
    } finally {
      if (subsegment !== undefined) {
        try {
          subsegment.close();
        } catch {
          // A segment that cannot be serialised loses its trace data, never the invocation.
        }
        tracer.setSegment(facade as never);
      }
      logger.resetKeys();
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
