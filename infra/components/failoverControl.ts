/**
 * The standby-takes-over failover control, entirely in the DR region ("standby takes over primary",
 * aws-samples/multi-region-failover-pattern-standby-takes-over-primary):
 *
 * - the FAILOVER SWITCH: a CloudWatch alarm in the DR region on the metric
 *   `PaymentsDR/Failover FailoverToSecondary` (dimension `Stack`). An operator (or automation)
 *   publishes 1 to fail over and 0 to fail back with `cloudwatch put-metric-data` in the DR region.
 *   Missing data keeps the last state (`treatMissingData: ignore`), so the switch is sticky. A
 *   Route 53 health check of type CLOUDWATCH_METRIC watches this alarm, and the primary's failover
 *   record is gated on it (dnsFailover.ts). Route 53 health checks are part of Route 53's data
 *   plane, so neither the primary region nor us-east-1's control planes are needed to fail over.
 *   https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-types.html
 *   https://docs.aws.amazon.com/r53recovery/latest/dg/route53-arc-best-practices.html (data plane, not control plane)
 * - the PEER PROBES (PeerProbe below, one per region): a function that calls the OTHER region's
 *   /health every minute; in the DR region its failed invocations alarm there
 *   (`primary-unreachable-from-<dr>`), notifying the DR region's topic, so the DR region learns of
 *   the primary's failure by itself. Route 53's own health-check metrics exist only in us-east-1,
 *   the primary. The primary runs the mirror probe of the DR region (the standby's health, from
 *   outside it, without us-east-1's Route 53 metrics either).
 * - optionally Route 53 Application Recovery Controller (ARC) routing controls, the managed
 *   alternative: a cluster (USD 2.50 per hour, about USD 1,800 per month) with five regional data
 *   plane endpoints, one control panel and one routing control `primary-serving`; the primary's
 *   record is then also gated on a RECOVERY_CONTROL health check. A new routing control is Off:
 *   the runbook turns it On after the first deploy.
 *   https://aws.amazon.com/application-recovery-controller/pricing/
 *   https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.html
 */
import { buildSync } from 'esbuild';
import { join } from 'node:path';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { BUNDLE_OPTIONS } from '../lambda/build';
import { resourceName } from '../naming';
import { anyOccurrence, notifyingAlarm, type AlarmOwner } from './alarms';
import { PaymentFunction } from './paymentFunction';

/** The failover switch's metric (published in the DR region). */
export const FAILOVER_SWITCH_METRIC = { namespace: 'PaymentsDR/Failover', metricName: 'FailoverToSecondary', dimension: 'Stack' } as const;
/** Probe schedule: EventBridge's shortest rate. */
export const PROBE_SCHEDULE = 'rate(1 minute)';
/** The probe alarm fires after this many failed minutes out of `PROBE_ALARM_EVALUATION_PERIODS`. */
export const PROBE_ALARM_DATAPOINTS = 2;
export const PROBE_ALARM_EVALUATION_PERIODS = 3;

let probeCode: string | undefined;
/** The probe's bundled `index.js` (esbuild, the handlers' options). */
export function healthProbeArchive(): pulumi.asset.AssetArchive {
  if (probeCode === undefined) {
    const out = buildSync({ ...BUNDLE_OPTIONS, entryPoints: [join(__dirname, '..', 'probe', 'healthProbe.ts')], outfile: 'index.js' });
    const file = out.outputFiles?.[0];
    if (file === undefined) throw new Error('esbuild produced no output for the primary probe');
    probeCode = file.text;
  }
  return new pulumi.asset.AssetArchive({ 'index.js': new pulumi.asset.StringAsset(probeCode) });
}

