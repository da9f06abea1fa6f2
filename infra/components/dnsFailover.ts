/**
 * Route 53 failover: an HTTPS health check on each region's real `/health`, PRIMARY and SECONDARY
 * failover records for the API hostname, and alarms on the health checks.
 *
 * - Records exist only with regional custom domains: A records aliasing each region's custom
 *   domain for the failover hostname (evaluate target health on; the answer's TTL is the alias
 *   target's). Without custom domains there are NO failover records: an execute-api endpoint
 *   cannot serve another hostname over HTTPS, so such a record would publish a name no client can
 *   call. There is never a CNAME at the failover hostname, so switching custom domains on or off
 *   only creates or deletes A records: Route 53 refuses a CNAME beside any other type at one name
 *   (InvalidChangeBatch "conflicting RRSet"), and the engine creates replacements before it
 *   deletes. https://www.rfc-editor.org/rfc/rfc1034#section-3.6.2
 *   https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/ResourceRecordTypes.html#CNAMEFormat
 * - The PRIMARY record is gated by a CALCULATED health check: healthy only while the primary's
 *   HTTPS check AND the DR region's failover switch (and the ARC routing control, if enabled) are
 *   healthy (failoverControl.ts). Failing over therefore needs only the DR region's CloudWatch and
 *   Route 53's data plane. https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-creating-values.html#health-checks-creating-values-calculated
 * Route 53 publishes health-check metrics only in us-east-1, so the health-check alarms live
 * there whatever the primary region is; they inform, the DR region's probe alarm is the one the
 * runbook relies on.
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-configuring.html
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { resourceName } from '../naming';
import { notifyingAlarm, type AlarmOwner } from './alarms';
import type { RegionalAliasTarget } from './paymentApi';

/** Route 53 health-check metrics exist only in this region. */
export const HEALTH_CHECK_METRICS_REGION = 'us-east-1';

export interface FailoverEndpoint {
  /** PRIMARY or SECONDARY answer. */
  role: 'primary' | 'secondary';
  region: string;
  /** Host and path checked over HTTPS on port 443. */
  healthCheckFqdn: pulumi.Input<string>;
  healthCheckPath: string;
  /** Route 53's AliasTarget of this endpoint's failover record (the regional custom domain); absent: no failover records at all. */
  aliasTarget?: RegionalAliasTarget;
}

