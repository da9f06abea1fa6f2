/**
 * API Gateway REST API emulation (Lambda proxy integration, payload format 1.0): an HTTP server on
 * loopback that turns each request under `/<stage>/` into an `APIGatewayProxyEvent` for the real
 * handler of the matching resource, and the handler's `APIGatewayProxyResult` back into HTTP.
 * Like API Gateway: header case is preserved, an undefined resource or method answers 403
 * `Missing Authentication Token`, a handler error or malformed result answers 502, bodies above
 * 10 MB answer 413, a missing or wrong API key (when keys are enforced) answers 403 `Forbidden`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { closeServer, listen, LOOPBACK, PayloadTooLargeError, readBody, sendJson } from './http';
import { invoke, LambdaTimeoutError, type FunctionSpec } from './lambdaRuntime';

export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Resource template, e.g. `/payments/{id}`. */
  resource: string;
  fn: FunctionSpec;
  handler: ApiHandler;
  /** The method requires an API key (`x-api-key`), as the stack's payment methods do. */
  apiKeyRequired?: boolean;
}

export interface ApiGatewayOptions {
  region: string;
  stage: string;
  routes: ApiRoute[];
  /** When set, methods with `apiKeyRequired` answer 403 `Forbidden` unless `x-api-key` carries it. Default: keys not enforced. */
  apiKey?: string;
  /** Invoked with one line per request (access log), for diagnostics. */
  log?: (line: string) => void;
}

const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

interface MatchedRoute {
  route: ApiRoute;
  pathParameters: Record<string, string> | null;
}

function matchResource(template: string, path: string): Record<string, string> | null | undefined {
  const t = template.split('/').filter(Boolean);
  const p = path.split('/').filter(Boolean);
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const m = /^\{(\w+)\}$/.exec(t[i]);
    if (m) {
      try {
        params[m[1]] = decodeURIComponent(p[i]);
      } catch {
        params[m[1]] = p[i];
      }
    } else if (t[i] !== p[i]) return undefined;
  }
  return Object.keys(params).length > 0 ? params : null;
}

