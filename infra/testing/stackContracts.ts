/**
 * Exact snapshots of the contract-critical resources only, for one stack run (./stackInvariants.ts):
 * what another party depends on literally, so any change must be deliberate and visible here:
 * - the payments table (the handlers' key schema, the replica and consistency layout);
 * - each function's configuration and environment (the handlers' contract, infra/lambda/commons/config.ts);
 * - the IAM documents (each function's role, the replication role): least privilege literally;
 * - Route 53: health checks, failover records and the health-check alarms (what failover runs on);
 * - the stack outputs (read by the verification suite and the SRE runbook).
 * Expected values are spelled out from docs/architecture.md; only what the configuration decides
 * (suffix, regions, intervals, modes) comes from the settings. Everything else about a resource is
 * a rule (./stackInvariants.ts) or a component's branch (infra/components/<component>.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeDrBudget } from '../budget';
import { HANDLERS } from '../../contract';
import { MOCK_ACCOUNT_ID, ofType, one, type ProgramRun, type RecordedResource } from './harness';
import { handlerKey, type StackRun } from './stackInvariants';

const A = MOCK_ACCOUNT_ID;
/** Alarms of PaymentAlarms per region (infra/components/paymentAlarms.test.ts checks each). */
const PAYMENT_ALARMS_PER_REGION = 8;

/** Sizing of each handler (memory MB, timeout s, reserved concurrency): the deployed contract. */
const SIZING: Record<string, { memorySize: number; timeout: number; reservedConcurrentExecutions?: number }> = {
  createPayment: { memorySize: 512, timeout: 20 },
  getPayment: { memorySize: 512, timeout: 10 },
  health: { memorySize: 1024, timeout: 2, reservedConcurrentExecutions: 10 },
  retryProcessor: { memorySize: 512, timeout: 30 },
  transactionLogWriter: { memorySize: 512, timeout: 60 },
  authorizer: { memorySize: 256, timeout: 5 },
};

const named = (run: ProgramRun, type: string, name: string, key = 'name'): RecordedResource => one(run, type, (r) => r.inputs[key] === name);
const policyOf = (r: RecordedResource): { Version: string; Statement: any[] } => JSON.parse(r.inputs.policy);

