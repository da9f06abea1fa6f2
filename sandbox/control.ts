/**
 * The control interface (HTTP JSON, loopback):
 *   GET    /state                     routing, health history, replication stats, faults, endpoints
 *   GET    /faults                    active faults
 *   POST   /faults                    { fault, region, delayMs?, operations? }  -> 201 the active fault
 *   DELETE /faults                    clear every fault                         -> 200 { cleared }
 *   DELETE /faults/<fault>/<region>   clear one                                 -> 200 | 404
 * Errors use the API's shape: `{ error: { code, message, details? } }`.
 */
import { createServer, type Server } from 'node:http';
import { LoopbackService, parseJsonObject, readBody, sendJson } from '../localaws/http';
import { FaultValidationError, isFaultKind, parseFaultSpec, type FaultInjector } from './faults';
import type { SandboxState } from './types';

export interface ControlOptions {
  state: () => SandboxState;
  faults: FaultInjector;
  regions: readonly string[];
}

function error(code: string, message: string, details?: { field: string; issue: string }[]): { error: Record<string, unknown> } {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

export class ControlServer extends LoopbackService {

  constructor(private readonly options: ControlOptions) {
    super();
  }

  get url(): string {
    return this.endpoint;
  }

  protected createServer(): Server {
    return createServer((req, res) => {
      this.route(req.method ?? 'GET', new URL(req.url ?? '/', this.url).pathname, () => readBody(req, 64 * 1024))
        .then(({ status, body }) => sendJson(res, status, body))
        .catch((err: unknown) => {
          if (err instanceof FaultValidationError) sendJson(res, 400, error('VALIDATION_FAILED', err.message, err.details));
          else sendJson(res, 500, error('INTERNAL', err instanceof Error ? err.message : String(err)));
        });
    });
  }

  private async route(method: string, path: string, body: () => Promise<Buffer>): Promise<{ status: number; body: unknown }> {
    const { faults, state, regions } = this.options;
    const parts = path.split('/').filter(Boolean);
    if (parts.length === 1 && parts[0] === 'state') {
      if (method !== 'GET') return { status: 405, body: error('METHOD_NOT_ALLOWED', 'use GET /state') };
      return { status: 200, body: state() };
    }
    if (parts[0] === 'faults' && parts.length === 1) {
      if (method === 'GET') return { status: 200, body: { faults: faults.list() } };
      if (method === 'DELETE') return { status: 200, body: { cleared: await faults.clearAll() } };
      if (method === 'POST') {
        const parsed = parseJsonObject(await body());
        if (!parsed.ok) return { status: 400, body: error('MALFORMED_JSON', parsed.message) };
        const spec = parseFaultSpec(parsed.value, regions);
        return { status: 201, body: { fault: await faults.inject(spec) } };
      }
      return { status: 405, body: error('METHOD_NOT_ALLOWED', 'use GET, POST or DELETE /faults') };
    }
    if (parts[0] === 'faults' && parts.length === 3) {
      if (method !== 'DELETE') return { status: 405, body: error('METHOD_NOT_ALLOWED', 'use DELETE /faults/<fault>/<region>') };
      const [, fault, region] = parts;
      if (!isFaultKind(fault)) return { status: 400, body: error('VALIDATION_FAILED', `unknown fault ${fault}`, [{ field: 'fault', issue: 'unknown' }]) };
      if (!regions.includes(region)) return { status: 400, body: error('VALIDATION_FAILED', `unknown region ${region}`, [{ field: 'region', issue: 'unknown' }]) };
      const cleared = await faults.clear(fault, region);
      if (!cleared) return { status: 404, body: error('NOT_FOUND', `${fault} is not active in ${region}`) };
      return { status: 200, body: { cleared: { fault, region } } };
    }
    return { status: 404, body: error('NOT_FOUND', `no route ${method} ${path}`) };
  }

}
