/**
 * The stack's settings: one typed object, parsed and validated in one place.
 *
 * Pure on purpose (no `@pulumi/pulumi` import): the Pulumi program reads it through
 * `pulumi.Config` (see `config.ts`), while the local sandbox, the offline policy gate and the
 * verification suite read the very same keys from a committed `Pulumi.<stack>.yaml`, so the
 * health-check interval the sandbox emulates is the one the stack deploys.
 * Every key is documented in `Pulumi.yaml`; the defaults below are the documented ones.
 */
import { join } from 'node:path';
import { PAYMENT_RULE_DEFAULTS, type ConsistencyMode } from '../contract';
import { readStackConfig } from '../policy-pack/offline/project';

/** The Pulumi project name: config keys are `payments-dr:<key>`. */
export const PROJECT = 'payments-dr';

export type { ConsistencyMode } from '../contract';

export interface LifecycleSettings {
  /** Days before transaction logs move to STANDARD_IA. */
  transitionToInfrequentAccessDays: number;
  /** Days before transaction logs move to GLACIER_IR. */
  transitionToGlacierDays: number;
  /** Days a noncurrent object version is kept. */
  noncurrentVersionExpirationDays: number;
  /** Days before an incomplete multipart upload is aborted. */
  abortIncompleteMultipartUploadDays: number;
}

export interface StackSettings {
  /** Suffix carried by every resource name, e.g. `dev`, `prod`. Required. */
  environmentSuffix: string;
  /** Primary region. Default us-east-1. */
  primaryRegion: string;
  /** The disaster-recovery (DR) region. Default us-east-2. */
  drRegion: string;
  /**
   * Hosted zone domain; the failover API hostname is `api.<domainName>`. Required to deploy (see
   * `assertDeployable`); offline runs of a stack file without one (sandbox, gate, tests) use the
   * placeholder `payments-<suffix>.example.com`, which Route 53 refuses.
   */
  domainName: string;
  /** True when `domainName` came from the stack's config, false when it is the offline placeholder. */
  domainNameConfigured: boolean;
  /**
   * Regional custom domains (ACM + API Gateway domain names) and the failover records. Default
   * false (see README: first deploy). Without them there is no failover hostname: HTTPS clients
   * cannot call an execute-api endpoint by another name (its certificate and Host do not match).
   */
  customDomainsEnabled: boolean;
  /**
   * Whether this stack sets API Gateway's per-region account settings (the CloudWatch Logs role)
   * in both regions. Default false: the setting is one per account and region, so it belongs to a
   * one-time bootstrap (README), or to exactly one stack per account.
   */
  manageApiGatewayAccount: boolean;
  /** Requests per source IP per 5 minutes that the WAF rate-based rule allows on the payment routes. Default 6000. */
  wafRateLimitPerIp: number;
  /**
   * Route 53 Application Recovery Controller routing controls as the failover switch, in addition
   * to the standby-region switch alarm. Default false (a cluster costs USD 2.50 per hour).
   */
  arcRoutingControlEnabled: boolean;
  /** Optional e-mail subscribed to the alarm topics. */
  alarmEmail?: string;
  /** Route 53 health-check request interval in seconds: 10 (fast) or 30. Default 10. */
  healthCheckIntervalSeconds: 10 | 30;
  /** Consecutive failures before Route 53 marks an endpoint unhealthy (1-10). Default 3. */
  healthCheckFailureThreshold: number;
  /** Seconds the RTO budget allows for DNS caches when custom domains are off (alias answers use the target TTL). Default 60. */
  dnsTtlSeconds: number;
  /** CloudWatch Logs retention in days. Default 365 (PCI DSS 10.5.1: 12 months). */
  logRetentionDays: number;
  /** S3 lifecycle. */
  lifecycle: LifecycleSettings;
  /**
   * `strong` (multi-Region strong consistency with a witness, default: a 201 is durable in two
   * Regions) or `eventual` (asynchronous replication: no RPO bound, see budget.ts).
   */
  consistencyMode: ConsistencyMode;
  /** Witness region for strong consistency. Default us-west-2. */
  witnessRegion: string;
  /** Largest accepted payment, minor units. Default 100000000 (1,000,000.00). */
  maxAmountMinor: number;
  /** ISO 4217 currencies accepted. Default USD,EUR,GBP. */
  allowedCurrencies: string[];
}