export function stackContracts(suite: StackRun): void {
  const s = suite.settings;
  const S = s.environmentSuffix;
  const { regions } = suite;
  const label = suite.stack;
  const peerOf = (region: string): string => regions.find((r) => r.region === region)!.peer;
  const stackTags = { Project: 'payments-dr', Environment: S };
  const regionTags = (region: string) => ({ ...stackTags, Region: region, DrRole: regions.find((r) => r.region === region)!.role });
  const run = () => suite.run();

  describe(`stack ${label} contract: the payments table`, () => {
    it(`is on-demand, pk-only, streamed, PITR everywhere, AWS-managed encryption, ${s.consistencyMode === 'strong' ? 'STRONG with a witness' : 'EVENTUAL with TTL'}, no deletion protection`, () => {
      const strong = s.consistencyMode === 'strong';
      assert.deepEqual(named(run(), 'aws:dynamodb/table:Table', `payments-table-${S}`).inputs, {
        name: `payments-table-${S}`,
        region: s.primaryRegion,
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'pk',
        attributes: [{ name: 'pk', type: 'S' }],
        streamEnabled: true,
        streamViewType: 'NEW_AND_OLD_IMAGES',
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: false,
        replicas: [{ regionName: s.drRegion, pointInTimeRecovery: true, propagateTags: true, deletionProtectionEnabled: false, consistencyMode: strong ? 'STRONG' : 'EVENTUAL' }],
        tags: stackTags,
        ...(strong ? { globalTableWitness: { regionName: s.witnessRegion } } : { ttl: { attributeName: 'expiration', enabled: true } }),
      });
    });
  });

  describe(`stack ${label} contract: functions and their environment`, () => {
    for (const { region } of regions) {
      for (const h of HANDLERS) {
        it(`${h} in ${region}: configuration and exact environment`, () => {
          const fnName = `${handlerKey(h)}-${S}-${region}`;
          const { code: _code, ...rest } = named(run(), 'aws:lambda/function:Function', fnName).inputs;
          const peer = peerOf(region);
          assert.deepEqual(rest, {
            region,
            name: fnName,
            role: `arn:aws:iam::${A}:role/${fnName}-role`,
            runtime: 'nodejs22.x',
            architectures: ['arm64'],
            handler: 'index.handler',
            ...SIZING[h],
            tracingConfig: { mode: 'Active' },
            loggingConfig: { logFormat: 'JSON', logGroup: `/aws/lambda/${fnName}`, applicationLogLevel: 'INFO', systemLogLevel: 'WARN' },
            environment: {
              variables: {
                TABLE_NAME: `payments-table-${S}`,
                RETRY_QUEUE_URL: `https://sqs.${region}.amazonaws.com/${A}/payments-retry-${S}-${region}`,
                TRANSACTION_LOG_BUCKET: `transaction-logs-${S}-${region}-${A}`,
                TRANSACTION_LOG_PREFIX: 'transactions/',
                PEER_REGION: peer,
                PEER_RETRY_QUEUE_URL: `https://sqs.${peer}.amazonaws.com/${A}/payments-retry-${S}-${peer}`,
                PENDING_BUCKET: `transaction-logs-${S}-${region}-${A}`,
                PEER_PENDING_BUCKET: `transaction-logs-${S}-${peer}-${A}`,
                PENDING_PREFIX: 'pending/',
                CREDENTIALS_TABLE_NAME: `merchant-credentials-${S}`,
                MANUAL_FAILOVER_PARAMETER: `/payments-dr/${S}/${region}/manual-failover`,
                PARAMETER_PATH: `/payments-dr/${S}/${region}/`,
                MAX_AMOUNT_MINOR: String(s.maxAmountMinor),
                ALLOWED_CURRENCIES: s.allowedCurrencies.join(','),
                IDEMPOTENCY_TTL_SECONDS: '86400',
                POWERTOOLS_SERVICE_NAME: 'payments',
                POWERTOOLS_METRICS_NAMESPACE: 'PaymentsDR',
                POWERTOOLS_LOG_LEVEL: 'INFO',
              },
            },
            tags: regionTags(region),
          });
        });
      }
    }
  });

  describe(`stack ${label} contract: IAM documents`, () => {
    for (const { region } of regions) {
      const peer = peerOf(region);
      for (const h of HANDLERS) {
        it(`${h} in ${region}: a role only Lambda assumes, allowed exactly what the handler uses`, () => {
          const fnName = `${handlerKey(h)}-${S}-${region}`;
          const role = named(run(), 'aws:iam/role:Role', `${fnName}-role`);
          assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [{ Sid: 'TrustService', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
          const policy = named(run(), 'aws:iam/rolePolicy:RolePolicy', `${fnName}-policy`);
          assert.equal(policy.inputs.role, `${fnName}-role`);
          const table = `arn:aws:dynamodb:${region}:${A}:table/payments-table-${S}`;
          const peerTable = `arn:aws:dynamodb:${peer}:${A}:table/payments-table-${S}`;
          const queue = `arn:aws:sqs:${region}:${A}:payments-retry-${S}-${region}`;
          const peerQueue = `arn:aws:sqs:${peer}:${A}:payments-retry-${S}-${peer}`;
          const bucket = (r: string) => `arn:aws:s3:::transaction-logs-${S}-${r}-${A}`;
          const pending = (r: string) => `${bucket(r)}/pending/*`;
          const pendingWindow = (r: string) => `${bucket(r)}/pending-window.json`;
          const base = [
            { Sid: 'WriteOwnLogGroup', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `arn:aws:logs:${region}:${A}:log-group:/aws/lambda/${fnName}:log-stream:*` },
            { Sid: 'XRayWriteNoResourceLevelPermissions', Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
          ];
          const expected: Record<string, unknown[]> = {
            // No UpdateItem or DeleteItem: nothing may change a stored payment.
            createPayment: [...base,
              { Sid: 'PaymentsTable', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: [table, peerTable] },
              { Sid: 'QueueForRetry', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [queue, peerQueue] },
              { Sid: 'PendingPaymentMarkers', Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], Resource: [pending(region), pending(peer)] },
              { Sid: 'PendingWindow', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [pendingWindow(region), pendingWindow(peer)] },
              { Sid: 'MissingKeysAnswerNotFound', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucket(region), bucket(peer)] }],
            getPayment: [...base, { Sid: 'PaymentsTable', Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: table },
              { Sid: 'PendingPaymentMarkers', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [pending(region), pending(peer)] },
              { Sid: 'MissingKeysAnswerNotFound', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucket(region), bucket(peer)] }],
            health: [...base,
              { Sid: 'PaymentsTable', Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: table, Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [`HEALTH#${region}`] } } },
              { Sid: 'ReadOwnRegionParameters', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: [`arn:aws:ssm:${region}:${A}:parameter/payments-dr/${S}/${region}/manual-failover`] }],
            retryProcessor: [...base,
              { Sid: 'PaymentsTable', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: table },
              { Sid: 'ConsumeRetryQueue', Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Resource: queue },
              { Sid: 'PendingPaymentMarkers', Effect: 'Allow', Action: ['s3:GetObject'], Resource: pending(region) },
              { Sid: 'PendingWindow', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: pendingWindow(region) },
              { Sid: 'MissingKeysAnswerNotFound', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: bucket(region) }],
            authorizer: [...base, { Sid: 'ReadMerchantCredentials', Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: `arn:aws:dynamodb:${region}:${A}:table/merchant-credentials-${S}` }],
            // Exact documents: infra/components/transactionLogStream.test.ts.
            transactionLogWriter: policyOf(policy).Statement,
          };
          assert.deepEqual(policyOf(policy), { Version: '2012-10-17', Statement: expected[h] });
        });
      }
    }

    it('lets only each region\'s health function read that region\'s manual failover flag', () => {
      const readers = ofType(run(), 'aws:iam/rolePolicy:RolePolicy').filter((p) => p.inputs.policy.includes(':parameter/'));
      assert.deepEqual(readers.map((p) => p.inputs.name).sort(), regions.map((r) => `health-${S}-${r.region}-policy`).sort());
    });

    it('replicates objects with one role S3 assumes, scoped to the transaction logs of exactly the two buckets', () => {
      const role = named(run(), 'aws:iam/role:Role', `s3-replication-role-${S}`);
      assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [{ Sid: 'TrustService', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
      const buckets = regions.map((r) => `arn:aws:s3:::transaction-logs-${S}-${r.region}-${A}`);
      // The transaction logs only: the pending-payment markers are per-region conditional state (bucketReplication.ts).
      const objects = buckets.map((b) => `${b}/transactions/*`);
      assert.deepEqual(policyOf(named(run(), 'aws:iam/rolePolicy:RolePolicy', `s3-replication-policy-${S}`)).Statement, [
        { Sid: 'ReadReplicationConfiguration', Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: buckets },
        { Sid: 'ReadSourceVersions', Effect: 'Allow', Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'], Resource: objects },
        { Sid: 'WriteReplicas', Effect: 'Allow', Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], Resource: objects },
      ]);
    });
  });

  describe(`stack ${label} contract: SSM parameters`, () => {
    for (const { region } of regions) {
      it(`${region}: endpoint, table name and regional endpoint, payment rules, settings, manual failover flag (operators own its value)`, () => {
        const path = `/payments-dr/${S}/${region}/`;
        const api = named(run(), 'aws:apigateway/restApi:RestApi', `payments-api-${S}-${region}`);
        const params = ofType(run(), 'aws:ssm/parameter:Parameter').filter((p) => p.inputs.region === region);
        assert.deepEqual(Object.fromEntries(params.map((p) => [p.inputs.name, [p.inputs.type, p.inputs.value]])), {
          [`${path}api-endpoint`]: ['String', s.customDomainsEnabled ? `https://${region}.api.${s.domainName}` : `https://${api.id}.execute-api.${region}.amazonaws.com/v1`],
          [`${path}table-name`]: ['String', `payments-table-${S}`],
          [`${path}table-endpoint`]: ['String', `https://dynamodb.${region}.amazonaws.com`],
          [`${path}max-amount-minor`]: ['String', String(s.maxAmountMinor)],
          [`${path}allowed-currencies`]: ['StringList', s.allowedCurrencies.join(',')],
          [`${path}idempotency-ttl-seconds`]: ['String', '86400'],
          [`${path}transaction-log-prefix`]: ['String', 'transactions/'],
          [`${path}manual-failover`]: ['String', 'false'],
        });
        for (const p of params) assert.deepEqual([p.inputs.tier, p.inputs.tags], ['Standard', regionTags(region)], p.inputs.name);
        assert.deepEqual(run().options.find((o) => o.name === `payments-${region}-parameters-manual-failover`)?.ignoreChanges, ['value']);
      });
    }
  });

  describe(`stack ${label} contract: Route 53 failover`, () => {
    const invoke = (region: string) => `${named(run(), 'aws:apigateway/restApi:RestApi', `payments-api-${S}-${region}`).id}.execute-api.${region}.amazonaws.com`;
    const checkOf = (name: string) => one(run(), 'aws:route53/healthCheck:HealthCheck', (r) => r.inputs.tags.Name === name);

    it('hosts the zone, destroyable', () => {
      assert.deepEqual(one(run(), 'aws:route53/zone:Zone', () => true).inputs, { name: s.domainName, comment: 'Payments DR: failover API hostname and regional hostnames', forceDestroy: true, tags: stackTags });
    });

    for (const { region, role } of regions) {
      it(`health-checks ${region}'s real /health over HTTPS every ${s.healthCheckIntervalSeconds} s, ${s.healthCheckFailureThreshold} failures to fail`, () => {
        assert.deepEqual(checkOf(`${role}-health-check-${S}-${region}`).inputs, {
          type: 'HTTPS',
          fqdn: s.customDomainsEnabled ? `${region}.api.${s.domainName}` : invoke(region),
          port: 443,
          resourcePath: s.customDomainsEnabled ? '/health' : '/v1/health',
          requestInterval: s.healthCheckIntervalSeconds,
          failureThreshold: s.healthCheckFailureThreshold,
          enableSni: true,
          measureLatency: true,
          tags: { ...stackTags, Name: `${role}-health-check-${S}-${region}` },
        });
      });

      it(`alarms in us-east-1 (where Route 53 publishes) when ${region}'s health check fails`, () => {
        const name = `${role}-health-check-failed-${S}-us-east-1`;
        const topic = regions.some((r) => r.region === 'us-east-1') ? `arn:aws:sns:us-east-1:${A}:payments-alarms-${S}-us-east-1` : `arn:aws:sns:us-east-1:${A}:payments-dns-alarms-${S}-us-east-1`;
        const { alarmDescription: _d, ...rest } = named(run(), 'aws:cloudwatch/metricAlarm:MetricAlarm', name).inputs;
        assert.deepEqual(rest, {
          region: 'us-east-1', name, namespace: 'AWS/Route53', metricName: 'HealthCheckStatus',
          dimensions: { HealthCheckId: checkOf(`${role}-health-check-${S}-${region}`).id }, statistic: 'Minimum', period: 60, evaluationPeriods: 1, threshold: 1,
          comparisonOperator: 'LessThanThreshold', treatMissingData: 'breaching', alarmActions: [topic], okActions: [topic], tags: stackTags,
        });
      });
    }

    it(s.customDomainsEnabled ? `answers api.${s.domainName} with PRIMARY/SECONDARY alias failover records to the regional endpoints` : 'publishes no failover record (no custom domain could serve it over HTTPS)', () => {
      const zone = one(run(), 'aws:route53/zone:Zone', () => true);
      const records = ofType(run(), 'aws:route53/record:Record').filter((r) => r.inputs.name === `api.${s.domainName}`);
      assert.ok(records.every((r) => r.inputs.type !== 'CNAME'), 'never a CNAME at the failover hostname');
      if (!s.customDomainsEnabled) return assert.deepEqual(records, []);
      assert.equal(records.length, 2);
      for (const { region, role } of regions) {
        // The primary's record follows the gate check (its health and the DR switch): failoverControl.test.ts.
        const check = checkOf(role === 'primary' ? `primary-gate-health-check-${S}-${region}` : `${role}-health-check-${S}-${region}`);
        const domain = one(run(), 'aws:apigateway/domainName:DomainName', (d) => d.inputs.region === region && d.inputs.domainName === `api.${s.domainName}`);
        assert.deepEqual(records.find((r) => r.inputs.setIdentifier === `${role}-${region}`)!.inputs, {
          zoneId: zone.state.zoneId, name: `api.${s.domainName}`, setIdentifier: `${role}-${region}`, failoverRoutingPolicies: [{ type: role.toUpperCase() }], healthCheckId: check.id,
          type: 'A', aliases: [{ name: domain.state.regionalDomainName, zoneId: domain.state.regionalZoneId, evaluateTargetHealth: true }],
        });
      }
    });
  });

  describe(`stack ${label} contract: outputs`, () => {
    it('exports endpoints, failover endpoint, health checks, alarms, table, buckets, queues, functions, zone and the budget', () => {
      const o = run().outputs;
      const api = (region: string) => named(run(), 'aws:apigateway/restApi:RestApi', `payments-api-${S}-${region}`).id;
      const invokeUrl = (region: string) => `https://${api(region)}.execute-api.${region}.amazonaws.com/v1`;
      assert.equal(o.primaryApiUrl, s.customDomainsEnabled ? `https://${s.primaryRegion}.api.${s.domainName}` : invokeUrl(s.primaryRegion));
      assert.equal(o.drApiUrl, s.customDomainsEnabled ? `https://${s.drRegion}.api.${s.domainName}` : invokeUrl(s.drRegion));
      assert.deepEqual([o.primaryRegion, o.drRegion], [s.primaryRegion, s.drRegion]);
      assert.deepEqual(o.parameterPaths, Object.fromEntries(regions.map(({ region }) => [region, `/payments-dr/${S}/${region}/`])));
      assert.deepEqual(o.manualFailoverParameters, Object.fromEntries(regions.map(({ region }) => [region, `/payments-dr/${S}/${region}/manual-failover`])));
      assert.equal(o.failoverApiUrl, s.customDomainsEnabled ? `https://api.${s.domainName}` : undefined, 'no failover URL without custom domains');
      const checks = ofType(run(), 'aws:route53/healthCheck:HealthCheck');
      assert.deepEqual(o.healthCheckIds, Object.fromEntries(regions.map(({ role, region }) => [role, checks.find((c) => c.inputs.tags.Name === `${role}-health-check-${S}-${region}`)!.id])));
      assert.deepEqual(o.healthCheckUrls, Object.fromEntries(regions.map(({ role, region }) => [role, s.customDomainsEnabled ? `https://${region}.api.${s.domainName}/health` : `${invokeUrl(region)}/health`])));
      assert.deepEqual(o.alarmArns, Object.fromEntries(ofType(run(), 'aws:cloudwatch/metricAlarm:MetricAlarm').map((a) => [a.inputs.name, a.state.arn])));
      assert.equal(o.tableName, `payments-table-${S}`);
      assert.deepEqual(o.bucketNames, Object.fromEntries(regions.map(({ region }) => [region, `transaction-logs-${S}-${region}-${A}`])));
      assert.deepEqual(o.retryQueueUrls, Object.fromEntries(regions.map(({ region }) => [region, `https://sqs.${region}.amazonaws.com/${A}/payments-retry-${S}-${region}`])));
      assert.deepEqual(o.deadLetterQueueUrls, Object.fromEntries(regions.map(({ region }) => [region, `https://sqs.${region}.amazonaws.com/${A}/payments-retry-dlq-${S}-${region}`])));
      assert.deepEqual(o.functions, Object.fromEntries(regions.map(({ region }) => [region, Object.fromEntries(HANDLERS.map((h) => {
        const name = `${handlerKey(h)}-${S}-${region}`;
        return [h, { name, roleArn: named(run(), 'aws:iam/role:Role', `${name}-role`).state.arn }];
      }))])));
      const zone = one(run(), 'aws:route53/zone:Zone', () => true);
      assert.deepEqual([o.hostedZoneId, o.hostedZoneName, o.nameServers], [zone.state.zoneId, s.domainName, zone.state.nameServers]);
      assert.equal(o.consistencyMode, s.consistencyMode);
      assert.deepEqual(o.drBudget, computeDrBudget(s));
      assert.equal(o.clientApiKey, undefined, 'no shared client key: merchants authenticate with their own credentials');
      assert.equal(o.credentialsTableName, `merchant-credentials-${S}`);
    });

    it('exports one alarm per name: per region 1 table replication + 2 per handler + API 5xx + DLQ depth + 2 S3 replication + the payment alarms + 2 peer probe; 2 health-check alarms; the DR switch', () => {
      const perRegion = 1 + HANDLERS.length * 2 + 2 + 2 + PAYMENT_ALARMS_PER_REGION + 2;
      assert.equal(Object.keys(run().outputs.alarmArns).length, 2 * perRegion + 2 + 1);
    });
  });
}