export interface StandbyFailoverControlArgs {
  /** The DR (standby) region: every resource here lives there. Required. */
  region: string;
  /** The primary region (names and descriptions). Required. */
  primaryRegion: string;
  /** Environment suffix carried by every name. Required. */
  environmentSuffix: string;
  /** The DR region's alarm topic. Required. */
  alarmTopicArn: pulumi.Input<string>;
  /** Add ARC routing controls (the stack setting `arcRoutingControlEnabled`). Required. */
  arcRoutingControlEnabled: boolean;
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class StandbyFailoverControl extends pulumi.ComponentResource {
  /** The alarm a Route 53 CLOUDWATCH_METRIC health check watches (in `region`). */
  public readonly switchAlarm: aws.cloudwatch.MetricAlarm;
  public readonly switchAlarmName: string;
  /** ARC routing control ARN, when enabled. */
  public readonly routingControlArn?: pulumi.Output<string>;
  /** ARC cluster data plane endpoints, when enabled. */
  public readonly arcClusterEndpoints?: pulumi.Output<{ region: string; endpoint: string }[]>;
  /** Alarm ARNs by physical alarm name. */
  public readonly alarmArns: Record<string, pulumi.Output<string>> = {};
  /** What an operator publishes, for the outputs and the runbook. */
  public readonly switchMetric: { region: string; namespace: string; metricName: string; dimensions: Record<string, string> };

  constructor(name: string, args: StandbyFailoverControlArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:dns:StandbyFailoverControl', name, {}, opts);
    const { region, environmentSuffix: suffix } = args;
    const dimensions = { [FAILOVER_SWITCH_METRIC.dimension]: suffix };
    this.switchMetric = { region, namespace: FAILOVER_SWITCH_METRIC.namespace, metricName: FAILOVER_SWITCH_METRIC.metricName, dimensions };

    this.switchAlarmName = resourceName('failover-switch', suffix, region);
    const owner: AlarmOwner = { parent: this, region, topicArn: args.alarmTopicArn, tags: args.tags, alarmArns: this.alarmArns };
    this.switchAlarm = notifyingAlarm(owner, `${name}-switch`, this.switchAlarmName, {
      alarmDescription: `Failover switch: ALARM means traffic is moved off the primary (${args.primaryRegion}) to ${region}; publish 0 to fail back (runbook: failover)`,
      namespace: FAILOVER_SWITCH_METRIC.namespace,
      metricName: FAILOVER_SWITCH_METRIC.metricName,
      dimensions,
      // Route 53 supports standard-resolution metrics and the Average/Minimum/Maximum/Sum/SampleCount statistics.
      // https://docs.aws.amazon.com/Route53/latest/APIReference/API_AlarmIdentifier.html
      statistic: 'Maximum',
      period: 60,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'ignore',
    });

    if (args.arcRoutingControlEnabled) {
      // ARC's control plane API is in us-west-2 only; its data plane (routing control state) is
      // served by the cluster's five regional endpoints, which the runbook uses.
      const cluster = new aws.route53recoverycontrol.Cluster(`${name}-arc-cluster`, { name: resourceName('payments-arc', suffix) }, { parent: this });
      const panel = new aws.route53recoverycontrol.ControlPanel(
        `${name}-arc-panel`,
        { name: resourceName('payments-failover', suffix), clusterArn: cluster.arn },
        { parent: this },
      );
      const control = new aws.route53recoverycontrol.RoutingControl(
        `${name}-arc-primary-serving`,
        { name: resourceName('primary-serving', suffix), clusterArn: cluster.arn, controlPanelArn: panel.arn },
        { parent: this },
      );
      this.routingControlArn = control.arn;
      this.arcClusterEndpoints = cluster.clusterEndpoints.apply((list) => (list ?? []).map((e) => ({ region: e.region ?? '', endpoint: e.endpoint ?? '' })));
    }
    this.registerOutputs({ switchAlarmName: this.switchAlarmName });
  }
}

export interface PeerProbeArgs {
  /** Region of the probe, its schedule and alarms. Required. */
  region: string;
  /** The region probed (names and descriptions). Required. */
  peerRegion: string;
  /** `primary` or `secondary`: the role of the region probed (alarm names). Required. */
  peerRole: 'primary' | 'secondary';
  /** Environment suffix carried by every name. Required. */
  environmentSuffix: string;
  /** https URL of the peer's /health. Required. */
  peerHealthUrl: pulumi.Input<string>;
  /** This region's alarm topic. Required. */
  alarmTopicArn: pulumi.Input<string>;
  /** Log retention of the probe, days (the stack setting `logRetentionDays`). Required. */
  logRetentionDays: number;
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * A scheduled probe in `region` of the peer region's /health (infra/probe/healthProbe.ts), with
 * alarms in `region` on its failed and throttled invocations. Needs nothing outside `region`.
 */
export class PeerProbe extends pulumi.ComponentResource {
  public readonly probe: PaymentFunction;
  /** `<peerRole>-unreachable-from-<region>-<suffix>-<region>` */
  public readonly probeAlarmName: string;
  /** Alarm ARNs by physical alarm name. */
  public readonly alarmArns: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: PeerProbeArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:dns:PeerProbe', name, {}, opts);
    const { region, environmentSuffix: suffix } = args;
    this.probe = new PaymentFunction(
      `${name}-function`,
      {
        region,
        functionName: resourceName('peer-probe', suffix, region),
        code: healthProbeArchive(),
        environment: { PROBE_URL: args.peerHealthUrl, PROBE_TIMEOUT_MS: '2000' },
        statements: [],
        memorySize: 256,
        timeout: 5,
        logRetentionDays: args.logRetentionDays,
        tags: args.tags,
      },
      { parent: this },
    );
    const rule = new aws.cloudwatch.EventRule(
      `${name}-probe-schedule`,
      { region, name: resourceName('peer-probe-schedule', suffix, region), scheduleExpression: PROBE_SCHEDULE, tags: args.tags },
      { parent: this },
    );
    const permission = new aws.lambda.Permission(
      `${name}-probe-invoke`,
      { region, action: 'lambda:InvokeFunction', function: this.probe.functionName, principal: 'events.amazonaws.com', sourceArn: rule.arn },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(
      `${name}-probe-target`,
      // One try per minute: a retried probe would only blur the per-minute signal.
      { region, rule: rule.name, arn: this.probe.functionArn, retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 } },
      { parent: this, dependsOn: [permission] },
    );
    this.probeAlarmName = resourceName(`${args.peerRole}-unreachable-from-${region}`, suffix, region);
    const owner: AlarmOwner = { parent: this, region, topicArn: args.alarmTopicArn, tags: args.tags, alarmArns: this.alarmArns };
    notifyingAlarm(owner, `${name}-probe-alarm`, this.probeAlarmName, {
      alarmDescription: `${region} cannot reach the ${args.peerRole}'s /health (${args.peerRegion}) within 2 s (runbook: ${args.peerRole} unreachable)`,
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: this.probe.functionName },
      statistic: 'Sum',
      period: 60,
      evaluationPeriods: PROBE_ALARM_EVALUATION_PERIODS,
      datapointsToAlarm: PROBE_ALARM_DATAPOINTS,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      // Lambda publishes Errors (0 when clean) for every minute the probe runs: no data means no probe.
      treatMissingData: 'breaching',
    });
    // A throttled probe is a blind DR region: alarm on it like on every function.
    notifyingAlarm(owner, `${name}-probe-throttles`, resourceName('peer-probe-throttles', suffix, region), {
      alarmDescription: `${region}'s probe of the ${args.peerRole} (${args.peerRegion}) was throttled (runbook: Lambda throttles)`,
      ...anyOccurrence({ namespace: 'AWS/Lambda', metricName: 'Throttles', dimensions: { FunctionName: this.probe.functionName } }),
    });

    this.registerOutputs({ probeAlarmName: this.probeAlarmName });
  }
}