export const DEFAULTS = {
  primaryRegion: 'us-east-1',
  drRegion: 'us-east-2',
  customDomainsEnabled: false,
  manageApiGatewayAccount: false,
  wafRateLimitPerIp: 6000,
  arcRoutingControlEnabled: false,
  healthCheckIntervalSeconds: 10 as const,
  healthCheckFailureThreshold: 3,
  dnsTtlSeconds: 60,
  // PCI DSS v4.0 10.5.1: audit log history retained at least 12 months (365 is a value CloudWatch Logs accepts).
  logRetentionDays: 365,
  lifecycle: {
    transitionToInfrequentAccessDays: 30,
    transitionToGlacierDays: 90,
    noncurrentVersionExpirationDays: 90,
    abortIncompleteMultipartUploadDays: 7,
  },
  consistencyMode: 'strong' as const,
  witnessRegion: 'us-west-2',
  maxAmountMinor: PAYMENT_RULE_DEFAULTS.maxAmountMinor,
  allowedCurrencies: [...PAYMENT_RULE_DEFAULTS.allowedCurrencies],
};

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** Reads one raw config value by its short key (without the `payments-dr:` prefix). */
export type RawConfig = (key: string) => string | undefined;

function int(raw: RawConfig, key: string, fallback: number, min: number, max: number): number {
  const value = raw(key);
  if (value === undefined || value === '') return fallback;
  if (!/^-?\d+$/.test(value.trim())) throw new SettingsError(`${PROJECT}:${key} must be an integer, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new SettingsError(`${PROJECT}:${key} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(raw: RawConfig, key: string, fallback: boolean): boolean {
  const value = raw(key);
  if (value === undefined || value === '') return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new SettingsError(`${PROJECT}:${key} must be true or false, got "${value}"`);
}

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

/** Keys this project used to read, and their current names: a stack still setting one is refused, naming the new key. */
export const RENAMED_KEYS: Readonly<Record<string, string>> = { secondaryRegion: 'drRegion' };

/** Parses and validates every key; throws a SettingsError naming the key on the first bad value. */
export function resolveSettings(raw: RawConfig): StackSettings {
  const environmentSuffix = raw('environmentSuffix');
  if (!environmentSuffix) throw new SettingsError(`${PROJECT}:environmentSuffix is required (e.g. "dev")`);
  if (!/^[a-z0-9][a-z0-9-]{0,15}$/.test(environmentSuffix)) {
    throw new SettingsError(`${PROJECT}:environmentSuffix must be 1-16 lowercase letters, digits or hyphens, got "${environmentSuffix}"`);
  }
  for (const [old, now] of Object.entries(RENAMED_KEYS)) {
    if (raw(old) !== undefined) {
      throw new SettingsError(`${PROJECT}:${old} was renamed to ${PROJECT}:${now}: pulumi config rm ${PROJECT}:${old} && pulumi config set ${PROJECT}:${now} ${raw(old)}`);
    }
  }
  const primaryRegion = raw('primaryRegion') || DEFAULTS.primaryRegion;
  const drRegion = raw('drRegion') || DEFAULTS.drRegion;
  for (const [key, region] of [['primaryRegion', primaryRegion], ['drRegion', drRegion]] as const) {
    if (!REGION.test(region)) throw new SettingsError(`${PROJECT}:${key} must be an AWS region name, got "${region}"`);
  }
  if (primaryRegion === drRegion) throw new SettingsError(`${PROJECT}:drRegion must differ from primaryRegion (${primaryRegion})`);

  const interval = int(raw, 'healthCheckIntervalSeconds', DEFAULTS.healthCheckIntervalSeconds, 10, 30);
  if (interval !== 10 && interval !== 30) {
    throw new SettingsError(`${PROJECT}:healthCheckIntervalSeconds must be 10 or 30 (the only intervals Route 53 offers), got ${interval}`);
  }
  const logRetentionDays = int(raw, 'logRetentionDays', DEFAULTS.logRetentionDays, 1, 3653);
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    throw new SettingsError(`${PROJECT}:logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}, got ${logRetentionDays}`);
  }
  const consistencyMode = (raw('consistencyMode') || DEFAULTS.consistencyMode) as ConsistencyMode;
  if (consistencyMode !== 'eventual' && consistencyMode !== 'strong') {
    throw new SettingsError(`${PROJECT}:consistencyMode must be "eventual" or "strong", got "${String(consistencyMode)}"`);
  }
  const witnessRegion = raw('witnessRegion') || DEFAULTS.witnessRegion;
  if (!REGION.test(witnessRegion)) throw new SettingsError(`${PROJECT}:witnessRegion must be an AWS region name, got "${witnessRegion}"`);

  const alarmEmail = raw('alarmEmail') || undefined;
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
    throw new SettingsError(`${PROJECT}:alarmEmail must be an e-mail address, got "${alarmEmail}"`);
  }
  const configuredDomain = raw('domainName') || undefined;
  const domainName = configuredDomain ?? placeholderDomain(environmentSuffix);
  if (!/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(domainName)) throw new SettingsError(`${PROJECT}:domainName must be a DNS name, got "${domainName}"`);

  const currencies = (raw('allowedCurrencies') || DEFAULTS.allowedCurrencies.join(','))
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  for (const c of currencies) {
    if (!/^[A-Z]{3}$/.test(c)) throw new SettingsError(`${PROJECT}:allowedCurrencies must be ISO 4217 codes, got "${c}"`);
  }
  if (currencies.length === 0) throw new SettingsError(`${PROJECT}:allowedCurrencies must name at least one currency`);

  const lifecycle: LifecycleSettings = {
    transitionToInfrequentAccessDays: int(raw, 'transitionToInfrequentAccessDays', DEFAULTS.lifecycle.transitionToInfrequentAccessDays, 30, 3650),
    transitionToGlacierDays: int(raw, 'transitionToGlacierDays', DEFAULTS.lifecycle.transitionToGlacierDays, 31, 3650),
    noncurrentVersionExpirationDays: int(raw, 'noncurrentVersionExpirationDays', DEFAULTS.lifecycle.noncurrentVersionExpirationDays, 1, 3650),
    abortIncompleteMultipartUploadDays: int(raw, 'abortIncompleteMultipartUploadDays', DEFAULTS.lifecycle.abortIncompleteMultipartUploadDays, 1, 365),
  };
  // S3 requires at least 30 days in STANDARD_IA before a further transition.
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
  if (lifecycle.transitionToGlacierDays < lifecycle.transitionToInfrequentAccessDays + 30) {
    throw new SettingsError(
      `${PROJECT}:transitionToGlacierDays must be at least transitionToInfrequentAccessDays + 30 (${lifecycle.transitionToInfrequentAccessDays + 30}), got ${lifecycle.transitionToGlacierDays}`,
    );
  }

  return {
    environmentSuffix,
    primaryRegion,
    drRegion,
    domainName,
    domainNameConfigured: configuredDomain !== undefined,
    customDomainsEnabled: bool(raw, 'customDomainsEnabled', DEFAULTS.customDomainsEnabled),
    manageApiGatewayAccount: bool(raw, 'manageApiGatewayAccount', DEFAULTS.manageApiGatewayAccount),
    // WAF accepts 10 to 2,000,000,000 requests per evaluation window.
    // https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html
    wafRateLimitPerIp: int(raw, 'wafRateLimitPerIp', DEFAULTS.wafRateLimitPerIp, 10, 2_000_000_000),
    arcRoutingControlEnabled: bool(raw, 'arcRoutingControlEnabled', DEFAULTS.arcRoutingControlEnabled),
    alarmEmail,
    healthCheckIntervalSeconds: interval,
    healthCheckFailureThreshold: int(raw, 'healthCheckFailureThreshold', DEFAULTS.healthCheckFailureThreshold, 1, 10),
    dnsTtlSeconds: int(raw, 'dnsTtlSeconds', DEFAULTS.dnsTtlSeconds, 5, 86400),
    logRetentionDays,
    lifecycle,
    consistencyMode,
    witnessRegion,
    maxAmountMinor: int(raw, 'maxAmountMinor', DEFAULTS.maxAmountMinor, 1, Number.MAX_SAFE_INTEGER),
    allowedCurrencies: currencies,
  };
}

