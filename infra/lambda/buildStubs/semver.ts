/**
 * Stands in for `semver` inside the Lambda bundles (build.ts aliases it). Its only user there is
 * aws-xray-sdk-core's AWS SDK *v2* patcher (`semver.gte(AWS.VERSION, minVersion)`), which Powertools
 * Tracer never calls for our SDK v3 clients; the real package is 26 KB of every bundle.
 * `gte` is still implemented (numeric x.y.z comparison) so the stub is correct if it ever runs.
 */
function parts(version: string): number[] {
  return version
    .replace(/^v/, '')
    .split(/[.+-]/)
    .slice(0, 3)
    .map((p) => Number.parseInt(p, 10) || 0);
}

export function gte(a: string, b: string): boolean {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  }
  return true;
}
