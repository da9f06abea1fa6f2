/**
 * Parses the sandbox's ready description (the `sandbox.ready` line / `SandboxHandle.endpoints`,
 * docs/sandbox.md "The ready line") into a typed value, so a contract drift fails with a clear
 * message instead of an undefined deep inside a step.
 */
import type { RegionEndpoints, SandboxMerchant } from '../../contract/sandboxReadyLine';
import { isObject, num, str } from './http';

export type { SandboxMerchant } from '../../contract/sandboxReadyLine';

/**
 * One region of the ready line (the service contract's `RegionEndpoints`), as the suite reads it:
 * the dead-letter queue is not used and the manual failover flag is optional.
 */
export type SandboxRegion = Omit<RegionEndpoints, 'deadLetterQueueUrl' | 'manualFailoverParameter'> & { manualFailoverParameter?: string };

export interface SandboxReady {
  frontDoor: string;
  control: string;
  timeScale: number;
  stack: string;
  /** The consistency mode the sandbox runs, when its ready line says. */
  consistencyMode?: 'strong' | 'eventual';
  healthCheck: { intervalSeconds: number; failureThreshold: number };
  tableName: string;
  merchants: SandboxMerchant[];
  regions: Record<string, SandboxRegion>;
}

export class SandboxContractError extends Error {
  constructor(message: string) {
    super(`sandbox contract: ${message}`);
    this.name = 'SandboxContractError';
  }
}

function need(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new SandboxContractError(`missing ${what}`);
  return value;
}

export function parseSandboxReady(value: unknown): SandboxReady {
  if (!isObject(value)) throw new SandboxContractError('ready description is not an object');
  const regionsRaw = value.regions;
  if (!isObject(regionsRaw)) throw new SandboxContractError('missing regions');
  const regions: Record<string, SandboxRegion> = {};
  for (const [name, r] of Object.entries(regionsRaw)) {
    if (!isObject(r)) throw new SandboxContractError(`region ${name} is not an object`);
    const role = r.role;
    if (role !== 'primary' && role !== 'secondary') throw new SandboxContractError(`region ${name} has role ${String(role)}`);
    regions[name] = {
      role,
      api: need(str(r.api), `regions.${name}.api`),
      dynamodb: need(str(r.dynamodb), `regions.${name}.dynamodb`),
      s3: need(str(r.s3), `regions.${name}.s3`),
      sqs: str(r.sqs) ?? '',
      ssm: str(r.ssm) ?? '',
      bucket: need(str(r.bucket), `regions.${name}.bucket`),
      retryQueueUrl: str(r.retryQueueUrl) ?? '',
      manualFailoverParameter: str(r.manualFailoverParameter),
    };
  }
  const roles = Object.values(regions).map((r) => r.role).sort();
  if (roles.join(',') !== 'primary,secondary') throw new SandboxContractError(`expected one primary and one secondary region, got ${roles.join(',')}`);
  const merchants: SandboxMerchant[] = [];
  for (const m of Array.isArray(value.merchants) ? (value.merchants as unknown[]) : []) {
    if (!isObject(m) || !isObject(m.headers)) throw new SandboxContractError('merchants entries must be { merchantId, headers }');
    const headers = Object.fromEntries(Object.entries(m.headers).filter((e): e is [string, string] => typeof e[1] === 'string'));
    merchants.push({ merchantId: need(str(m.merchantId), 'merchants[].merchantId'), headers });
  }
  if (merchants.length === 0) throw new SandboxContractError('missing merchants (the payment routes need a merchant credential)');
  const hc = value.healthCheck;
  return {
    frontDoor: need(str(value.frontDoor), 'frontDoor'),
    control: need(str(value.control), 'control'),
    timeScale: num(value.timeScale) ?? 1,
    ...(value.consistencyMode === 'strong' || value.consistencyMode === 'eventual' ? { consistencyMode: value.consistencyMode } : {}),
    stack: str(value.stack) ?? 'dev',
    healthCheck: {
      intervalSeconds: (isObject(hc) ? num(hc.intervalSeconds) : undefined) ?? 10,
      failureThreshold: (isObject(hc) ? num(hc.failureThreshold) : undefined) ?? 3,
    },
    tableName: need(str(value.tableName), 'tableName'),
    merchants,
    regions,
  };
}