/** The offline placeholder domain of a stack without `domainName` (reserved: never deployable). */
export function placeholderDomain(environmentSuffix: string): string {
  return `payments-${environmentSuffix}.example.com`;
}

/**
 * Second-level domains and top-level domains reserved for documentation and testing (RFC 2606
 * sections 2-3, RFC 6761 section 6). Route 53 refuses a hosted zone for them at CreateHostedZone
 * (`InvalidDomainName: <name> is reserved by AWS!`), so nothing behind the zone would be created.
 * https://www.rfc-editor.org/rfc/rfc2606 https://www.rfc-editor.org/rfc/rfc6761
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHostedZone.html (InvalidDomainName)
 */
export const RESERVED_SECOND_LEVEL_DOMAINS = ['example.com', 'example.net', 'example.org'] as const;
export const RESERVED_TOP_LEVEL_DOMAINS = ['test', 'example', 'invalid', 'localhost'] as const;

/** The reserved name `domain` falls under (e.g. `example.com`, `.test`), or undefined. */
export function reservedDomain(domain: string): string | undefined {
  const d = domain.toLowerCase().replace(/\.$/, '');
  const sld = RESERVED_SECOND_LEVEL_DOMAINS.find((r) => d === r || d.endsWith(`.${r}`));
  if (sld) return sld;
  const tld = d.split('.').pop() ?? '';
  return (RESERVED_TOP_LEVEL_DOMAINS as readonly string[]).includes(tld) ? `.${tld}` : undefined;
}

