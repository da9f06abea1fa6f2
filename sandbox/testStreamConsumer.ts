/**
 * A stream consumer for the sandbox's own tests (`startSandbox({ streamConsumer })`): appends every
 * record it receives, as one JSON line, to `<SANDBOX_STREAM_LOG_DIR>/<AWS_REGION>.jsonl`, and reports
 * no failures. It lets the tests read exactly what each region's stream delivered.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';

export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const dir = process.env.SANDBOX_STREAM_LOG_DIR;
  if (!dir) throw new Error('SANDBOX_STREAM_LOG_DIR is not set');
  const lines = event.Records.map((r) => `${JSON.stringify(r)}\n`).join('');
  appendFileSync(join(dir, `${process.env.AWS_REGION ?? 'unknown'}.jsonl`), lines);
  return { batchItemFailures: [] };
}
