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

export function optionalString(input: JsonInput, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validationError(`${field} must be a string`);
  return value;
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
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw validationError(`${field} must be a boolean`);
  return value;
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
 * Creates an HTTP server answering `<targetPrefix>.<Operation>` requests with the given operations.
 * Unknown operations get `UnknownOperationException`, as AWS answers.
 */
export function createAwsJsonServer(targetPrefix: string, contentType: string, operations: Record<string, JsonOperation>): Server {
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
        const result = await operations[operation](parsed.value);
        reply(200, result ?? {});
      })
      .catch((err: unknown) => {
        if (err instanceof AwsJsonError) fail(err);
        else fail(new AwsJsonError('InternalFailure', err instanceof Error ? err.message : String(err), 500));
      });
  });
}
