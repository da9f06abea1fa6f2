/**
 * Route 53 failover routing, emulated: a health checker per region requests `GET {api}/health`
 * every `intervalMs`; a region becomes unhealthy after `failureThreshold` consecutive failures and
 * healthy again after as many consecutive successes (a check passes on a 2xx/3xx answer within the
 * timeout, as Route 53's HTTP checks do). The failover record answers with the primary while it is
 * healthy, else with the secondary; when both are unhealthy Route 53 answers with the primary
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-complex-configs.html).
 * The front door then proxies each request to the region answered, as a client resolving the
 * failover name would reach it, mapping `/payments` to `/<stage>/payments` as the custom domain's
 * base-path mapping does. Not emulated: DNS caching by resolvers (up to the record TTL) and the
 * multiple checker locations (one checker decides here).
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen, LOOPBACK, sendJson } from '../localaws/http';
import type { HealthCheckSample, RegionHealthState, RegionRole, RoutingChange } from './types';

const HISTORY = 50;

export interface FrontDoorRegion {
  name: string;
  role: RegionRole;
  /** API base URL including the stage. */
  api: string;
}

export interface FrontDoorOptions {
  regions: FrontDoorRegion[];
  intervalMs: number;
  failureThreshold: number;
  timeoutMs: number;
}

class HealthChecker {
  healthy = true;
  consecutiveFailures = 0;
  consecutiveSuccesses = 0;
  since = new Date().toISOString();
  checks = 0;
  readonly history: HealthCheckSample[] = [];
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private firstSuccess?: () => void;

  constructor(
    readonly region: FrontDoorRegion,
    private readonly options: FrontDoorOptions,
    private readonly onChange: () => void,
  ) {}

  /** Starts checking; resolves at the first passing check. */
  start(): Promise<void> {
    const first = new Promise<void>((resolve) => {
      this.firstSuccess = resolve;
    });
    void this.loop();
    return first;
  }

  /** Checks on a fixed cadence (start + n x interval), so a late timer on a busy machine does not accumulate drift. */
  private async loop(nextAt = Date.now()): Promise<void> {
    if (this.stopped) return;
    const sample = await this.check();
    if (this.stopped) return;
    this.record(sample);
    let next = nextAt + this.options.intervalMs;
    // A check slower than the interval (a timeout) skips the slots it overran, as a checker would.
    while (next < Date.now()) next += this.options.intervalMs;
    this.timer = setTimeout(() => void this.loop(next), next - Date.now());
  }

  private async check(): Promise<HealthCheckSample> {
    const started = performance.now();
    const at = new Date().toISOString();
    try {
      const res = await fetch(`${this.region.api}/health`, {
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: { 'user-agent': 'Amazon-Route53-Health-Check-Service (ref sandbox; report http://amzn.to/1vsZADi)' },
      });
      await res.arrayBuffer();
      const ok = res.status >= 200 && res.status < 400;
      return { at, ok, status: res.status, latencyMs: Math.round(performance.now() - started) };
    } catch (err) {
      const error = err instanceof Error ? ((err.cause instanceof Error ? err.cause.message : undefined) ?? err.message) : String(err);
      return { at, ok: false, error, latencyMs: Math.round(performance.now() - started) };
    }
  }

  private record(sample: HealthCheckSample): void {
    this.checks += 1;
    this.history.push(sample);
    if (this.history.length > HISTORY) this.history.shift();
    if (sample.ok) {
      this.consecutiveSuccesses += 1;
      this.consecutiveFailures = 0;
    } else {
      this.consecutiveFailures += 1;
      this.consecutiveSuccesses = 0;
    }
    const threshold = this.options.failureThreshold;
    if (this.healthy && this.consecutiveFailures >= threshold) this.flip(false);
    else if (!this.healthy && this.consecutiveSuccesses >= threshold) this.flip(true);
    if (sample.ok) {
      const first = this.firstSuccess;
      this.firstSuccess = undefined;
      first?.();
    }
  }

  private flip(healthy: boolean): void {
    this.healthy = healthy;
    this.since = new Date().toISOString();
    this.onChange();
  }

