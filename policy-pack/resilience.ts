/**
 * Stack-wide resilience: everything destroyable (no Retain), the two regions alike, the failover pair complete.
 */
import * as aws from '@pulumi/aws';
import type { PolicyResource, PolicyResourceOptions, ReportViolation, ResourceValidationArgs } from '@pulumi/policy';
import { PackResourcePolicy, PackStackPolicy, pciDss, tags } from './lib/policy';
import { checkAll, checkEach, known } from './lib/preview';
import { bool, get, list, str, strings } from './lib/props';
import { REGION_SETTINGS, RegionConfig, regionConfig, regionOf, regionSchema, tokenOf } from './lib/stack';

/**
 * Resource options as the offline gate records them. `pulumi preview` sends the analyzer no
 * `retainOnDelete` (the analyzer protocol's options carry protect, ignoreChanges, aliases, timeouts...
 * but not retainOnDelete), so it is only present when the offline gate evaluates the policy.
 */
export type GateResourceOptions = PolicyResourceOptions & { retainOnDelete?: boolean };

export const resourceNotProtected: PackResourcePolicy = {
  name: 'resource-not-protected',
  description: 'Checks whether resources are free of the protect option, so the stack stays destroyable.',
  enforcementLevel: 'mandatory',
  severity: 'medium',
  framework: pciDss('12.10.1', 'Incident response includes business recovery: environments are rebuilt and torn down from code.'),
  remediationSteps: 'Remove `protect: true` from the resource options (and from its parents: children inherit protect).',
  tags: tags('DR-05', 'resilience'),
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    if (args.opts.protect === true) reportViolation('Resource must not be protected (protect: true blocks pulumi destroy).');
  },
};

export const resourceNotRetainedOnDelete: PackResourcePolicy = {
  name: 'resource-not-retained-on-delete',
  description: 'Checks whether resources are free of the retainOnDelete option, so destroying the stack deletes them.',
  enforcementLevel: 'mandatory',
  severity: 'medium',
  framework: pciDss('12.10.1', 'Incident response includes business recovery: environments are rebuilt and torn down from code.'),
  remediationSteps: 'Remove `retainOnDelete: true` from the resource options.',
  tags: tags('DR-05', 'resilience'),
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    const retain = (args.opts as GateResourceOptions).retainOnDelete;
    if (retain === undefined) {
      args.notApplicable('retainOnDelete is not sent to policy packs by pulumi preview; the offline gate (npm run gate) checks it');
    }
    if (retain === true) reportViolation('Resource must not be retained on delete (retainOnDelete: true leaves it behind after pulumi destroy).');
  },
};

/** Provider-side deletion protection flags, by property name. */
const DELETION_PROTECTION_PROPS = ['deletionProtectionEnabled', 'deletionProtection', 'enableDeletionProtection', 'skipDestroy'];

/** The provider-side "retain" flags set on a resource (for messages and for the regions-alike comparison). */
export function deletionProtectionFlags(props: unknown): string[] {
  const flags = DELETION_PROTECTION_PROPS.filter((p) => known(() => bool(props, p)) === true);
  const replicas = known(() => list(props, 'replicas')) ?? [];
  replicas.forEach((replica, i) => {
    if (known(() => bool(replica, 'deletionProtectionEnabled')) === true) flags.push(`replicas[${i}].deletionProtectionEnabled`);
  });
  return flags;
}

export const noDeletionProtection: PackResourcePolicy = {
  name: 'no-deletion-protection',
  description: 'Checks whether resources (tables, replicas, log groups...) have provider-side deletion protection or skipDestroy turned off.',
  enforcementLevel: 'mandatory',
  severity: 'medium',
  framework: pciDss('12.10.1', 'Incident response includes business recovery: environments are rebuilt and torn down from code.'),
  remediationSteps: 'Set deletionProtectionEnabled / deletionProtection / enableDeletionProtection / skipDestroy to false (or leave them unset) on the resource and every table replica.',
  tags: tags('DR-05', 'resilience'),
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    checkEach([...DELETION_PROTECTION_PROPS, 'replicas'], (prop) => {
      if (prop === 'replicas') {
        list(args.props, 'replicas').forEach((replica, i) => {
          if (bool(replica, 'deletionProtectionEnabled') === true) {
            reportViolation(`Resource must not have deletion protection (replicas[${i}].deletionProtectionEnabled is true).`);
          }
        });
      } else if (bool(args.props, prop) === true) {
        reportViolation(`Resource must not have deletion protection (${prop} is true).`);
      }
    });
  },
};

