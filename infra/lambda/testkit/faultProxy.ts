/**
 * A pass-through HTTP proxy in front of a local engine that can inject faults the engine cannot
 * produce by itself: DynamoDB throttling (400 ThrottlingException), 5xx answers, or a hang.
 * The real SDK sees exactly what AWS would send.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'none' }
  | { kind: 'throttle' }
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'hang' }
  /** Forwards the request (so the engine applies it) but answers 500 instead, `times` times. */
  | { kind: 'lose-response'; times: number };

export interface FaultProxy {
  readonly endpoint: string;
  fault: Fault;
  /** Only matching requests are faulted (default: all); gets the request and its full body. */
  match: (req: IncomingMessage, body: string) => boolean;
  /** Requests seen (after matching or not). */
  readonly requests: () => number;
  close(): Promise<void>;
}

const THROTTLE_BODY = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
  message: 'Rate of requests exceeds the allowed throughput.',
});

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  let seen = 0;
  const hanging = new Set<ServerResponse>();
  const proxy: FaultProxy = {
    endpoint: '',
    fault: { kind: 'none' },
    match: () => true,
    requests: () => seen,
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    seen++;
    const fault = proxy.match(req, body.toString('utf8')) ? proxy.fault : ({ kind: 'none' } as const);
    if (fault.kind === 'throttle') {
      res.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': 'fault-proxy' });
      res.end(THROTTLE_BODY);
      return;
    }
    if (fault.kind === 'status') {
      res.writeHead(fault.status, { 'Content-Type': 'application/xml' });
      res.end(fault.body ?? '<Error><Code>InternalError</Code><Message>injected</Message></Error>');
      return;
    }
    if (fault.kind === 'lose-response') {
      if (--fault.times <= 0) proxy.fault = { kind: 'none' };
      const applied = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        up.resume();
        up.on('end', () => {
          res.writeHead(500, { 'Content-Type': 'application/x-amz-json-1.0' });
          res.end('{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"response lost after the write"}');
        });
      });
      applied.on('error', () => res.destroy());
      applied.end(body);
      return;
    }
    if (fault.kind === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    forward.end(body);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  Object.assign(proxy, {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return proxy;
}
