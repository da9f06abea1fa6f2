import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { paymentsTableInput } from '../infra/lambda/commons/tableSchema';
async function main() {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'engines.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ep = JSON.parse(await new Promise<string>((r) => createInterface({ input: child.stdout! }).once('line', r))) as { dynamodb: string; s3: string };
  const c = new DynamoDBClient({ region: 'us-east-1', endpoint: ep.dynamodb, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, cacheMiddleware: process.argv[2] === 'cache' });
  await c.send(new CreateTableCommand(paymentsTableInput('tbl')));
  if (process.argv[3] === 'xray') require('aws-xray-sdk-core');
  let i = 0;
  const put = () => c.send(new PutItemCommand({ TableName: 'tbl', Item: { pk: { S: `p${i++}` }, a: { S: 'x'.repeat(200) }, n: { N: '1' } } }));
  for (let w = 0; w < 50; w++) await put();
  const u0 = process.cpuUsage(); const t = Date.now();
  for (let w = 0; w < 300; w++) await put();
  const u = process.cpuUsage(u0);
  console.log(process.argv.slice(2).join(' '), 'cpu per put', ((u.user + u.system) / 1000 / 300).toFixed(2), 'ms; wall', ((Date.now() - t) / 300).toFixed(2), 'ms');
  child.stdin!.end(); process.exit(0);
}
void main();
