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
  /**
   * Emulate DynamoDB's `ReturnValuesOnConditionCheckFailure: ALL_OLD` (dynalite ignores it): when a
   * PutItem asking for it fails its condition, the stored item is added to the error as `Item`, as
   * DynamoDB documents (API_PutItem). Default true; the engine's own read is not counted in `requests`.
   */
  returnOldItemOnConditionFailure: boolean;
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
    returnOldItemOnConditionFailure: true,
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
    const wantsOldItem = proxy.returnOldItemOnConditionFailure && String(req.headers['x-amz-target']).endsWith('.PutItem') && body.includes('"ReturnValuesOnConditionCheckFailure":"ALL_OLD"');
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        if (!wantsOldItem || up.statusCode !== 400) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => void withOldItem(req, body, up.headers, Buffer.concat(chunks), res));
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    forward.end(body);
  }
  /** Adds the stored item to a ConditionalCheckFailedException answer (read from the engine, consistently). */
  async function withOldItem(req: IncomingMessage, requestBody: Buffer, headers: IncomingMessage['headers'], answer: Buffer, res: ServerResponse): Promise<void> {
    let out = answer;
    try {
      const error = JSON.parse(answer.toString('utf8')) as { __type?: string; Item?: unknown };
      if (String(error.__type).endsWith('ConditionalCheckFailedException')) {
        const put = JSON.parse(requestBody.toString('utf8')) as { TableName: string; Item: Record<string, unknown> };
        const getBody = JSON.stringify({ TableName: put.TableName, Key: { pk: put.Item.pk }, ConsistentRead: true });
        const got = await new Promise<string>((resolve, reject) => {
          const get = request(
            { host: upstream.hostname, port: upstream.port, method: 'POST', path: '/', headers: { ...req.headers, 'x-amz-target': 'DynamoDB_20120810.GetItem', 'content-length': String(Buffer.byteLength(getBody)) } },
            (up) => {
              const parts: Buffer[] = [];
              up.on('data', (c: Buffer) => parts.push(c));
              up.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
            },
          );
          get.on('error', reject);
          get.end(getBody);
        });
        const item = (JSON.parse(got) as { Item?: unknown }).Item;
        if (item !== undefined) out = Buffer.from(JSON.stringify({ ...error, Item: item }));
      }
    } catch {
      // answer as the engine did
    }
    const { 'content-length': _length, 'x-amz-crc32': _crc, ...rest } = headers;
    res.writeHead(400, { ...rest, 'content-length': String(out.length) });
    res.end(out);
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