/** Headers as API Gateway passes them: names as the client sent them; `headers` keeps the last value. */
function collectHeaders(req: IncomingMessage): { headers: Record<string, string>; multi: Record<string, string[]> } {
  const headers: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    const value = req.rawHeaders[i + 1];
    headers[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { headers, multi };
}

function requestTime(d: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

export class ApiGatewayEmulator {
  readonly apiId = randomBytes(5).toString('hex');
  private server?: Server;
  private port = 0;
  private down = false;

  constructor(private readonly options: ApiGatewayOptions) {}

  /** The invoke URL including the stage. */
  get url(): string {
    return `http://${LOOPBACK}:${this.port}/${this.options.stage}`;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.options.log?.(`api error: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) sendJson(res, 500, { message: 'Internal server error' });
        else res.end();
      });
    });
    this.port = await listen(this.server, this.port);
    return this.url;
  }

  /** Region outage: stop answering (connections refused) or come back on the same port. */
  async setDown(down: boolean): Promise<void> {
    if (down === this.down) return;
    this.down = down;
    if (down) {
      if (this.server) await closeServer(this.server);
    } else {
      await this.start();
    }
  }

  async stop(): Promise<void> {
    if (this.server) await closeServer(this.server);
  }

  private match(method: string, path: string): MatchedRoute | undefined {
    for (const route of this.options.routes) {
      if (route.method !== method) continue;
      const params = matchResource(route.resource, path);
      if (params !== undefined) return { route, pathParameters: params };
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const apigwId = randomBytes(6).toString('base64url').slice(0, 8);
    const baseHeaders = { 'x-amzn-requestid': requestId, 'x-amz-apigw-id': apigwId };
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}`);
    const stagePrefix = `/${this.options.stage}`;
    const method = req.method ?? 'GET';
    const fullPath = url.pathname;
    const path = fullPath.startsWith(`${stagePrefix}/`) ? fullPath.slice(stagePrefix.length) : undefined;
    const matched = path === undefined ? undefined : this.match(method, path);
    if (path === undefined || !matched) {
      // What API Gateway answers for a resource or method the API does not define.
      sendJson(res, 403, { message: 'Missing Authentication Token' }, { ...baseHeaders, 'x-amzn-errortype': 'MissingAuthenticationTokenException' });
      return;
    }
    if (matched.route.apiKeyRequired && this.options.apiKey !== undefined && req.headers['x-api-key'] !== this.options.apiKey) {
      sendJson(res, 403, { message: 'Forbidden' }, { ...baseHeaders, 'x-amzn-errortype': 'ForbiddenException' });
      return;
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_PAYLOAD_BYTES);
    } catch (err) {
      if (err instanceof PayloadTooLargeError) {
        sendJson(res, 413, { message: 'Request Too Long' }, baseHeaders);
        return;
      }
      throw err;
    }
    const { headers, multi } = collectHeaders(req);
    const host = `${this.apiId}.execute-api.${this.options.region}.amazonaws.com`;
    const sourceIp = req.socket.remoteAddress ?? LOOPBACK;
    headers.Host = host;
    multi.Host = [host];
    for (const h of Object.keys(headers)) {
      if (h.toLowerCase() === 'host' && h !== 'Host') {
        delete headers[h];
        delete multi[h];
      }
    }
    headers['X-Forwarded-For'] = sourceIp;
    multi['X-Forwarded-For'] = [sourceIp];
    headers['X-Forwarded-Proto'] = 'https';
    multi['X-Forwarded-Proto'] = ['https'];
    headers['X-Forwarded-Port'] = '443';
    multi['X-Forwarded-Port'] = ['443'];
    const traceId = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
    headers['X-Amzn-Trace-Id'] = traceId;
    multi['X-Amzn-Trace-Id'] = [traceId];

    const query: Record<string, string> = {};
    const multiQuery: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) {
      query[k] = v;
      (multiQuery[k] ??= []).push(v);
    }
    const now = new Date();
    const userAgent = headers['User-Agent'] ?? headers['user-agent'] ?? null;
    const event: APIGatewayProxyEvent = {
      resource: matched.route.resource,
      path: path,
      httpMethod: method,
      headers,
      multiValueHeaders: multi,
      queryStringParameters: Object.keys(query).length > 0 ? query : null,
      multiValueQueryStringParameters: Object.keys(multiQuery).length > 0 ? multiQuery : null,
      pathParameters: matched.pathParameters,
      stageVariables: null,
      body: raw.length > 0 ? raw.toString('utf8') : null,
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: this.apiId,
        authorizer: null,
        protocol: `HTTP/${req.httpVersion}`,
        httpMethod: method,
        path: fullPath,
        stage: this.options.stage,
        requestId,
        extendedRequestId: apigwId,
        requestTime: requestTime(now),
        requestTimeEpoch: now.getTime(),
        resourceId: randomBytes(3).toString('hex'),
        resourcePath: matched.route.resource,
        domainName: host,
        domainPrefix: this.apiId,
        identity: {
          accessKey: null,
          accountId: null,
          apiKey: null,
          apiKeyId: null,
          caller: null,
          clientCert: null,
          cognitoAuthenticationProvider: null,
          cognitoAuthenticationType: null,
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          principalOrgId: null,
          sourceIp,
          user: null,
          userAgent,
          userArn: null,
        },
      },
    };

    const started = Date.now();
    let result: APIGatewayProxyResult;
    try {
      result = await invoke(matched.route.fn, matched.route.handler, event);
    } catch (err) {
      const why = err instanceof LambdaTimeoutError ? err.message : `unhandled ${err instanceof Error ? err.name : 'error'}`;
      this.options.log?.(`${method} ${fullPath} -> 502 (${matched.route.fn.functionName}: ${why})`);
      sendJson(res, 502, { message: 'Internal server error' }, { ...baseHeaders, 'x-amzn-errortype': 'InternalServerErrorException' });
      return;
    }
    if (!result || typeof result.statusCode !== 'number' || (result.body !== undefined && typeof result.body !== 'string')) {
      this.options.log?.(`${method} ${fullPath} -> 502 (malformed Lambda proxy response)`);
      sendJson(res, 502, { message: 'Internal server error' }, baseHeaders);
      return;
    }
    const out: Record<string, string | string[]> = { ...baseHeaders };
    for (const [k, v] of Object.entries(result.headers ?? {})) out[k] = String(v);
    for (const [k, values] of Object.entries(result.multiValueHeaders ?? {})) out[k] = values.map((v) => String(v));
    const body = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : Buffer.from(result.body ?? '', 'utf8');
    out['content-length'] = String(body.length);
    if (!Object.keys(out).some((k) => k.toLowerCase() === 'content-type')) out['content-type'] = 'application/json';
    res.writeHead(result.statusCode, out);
    res.end(body);
    this.options.log?.(`${method} ${fullPath} -> ${result.statusCode} ${Date.now() - started}ms`);
  }
}
