/**
 * Small HTTP helpers shared by every sandbox server. Everything binds to 127.0.0.1 (loopback only),
 * on an OS-assigned port unless a port is given (a region API re-listens on its own port after a
 * `region-down` fault is cleared, so its URL stays the one printed in the ready line).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** Starts listening on 127.0.0.1 and resolves the port. */
export function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, LOOPBACK, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes a server and every connection it holds (keep-alive sockets included); never rejects. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      server.closeAllConnections();
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * A service on 127.0.0.1 (OS-assigned port): `start()` creates its server (`createServer`) and
 * resolves its endpoint, `stop()` closes it and every connection it holds.
 */
export abstract class LoopbackService {
  private server?: Server;
  private port = 0;

  /** `http://127.0.0.1:<port>` (port 0 before `start`). */
  get endpoint(): string {
    return `http://${LOOPBACK}:${this.port}`;
  }

  /** The HTTP server answering the service's requests. */
  protected abstract createServer(): Server;

  async start(): Promise<string> {
    this.server = this.createServer();
    this.port = await listen(this.server);
    return this.endpoint;
  }

  async stop(): Promise<void> {
    if (this.server) await closeServer(this.server);
  }
}

export class PayloadTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`request body larger than ${limitBytes} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

/** Reads a whole request body, refusing more than `limitBytes`. */
export function readBody(req: IncomingMessage, limitBytes = 16 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limitBytes) {
        failed = true;
        reject(new PayloadTooLargeError(limitBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
    });
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A JSON object read from a request body, or an error message saying why it is not one. */
export function parseJsonObject(raw: Buffer): { ok: true; value: Record<string, unknown> } | { ok: false; message: string } {
  if (raw.length === 0) return { ok: true, value: {} };
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'body must be a JSON object' };
    return { ok: true, value: value as Record<string, unknown> };
  } catch (err) {
    return { ok: false, message: `body is not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Percentile (nearest-rank) of an unsorted sample; undefined for an empty sample. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/** A wall-clock timestamp with sub-millisecond resolution, comparable across the sandbox's processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Polls `probe` until it returns a value (not undefined) or the timeout passes. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** True when nothing accepts TCP connections at the URL's port any more (a fresh connection, no pooling). */
export function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}
