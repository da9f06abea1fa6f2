/**
 * What the Lambda service provides around our handlers: a typed invocation `Context` and the
 * function timeout. (Emulated: one module instance per region serves concurrent invocations,
 * where Lambda would use one execution environment per concurrent request.)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export interface FunctionSpec {
  functionName: string;
  region: string;
  memoryMB: number;
  timeoutMs: number;
}

export class LambdaTimeoutError extends Error {
  constructor(readonly functionName: string, readonly timeoutMs: number) {
    super(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
    this.name = 'LambdaTimeoutError';
  }
}

export function createContext(fn: FunctionSpec, awsRequestId: string = randomUUID()): Context {
  const deadline = Date.now() + fn.timeoutMs;
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${fn.region}:000000000000:function:${fn.functionName}`,
    memoryLimitInMB: String(fn.memoryMB),
    awsRequestId,
    logGroupName: `/aws/lambda/${fn.functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Invokes a handler the way Lambda does: with a fresh context, failing with a timeout error at the function's timeout. */
export async function invoke<E, R>(fn: FunctionSpec, handler: (event: E, context: Context) => Promise<R>, event: E): Promise<R> {
  const context = createContext(fn);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LambdaTimeoutError(fn.functionName, fn.timeoutMs)), fn.timeoutMs);
  });
  try {
    return await Promise.race([handler(event, context), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
