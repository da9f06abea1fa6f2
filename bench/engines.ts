/**
 * The bench's storage engines, in their own process so they get their own core and do not share an
 * event loop with the code being measured: dynalite (a real DynamoDB engine) and an S3 stand-in
 * that accepts PutObject (the transaction log's engine is not what the bench measures).
 * Prints one JSON line `{ "dynamodb": url, "s3": url }`, and exits when stdin closes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { createTableMs?: number }) => Server;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

async function main(): Promise<void> {
  const dynamodb = dynalite({ createTableMs: 0 });
  const s3 = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { ETag: '"bench"', 'x-amz-request-id': 'bench' });
      res.end();
    });
  });
  const urls = { dynamodb: await listen(dynamodb), s3: await listen(s3) };
  process.stdout.write(`${JSON.stringify(urls)}\n`);
  const stop = () => {
    dynamodb.close();
    s3.closeAllConnections();
    s3.close();
    process.exit(0);
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
}

void main();