/** The standby-takes-over switch the primary's record is gated on. */
export interface FailoverSwitch {
  /** CloudWatch alarm (in `region`, the DR region) whose ALARM state moves traffic off the primary. */
  alarmName: pulumi.Input<string>;
  region: string;
  /** ARC routing control that must be On for the primary to serve. Default none. */
  routingControlArn?: pulumi.Input<string>;
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
  /** Route 53 request interval, 10 or 30 seconds (the stack setting). Required. */
  healthCheckIntervalSeconds: number;
  /** Consecutive failures before unhealthy (the stack setting). Required. */
  healthCheckFailureThreshold: number;
  /** The DR region's failover switch gating the primary record. Required. */
  failoverSwitch: FailoverSwitch;
  /** SNS topic in us-east-1 for the health-check alarms. Required. */
  alarmTopicArn: pulumi.Input<string>;
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class DnsFailover extends pulumi.ComponentResource {
  public readonly healthCheckIds: Record<'primary' | 'secondary', pulumi.Output<string>> = {} as Record<'primary' | 'secondary', pulumi.Output<string>>;
  public readonly healthCheckUrls: Record<'primary' | 'secondary', pulumi.Output<string>> = {} as Record<'primary' | 'secondary', pulumi.Output<string>>;
  /** The calculated check that gates the PRIMARY record. */
  public readonly primaryGateHealthCheckId!: pulumi.Output<string>;
  /** Whether failover records exist (every endpoint has a target). */
  public readonly recordsCreated: boolean;
  /** Alarm ARNs by physical alarm name. */
  public readonly alarmArns: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: DnsFailoverArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:dns:DnsFailover', name, {}, opts);
    const roles = args.endpoints.map((e) => e.role).sort().join(',');
    if (roles !== 'primary,secondary') throw new Error(`DnsFailover needs exactly one primary and one secondary endpoint, got ${roles}`);
    const suffix = args.environmentSuffix;
    const withRecords = args.endpoints.every((e) => e.aliasTarget !== undefined);
    this.recordsCreated = withRecords;
    const tagged = (name: string) => pulumi.output(args.tags ?? {}).apply((t) => ({ ...t, Name: name }));

    // The switch: healthy while the DR region's switch alarm is OK. Insufficient data keeps the
    // last known status (a new check starts healthy).
    const switchCheck = new aws.route53.HealthCheck(
      `${name}-switch-health-check`,
      {
        type: 'CLOUDWATCH_METRIC',
        cloudwatchAlarmName: args.failoverSwitch.alarmName,
        cloudwatchAlarmRegion: args.failoverSwitch.region,
        insufficientDataHealthStatus: 'LastKnownStatus',
        tags: tagged(resourceName('failover-switch-health-check', suffix, args.failoverSwitch.region)),
      },
      { parent: this },
    );
    const gateChildren: pulumi.Output<string>[] = [switchCheck.id];
    if (args.failoverSwitch.routingControlArn !== undefined) {
      const arcCheck = new aws.route53.HealthCheck(
        `${name}-routing-control-health-check`,
        { type: 'RECOVERY_CONTROL', routingControlArn: args.failoverSwitch.routingControlArn, tags: tagged(resourceName('primary-serving-health-check', suffix)) },
        { parent: this },
      );
      gateChildren.push(arcCheck.id);
    }

    const alarmOwner: AlarmOwner = { parent: this, region: HEALTH_CHECK_METRICS_REGION, topicArn: args.alarmTopicArn, tags: args.tags, alarmArns: this.alarmArns };
    for (const endpoint of args.endpoints) {
      const healthCheck = new aws.route53.HealthCheck(
        `${name}-${endpoint.role}-health-check`,
        {
          type: 'HTTPS',
          fqdn: endpoint.healthCheckFqdn,
          port: 443,
          resourcePath: endpoint.healthCheckPath,
          requestInterval: args.healthCheckIntervalSeconds,
          failureThreshold: args.healthCheckFailureThreshold,
          enableSni: true,
          measureLatency: true,
          tags: tagged(resourceName(`${endpoint.role}-health-check`, suffix, endpoint.region)),
        },
        { parent: this },
      );
      this.healthCheckIds[endpoint.role] = healthCheck.id;
      this.healthCheckUrls[endpoint.role] = pulumi.interpolate`https://${endpoint.healthCheckFqdn}${endpoint.healthCheckPath}`;

      let recordCheckId: pulumi.Output<string> = healthCheck.id;
      if (endpoint.role === 'primary') {
        const children = [healthCheck.id, ...gateChildren];
        const gate = new aws.route53.HealthCheck(
          `${name}-primary-gate-health-check`,
          {
            type: 'CALCULATED',
            childHealthchecks: children,
            // Healthy only while every child is: the primary's /health, the switch, ARC if enabled.
            childHealthThreshold: children.length,
            tags: tagged(resourceName('primary-gate-health-check', suffix, endpoint.region)),
          },
          { parent: this },
        );
        this.primaryGateHealthCheckId = gate.id;
        recordCheckId = gate.id;
      }
      if (endpoint.aliasTarget !== undefined && withRecords) {
        new aws.route53.Record(
          `${name}-${endpoint.role}-record`,
          {
            zoneId: args.zoneId,
            name: args.hostname,
            setIdentifier: `${endpoint.role}-${endpoint.region}`,
            failoverRoutingPolicies: [{ type: endpoint.role === 'primary' ? 'PRIMARY' : 'SECONDARY' }],
            healthCheckId: recordCheckId,
            type: 'A',
            aliases: [{ name: endpoint.aliasTarget.name, zoneId: endpoint.aliasTarget.zoneId, evaluateTargetHealth: true }],
          },
          { parent: this },
        );
      }

      notifyingAlarm(alarmOwner, `${name}-${endpoint.role}-health-alarm`, resourceName(`${endpoint.role}-health-check-failed`, suffix, HEALTH_CHECK_METRICS_REGION), {
        alarmDescription:
          endpoint.role === 'primary'
            ? `Route 53 sees the primary (${endpoint.region}) as unhealthy: traffic is failing over to the DR region (runbook: primary health check)`
            : `Route 53 sees the DR region (${endpoint.region}) as unhealthy: there is no healthy standby (runbook: secondary health check)`,
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
      });
    }
    this.registerOutputs({ healthCheckIds: this.healthCheckIds, healthCheckUrls: this.healthCheckUrls });
  }
}

/** One DNS record set as declared: its owner name and type. */
export interface DeclaredRecordSet {
  name: string;
  type: string;
}

/**
 * Names at which a CNAME would sit beside another record set of any type: Route 53 refuses such a
 * change batch (InvalidChangeBatch "RRSet of type CNAME ... conflicts"), RFC 1034 section 3.6.2.
 * Used on the union of two configurations' records, which is what exists while the engine
 * applies a change: it creates (and replaces create-before-delete) before it deletes.
 * https://www.pulumi.com/docs/iac/concepts/options/deletebeforereplace/
 */
export function cnameConflicts(records: DeclaredRecordSet[]): string[] {
  const byName = new Map<string, Set<string>>();
  for (const r of records) {
    const key = r.name.toLowerCase().replace(/\.$/, '');
    byName.set(key, (byName.get(key) ?? new Set()).add(r.type));
  }
  return [...byName].filter(([, types]) => types.has('CNAME') && types.size > 1).map(([name]) => name).sort();
}
