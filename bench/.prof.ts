import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { paymentsTableInput } from '../infra/lambda/commons/tableSchema';
import { apiEvent, lambdaContext } from '../infra/lambda/testkit/lambda';
async function main() {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'engines.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ep = JSON.parse(await new Promise<string>((r) => createInterface({ input: child.stdout! }).once('line', r))) as { dynamodb: string; s3: string };
  Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', TABLE_NAME: 'tbl', RETRY_QUEUE_URL: 'http://127.0.0.1:9/q', TRANSACTION_LOG_BUCKET: 'b', POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_METRICS_DISABLED: 'true', AWS_ENDPOINT_URL_DYNAMODB: ep.dynamodb, AWS_ENDPOINT_URL_S3: ep.s3, S3_FORCE_PATH_STYLE: 'true' });
  await new DynamoDBClient({ region: 'us-east-1', endpoint: ep.dynamodb }).send(new CreateTableCommand(paymentsTableInput('tbl')));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { handler } = require('/tmp/pay-scratch/cp-nomin.js') as { handler: (e: unknown, c: unknown) => Promise<{ statusCode: number }> };
  const ctx = lambdaContext('x', 60000);
  let i = 0;
  for (let w = 0; w < 50; w++) await handler(apiEvent({ method: 'POST', path: '/payments', headers: { 'Idempotency-Key': `w${i++}` }, body: '{"amount":1,"currency":"USD","merchantId":"m"}' }), ctx);
  const c = process.cpuUsage(); const t = Date.now();
  for (let w = 0; w < 300; w++) await handler(apiEvent({ method: 'POST', path: '/payments', headers: { 'Idempotency-Key': `k${i++}` }, body: '{"amount":1,"currency":"USD","merchantId":"m"}' }), ctx);
  const u = process.cpuUsage(c);
  console.log('cpu per payment', ((u.user + u.system) / 1000 / 300).toFixed(2), 'ms; wall per payment', ((Date.now() - t) / 300).toFixed(2), 'ms');
  child.stdin!.end(); process.exit(0);
}
void main();
