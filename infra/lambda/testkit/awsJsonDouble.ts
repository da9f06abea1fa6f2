/**
 * SQS and SSM have no local engine, so tests talk to this SDK-level double: a small HTTP server on
 * 127.0.0.1 that speaks the AWS JSON protocol the real clients use (`X-Amz-Target:
 * AmazonSQS.SendMessage`, `AmazonSSM.GetParameter`). The real SDK clients, their serialisation,
 * retries and error parsing all run; only the service behind them is a double.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SentMessage {
  readonly queueUrl: string;
  readonly body: string;
  readonly attributes: Record<string, string>;
}

export interface AwsJsonDouble {
  readonly endpoint: string;
  /** Messages SendMessage accepted, in order. */
  readonly messages: SentMessage[];
  /** SSM parameters by name. */
  readonly parameters: Map<string, string>;
  /** Number of GetParameter calls answered (to observe caching). */
  readonly getParameterCalls: () => number;
  /** When set, SendMessage answers with this error (e.g. a 500 InternalError). */
  failSendMessage: { status: number; type: string } | undefined;
  /** When set, GetParameter answers this many ms late. */
  ssmDelayMs: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown, contentType = 'application/x-amz-json-1.0'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'x-amzn-RequestId': randomUUID() });
  res.end(JSON.stringify(body));
}

export async function startAwsJsonDouble(): Promise<AwsJsonDouble> {
  const messages: SentMessage[] = [];
  const parameters = new Map<string, string>();
  let getParameterCalls = 0;
  const state: Pick<AwsJsonDouble, 'failSendMessage' | 'ssmDelayMs'> = { failSendMessage: undefined, ssmDelayMs: 0 };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const input = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
      if (target === 'AmazonSQS.SendMessage') {
        if (state.failSendMessage !== undefined) {
          reply(res, state.failSendMessage.status, { __type: `com.amazonaws.sqs#${state.failSendMessage.type}`, message: 'injected failure' });
          return;
        }
        const body = String(input.MessageBody ?? '');
        const attributes: Record<string, string> = {};
        for (const [k, v] of Object.entries((input.MessageAttributes ?? {}) as Record<string, { StringValue?: string }>)) attributes[k] = v.StringValue ?? '';
        messages.push({ queueUrl: String(input.QueueUrl), body, attributes });
        // The SDK verifies this MD5 of the body, as it does against real SQS.
        reply(res, 200, { MessageId: randomUUID(), MD5OfMessageBody: createHash('md5').update(body).digest('hex') });
        return;
      }
      if (target === 'AmazonSSM.GetParameter') {
        getParameterCalls++;
        if (state.ssmDelayMs > 0) await new Promise((r) => setTimeout(r, state.ssmDelayMs));
        const name = String(input.Name);
        const value = parameters.get(name);
        if (value === undefined) {
          reply(res, 400, { __type: 'ParameterNotFound', message: `parameter ${name} not found` }, 'application/x-amz-json-1.1');
          return;
        }
        reply(res, 200, { Parameter: { Name: name, Type: 'String', Value: value, Version: 1, ARN: `arn:aws:ssm:us-east-1:000000000000:parameter${name}` } }, 'application/x-amz-json-1.1');
        return;
      }
      reply(res, 400, { __type: 'UnknownOperationException', message: `double does not implement ${target}` });
    })().catch((error: unknown) => {
      if (!res.headersSent) reply(res, 500, { __type: 'InternalError', message: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const double: AwsJsonDouble = {
    endpoint: `http://127.0.0.1:${port}`,
    messages,
    parameters,
    getParameterCalls: () => getParameterCalls,
    get failSendMessage() {
      return state.failSendMessage;
    },
    set failSendMessage(value) {
      state.failSendMessage = value;
    },
    get ssmDelayMs() {
      return state.ssmDelayMs;
    },
    set ssmDelayMs(value) {
      state.ssmDelayMs = value;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return double;
}
