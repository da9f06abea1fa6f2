/**
 * One region's probe of the other region: a scheduled Lambda function that calls the peer's
 * `/health` the way Route 53 does (HTTPS GET, answer within 2 s) and FAILS its invocation when the
 * peer does not answer 200 in time. In the DR region it is how the DR region learns, by itself,
 * that the primary is down.
 *
 * Why a failed invocation and not a custom metric: the function's own `AWS/Lambda Errors` metric,
 * published in the probing region, then carries the signal, so the alarm on it (PeerProbe in
 * failoverControl.ts) needs nothing from the probed region or from us-east-1 (where Route 53
 * publishes its health-check metrics), and the function needs no permission beyond its logs.
 *
 * Environment: `PROBE_URL` (required, https URL of the peer's /health), `PROBE_TIMEOUT_MS`
 * (default 2000: Route 53 wants the status within 2 s of connecting).
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html
 */

/** The peer did not answer its health check in time, or not with 200. */
export class PeerUnhealthyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeerUnhealthyError';
  }
}

export interface ProbeResult {
  url: string;
  status: number;
  latencyMs: number;
}

/** Default deadline, ms: Route 53 HTTPS checks need the status within 2 s after connecting. */
export const PROBE_TIMEOUT_MS = 2_000;

/** Probes `url` once; resolves on 200, throws PeerUnhealthyError otherwise. */
export async function probe(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  const started = Date.now();
  let status: number;
  try {
    const response = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    status = response.status;
    await response.body?.cancel();
  } catch (error) {
    const reason = error instanceof Error ? error.name : 'Error';
    throw new PeerUnhealthyError(`GET ${url} failed after ${Date.now() - started} ms (${reason})`);
  }
  const latencyMs = Date.now() - started;
  if (status !== 200) throw new PeerUnhealthyError(`GET ${url} answered ${status} in ${latencyMs} ms`);
  return { url, status, latencyMs };
}

/** Scheduled entry point (EventBridge rule, every minute). */
export async function handler(): Promise<ProbeResult> {
  const url = process.env.PROBE_URL;
  if (!url || !url.startsWith('https://')) throw new Error('PROBE_URL must be the https URL of the peer region /health');
  const timeout = Number(process.env.PROBE_TIMEOUT_MS ?? PROBE_TIMEOUT_MS);
  const result = await probe(url, Number.isFinite(timeout) && timeout > 0 ? timeout : PROBE_TIMEOUT_MS);
  console.log(JSON.stringify({ level: 'INFO', message: 'peer healthy', ...result }));
  return result;
}
