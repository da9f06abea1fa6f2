/**
 * API Gateway REST API emulation (Lambda proxy integration, payload format 1.0): an HTTP server on
 * loopback that turns each request under `/<stage>/` into an `APIGatewayProxyEvent` for the real
 * handler of the matching resource, and the handler's `APIGatewayProxyResult` back into HTTP.
 * Like API Gateway: header case is preserved, an undefined resource or method answers 403
 * `Missing Authentication Token`, a handler error or malformed result answers 502, bodies above
 * 10 MB answer 413. The event is built by `lambdaEvents.ts` `apiEvent`, the builder handler tests use.
 *
 * Lambda REQUEST authorizers (routes with `authorizer`), as API Gateway runs them for REST APIs
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html):
 * a request without the identity source header answers 401 `{"message":"Unauthorized"}` without
 * invoking the authorizer; the authorizer throwing `Error("Unauthorized")` answers 401; any other
 * authorizer error answers 500; a Deny policy, or an Allow that does not cover the method ARN,
 * answers 403; otherwise the integration runs with `requestContext.authorizer` = the returned
 * `context` plus `principalId`. (Authorizer result caching is not emulated: every request is
 * authorized afresh, which is the TTL-0 behaviour.)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayProxyResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { closeServer, listen, LOOPBACK, PayloadTooLargeError, readBody, sendJson } from './http';
import { apiEvent } from './lambdaEvents';
import { invoke, LambdaTimeoutError, type FunctionSpec } from './lambdaRuntime';

export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
export type RequestAuthorizerHandler = (event: APIGatewayRequestAuthorizerEvent, context: Context) => Promise<APIGatewayAuthorizerResult>;

export interface RouteAuthorizer {
  fn: FunctionSpec;
  handler: RequestAuthorizerHandler;
  /** The identity source header (`method.request.header.<name>`), e.g. `Authorization`. */
  identityHeader: string;
}

export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Resource template, e.g. `/payments/{id}`. */
  resource: string;
  fn: FunctionSpec;
  handler: ApiHandler;
  /** The method's Lambda REQUEST authorizer (the stack's payment methods have one). */
  authorizer?: RouteAuthorizer;
}

/** IAM-style match of an execute-api ARN against a policy resource (`*` matches any run of characters). */
function resourceMatches(pattern: string, arn: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(arn);
}

/** Whether the authorizer's policy allows invoking `methodArn` (an explicit Deny wins). */
export function policyAllows(result: APIGatewayAuthorizerResult, methodArn: string): 'allow' | 'deny' | 'implicit-deny' {
  let allowed = false;
  for (const statement of result.policyDocument?.Statement ?? []) {
    const s = statement as { Effect?: string; Action?: string | string[]; Resource?: string | string[] };
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action ?? ''];
    if (!actions.some((a) => a === 'execute-api:Invoke' || a === 'execute-api:*' || a === '*')) continue;
    const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource ?? ''];
    if (!resources.some((r) => resourceMatches(r, methodArn))) continue;
    if (s.Effect === 'Deny') return 'deny';
    if (s.Effect === 'Allow') allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}

export interface ApiGatewayOptions {
  region: string;
  stage: string;
  routes: ApiRoute[];
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

  /**
   * Runs the route's authorizer; answers 401/403/500 itself and returns undefined, or returns the
   * integration's `requestContext.authorizer` (the context plus principalId).
   */
  private async authorize(route: ApiRoute, event: APIGatewayProxyEvent, baseHeaders: Record<string, string>, res: ServerResponse): Promise<Record<string, unknown> | undefined> {
    const authorizer = route.authorizer!;
    const wanted = authorizer.identityHeader.toLowerCase();
    const identity = Object.entries(event.headers).find(([k, v]) => k.toLowerCase() === wanted && v !== undefined && v !== '');
    if (identity === undefined) {
      sendJson(res, 401, { message: 'Unauthorized' }, { ...baseHeaders, 'x-amzn-errortype': 'UnauthorizedException' });
      return undefined;
    }
    const methodArn = `arn:aws:execute-api:${this.options.region}:000000000000:${this.apiId}/${this.options.stage}/${event.httpMethod}${event.path}`;
    const authEvent: APIGatewayRequestAuthorizerEvent = {
      type: 'REQUEST',
      methodArn,
      resource: event.resource,
      path: event.path,
      httpMethod: event.httpMethod,
      headers: event.headers,
      multiValueHeaders: event.multiValueHeaders,
      pathParameters: event.pathParameters,
      queryStringParameters: event.queryStringParameters,
      multiValueQueryStringParameters: event.multiValueQueryStringParameters,
      stageVariables: event.stageVariables,
      requestContext: event.requestContext as unknown as APIGatewayRequestAuthorizerEvent['requestContext'],
    };
    let result: APIGatewayAuthorizerResult;
    try {
      result = await invoke(authorizer.fn, authorizer.handler, authEvent);
    } catch (err) {
      if (err instanceof Error && err.message === 'Unauthorized') {
        sendJson(res, 401, { message: 'Unauthorized' }, { ...baseHeaders, 'x-amzn-errortype': 'UnauthorizedException' });
      } else {
        this.options.log?.(`${event.httpMethod} ${event.path} -> 500 (authorizer ${authorizer.fn.functionName}: ${err instanceof Error ? err.name : 'error'})`);
        sendJson(res, 500, { message: null }, { ...baseHeaders, 'x-amzn-errortype': 'AuthorizerConfigurationException' });
      }
      return undefined;
    }
    const verdict = policyAllows(result, methodArn);
    if (verdict !== 'allow') {
      const message = verdict === 'deny' ? 'User is not authorized to access this resource with an explicit deny' : 'User is not authorized to access this resource';
      sendJson(res, 403, { message }, { ...baseHeaders, 'x-amzn-errortype': 'AccessDeniedException' });
      return undefined;
    }
    return { ...(result.context ?? {}), principalId: result.principalId };
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
    const event = apiEvent({
      method,
      path,
      resource: matched.route.resource,
      headers,
      multiValueHeaders: multi,
      queryStringParameters: Object.keys(query).length > 0 ? query : null,
      multiValueQueryStringParameters: Object.keys(multiQuery).length > 0 ? multiQuery : null,
      pathParameters: matched.pathParameters,
      body: raw.length > 0 ? raw.toString('utf8') : null,
      authorizer: null,
      stage: this.options.stage,
      apiId: this.apiId,
      region: this.options.region,
      requestId,
      extendedRequestId: apigwId,
      resourceId: randomBytes(3).toString('hex'),
      protocol: `HTTP/${req.httpVersion}`,
      sourceIp,
      userAgent: headers['User-Agent'] ?? headers['user-agent'] ?? null,
    });

    if (matched.route.authorizer !== undefined) {
      const verdict = await this.authorize(matched.route, event, baseHeaders, res);
      if (verdict === undefined) return;
      event.requestContext.authorizer = verdict;
    }

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
