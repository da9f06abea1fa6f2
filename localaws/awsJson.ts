/**
 * A minimal server for the AWS JSON protocol (`X-Amz-Target: <Service>.<Operation>`, JSON body),
 * which AWS SDK v3 uses for SQS (JSON 1.0) and SSM (JSON 1.1). Signatures are not verified:
 * the sandbox is loopback-only and its credentials are dummies.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readBody, parseJsonObject } from './http';

export type JsonInput = Record<string, unknown>;
export type JsonOperation = (input: JsonInput) => unknown;

/** An error returned in the protocol's shape: `{ "__type": type, "message": message }`. */
export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    /** SQS also sends its legacy query-protocol code in `x-amzn-query-error`. */
    readonly queryError?: string,
  ) {
    super(message);
    this.name = 'AwsJsonError';
  }
}

export function validationError(message: string): AwsJsonError {
  return new AwsJsonError('ValidationException', message);
}

export function requireString(input: JsonInput, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value === '') throw validationError(`${field} is required and must be a non-empty string`);
  return value;
}

/** A field that may be absent (undefined or null) and is otherwise of the JSON type named. */
function optionalOfType<T extends string | boolean>(input: JsonInput, field: string, type: 'string' | 'boolean'): T | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== type) throw validationError(`${field} must be a ${type}`);
  return value as T;
}

export function optionalString(input: JsonInput, field: string): string | undefined {
  return optionalOfType<string>(input, field, 'string');
}

export function optionalInteger(input: JsonInput, field: string, min: number, max: number): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw validationError(`${field} must be an integer between ${min} and ${max}`);
  }
  return value;
}

export function optionalBoolean(input: JsonInput, field: string): boolean | undefined {
  return optionalOfType<boolean>(input, field, 'boolean');
}

export function objectArray(input: JsonInput, field: string): JsonInput[] {
  const value = input[field];
  if (!Array.isArray(value)) throw validationError(`${field} is required and must be a list`);
  return value.map((entry, i) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw validationError(`${field}[${i}] must be an object`);
    return entry as JsonInput;
  });
}

export function stringArray(input: JsonInput, field: string): string[] {
  const value = input[field];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw validationError(`${field} is required and must be a list of strings`);
  return value as string[];
}

/**
 * Per-operation faults of an emulator (an error answer, or a late one) and a count of the calls
 * each operation received: what tests inject into, and observe of, an AWS JSON service.
 */
export class OperationFaults {
  private readonly failures = new Map<string, AwsJsonError>();
  private readonly delays = new Map<string, number>();
  private readonly counts = new Map<string, number>();

  /**
   * Answers every later call of `operation` with the error `type` (the protocol's `__type`) and HTTP
   * `status` (undefined: stop failing).
   */
  fail(operation: string, error: { type: string; status: number; message?: string } | undefined): void {
    if (error === undefined) this.failures.delete(operation);
    else this.failures.set(operation, new AwsJsonError(error.type, error.message ?? 'injected fault', error.status));
  }

  /** Answers every later call of `operation` `ms` milliseconds late (0: on time). */
  delay(operation: string, ms: number): void {
    this.delays.set(operation, ms);
  }

  /** Calls `operation` received so far (answered, failed or late). */
  calls(operation: string): number {
    return this.counts.get(operation) ?? 0;
  }

  /** Clears injected failures and delays (the call counts keep running). */
  reset(): void {
    this.failures.clear();
    this.delays.clear();
  }

  /** Counts a call, then applies its delay and failure. */
  async before(operation: string): Promise<void> {
    this.counts.set(operation, this.calls(operation) + 1);
    const delayMs = this.delays.get(operation) ?? 0;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const failure = this.failures.get(operation);
    if (failure) throw failure;
  }
}

/**
 * Creates an HTTP server answering `<targetPrefix>.<Operation>` requests with the given operations.
 * Unknown operations get `UnknownOperationException`, as AWS answers. `faults`, when given, is
 * consulted before each known operation.
 */
export function createAwsJsonServer(targetPrefix: string, contentType: string, operations: Record<string, JsonOperation>, faults?: OperationFaults): Server {
  return createServer((req, res) => {
    const requestId = randomUUID();
    const reply = (status: number, body: unknown, extra: Record<string, string> = {}): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': contentType,
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': requestId,
        ...extra,
      });
      res.end(text);
    };
    const fail = (err: AwsJsonError): void => {
      reply(err.status, { __type: err.type, message: err.message }, err.queryError ? { 'x-amzn-query-error': err.queryError } : {});
    };
    readBody(req, 1024 * 1024)
      .then(async (raw) => {
        const target = req.headers['x-amz-target'];
        const [prefix, operation] = typeof target === 'string' ? target.split('.') : [];
        if (req.method !== 'POST' || prefix !== targetPrefix || !operation || !Object.hasOwn(operations, operation)) {
          fail(new AwsJsonError('UnknownOperationException', `unknown operation ${String(target)}`));
          return;
        }
        const parsed = parseJsonObject(raw);
        if (!parsed.ok) {
          fail(new AwsJsonError('SerializationException', parsed.message));
          return;
        }
        await faults?.before(operation);
        const result = await operations[operation](parsed.value);
        reply(200, result ?? {});
      })
      .catch((err: unknown) => {
        if (err instanceof AwsJsonError) fail(err);
        else fail(new AwsJsonError('InternalFailure', err instanceof Error ? err.message : String(err), 500));
      });
  });
}
