/**
 * DynamoDB: the payments global table.
 */
import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { PackResourcePolicy, pciDss, tags } from './lib/policy';
import { checkAll, checkEach } from './lib/preview';
import { bool } from './lib/props';
import { DR_REGION_SETTING, RegionConfig, regionConfig, regionOf, regionSchema } from './lib/stack';

export const dynamodbOnDemandBilling: PackResourcePolicy = {
  name: 'dynamodb-on-demand-billing',
  description: 'Checks whether DynamoDB tables use on-demand (PAY_PER_REQUEST) capacity.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('12.10.1', 'An incident response plan exists and is ready to be activated; a failover must not be throttled by provisioned capacity sized for one region.'),
  remediationSteps: 'Set `billingMode: "PAY_PER_REQUEST"` on the aws.dynamodb.Table and remove readCapacity/writeCapacity.',
  tags: tags('CAP-01', 'database'),
  validateResource: validateResourceOfType(aws.dynamodb.Table, (table, _args, reportViolation) => {
    if (table.billingMode !== 'PAY_PER_REQUEST') {
      reportViolation(`DynamoDB table must use on-demand billing (billingMode PAY_PER_REQUEST), got ${table.billingMode ?? 'PROVISIONED (default)'}.`);
    }
  }),
};

export const dynamodbPointInTimeRecovery: PackResourcePolicy = {
  name: 'dynamodb-point-in-time-recovery',
  description: 'Checks whether DynamoDB tables and every one of their replicas have point-in-time recovery enabled.',
  enforcementLevel: 'mandatory',
  severity: 'critical',
  framework: pciDss('12.10.1', 'Incident response includes business recovery and continuity procedures, data backup processes.'),
  remediationSteps: 'Set `pointInTimeRecovery: { enabled: true }` on the table and `pointInTimeRecovery: true` on every entry of `replicas`.',
  tags: tags('DR-02', 'database'),
  validateResource: validateResourceOfType(aws.dynamodb.Table, (table, _args, reportViolation) => {
    checkAll(
      () => {
        if (table.pointInTimeRecovery?.enabled !== true) {
          reportViolation('DynamoDB table must enable point-in-time recovery (pointInTimeRecovery.enabled true).');
        }
      },
      () =>
        checkEach(table.replicas ?? [], (replica) => {
          if (replica.pointInTimeRecovery !== true) {
            reportViolation(`DynamoDB replica in ${replica.regionName} must enable point-in-time recovery (replicas[].pointInTimeRecovery true).`);
          }
        }),
    );
  }),
};

export const dynamodbReplicaPointInTimeRecovery: PackResourcePolicy = {
  name: 'dynamodb-replica-point-in-time-recovery',
  description: 'Checks whether DynamoDB replicas declared as separate aws.dynamodb.TableReplica resources have point-in-time recovery enabled.',
  enforcementLevel: 'mandatory',
  severity: 'critical',
  framework: pciDss('12.10.1', 'Incident response includes business recovery and continuity procedures, data backup processes.'),
  remediationSteps: 'Set `pointInTimeRecovery: true` on the aws.dynamodb.TableReplica.',
  tags: tags('DR-02', 'database'),
  validateResource: validateResourceOfType(aws.dynamodb.TableReplica, (replica, _args, reportViolation) => {
    if (replica.pointInTimeRecovery !== true) {
      reportViolation('DynamoDB table replica must enable point-in-time recovery (pointInTimeRecovery true).');
    }
  }),
};

export const dynamodbReplicatedToDr: PackResourcePolicy = {
  name: 'dynamodb-replicated-to-dr-region',
  description: 'Checks whether DynamoDB tables are global tables with a replica in the disaster-recovery region.',
  enforcementLevel: 'mandatory',
  severity: 'critical',
  framework: pciDss('12.10.1', 'Incident response includes business recovery and continuity procedures, data backup processes.'),
  remediationSteps: 'Add `{ regionName: "<DR region>", pointInTimeRecovery: true }` to the table\'s `replicas` (streams NEW_AND_OLD_IMAGES are required).',
  tags: tags('DR-01', 'database'),
  configSchema: { properties: { ...regionSchema } },
  validateResource: validateResourceOfType(aws.dynamodb.Table, (table, args, reportViolation) => {
    const { primaryRegion, drRegion } = regionConfig(args.getConfig<Partial<RegionConfig>>());
    const tableRegion = regionOf(args, primaryRegion);
    if (tableRegion === drRegion) return; // a table homed in the DR region replicates the other way
    checkAll(
      () => {
        const regions = (table.replicas ?? []).map((r) => r.regionName);
        if (!regions.includes(drRegion)) {
          reportViolation(`DynamoDB table must be replicated to the DR region ${drRegion} (replicas: ${regions.length > 0 ? regions.join(', ') : 'none'}; ${DR_REGION_SETTING}).`);
        }
      },
      () => {
        if (bool(args.props, 'streamEnabled') !== true) {
          reportViolation('DynamoDB table must enable streams (streamEnabled true) to replicate as a global table.');
        }
      },
    );
  }),
};

export const databasePolicies = [dynamodbOnDemandBilling, dynamodbPointInTimeRecovery, dynamodbReplicaPointInTimeRecovery, dynamodbReplicatedToDr];