export const s3BucketForceDestroy: PackResourcePolicy = {
  name: 's3-bucket-force-destroy',
  description: 'Checks whether S3 buckets can be deleted with their objects (a versioned bucket holding objects otherwise blocks pulumi destroy).',
  enforcementLevel: 'advisory',
  severity: 'low',
  framework: pciDss('12.10.1', 'Incident response includes business recovery: environments are rebuilt and torn down from code.'),
  remediationSteps:
    'Set `forceDestroy: true` on buckets of ephemeral environments; for production keep it off and empty the bucket deliberately (the transaction log is evidence).',
  tags: tags('DR-05', 'resilience'),
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    if (args.type !== tokenOf(aws.s3.Bucket) && args.type !== tokenOf(aws.s3.BucketV2)) args.notApplicable('Policy only applies to S3 buckets');
    if (bool(args.props, 'forceDestroy') !== true) reportViolation('S3 bucket must set forceDestroy to be destroyable while it holds object versions.');
  },
};

/** Types that are global (or anchored in one region by design), excluded from the regions-alike comparison. */
export const DEFAULT_GLOBAL_TYPE_PREFIXES = [
  'aws:iam/',
  'aws:route53/',
  'aws:cloudfront/',
  'aws:organizations/',
  'aws:budgets/',
  'aws:shield/',
  // The global table lives in the primary and reaches the DR region through its replicas.
  tokenOf(aws.dynamodb.Table),
  tokenOf(aws.dynamodb.TableReplica),
];

/**
 * Type tokens of resources a provider manages have the form `aws:<module>/<resource>:<Type>`; a
 * component resource (`pkg:module:Type`, whatever its package) holds other resources and lives in no region.
 */
const PROVIDER_RESOURCE_TOKEN = /^aws:[^:/]+\/[^:]+:[^:]+$/;

function isRegional(resource: PolicyResource, globalPrefixes: readonly string[]): boolean {
  return PROVIDER_RESOURCE_TOKEN.test(resource.type) && !globalPrefixes.some((p) => resource.type.startsWith(p));
}

function protectionSignature(resource: PolicyResource): string {
  const opts = resource.opts as GateResourceOptions;
  const flags = deletionProtectionFlags(resource.props);
  return `protect=${opts.protect === true}, retainOnDelete=${opts.retainOnDelete === true}, deletionProtection=${flags.length > 0 ? flags.join('+') : 'off'}`;
}

export const regionsAlike: PackStackPolicy = {
  name: 'regions-alike',
  description: 'Checks whether the primary and DR regions contain the same kinds of regional resources with the same protection settings.',
  enforcementLevel: 'mandatory',
  severity: 'critical',
  framework: pciDss('12.10.1', 'Incident response includes business recovery and continuity: the DR region can run the full service.'),
  remediationSteps:
    'Instantiate the one regional component in both regions (never copy-paste one region); create the missing resource kind in the other region and use identical resource options.',
  tags: tags('DR-04', 'resilience'),
  subjects: ['aws:*'],
  configSchema: {
    properties: {
      ...regionSchema,
      globalTypePrefixes: { type: 'array', items: { type: 'string' }, default: DEFAULT_GLOBAL_TYPE_PREFIXES, description: 'Type token prefixes treated as global.' },
    },
  },
  validateStack: (args, reportViolation) => {
    const config = regionConfig(args.getConfig<Partial<RegionConfig>>());
    const globalPrefixes = args.getConfig<{ globalTypePrefixes?: string[] }>().globalTypePrefixes ?? DEFAULT_GLOBAL_TYPE_PREFIXES;
    const regional = args.resources.filter((r) => isRegional(r, globalPrefixes));
    const byRegion = (region: string) => regional.filter((r) => regionOf(r, config.primaryRegion) === region);
    const primary = byRegion(config.primaryRegion);
    const dr = byRegion(config.drRegion);
    const kinds = [...new Set([...primary, ...dr].map((r) => r.type))].sort();
    for (const kind of kinds) {
      const inPrimary = primary.filter((r) => r.type === kind);
      const inDr = dr.filter((r) => r.type === kind);
      if (inDr.length === 0) {
        reportViolation(`Regions must be alike: ${kind} exists in ${config.primaryRegion} but not in ${config.drRegion} (${REGION_SETTINGS}).`, inPrimary[0].urn);
        continue;
      }
      if (inPrimary.length === 0) {
        reportViolation(`Regions must be alike: ${kind} exists in ${config.drRegion} but not in ${config.primaryRegion} (${REGION_SETTINGS}).`, inDr[0].urn);
        continue;
      }
      const signatures = (rs: PolicyResource[]) => [...new Set(rs.map(protectionSignature))].sort().join(' | ');
      const a = signatures(inPrimary);
      const b = signatures(inDr);
      if (a !== b) {
        reportViolation(`Regions must be alike: ${kind} protection settings differ (${config.primaryRegion}: ${a}; ${config.drRegion}: ${b}).`, inDr[0].urn);
      }
    }
  },
};

