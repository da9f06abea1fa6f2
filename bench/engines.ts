/**
 * One of the bench's engines, in its own process so it does not share an event loop (or a core)
 * with the code being measured: `dynamodb` runs dynalite (a real DynamoDB engine); `s3` and `sqs`
 * run stand-ins that hold nothing: an S3 GET answers 404 NoSuchKey (as S3 does for a missing key to
 * a caller with s3:ListBucket), anything else 200 (the bench counts what the success path calls). Prints one JSON line `{ "url": ... }`; answers each `cpu` line on stdin
 * with `{ "cpuMs": n }` (its own CPU time so far) and each `counts` line with `{ "counts": {...} }`
 * (requests received so far, by `X-Amz-Target` operation or HTTP method); exits when stdin closes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { createTableMs?: number }) => Server;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

async function main(): Promise<void> {
  const kind = process.argv[2];
  const server =
    kind === 'dynamodb'
      ? dynalite({ createTableMs: 0 })
      : createServer((req, res) => {
          req.resume();
          req.on('end', () => {
            if (kind === 's3' && req.method === 'GET') {
              res.writeHead(404, { 'Content-Type': 'application/xml', 'x-amz-request-id': 'bench' });
              res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
              return;
            }
            res.writeHead(200, { ETag: '"bench"', 'x-amz-request-id': 'bench' });
            res.end();
          });
        });
  if (kind !== 'dynamodb' && kind !== 's3' && kind !== 'sqs') throw new Error('usage: engines.ts dynamodb|s3|sqs');
  const counts: Record<string, number> = {};
  server.on('request', (req: import('node:http').IncomingMessage) => {
    const target = req.headers['x-amz-target'];
    const op = typeof target === 'string' ? target.split('.').pop() ?? target : req.method ?? 'unknown';
    counts[op] = (counts[op] ?? 0) + 1;
  });
  process.stdout.write(`${JSON.stringify({ url: await listen(server) })}\n`);
  const stop = () => {
    server.close();
    process.exit(0);
  };
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    if (line.trim() === 'counts') {
      process.stdout.write(`${JSON.stringify({ counts })}\n`);
      return;
    }
    if (line.trim() !== 'cpu') return;
    const { user, system } = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ cpuMs: (user + system) / 1_000 })}\n`);
  });
  input.on('close', stop);
  process.on('SIGTERM', stop);
}

void main();
