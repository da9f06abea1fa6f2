/**
 * The DR stack: wires the global components (table, hosted zone, DNS failover, S3 replication)
 * and one RegionalDeployment per region. `index.ts` only re-exports `outputs`.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { assertWithinDrObjectives, computeDrBudget, drBudgetWarnings } from './budget';
import { AlarmTopic } from './components/alarmTopic';
import { ApiGatewayAccount } from './components/apiGatewayAccount';
import { CrossRegionReplication } from './components/bucketReplication';
import { DnsFailover, HEALTH_CHECK_METRICS_REGION } from './components/dnsFailover';
import { PeerProbe, StandbyFailoverControl } from './components/failoverControl';
import { HostedZone } from './components/dnsZone';
import { FORMER_CREDENTIALS_TABLE_TYPE, GlobalTable } from './components/globalTable';
import { RegionalDeployment } from './components/region';
import { settings } from './config';
import { HANDLERS, TRANSACTION_LOG_PREFIX, TTL_ATTRIBUTE, type HandlerName } from '../contract';
import { handlerArchive } from './lambdaCode';
import { failoverHostname, parameterPath, resourceName } from './naming';
import { PROJECT } from './settings';

// Refuse, at preview, a configuration whose failover or data-loss budget exceeds the objectives.
const budget = assertWithinDrObjectives(computeDrBudget(settings), settings);
// Say at preview what this configuration gives up (eventual consistency: no RPO bound).
for (const warning of drBudgetWarnings(budget)) void pulumi.log.warn(warning);

const suffix = settings.environmentSuffix;
const tags = { Project: PROJECT, Environment: suffix };
const accountId = aws.getCallerIdentityOutput({}).accountId;
const regions = [
  { region: settings.primaryRegion, role: 'primary' as const },
  { region: settings.drRegion, role: 'secondary' as const },
];

// Every table of the stack: the same replica regions, consistency mode, PITR and on-demand capacity.
const tableLayout = {
  primaryRegion: settings.primaryRegion,
  replicaRegions: [settings.drRegion],
  consistencyMode: settings.consistencyMode,
  witnessRegion: settings.witnessRegion,
  tags,
};
const table = new GlobalTable('payments', { ...tableLayout, tableName: resourceName('payments-table', suffix), ttlAttribute: TTL_ATTRIBUTE });

// Merchant credentials (hashes only), laid out like the payments table so a credential works in both
// regions. Declared before as its own component type: the alias keeps its URN (and its table's), so
// `pulumi up` updates the live table in place instead of replacing it.
const credentials = new GlobalTable(
  'merchant-credentials',
  { ...tableLayout, tableName: resourceName('merchant-credentials', suffix) },
  { aliases: [{ type: FORMER_CREDENTIALS_TABLE_TYPE }] },
);

const zone = new HostedZone('payments-dns', { domainName: settings.domainName, tags });

// Bundled once, deployed to both regions.
const code = {} as Record<HandlerName, pulumi.asset.Archive>;
for (const handler of HANDLERS) code[handler] = handlerArchive(handler);

// API Gateway's CloudWatch role is one setting per account and region: set here only on request,
// otherwise read (see apiGatewayAccount.ts and the README's one-time bootstrap).
const apiGatewayAccount = new ApiGatewayAccount('apigateway-account', {
  manage: settings.manageApiGatewayAccount,
  accountId,
  environmentSuffix: suffix,
  regions: regions.map((r) => r.region),
  tags,
});

// Each region's transaction log reads its OWN replica's stream (local and replicated writes):
// the primary's is the table's `streamArn`, a replica's is `replicas[].streamArn`
// (terraform-provider-aws internal/service/dynamodb/table.go, replica `stream_arn`, computed by
// AWS: unknown until the replica exists, like the table's own `streamArn`).
const streamArnOf = (region: string): pulumi.Output<string> =>
  region === settings.primaryRegion
    ? table.streamArn
    : (table.table.replicas.apply((replicas) => replicas?.find((r) => r.regionName === region)?.streamArn) as pulumi.Output<string>);

const deployments: RegionalDeployment[] = [];
for (const { region, role } of regions) {
  deployments.push(
    new RegionalDeployment(`payments-${region}`, {
      region,
      role,
      settings,
      accountId,
      tableName: table.tableName,
      peerRegions: regions.map((r) => r.region).filter((r) => r !== region),
      streamArn: streamArnOf(region),
      credentialsTableName: credentials.tableName,
      code,
      hostedZoneId: settings.customDomainsEnabled ? zone.zoneId : undefined,
      // One owner (the primary) for the failover hostname's ACM validation record.
      failoverValidationRecord: deployments[0]?.api.failoverValidationRecord,
      loggingPrerequisites: [apiGatewayAccount.accounts[region]],
    }, { dependsOn: [table.table, credentials.table] }),
  );
}
const [primary, dr] = deployments;

const replication = new CrossRegionReplication('transaction-logs', {
  environmentSuffix: suffix,
  objectPrefix: TRANSACTION_LOG_PREFIX,
  buckets: deployments.map((d) => ({
    region: d.region,
    bucketName: d.bucket.bucketName,
    bucketArn: d.bucket.bucketArn,
    versioning: d.bucket.versioning,
    alarmTopicArn: d.alarmTopic.topicArn,
  })),
  tags,
});

// Route 53 health-check metrics (and so their alarms) exist only in us-east-1.
const healthAlarmTopicArn =
  deployments.find((d) => d.region === HEALTH_CHECK_METRICS_REGION)?.alarmTopic.topicArn ??
  new AlarmTopic('payments-dns-alarms', {
    region: HEALTH_CHECK_METRICS_REGION,
    topicName: resourceName('payments-dns-alarms', suffix, HEALTH_CHECK_METRICS_REGION),
    accountId,
    alarmEmail: settings.alarmEmail,
    tags,
  }).topicArn;

// Standby takes over: the failover switch and the probe of the primary live in the DR region.
const failoverControl = new StandbyFailoverControl('payments-failover-control', {
  region: dr.region,
  primaryRegion: primary.region,
  environmentSuffix: suffix,
  alarmTopicArn: dr.alarmTopic.topicArn,
  arcRoutingControlEnabled: settings.arcRoutingControlEnabled,
  tags,
});
// Each region probes the other's /health from outside it; the DR region's probe is how it learns
// of the primary's failure without the primary region or us-east-1.
const probes = deployments.map((d, i) => {
  const peer = deployments[1 - i];
  return new PeerProbe(`payments-${d.region}-peer-probe`, {
    region: d.region,
    peerRegion: peer.region,
    peerRole: regions[1 - i].role,
    environmentSuffix: suffix,
    peerHealthUrl: pulumi.interpolate`https://${peer.api.healthCheckFqdn}${peer.api.healthCheckPath}`,
    alarmTopicArn: d.alarmTopic.topicArn,
    logRetentionDays: settings.logRetentionDays,
    tags,
  });
});
const drProbe = probes[1];

const failover = new DnsFailover('payments-failover', {
  environmentSuffix: suffix,
  zoneId: zone.zoneId,
  hostname: failoverHostname(settings.domainName),
  endpoints: deployments.map((d, i) => ({
    role: regions[i].role,
    region: d.region,
    healthCheckFqdn: d.api.healthCheckFqdn,
    healthCheckPath: d.api.healthCheckPath,
    aliasTarget: d.api.failoverAliasTarget,
  })),
  healthCheckIntervalSeconds: settings.healthCheckIntervalSeconds,
  healthCheckFailureThreshold: settings.healthCheckFailureThreshold,
  failoverSwitch: { alarmName: failoverControl.switchAlarm.name, region: dr.region, routingControlArn: failoverControl.routingControlArn },
  alarmTopicArn: healthAlarmTopicArn,
  tags,
});

const byRegion = <T>(pick: (d: RegionalDeployment) => T): Record<string, T> => Object.fromEntries(deployments.map((d) => [d.region, pick(d)]));

/** The stack outputs (the live verification target and the runbook read them). */
export const outputs = {
  primaryRegion: settings.primaryRegion,
  drRegion: settings.drRegion,
  primaryApiUrl: primary.api.endpointUrl,
  drApiUrl: dr.api.endpointUrl,
  primaryInvokeUrl: primary.api.invokeUrl,
  drInvokeUrl: dr.api.invokeUrl,
  // Only a custom domain serves the failover hostname over HTTPS: without one, nothing to publish.
  failoverApiUrl: failover.recordsCreated ? `https://${failoverHostname(settings.domainName)}` : undefined,
  healthCheckUrls: failover.healthCheckUrls,
  healthCheckIds: failover.healthCheckIds,
  // The DR region's failover switch: publish 1 (fail over) or 0 (fail back) there; see the runbook.
  failoverSwitch: {
    ...failoverControl.switchMetric,
    alarmName: failoverControl.switchAlarmName,
    probeAlarmName: drProbe.probeAlarmName,
    primaryGateHealthCheckId: failover.primaryGateHealthCheckId,
    routingControlArn: failoverControl.routingControlArn,
    arcClusterEndpoints: failoverControl.arcClusterEndpoints,
  },
  alarmArns: pulumi.output({
    ...failover.alarmArns,
    ...failoverControl.alarmArns,
    ...Object.assign({}, ...probes.map((p) => p.alarmArns)),
    ...replication.alarmArns,
    ...Object.assign({}, ...deployments.map((d) => ({ ...d.alarms.alarmArns, ...d.paymentAlarms.alarmArns }))),
  } as Record<string, pulumi.Output<string>>),
  alarmTopicArns: byRegion((d) => d.alarmTopic.topicArn),
  tableName: table.tableName,
  tableArn: table.tableArn,
  consistencyMode: settings.consistencyMode,
  bucketNames: byRegion((d) => d.bucket.bucketName),
  retryQueueUrls: byRegion((d) => d.queues.queue.url),
  deadLetterQueueUrls: byRegion((d) => d.queues.deadLetterQueue.url),
  // What the live verification needs to check each function's role (IAM policy simulator).
  functions: byRegion((d) =>
    Object.fromEntries(HANDLERS.map((h) => [h, { name: d.functions[h].functionName, roleArn: d.functions[h].role.arn }])) as Record<
      HandlerName,
      { name: pulumi.Output<string>; roleArn: pulumi.Output<string> }
    >,
  ),
  parameterPaths: byRegion((d) => parameterPath(PROJECT, suffix, d.region)),
  manualFailoverParameters: byRegion((d) => d.parameters.manualFailoverParameterName),
  hostedZoneId: zone.zoneId,
  hostedZoneName: settings.domainName,
  nameServers: zone.nameServers,
  credentialsTableName: credentials.tableName,
  drBudget: budget,
};