  state(): RegionHealthState {
    return {
      role: this.region.role,
      healthy: this.healthy,
      consecutiveFailures: this.consecutiveFailures,
      consecutiveSuccesses: this.consecutiveSuccesses,
      since: this.since,
      checks: this.checks,
      history: [...this.history],
    };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

export class FrontDoor {
  private readonly checkers: HealthChecker[];
  private readonly primary: HealthChecker;
  private readonly secondary: HealthChecker;
  private currentTarget: string;
  readonly routingHistory: RoutingChange[] = [];
  private server?: Server;
  private port = 0;

  constructor(options: FrontDoorOptions) {
    this.checkers = options.regions.map((r) => new HealthChecker(r, options, () => this.reroute()));
    const primary = this.checkers.find((c) => c.region.role === 'primary');
    const secondary = this.checkers.find((c) => c.region.role === 'secondary');
    if (!primary || !secondary) throw new Error('the front door needs one primary and one secondary region');
    this.primary = primary;
    this.secondary = secondary;
    this.currentTarget = primary.region.name;
    this.routingHistory.push({ at: new Date().toISOString(), target: this.currentTarget, reason: 'initial: primary', primaryChecks: 0 });
  }

  get url(): string {
    return `http://${LOOPBACK}:${this.port}`;
  }

  get target(): string {
    return this.currentTarget;
  }

  /**
   * Starts health checking and the proxy; resolves once every region has passed a check, or
   * rejects after `readyTimeoutMs` naming the regions that have not (with their last check).
   */
  async start(readyTimeoutMs: number): Promise<string> {
    this.server = createServer((req, res) => this.proxy(req, res));
    this.port = await listen(this.server);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const failing = this.checkers
          .filter((c) => !c.history.some((h) => h.ok))
          .map((c) => {
            const last = c.history.at(-1);
            return `${c.region.name}: ${last ? (last.status ?? last.error ?? 'failed') : 'no check yet'}`;
          });
        reject(new Error(`health checks not passing after ${readyTimeoutMs} ms: ${failing.join(', ')}`));
      }, readyTimeoutMs);
    });
    try {
      await Promise.race([Promise.all(this.checkers.map((c) => c.start())), timeout]);
    } finally {
      clearTimeout(timer);
    }
    return this.url;
  }

  private reroute(): void {
    let target: string;
    let reason: string;
    if (this.primary.healthy) {
      target = this.primary.region.name;
      reason = 'primary healthy';
    } else if (this.secondary.healthy) {
      target = this.secondary.region.name;
      reason = `primary ${this.primary.region.name} unhealthy (${this.primary.consecutiveFailures} consecutive failed checks): failover to secondary`;
    } else {
      target = this.primary.region.name;
      reason = 'both regions unhealthy: Route 53 answers with the primary';
    }
    if (target === this.currentTarget) return;
    this.currentTarget = target;
    this.routingHistory.push({ at: new Date().toISOString(), target, reason, primaryChecks: this.primary.checks });
    if (this.routingHistory.length > HISTORY) this.routingHistory.shift();
  }

  health(): Record<string, RegionHealthState> {
    const out: Record<string, RegionHealthState> = {};
    for (const c of this.checkers) out[c.region.name] = c.state();
    return out;
  }

  private proxy(req: IncomingMessage, res: ServerResponse): void {
    const target = this.checkers.find((c) => c.region.name === this.currentTarget) ?? this.primary;
    const api = new URL(target.region.api);
    const headers = { ...req.headers, host: api.host };
    const upstream = httpRequest(
      { host: api.hostname, port: api.port, method: req.method, path: `${api.pathname.replace(/\/$/, '')}${req.url ?? '/'}`, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, { ...up.headers, 'x-sandbox-region': target.region.name });
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) {
        sendJson(res, 502, { message: `region ${target.region.name} is unreachable: ${err.message}` }, { 'x-sandbox-region': target.region.name });
      } else res.destroy();
    });
    req.pipe(upstream);
  }

  async stop(): Promise<void> {
    for (const c of this.checkers) c.stop();
    if (this.server) await closeServer(this.server);
  }
}
