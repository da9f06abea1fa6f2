/**
 * Route 53 failover: an HTTPS health check on each region's real `/health`, PRIMARY and SECONDARY
 * failover records for the API hostname, and alarms on the health checks.
 *
 * - Custom domains on: A records aliasing each region's custom domain for the failover hostname
 *   (evaluate target health on); the answer's TTL is the alias target's.
 * - Custom domains off: CNAME records to each region's execute-api hostname with `dnsTtlSeconds`.
 * Route 53 publishes health-check metrics only in us-east-1, so the health-check alarms live
 * there whatever the primary region is.
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-configuring.html
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { resourceName } from '../naming';
import type { FailoverTarget } from './paymentApi';

/** Route 53 health-check metrics exist only in this region. */
export const HEALTH_CHECK_METRICS_REGION = 'us-east-1';

export interface FailoverEndpoint {
  /** PRIMARY or SECONDARY answer. */
  role: 'primary' | 'secondary';
  region: string;
  /** Host and path checked over HTTPS on port 443. */
  healthCheckFqdn: pulumi.Input<string>;
  healthCheckPath: string;
  /** What the failover record answers for this region. */
  target: FailoverTarget;
}

export interface DnsFailoverArgs {
  /** Environment suffix carried by every name. Required. */
  environmentSuffix: string;
  /** Hosted zone of the failover record. Required. */
  zoneId: pulumi.Input<string>;
  /** The failover hostname, e.g. `api.payments-dev.example.com`. Required. */
  hostname: string;
  /** Exactly one primary and one secondary endpoint. Required. */
  endpoints: FailoverEndpoint[];
  /** Route 53 request interval, 10 or 30 seconds. Default 10. */
  healthCheckIntervalSeconds?: number;
  /** Consecutive failures before unhealthy. Default 3. */
  healthCheckFailureThreshold?: number;
  /** TTL of CNAME answers (custom domains off). Default 60. */
  dnsTtlSeconds?: number;
  /** SNS topic in us-east-1 for the health-check alarms. Required. */
  alarmTopicArn: pulumi.Input<string>;
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class DnsFailover extends pulumi.ComponentResource {
  public readonly healthCheckIds: Record<'primary' | 'secondary', pulumi.Output<string>> = {} as Record<'primary' | 'secondary', pulumi.Output<string>>;
  public readonly healthCheckUrls: Record<'primary' | 'secondary', pulumi.Output<string>> = {} as Record<'primary' | 'secondary', pulumi.Output<string>>;
  /** Alarm ARNs by physical alarm name. */
  public readonly alarmArns: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: DnsFailoverArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:dns:DnsFailover', name, {}, opts);
    const roles = args.endpoints.map((e) => e.role).sort().join(',');
    if (roles !== 'primary,secondary') throw new Error(`DnsFailover needs exactly one primary and one secondary endpoint, got ${roles}`);
    const suffix = args.environmentSuffix;

    for (const endpoint of args.endpoints) {
      const healthCheck = new aws.route53.HealthCheck(
        `${name}-${endpoint.role}-health-check`,
        {
          type: 'HTTPS',
          fqdn: endpoint.healthCheckFqdn,
          port: 443,
          resourcePath: endpoint.healthCheckPath,
          requestInterval: args.healthCheckIntervalSeconds ?? 10,
          failureThreshold: args.healthCheckFailureThreshold ?? 3,
          enableSni: true,
          measureLatency: true,
          tags: pulumi.output(args.tags ?? {}).apply((t) => ({ ...t, Name: resourceName(`${endpoint.role}-health-check`, suffix, endpoint.region) })),
        },
        { parent: this },
      );
      this.healthCheckIds[endpoint.role] = healthCheck.id;
      this.healthCheckUrls[endpoint.role] = pulumi.interpolate`https://${endpoint.healthCheckFqdn}${endpoint.healthCheckPath}`;

      const failover = endpoint.role === 'primary' ? 'PRIMARY' : 'SECONDARY';
      const common = {
        zoneId: args.zoneId,
        name: args.hostname,
        setIdentifier: `${endpoint.role}-${endpoint.region}`,
        failoverRoutingPolicies: [{ type: failover }],
        healthCheckId: healthCheck.id,
      };
      new aws.route53.Record(
        `${name}-${endpoint.role}-record`,
        endpoint.target.kind === 'alias'
          ? { ...common, type: 'A', aliases: [{ name: endpoint.target.name, zoneId: endpoint.target.zoneId, evaluateTargetHealth: true }] }
          : { ...common, type: 'CNAME', ttl: args.dnsTtlSeconds ?? 60, records: [endpoint.target.name] },
        { parent: this },
      );

      const alarmName = resourceName(`${endpoint.role}-health-check-failed`, suffix, HEALTH_CHECK_METRICS_REGION);
      const alarm = new aws.cloudwatch.MetricAlarm(
        `${name}-${endpoint.role}-health-alarm`,
        {
          region: HEALTH_CHECK_METRICS_REGION,
          name: alarmName,
          alarmDescription:
            endpoint.role === 'primary'
              ? `Route 53 sees the primary (${endpoint.region}) as unhealthy: traffic is failing over to the secondary (runbook: primary health check)`
              : `Route 53 sees the secondary (${endpoint.region}) as unhealthy: there is no healthy standby (runbook: secondary health check)`,
          namespace: 'AWS/Route53',
          metricName: 'HealthCheckStatus',
          dimensions: { HealthCheckId: healthCheck.id },
          statistic: 'Minimum',
          period: 60,
          evaluationPeriods: 1,
          threshold: 1,
          comparisonOperator: 'LessThanThreshold',
          // A health check that reports nothing is as bad as one that fails.
          treatMissingData: 'breaching',
          alarmActions: [args.alarmTopicArn],
          okActions: [args.alarmTopicArn],
          tags: args.tags,
        },
        { parent: this },
      );
      this.alarmArns[alarmName] = alarm.arn;
    }
    this.registerOutputs({ healthCheckIds: this.healthCheckIds, healthCheckUrls: this.healthCheckUrls });
  }
}