/**
 * Throws a SettingsError when the settings cannot be deployed to a real account: no domain chosen
 * (the offline placeholder) or a reserved one. The program calls it before it declares anything
 * when the Pulumi engine (not mocks) runs it; offline runs keep working on the committed stacks.
 */
export function assertDeployable(settings: StackSettings): StackSettings {
  const key = `${PROJECT}:domainName`;
  if (!settings.domainNameConfigured) {
    throw new SettingsError(
      `${key} is required to deploy: choose a domain whose parent zone you can edit (pulumi config set ${key} payments.<your domain>); ` +
        `the offline placeholder ${settings.domainName} is reserved (RFC 2606) and Route 53 refuses it`,
    );
  }
  const reserved = reservedDomain(settings.domainName);
  if (reserved !== undefined) {
    throw new SettingsError(
      `${key} must not be under the reserved ${reserved} (RFC 2606/6761): Route 53 refuses a hosted zone for "${settings.domainName}" with InvalidDomainName`,
    );
  }
  return settings;
}

/** Parses the settings; when `deploying` (the Pulumi engine runs the program), also refuses what AWS would refuse. */
export function programSettings(raw: RawConfig, deploying: boolean): StackSettings {
  const parsed = resolveSettings(raw);
  return deploying ? assertDeployable(parsed) : parsed;
}

/**
 * The raw `config:` map of a committed `Pulumi.<stack>.yaml`, keys without the project prefix, read
 * through the one reader of stack files (policy-pack/offline/project.ts). Secrets (`secure:`) are
 * never needed outside a real deployment and are left out.
 */
export function readStackConfigFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(readStackConfig(file, PROJECT).values)) {
    out[key.startsWith(`${PROJECT}:`) ? key.slice(PROJECT.length + 1) : key] = value;
  }
  return out;
}

/** The repository root (this file lives in `infra/`). */
export const REPO_ROOT = join(__dirname, '..');

/** Settings of a committed stack file, e.g. `loadStackSettings('dev')` reads `Pulumi.dev.yaml`. */
export function loadStackSettings(stack = process.env.PULUMI_STACK_CONFIG ?? 'dev'): StackSettings {
  const values = readStackConfigFile(join(REPO_ROOT, `Pulumi.${stack}.yaml`));
  return resolveSettings((key) => values[key]);
}
