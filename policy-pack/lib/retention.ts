/**
 * Log retention: PCI DSS v4.0 requirement 10.5.1 "Retain audit log history for at least 12 months,
 * with at least the most recent three months immediately available for analysis". CloudWatch Logs
 * accepts 365 as a retention value (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
 */
import type { PolicyConfigSchema } from '@pulumi/policy';

export const DEFAULT_MINIMUM_RETENTION_DAYS = 365;

export const minimumRetentionSchema: NonNullable<PolicyConfigSchema['properties']>[string] = {
  type: 'integer',
  default: DEFAULT_MINIMUM_RETENTION_DAYS,
  minimum: 1,
  description: 'Shortest accepted retention in days (PCI DSS 10.5.1: 12 months).',
};
