/**
 * A typed client of a running sandbox's control interface, for code that attaches to a sandbox it
 * did not start (e.g. `npm run sandbox` in another terminal): `new SandboxControlClient(controlUrl)`.
 */
import type { ActiveFault, FaultKind, FaultSpec, SandboxEndpoints, SandboxState } from './types';

export class SandboxControlError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`sandbox control answered ${status}: ${JSON.stringify(body)}`);
    this.name = 'SandboxControlError';
  }
}

export class SandboxControlClient {
  constructor(readonly controlUrl: string) {}

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.controlUrl.replace(/\/$/, '')}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const parsed: unknown = await res.json();
    if (!res.ok) throw new SandboxControlError(res.status, parsed);
    return parsed as T;
  }

  state(): Promise<SandboxState> {
    return this.request<SandboxState>('GET', '/state');
  }

  async endpoints(): Promise<SandboxEndpoints> {
    return (await this.state()).endpoints;
  }

  async injectFault(spec: FaultSpec): Promise<ActiveFault> {
    return (await this.request<{ fault: ActiveFault }>('POST', '/faults', spec)).fault;
  }

  async clearFaults(): Promise<ActiveFault[]> {
    return (await this.request<{ cleared: ActiveFault[] }>('DELETE', '/faults')).cleared;
  }

  /** Clears one fault; false when it was not active. */
  async clearFault(fault: FaultKind, region: string): Promise<boolean> {
    try {
      await this.request('DELETE', `/faults/${encodeURIComponent(fault)}/${encodeURIComponent(region)}`);
      return true;
    } catch (err) {
      if (err instanceof SandboxControlError && err.status === 404) return false;
      throw err;
    }
  }
}