const RECORD_TYPE = tokenOf(aws.route53.Record);
const REST_API_TYPE = tokenOf(aws.apigateway.RestApi);

function failoverType(record: PolicyResource): string | undefined {
  return list(record.props, 'failoverRoutingPolicies')
    .map((p) => str(p, 'type'))
    .find((t) => t !== undefined);
}

function zoneKey(record: PolicyResource): string {
  const deps = record.propertyDependencies?.zoneId ?? [];
  if (deps.length > 0) return deps.map((d) => d.urn).join(',');
  return known(() => str(record.props, 'zoneId')) ?? '?';
}

/** Where a record points: its alias target name, else its record values (throws UnknownValueError when unknown). */
function aliasTarget(record: PolicyResource): string | undefined {
  const alias = list(record.props, 'aliases')
    .map((a) => str(a, 'name'))
    .find((n) => n !== undefined && n !== '');
  if (alias !== undefined) return alias;
  const values = strings(get(record.props, 'records'));
  return values.length > 0 ? values.join(',') : undefined;
}

export const route53FailoverPair: PackStackPolicy = {
  name: 'route53-failover-pair',
  description: 'Checks whether every failover record set is a complete PRIMARY/SECONDARY pair pointing at different targets, and that a two-region API is fronted by one.',
  enforcementLevel: 'mandatory',
  severity: 'critical',
  framework: pciDss('12.10.1', 'Incident response includes business recovery and continuity: traffic moves to the DR region automatically.'),
  remediationSteps:
    'Create exactly one PRIMARY (with the primary health check) and one SECONDARY aws.route53.Record for the API hostname, with distinct setIdentifiers, aliasing the regional API domains of the two regions.',
  tags: tags('DR-03', 'resilience'),
  subjects: [tokenOf(aws.route53.Record), tokenOf(aws.apigateway.RestApi)],
  configSchema: { properties: { ...regionSchema } },
  validateStack: (args, reportViolation) => {
    const config = regionConfig(args.getConfig<Partial<RegionConfig>>());
    const records = args.resources.filter((r) => r.type === RECORD_TYPE && known(() => failoverType(r)) !== undefined);
    const apiRegions = new Set(args.resources.filter((r) => r.type === REST_API_TYPE).map((r) => regionOf(r, config.primaryRegion)));
    if (records.length === 0) {
      if (apiRegions.has(config.primaryRegion) && apiRegions.has(config.drRegion)) {
        reportViolation(`Stack must front the API of ${config.primaryRegion} and ${config.drRegion} with a PRIMARY/SECONDARY failover record pair (none found; ${REGION_SETTINGS}).`);
      }
      return;
    }
    const groups = new Map<string, PolicyResource[]>();
    checkEach(records, (record) => {
      const key = `${str(record.props, 'name')} ${str(record.props, 'type')} in zone ${zoneKey(record)}`;
      groups.set(key, [...(groups.get(key) ?? []), record]);
    });
    checkEach(groups, ([key, group]) => {
      const hostname = key.split(' in zone ')[0];
      const primaries = group.filter((r) => failoverType(r) === 'PRIMARY');
      const secondaries = group.filter((r) => failoverType(r) === 'SECONDARY');
      if (primaries.length !== 1 || secondaries.length !== 1) {
        reportViolation(
          `Route 53 failover records for ${hostname} must be one PRIMARY and one SECONDARY, got ${primaries.length} PRIMARY and ${secondaries.length} SECONDARY.`,
          group[0].urn,
        );
        return;
      }
      const [p, s] = [primaries[0], secondaries[0]];
      checkAll(
        () => {
          if (str(p.props, 'setIdentifier') === str(s.props, 'setIdentifier')) {
            reportViolation(`Route 53 failover records for ${hostname} must have distinct setIdentifiers.`, s.urn);
          }
        },
        () => {
          const target = aliasTarget(p);
          if (target !== undefined && target === aliasTarget(s)) {
            reportViolation(`Route 53 failover records for ${hostname} must point at different regional targets (both point at ${target}).`, s.urn);
          }
        },
      );
    });
  },
};

export const resiliencePolicies = [resourceNotProtected, resourceNotRetainedOnDelete, noDeletionProtection, s3BucketForceDestroy, regionsAlike, route53FailoverPair];

/** Exposed for tests: whether a resource counts as regional with the default global types. */
export function isRegionalType(type: string): boolean {
  return PROVIDER_RESOURCE_TOKEN.test(type) && !DEFAULT_GLOBAL_TYPE_PREFIXES.some((p) => type.startsWith(p));
}

