/**
 * The assertions every stack configuration must pass, run against the REAL program under mocks
 * (`runProgram`). Each stack file (`infra/stack.<stack>.test.ts`) runs it in its own process.
 * Expected values are spelled out literally from docs/architecture.md and the handler contract modules; only what the
 * configuration decides (suffix, days, intervals, modes) is read from the committed stack file.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { computeDrBudget } from '../budget';
import { WILDCARD_RESOURCE_ACTIONS } from '../iam';
import { loadStackSettings, type StackSettings } from '../settings';
import { MOCK_ACCOUNT_ID, ofType, one, runProgram, type ProgramRun, type RecordedResource } from './harness';

const A = MOCK_ACCOUNT_ID;
const HANDLERS = [
  { handler: 'createPayment', key: 'create-payment', memorySize: 512, timeout: 10 },
  { handler: 'getPayment', key: 'get-payment', memorySize: 512, timeout: 10 },
  { handler: 'health', key: 'health', memorySize: 1024, timeout: 2 },
  { handler: 'retryProcessor', key: 'retry-processor', memorySize: 512, timeout: 30 },
  { handler: 'transactionLogWriter', key: 'transaction-log-writer', memorySize: 512, timeout: 60 },
  { handler: 'authorizer', key: 'authorizer', memorySize: 256, timeout: 5 },
] as const;
/** Alarms of PaymentAlarms per region (infra/components/paymentAlarms.test.ts checks each). */
const PAYMENT_ALARMS_PER_REGION = 8;

/** Types that are global in AWS and so carry no `region` input. */
const GLOBAL_TYPES = new Set(['aws:iam/role:Role', 'aws:iam/rolePolicy:RolePolicy', 'aws:route53/zone:Zone', 'aws:route53/record:Record', 'aws:route53/healthCheck:HealthCheck']);

export const COMPONENT_TYPES = [
  'payments-dr:database:GlobalTable',
  'payments-dr:dns:HostedZone',
  'payments-dr:dns:DnsFailover',
  'payments-dr:storage:CrossRegionReplication',
  'payments-dr:regional:RegionalDeployment',
  'payments-dr:monitoring:AlarmTopic',
  'payments-dr:messaging:RetryQueues',
  'payments-dr:storage:TransactionLogBucket',
  'payments-dr:compute:PaymentFunction',
  'payments-dr:api:PaymentApi',
  'payments-dr:config:RegionParameters',
  'payments-dr:monitoring:RegionalAlarms',
  'payments-dr:api:ApiFirewall',
  'payments-dr:dns:StandbyFailoverControl',
  'payments-dr:dns:PeerProbe',
  'payments-dr:api:ApiGatewayAccount',
  'payments-dr:storage:TransactionLogStream',
  'payments-dr:monitoring:PaymentAlarms',
];

export interface StackSuite {
  run(): ProgramRun;
  settings: StackSettings;
}

const named = (run: ProgramRun, type: string, name: string, key = 'name'): RecordedResource => one(run, type, (r) => r.inputs[key] === name);
/** The id of a region's merchant authorizer. */
const authorizerIdIn = (run: ProgramRun, region: string): string => one(run, 'aws:apigateway/authorizer:Authorizer', (r) => r.inputs.region === region).id;
const policyOf = (r: RecordedResource, key = 'policy'): { Version: string; Statement: any[] } => JSON.parse(r.inputs[key]);

export function stackSuite(stack: string): StackSuite {
  const s = loadStackSettings(stack);
  const S = s.environmentSuffix;
  const regions = [
    { region: s.primaryRegion, role: 'primary' as const, peer: s.drRegion },
    { region: s.drRegion, role: 'secondary' as const, peer: s.primaryRegion },
  ];
  const stackTags = { Project: 'payments-dr', Environment: S };
  const peerOf = (region: string): string => regions.find((r) => r.region === region)!.peer;
  const regionTags = (region: string, role: string) => ({ Project: 'payments-dr', Environment: S, Region: region, DrRole: role });
  let run: ProgramRun;

  before(async () => {
    run = await runProgram({ stack });
  });

  describe(`stack ${stack}: components`, () => {
    it('declares one component of each global kind and one regional component per region', () => {
      const counts = Object.fromEntries(COMPONENT_TYPES.map((t) => [t, ofType(run, t).length]));
      assert.deepEqual(counts, {
        // the payments table and the merchant-credentials table
        'payments-dr:database:GlobalTable': 2,
        'payments-dr:dns:HostedZone': 1,
        'payments-dr:dns:DnsFailover': 1,
        'payments-dr:storage:CrossRegionReplication': 1,
        'payments-dr:regional:RegionalDeployment': 2,
        'payments-dr:monitoring:AlarmTopic': 2,
        'payments-dr:messaging:RetryQueues': 4,
        'payments-dr:storage:TransactionLogBucket': 2,
        // the six handlers per region + each region's probe of the other
        'payments-dr:compute:PaymentFunction': 14,
        'payments-dr:api:PaymentApi': 2,
        'payments-dr:config:RegionParameters': 2,
        'payments-dr:monitoring:RegionalAlarms': 2,
        'payments-dr:storage:TransactionLogStream': 2,
        'payments-dr:monitoring:PaymentAlarms': 2,
        'payments-dr:api:ApiFirewall': 2,
        'payments-dr:dns:StandbyFailoverControl': 1,
        'payments-dr:dns:PeerProbe': 2,
        'payments-dr:api:ApiGatewayAccount': 1,
      });
      assert.deepEqual(ofType(run, 'payments-dr:regional:RegionalDeployment').map((r) => r.name).sort(), regions.map((r) => `payments-${r.region}`).sort());
    });

    it('derives every child name from its component and gives every resource a parent', () => {
      // Only the global components and the regional components sit directly under the stack.
      const topLevel = run.options.filter((o) => !o.hasParent).map((o) => o.type).sort();
      assert.deepEqual(topLevel, [
        'payments-dr:api:ApiGatewayAccount',
        'payments-dr:database:GlobalTable',
        'payments-dr:database:GlobalTable',
        'payments-dr:dns:DnsFailover',
        'payments-dr:dns:HostedZone',
        'payments-dr:dns:PeerProbe',
        'payments-dr:dns:PeerProbe',
        'payments-dr:dns:StandbyFailoverControl',
        'payments-dr:regional:RegionalDeployment',
        'payments-dr:regional:RegionalDeployment',
        'payments-dr:storage:CrossRegionReplication',
      ]);
      for (const r of run.resources.filter((x) => x.custom && x.type.startsWith('aws:'))) {
        const owner = run.resources.find((c) => !c.custom && r.name.startsWith(`${c.name}-`));
        assert.ok(owner, `${r.type} ${r.name} is not named after a component`);
      }
    });

    it('sets the region input on every regional resource, and only the two regions (health alarms: us-east-1)', () => {
      const allowed = new Set([s.primaryRegion, s.drRegion, 'us-east-1']);
      for (const r of run.resources.filter((x) => x.custom && x.type.startsWith('aws:'))) {
        if (GLOBAL_TYPES.has(r.type)) assert.equal(r.inputs.region, undefined, `${r.type} ${r.name} is global`);
        else assert.ok(allowed.has(r.inputs.region), `${r.type} ${r.name} has region ${r.inputs.region}`);
      }
      for (const { region } of regions) {
        const inRegion = run.resources.filter((r) => r.inputs.region === region && r.name.startsWith(`payments-${region}-`));
        assert.ok(inRegion.length > 60, `${region} has ${inRegion.length} regional resources`);
      }
    });
  });

  describe(`stack ${stack}: creation order AWS requires`, () => {
    const deps = (name: string) => run.options.find((o) => o.name === name)?.dependsOn ?? [];
    for (const { region, peer } of regions) {
      const p = `payments-${region}`;
      it(`${region}: account CloudWatch role (when this stack sets it) before the stage, policies before functions and the queue mapping, versioning before replication`, () => {
        const account = [`apigateway-account-${region}`];
        assert.deepEqual(deps(`${p}-api-stage`), [...account, `${p}-api-execution-logs`]);
        assert.deepEqual(deps(`${p}-api-method-settings`), account);
        assert.deepEqual(deps(`${p}-api-health-method-settings`), account);
        for (const h of HANDLERS) assert.deepEqual(deps(`${p}-${h.key}-function`), [`${p}-${h.key}-policy`, `${p}-${h.key}-logs`]);
        assert.deepEqual(deps(`${p}-retry-processor-source`), [`${p}-retry-processor-policy`]);
        assert.deepEqual(deps(`transaction-logs-${region}-to-${peer}`), [`${p}-transaction-logs-versioning`, `payments-${peer}-transaction-logs-versioning`, 'transaction-logs-policy']);
        assert.deepEqual(deps(`${p}-transaction-logs-tls-only`), [`${p}-transaction-logs-public-access-block`]);
        assert.deepEqual(deps(p), ['payments-table', 'merchant-credentials-table']);
      });
    }
  });

  describe(`stack ${stack}: naming`, () => {
    it('puts the suffix (and the region for regional resources) in every physical name', () => {
      const nameKeys = ['name', 'bucket', 'dashboardName'];
      let checked = 0;
      for (const r of run.resources.filter((x) => x.custom && x.type.startsWith('aws:'))) {
        if (['aws:route53/record:Record', 'aws:apigateway/model:Model', 'aws:apigateway/requestValidator:RequestValidator', 'aws:kms/alias:Alias'].includes(r.type)) continue;
        const key = nameKeys.find((k) => typeof r.inputs[k] === 'string' && r.type !== 'aws:s3/bucketVersioning:BucketVersioning' && !r.type.startsWith('aws:s3/bucket') || (k === 'bucket' && r.type === 'aws:s3/bucket:Bucket'));
        if (key === undefined || typeof r.inputs[key] !== 'string') continue;
        const value: string = r.inputs[key];
        checked++;
        if (value.startsWith('API-Gateway-Execution-Logs_')) continue; // named by API Gateway itself
        assert.match(value, new RegExp(`(-|/)${S}(-|/|\\.|$)`), `${r.type} ${r.name}: ${value} lacks suffix ${S}`);
        // The global table has one name in every region; custom domains are hostnames.
        if (r.inputs.region !== undefined && r.type !== 'aws:apigateway/domainName:DomainName' && r.type !== 'aws:dynamodb/table:Table') {
          assert.ok(value.includes(r.inputs.region), `${r.type} ${r.name}: ${value} lacks region ${r.inputs.region}`);
        }
      }
      assert.ok(checked > 80, `only ${checked} names checked`);
      for (const { region } of regions) {
        assert.equal(named(run, 'aws:s3/bucket:Bucket', `transaction-logs-${S}-${region}-${A}`, 'bucket').inputs.region, region);
      }
    });
  });

  describe(`stack ${stack}: 1. DynamoDB global table`, () => {
    it('is on-demand, pk-only, streamed, PITR everywhere, AWS-managed encryption, TTL per mode, no deletion protection', () => {
      const table = named(run, 'aws:dynamodb/table:Table', `payments-table-${S}`);
      const strong = s.consistencyMode === 'strong';
      const expected: Record<string, unknown> = {
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
      };
      if (strong) expected.globalTableWitness = { regionName: s.witnessRegion };
      else expected.ttl = { attributeName: 'expiration', enabled: true };
      assert.deepEqual(table.inputs, expected);
    });
  });

  describe(`stack ${stack}: 2. Lambda`, () => {
    for (const { region } of regions) {
      for (const h of HANDLERS) {
        it(`${h.handler} in ${region}: runtime, arm64, memory, timeout, tracing, log group, exact environment`, async () => {
          const fnName = `${h.key}-${S}-${region}`;
          const fn = named(run, 'aws:lambda/function:Function', fnName);
          const { code, ...rest } = fn.inputs;
          assert.deepEqual(rest, {
            region,
            name: fnName,
            role: `arn:aws:iam::${A}:role/${fnName}-role`,
            runtime: 'nodejs22.x',
            architectures: ['arm64'],
            handler: 'index.handler',
            memorySize: h.memorySize,
            timeout: h.timeout,
            ...(h.handler === 'health' ? { reservedConcurrentExecutions: 10 } : {}),
            tracingConfig: { mode: 'Active' },
            loggingConfig: { logFormat: 'JSON', logGroup: `/aws/lambda/${fnName}`, applicationLogLevel: 'INFO', systemLogLevel: 'WARN' },
            environment: {
              variables: {
                TABLE_NAME: `payments-table-${S}`,
                RETRY_QUEUE_URL: `https://sqs.${region}.amazonaws.com/${A}/payments-retry-${S}-${region}`,
                TRANSACTION_LOG_BUCKET: `transaction-logs-${S}-${region}-${A}`,
                TRANSACTION_LOG_PREFIX: 'transactions/',
                PEER_REGION: peerOf(region),
                PEER_RETRY_QUEUE_URL: `https://sqs.${peerOf(region)}.amazonaws.com/${A}/payments-retry-${S}-${peerOf(region)}`,
                PENDING_BUCKET: `transaction-logs-${S}-${region}-${A}`,
                PEER_PENDING_BUCKET: `transaction-logs-${S}-${peerOf(region)}-${A}`,
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
            tags: regionTags(region, regions.find((r) => r.region === region)!.role),
          });
          const assets = await code.assets;
          assert.deepEqual(Object.keys(assets), ['index.js']);
          const js: string = await assets['index.js'].text;
          assert.ok(js.length > 10_000, 'bundle is the real esbuild output');
          assert.match(js, /handler:\(\)=>/, 'bundle exports handler');
          assert.deepEqual(named(run, 'aws:cloudwatch/logGroup:LogGroup', `/aws/lambda/${fnName}`).inputs, {
            region,
            name: `/aws/lambda/${fnName}`,
            retentionInDays: s.logRetentionDays,
            tags: regionTags(region, regions.find((r) => r.region === region)!.role),
          });
        });
      }
      it(`retry processor in ${region} consumes its queue with partial batch responses`, () => {
        const esm = one(run, 'aws:lambda/eventSourceMapping:EventSourceMapping', (r) => r.inputs.region === region && r.inputs.functionName === `retry-processor-${S}-${region}`);
        assert.deepEqual(esm.inputs, {
          region,
          eventSourceArn: `arn:aws:sqs:${region}:${A}:payments-retry-${S}-${region}`,
          functionName: `retry-processor-${S}-${region}`,
          batchSize: 10,
          maximumBatchingWindowInSeconds: 1,
          functionResponseTypes: ['ReportBatchItemFailures'],
          scalingConfig: { maximumConcurrency: 5 },
          enabled: true,
        });
      });
    }
    it('deploys the same bundle to both regions', async () => {
      for (const h of HANDLERS) {
        const [a, b] = regions.map((r) => named(run, 'aws:lambda/function:Function', `${h.key}-${S}-${r.region}`));
        const text = async (f: RecordedResource) => (await f.inputs.code.assets)['index.js'].text;
        assert.equal(await text(a), await text(b));
      }
    });
  });

  describe(`stack ${stack}: 3. API Gateway`, () => {
    const authorizerId = (region: string) => authorizerIdIn(run, region);
    for (const { region, role } of regions) {
      const apiName = `payments-api-${S}-${region}`;
      it(`${region}: REGIONAL REST API with /payments, /payments/{id}, /health, validation, merchant authorizer on payments`, () => {
        const api = named(run, 'aws:apigateway/restApi:RestApi', apiName);
        assert.deepEqual(api.inputs, {
          region,
          name: apiName,
          description: `Payment processing API (${S}, ${region})`,
          endpointConfiguration: { types: 'REGIONAL' },
          tags: regionTags(region, role),
        });
        const resources = ofType(run, 'aws:apigateway/resource:Resource').filter((r) => r.inputs.region === region);
        const byPath = Object.fromEntries(resources.map((r) => [r.inputs.pathPart, r]));
        assert.deepEqual(Object.keys(byPath).sort(), ['health', 'payments', '{id}']);
        assert.equal(byPath.payments.inputs.parentId, api.state.rootResourceId);
        assert.equal(byPath.health.inputs.parentId, api.state.rootResourceId);
        assert.equal(byPath['{id}'].inputs.parentId, byPath.payments.id);
        const validator = one(run, 'aws:apigateway/requestValidator:RequestValidator', (r) => r.inputs.region === region);
        assert.deepEqual(validator.inputs, { region, restApi: api.id, name: 'validate-body-and-parameters', validateRequestBody: true, validateRequestParameters: true });
        const model = one(run, 'aws:apigateway/model:Model', (r) => r.inputs.region === region);
        const schema = JSON.parse(model.inputs.schema);
        assert.deepEqual(schema.required, ['merchantId', 'amount', 'currency']);
        assert.deepEqual(schema.properties.amount, { type: 'integer', minimum: 1, maximum: s.maxAmountMinor });
        assert.deepEqual(schema.properties.currency, { type: 'string', enum: s.allowedCurrencies });
        const methods = ofType(run, 'aws:apigateway/method:Method').filter((r) => r.inputs.region === region);
        const method = (resourceId: string) => methods.find((m) => m.inputs.resourceId === resourceId)!.inputs;
        assert.deepEqual(method(byPath.payments.id), {
          region, restApi: api.id, resourceId: byPath.payments.id, httpMethod: 'POST', authorization: 'CUSTOM', authorizerId: authorizerId(region),
          requestValidatorId: validator.id, requestModels: { 'application/json': 'CreatePaymentRequest' },
        });
        assert.deepEqual(method(byPath['{id}'].id), {
          region, restApi: api.id, resourceId: byPath['{id}'].id, httpMethod: 'GET', authorization: 'CUSTOM', authorizerId: authorizerId(region),
          requestValidatorId: validator.id, requestParameters: { 'method.request.path.id': true },
        });
        assert.deepEqual(method(byPath.health.id), {
          region, restApi: api.id, resourceId: byPath.health.id, httpMethod: 'GET', authorization: 'NONE', requestValidatorId: validator.id,
        });
      });

      it(`${region}: Lambda proxy integrations and invoke permissions scoped to method and path`, () => {
        const api = named(run, 'aws:apigateway/restApi:RestApi', apiName);
        const integrations = ofType(run, 'aws:apigateway/integration:Integration').filter((r) => r.inputs.region === region);
        assert.equal(integrations.length, 3);
        for (const i of integrations) {
          assert.equal(i.inputs.type, 'AWS_PROXY');
          assert.equal(i.inputs.integrationHttpMethod, 'POST');
        }
        const uris = integrations.map((i) => i.inputs.uri).sort();
        assert.deepEqual(uris, ['create-payment', 'get-payment', 'health'].map((k) =>
          `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${region}:${A}:function:${k}-${S}-${region}/invocations`).sort());
        // The authorizer's own permission: infra/components/merchantAuthorization.test.ts; the peer probe's (EventBridge): failoverControl.test.ts.
        const permissions = ofType(run, 'aws:lambda/permission:Permission').filter((r) => r.inputs.region === region && r.inputs.principal === 'apigateway.amazonaws.com' && r.inputs.function !== `authorizer-${S}-${region}`).map((p) => p.inputs);
        const exec = api.state.executionArn;
        assert.deepEqual(permissions.sort((a, b) => a.function.localeCompare(b.function)), [
          { region, action: 'lambda:InvokeFunction', function: `create-payment-${S}-${region}`, principal: 'apigateway.amazonaws.com', sourceArn: `${exec}/*/POST/payments` },
          { region, action: 'lambda:InvokeFunction', function: `get-payment-${S}-${region}`, principal: 'apigateway.amazonaws.com', sourceArn: `${exec}/*/GET/payments/*` },
          { region, action: 'lambda:InvokeFunction', function: `health-${S}-${region}`, principal: 'apigateway.amazonaws.com', sourceArn: `${exec}/*/GET/health` },
        ]);
      });

      it(`${region}: stage with access + execution logging, metrics, tracing, throttling, and /health's own throttle`, () => {
        const api = named(run, 'aws:apigateway/restApi:RestApi', apiName);
        const stage = one(run, 'aws:apigateway/stage:Stage', (r) => r.inputs.region === region);
        const { deployment, accessLogSettings, ...rest } = stage.inputs;
        assert.ok(deployment);
        assert.deepEqual(rest, { region, restApi: api.id, stageName: 'v1', xrayTracingEnabled: true, tags: regionTags(region, role) });
        assert.equal(accessLogSettings.destinationArn, `arn:aws:logs:${region}:${A}:log-group:/aws/apigateway/${apiName}/access`);
        const format = JSON.parse(accessLogSettings.format);
        assert.equal(format.requestId, '$context.requestId');
        assert.ok(!JSON.stringify(format).includes('body'), 'access logs never carry bodies');
        assert.deepEqual(one(run, 'aws:apigateway/methodSettings:MethodSettings', (r) => r.inputs.region === region && r.inputs.methodPath === '*/*').inputs, {
          region, restApi: api.id, stageName: 'v1', methodPath: '*/*',
          settings: { metricsEnabled: true, loggingLevel: 'INFO', dataTraceEnabled: false, throttlingRateLimit: 100, throttlingBurstLimit: 200 },
        });
        assert.deepEqual(one(run, 'aws:apigateway/methodSettings:MethodSettings', (r) => r.inputs.region === region && r.inputs.methodPath === 'health/GET').inputs, {
          region, restApi: api.id, stageName: 'v1', methodPath: 'health/GET',
          settings: { metricsEnabled: true, loggingLevel: 'INFO', dataTraceEnabled: false, throttlingRateLimit: 50, throttlingBurstLimit: 100 },
        });
        const account = one(run, 'aws:apigateway/account:Account', (r) => r.inputs.region === region);
        assert.equal(account.inputs.cloudwatchRoleArn, s.manageApiGatewayAccount ? `arn:aws:iam::${A}:role/apigw-cloudwatch-role-${S}` : `arn:aws:iam::${A}:role/apigateway-cloudwatch-logs`);
        assert.deepEqual(named(run, 'aws:cloudwatch/logGroup:LogGroup', `API-Gateway-Execution-Logs_${api.id}/v1`).inputs, {
          region, name: `API-Gateway-Execution-Logs_${api.id}/v1`, retentionInDays: s.logRetentionDays, tags: regionTags(region, role),
        });
        const responses = ofType(run, 'aws:apigateway/response:Response').filter((r) => r.inputs.region === region);
        assert.deepEqual(responses.map((r) => r.inputs.responseType).sort(), ['BAD_REQUEST_BODY', 'BAD_REQUEST_PARAMETERS', 'THROTTLED']);
        for (const r of responses) {
          const body = JSON.parse(r.inputs.responseTemplates['application/json']);
          assert.deepEqual(Object.keys(body.error), ['code', 'message'], 'same error shape as the handlers');
          assert.equal(body.requestId, '$context.requestId');
        }
      });

      it(`${region}: no API key and no usage plan (API keys are not an authorization mechanism)`, () => {
        for (const type of ['aws:apigateway/apiKey:ApiKey', 'aws:apigateway/usagePlan:UsagePlan', 'aws:apigateway/usagePlanKey:UsagePlanKey']) {
          assert.deepEqual(ofType(run, type).filter((r) => r.inputs.region === region), [], type);
        }
      });

      it(`${region}: regional custom domains ${s.customDomainsEnabled ? 'with ACM (DNS validation) and TLS 1.2' : 'are off'}`, () => {
        const domains = ofType(run, 'aws:apigateway/domainName:DomainName').filter((r) => r.inputs.region === region);
        const certificates = ofType(run, 'aws:acm/certificate:Certificate').filter((r) => r.inputs.region === region);
        if (!s.customDomainsEnabled) {
          assert.equal(domains.length, 0);
          assert.equal(certificates.length, 0);
          assert.equal(ofType(run, 'aws:apigateway/basePathMapping:BasePathMapping').length, 0);
          return;
        }
        const failoverHost = `api.${s.domainName}`;
        const regionalHost = `${region}.api.${s.domainName}`;
        const [cert] = certificates;
        assert.deepEqual(cert.inputs, { region, domainName: failoverHost, subjectAlternativeNames: [regionalHost], validationMethod: 'DNS', tags: regionTags(region, role) });
        const validation = one(run, 'aws:acm/certificateValidation:CertificateValidation', (r) => r.inputs.region === region);
        const options: any[] = cert.state.domainValidationOptions;
        assert.deepEqual(validation.inputs, { region, certificateArn: cert.state.arn, validationRecordFqdns: options.map((o) => o.resourceRecordName) });
        for (const o of options) {
          // One owner per validation record: the failover hostname's belongs to the primary.
          const owners = ofType(run, 'aws:route53/record:Record').filter((r) => r.inputs.name === o.resourceRecordName);
          assert.equal(owners.length, 1, `${o.resourceRecordName} has ${owners.length} owners`);
          const owner = o.domainName === failoverHost ? s.primaryRegion : region;
          assert.ok(owners[0].name.startsWith(`payments-${owner}-`), `${owners[0].name} owns ${o.resourceRecordName}`);
          assert.deepEqual(owners[0].inputs, { zoneId: one(run, 'aws:route53/zone:Zone', () => true).state.zoneId, name: o.resourceRecordName, type: 'CNAME', records: [o.resourceRecordValue], ttl: 60 });
        }
        assert.deepEqual(domains.map((d) => d.inputs).sort((a, b) => a.domainName.localeCompare(b.domainName)), [failoverHost, regionalHost].sort().map((domainName) => ({
          region, domainName, regionalCertificateArn: cert.state.arn, endpointConfiguration: { types: 'REGIONAL' }, securityPolicy: 'TLS_1_2', tags: regionTags(region, role),
        })));
        const mappings = ofType(run, 'aws:apigateway/basePathMapping:BasePathMapping').filter((r) => r.inputs.region === region);
        assert.deepEqual(mappings.map((m) => m.inputs.domainName).sort(), [failoverHost, regionalHost].sort());
        for (const m of mappings) assert.equal(m.inputs.stageName, 'v1');
        const regionalDomain = domains.find((d) => d.inputs.domainName === regionalHost)!;
        const record = one(run, 'aws:route53/record:Record', (r) => r.inputs.name === regionalHost);
        assert.deepEqual(record.inputs.aliases, [{ name: regionalDomain.state.regionalDomainName, zoneId: regionalDomain.state.regionalZoneId, evaluateTargetHealth: false }]);
      });
    }
  });

  describe(`stack ${stack}: 4. Route 53`, () => {
    it('hosts the zone (destroyable) and health-checks each region\'s real /health over HTTPS', () => {
      const zone = one(run, 'aws:route53/zone:Zone', () => true);
      assert.deepEqual(zone.inputs, { name: s.domainName, comment: 'Payments DR: failover API hostname and regional hostnames', forceDestroy: true, tags: stackTags });
      for (const { region, role } of regions) {
        const api = named(run, 'aws:apigateway/restApi:RestApi', `payments-api-${S}-${region}`);
        const check = one(run, 'aws:route53/healthCheck:HealthCheck', (r) => r.inputs.tags.Name === `${role}-health-check-${S}-${region}`);
        assert.deepEqual(check.inputs, {
          type: 'HTTPS',
          fqdn: s.customDomainsEnabled ? `${region}.api.${s.domainName}` : `${api.id}.execute-api.${region}.amazonaws.com`,
          port: 443,
          resourcePath: s.customDomainsEnabled ? '/health' : '/v1/health',
          requestInterval: s.healthCheckIntervalSeconds,
          failureThreshold: s.healthCheckFailureThreshold,
          enableSni: true,
          measureLatency: true,
          tags: { ...stackTags, Name: `${role}-health-check-${S}-${region}` },
        });
      }
    });

    it(`${s.customDomainsEnabled ? `answers api.${s.domainName} with PRIMARY/SECONDARY alias failover records` : 'publishes no failover record (no custom domain could serve it over HTTPS)'}`, () => {
      const zone = one(run, 'aws:route53/zone:Zone', () => true);
      const records = ofType(run, 'aws:route53/record:Record').filter((r) => r.inputs.name === `api.${s.domainName}`);
      assert.ok(records.every((r) => r.inputs.type !== 'CNAME'), 'never a CNAME at the failover hostname');
      if (!s.customDomainsEnabled) {
        assert.deepEqual(records, []);
        return;
      }
      assert.equal(records.length, 2);
      for (const { region, role } of regions) {
        const check = one(run, 'aws:route53/healthCheck:HealthCheck', (r) => r.inputs.tags.Name === (role === 'primary' ? `primary-gate-health-check-${S}-${region}` : `${role}-health-check-${S}-${region}`));
        const record = records.find((r) => r.inputs.setIdentifier === `${role}-${region}`)!;
        const common = { zoneId: zone.state.zoneId, name: `api.${s.domainName}`, setIdentifier: `${role}-${region}`, failoverRoutingPolicies: [{ type: role.toUpperCase() }], healthCheckId: check.id };
        const domain = one(run, 'aws:apigateway/domainName:DomainName', (d) => d.inputs.region === region && d.inputs.domainName === `api.${s.domainName}`);
        assert.deepEqual(record.inputs, { ...common, type: 'A', aliases: [{ name: domain.state.regionalDomainName, zoneId: domain.state.regionalZoneId, evaluateTargetHealth: true }] });
      }
    });

    it('alarms (in us-east-1, where Route 53 publishes) when the primary health check fails', () => {
      for (const { region, role } of regions) {
        const check = one(run, 'aws:route53/healthCheck:HealthCheck', (r) => r.inputs.tags.Name === `${role}-health-check-${S}-${region}`);
        const alarm = named(run, 'aws:cloudwatch/metricAlarm:MetricAlarm', `${role}-health-check-failed-${S}-us-east-1`);
        const { alarmDescription, ...rest } = alarm.inputs;
        assert.match(alarmDescription, /runbook/);
        assert.deepEqual(rest, {
          region: 'us-east-1', name: `${role}-health-check-failed-${S}-us-east-1`, namespace: 'AWS/Route53', metricName: 'HealthCheckStatus',
          dimensions: { HealthCheckId: check.id }, statistic: 'Minimum', period: 60, evaluationPeriods: 1, threshold: 1,
          comparisonOperator: 'LessThanThreshold', treatMissingData: 'breaching',
          alarmActions: [`arn:aws:sns:us-east-1:${A}:payments-alarms-${S}-us-east-1`], okActions: [`arn:aws:sns:us-east-1:${A}:payments-alarms-${S}-us-east-1`], tags: stackTags,
        });
      }
    });
  });

  describe(`stack ${stack}: 5. S3`, () => {
    for (const { region, role, peer } of regions) {
      const bucket = `transaction-logs-${S}-${region}-${A}`;
      const peerBucket = `transaction-logs-${S}-${peer}-${A}`;
      it(`${region}: versioned, encrypted, private, TLS-only, lifecycle rules`, () => {
        assert.deepEqual(named(run, 'aws:s3/bucket:Bucket', bucket, 'bucket').inputs, { region, bucket, forceDestroy: true, tags: regionTags(region, role) });
        const forBucket = (type: string) => one(run, type, (r) => r.inputs.bucket === bucket);
        assert.deepEqual(forBucket('aws:s3/bucketVersioning:BucketVersioning').inputs, { region, bucket, versioningConfiguration: { status: 'Enabled' } });
        assert.deepEqual(forBucket('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration').inputs, {
          region, bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
        });
        assert.deepEqual(forBucket('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock').inputs, {
          region, bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
        });
        assert.deepEqual(policyOf(forBucket('aws:s3/bucketPolicy:BucketPolicy')).Statement, [{
          Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*',
          Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }]);
        const l = s.lifecycle;
        assert.deepEqual(forBucket('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration').inputs, {
          region, bucket, transitionDefaultMinimumObjectSize: 'all_storage_classes_128K', rules: [
            { id: 'transition-transaction-logs-128kb-and-larger', status: 'Enabled', filter: { objectSizeGreaterThan: 131071 }, transitions: [
              { days: l.transitionToInfrequentAccessDays, storageClass: 'STANDARD_IA' }, { days: l.transitionToGlacierDays, storageClass: 'GLACIER_IR' }] },
            { id: 'expire-noncurrent-versions', status: 'Enabled', filter: { prefix: '' }, noncurrentVersionExpiration: { noncurrentDays: l.noncurrentVersionExpirationDays } },
            // Pending-payment markers outlive the dead-letter queue's 14 days by one, then go.
            { id: 'expire-pending-markers', status: 'Enabled', filter: { prefix: 'pending/' }, expiration: { days: 15 }, noncurrentVersionExpiration: { noncurrentDays: 1 } },
            { id: 'abort-incomplete-multipart-uploads', status: 'Enabled', filter: { prefix: '' }, abortIncompleteMultipartUpload: { daysAfterInitiation: l.abortIncompleteMultipartUploadDays } },
          ],
        });
      });

      it(`${region}: replicates to ${peer} with RTC, metrics, delete markers and replica sync, and alarms on it`, () => {
        const config = one(run, 'aws:s3/bucketReplicationConfig:BucketReplicationConfig', (r) => r.inputs.region === region);
        assert.deepEqual(config.inputs, {
          region, bucket, role: `arn:aws:iam::${A}:role/s3-replication-role-${S}`,
          rules: [{
            id: `replicate-to-${peer}`, priority: 1, status: 'Enabled', filter: { prefix: 'transactions/' },
            deleteMarkerReplication: { status: 'Enabled' },
            sourceSelectionCriteria: { replicaModifications: { status: 'Enabled' } },
            destination: {
              bucket: `arn:aws:s3:::${peerBucket}`, storageClass: 'STANDARD',
              replicationTime: { status: 'Enabled', time: { minutes: 15 } }, metrics: { status: 'Enabled', eventThreshold: { minutes: 15 } },
            },
          }],
        });
        const topic = `arn:aws:sns:${region}:${A}:payments-alarms-${S}-${region}`;
        const dimensions = { SourceBucket: bucket, DestinationBucket: peerBucket, RuleId: `replicate-to-${peer}` };
        const latency = named(run, 'aws:cloudwatch/metricAlarm:MetricAlarm', `s3-replication-latency-to-${peer}-${S}-${region}`).inputs;
        assert.deepEqual({ ...latency, alarmDescription: undefined }, {
          region, name: `s3-replication-latency-to-${peer}-${S}-${region}`, alarmDescription: undefined, namespace: 'AWS/S3', metricName: 'ReplicationLatency', dimensions,
          statistic: 'Maximum', period: 300, evaluationPeriods: 1, threshold: 900, comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching',
          alarmActions: [topic], okActions: [topic], tags: stackTags,
        });
        const failed = named(run, 'aws:cloudwatch/metricAlarm:MetricAlarm', `s3-replication-failed-to-${peer}-${S}-${region}`).inputs;
        assert.deepEqual({ ...failed, alarmDescription: undefined }, {
          region, name: `s3-replication-failed-to-${peer}-${S}-${region}`, alarmDescription: undefined, namespace: 'AWS/S3', metricName: 'OperationsFailedReplication', dimensions,
          statistic: 'Sum', period: 300, evaluationPeriods: 1, threshold: 0, comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching',
          alarmActions: [topic], okActions: [topic], tags: stackTags,
        });
      });
    }

    it('uses one replication role scoped to exactly the two buckets', () => {
      const role = named(run, 'aws:iam/role:Role', `s3-replication-role-${S}`);
      assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [{ Sid: 'TrustService', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
      const buckets = regions.map((r) => `arn:aws:s3:::transaction-logs-${S}-${r.region}-${A}`);
      const objects = buckets.map((b) => `${b}/transactions/*`);
      assert.deepEqual(policyOf(named(run, 'aws:iam/rolePolicy:RolePolicy', `s3-replication-policy-${S}`)).Statement, [
        { Sid: 'ReadReplicationConfiguration', Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: buckets },
        { Sid: 'ReadSourceVersions', Effect: 'Allow', Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'], Resource: objects },
        { Sid: 'WriteReplicas', Effect: 'Allow', Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], Resource: objects },
      ]);
    });
  });

  describe(`stack ${stack}: 6. CloudWatch and SNS`, () => {
    for (const { region, role, peer } of regions) {
      const topic = `arn:aws:sns:${region}:${A}:payments-alarms-${S}-${region}`;
      const tags = regionTags(region, role);
      const expectAlarm = (name: string, fields: Record<string, unknown>) => {
        const { alarmDescription, ...rest } = named(run, 'aws:cloudwatch/metricAlarm:MetricAlarm', name).inputs;
        assert.match(alarmDescription, /runbook/, `${name} points to the runbook`);
        assert.deepEqual(rest, { region, name, alarmActions: [topic], okActions: [topic], tags, treatMissingData: 'notBreaching', ...fields });
      };
      it(`${region}: ReplicationLatency to ${peer} above 30 s, in milliseconds`, () => {
        expectAlarm(`table-replication-latency-to-${peer}-${S}-${region}`, {
          namespace: 'AWS/DynamoDB', metricName: 'ReplicationLatency', dimensions: { TableName: `payments-table-${S}`, ReceivingRegion: peer },
          statistic: 'Average', period: 60, evaluationPeriods: 2, datapointsToAlarm: 2, threshold: 30000, comparisonOperator: 'GreaterThanThreshold',
        });
      });
      it(`${region}: Lambda errors and throttles per function, API 5xx, DLQ depth`, () => {
        for (const h of HANDLERS) {
          for (const metricName of ['Errors', 'Throttles']) {
            expectAlarm(`${h.key}-${metricName.toLowerCase()}-${S}-${region}`, {
              namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: `${h.key}-${S}-${region}` },
              statistic: 'Sum', period: 60, evaluationPeriods: 1, threshold: 0, comparisonOperator: 'GreaterThanThreshold',
            });
          }
        }
        expectAlarm(`api-5xx-${S}-${region}`, {
          namespace: 'AWS/ApiGateway', metricName: '5XXError', dimensions: { ApiName: `payments-api-${S}-${region}`, Stage: 'v1' },
          statistic: 'Sum', period: 60, evaluationPeriods: 1, threshold: 0, comparisonOperator: 'GreaterThanThreshold',
        });
        expectAlarm(`retry-dlq-depth-${S}-${region}`, {
          namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: `payments-retry-dlq-${S}-${region}` },
          statistic: 'Maximum', period: 60, evaluationPeriods: 1, threshold: 0, comparisonOperator: 'GreaterThanThreshold',
        });
        assert.equal(ofType(run, 'aws:cloudwatch/metricAlarm:MetricAlarm').filter((a) => a.inputs.region === region && a.inputs.alarmActions[0] === topic).length,
          1 + HANDLERS.length * 2 + 2 + 2 + PAYMENT_ALARMS_PER_REGION + (region === 'us-east-1' ? 2 : 0) + 2 + (region === s.drRegion ? 1 : 0));
      });
      it(`${region}: alarm topic encrypted with a KMS key CloudWatch may use`, () => {
        const key = one(run, 'aws:kms/key:Key', (r) => r.inputs.region === region);
        assert.deepEqual(named(run, 'aws:sns/topic:Topic', `payments-alarms-${S}-${region}`).inputs, { region, name: `payments-alarms-${S}-${region}`, kmsMasterKeyId: key.state.arn, tags });
        const { policy, ...rest } = key.inputs;
        assert.deepEqual(rest, { region, description: `Encrypts the alarm topic payments-alarms-${S}-${region}`, enableKeyRotation: true, deletionWindowInDays: 7, tags });
        const statements = JSON.parse(policy).Statement;
        assert.deepEqual(statements[1], {
          Sid: 'CloudWatchAlarmsPublish', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*', Condition: { StringEquals: { 'aws:SourceAccount': A } },
        });
        const wildcards = statements.flatMap((st: any) => [st.Action].flat()).filter((a: string) => a.includes('*'));
        assert.ok(wildcards.every((a: string) => a === 'kms:GenerateDataKey*'), `only the documented kms:GenerateDataKey* wildcard: ${wildcards.join(', ')}`);
        const subscriptions = ofType(run, 'aws:sns/topicSubscription:TopicSubscription').filter((r) => r.inputs.region === region);
        assert.deepEqual(subscriptions.map((x) => x.inputs), s.alarmEmail ? [{ region, topic, protocol: 'email', endpoint: s.alarmEmail }] : []);
      });
      it(`${region}: dashboard of replication, API, Lambda and DLQ metrics`, () => {
        const dashboard = named(run, 'aws:cloudwatch/dashboard:Dashboard', `payments-dashboard-${S}-${region}`, 'dashboardName');
        const body = JSON.parse(dashboard.inputs.dashboardBody);
        assert.deepEqual(body.widgets.map((w: any) => w.properties.title), ['DynamoDB replication latency (ms)', 'API requests and errors', 'Lambda errors and throttles', 'Retry dead-letter queue depth']);
        assert.deepEqual(body.widgets[0].properties.metrics, [['AWS/DynamoDB', 'ReplicationLatency', 'TableName', `payments-table-${S}`, 'ReceivingRegion', peer]]);
        for (const w of body.widgets) assert.equal(w.properties.region, region);
      });
    }
  });

  describe(`stack ${stack}: 7. SSM parameters`, () => {
    for (const { region, role } of regions) {
      it(`${region}: endpoint, table name + regional endpoint, function configuration, manual failover flag`, () => {
        const path = `/payments-dr/${S}/${region}/`;
        const params = ofType(run, 'aws:ssm/parameter:Parameter').filter((p) => p.inputs.region === region);
        const values = Object.fromEntries(params.map((p) => [p.inputs.name, [p.inputs.type, p.inputs.value]]));
        const api = named(run, 'aws:apigateway/restApi:RestApi', `payments-api-${S}-${region}`);
        assert.deepEqual(values, {
          [`${path}api-endpoint`]: ['String', s.customDomainsEnabled ? `https://${region}.api.${s.domainName}` : `https://${api.id}.execute-api.${region}.amazonaws.com/v1`],
          [`${path}table-name`]: ['String', `payments-table-${S}`],
          [`${path}table-endpoint`]: ['String', `https://dynamodb.${region}.amazonaws.com`],
          [`${path}max-amount-minor`]: ['String', String(s.maxAmountMinor)],
          [`${path}allowed-currencies`]: ['StringList', s.allowedCurrencies.join(',')],
          [`${path}idempotency-ttl-seconds`]: ['String', '86400'],
          [`${path}transaction-log-prefix`]: ['String', 'transactions/'],
          [`${path}manual-failover`]: ['String', 'false'],
        });
        for (const p of params) {
          assert.equal(p.inputs.tier, 'Standard');
          assert.deepEqual(p.inputs.tags, regionTags(region, role));
        }
        const flag = run.options.find((o) => o.name === `payments-${region}-parameters-manual-failover`);
        assert.deepEqual(flag?.ignoreChanges, ['value'], 'operators own the manual failover flag after creation');
      });
      it(`${region}: only this region's health function may read the manual failover flag`, () => {
        const readers = ofType(run, 'aws:iam/rolePolicy:RolePolicy').filter((p) => p.inputs.policy.includes(':parameter/'));
        assert.deepEqual(readers.map((p) => p.inputs.name).sort(), regions.map((r) => `health-${S}-${r.region}-policy`).sort());
        const mine = policyOf(named(run, 'aws:iam/rolePolicy:RolePolicy', `health-${S}-${region}-policy`));
        assert.deepEqual(mine.Statement.find((x) => x.Sid === 'ReadOwnRegionParameters'), {
          Sid: 'ReadOwnRegionParameters', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: [`arn:aws:ssm:${region}:${A}:parameter/payments-dr/${S}/${region}/manual-failover`],
        });
      });
    }
  });

  describe(`stack ${stack}: 8. SQS`, () => {
    for (const { region, role } of regions) {
      it(`${region}: encrypted retry queue with redrive to an encrypted 14-day DLQ`, () => {
        const tags = regionTags(region, role);
        const dlqArn = `arn:aws:sqs:${region}:${A}:payments-retry-dlq-${S}-${region}`;
        assert.deepEqual(named(run, 'aws:sqs/queue:Queue', `payments-retry-dlq-${S}-${region}`).inputs, {
          region, name: `payments-retry-dlq-${S}-${region}`, messageRetentionSeconds: 1209600, sqsManagedSseEnabled: true, tags,
        });
        assert.deepEqual(named(run, 'aws:sqs/queue:Queue', `payments-retry-${S}-${region}`).inputs, {
          region, name: `payments-retry-${S}-${region}`, visibilityTimeoutSeconds: 180, messageRetentionSeconds: 345600, sqsManagedSseEnabled: true,
          redrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }), tags,
        });
        assert.deepEqual(one(run, 'aws:sqs/redriveAllowPolicy:RedriveAllowPolicy', (r) => r.inputs.region === region && r.inputs.queueUrl.endsWith(`payments-retry-dlq-${S}-${region}`)).inputs, {
          region, queueUrl: `https://sqs.${region}.amazonaws.com/${A}/payments-retry-dlq-${S}-${region}`,
          redriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [`arn:aws:sqs:${region}:${A}:payments-retry-${S}-${region}`] }),
        });
      });
    }
  });

  describe(`stack ${stack}: 9. IAM`, () => {
    for (const { region } of regions) {
      for (const h of HANDLERS) {
        it(`${h.handler} in ${region}: exactly what it uses, in its own region`, () => {
          const fnName = `${h.key}-${S}-${region}`;
          const role = named(run, 'aws:iam/role:Role', `${fnName}-role`);
          assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [{ Sid: 'TrustService', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
          const policy = named(run, 'aws:iam/rolePolicy:RolePolicy', `${fnName}-policy`);
          assert.equal(policy.inputs.role, `${fnName}-role`);
          const table = `arn:aws:dynamodb:${region}:${A}:table/payments-table-${S}`;
          const peerTable = `arn:aws:dynamodb:${peerOf(region)}:${A}:table/payments-table-${S}`;
          const queue = `arn:aws:sqs:${region}:${A}:payments-retry-${S}-${region}`;
          const peerQueue = `arn:aws:sqs:${peerOf(region)}:${A}:payments-retry-${S}-${peerOf(region)}`;
          const pending = (r: string) => `arn:aws:s3:::transaction-logs-${S}-${r}-${A}/pending/*`;
          const logs = `arn:aws:logs:${region}:${A}:log-group:/aws/lambda/${fnName}:log-stream:*`;
          const base = [
            { Sid: 'WriteOwnLogGroup', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logs },
            { Sid: 'XRayWriteNoResourceLevelPermissions', Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
          ];
          const expected: Record<string, unknown[]> = {
            // No UpdateItem or DeleteItem: nothing may change a stored payment.
            createPayment: [...base,
              { Sid: 'PaymentsTable', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: [table, peerTable] },
              { Sid: 'QueueForRetry', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [queue, peerQueue] },
              { Sid: 'PendingPaymentMarkers', Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], Resource: [pending(region), pending(peerOf(region))] }],
            getPayment: [...base, { Sid: 'PaymentsTable', Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: table },
              { Sid: 'PendingPaymentMarkers', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [pending(region), pending(peerOf(region))] }],
            health: [...base,
              { Sid: 'PaymentsTable', Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: table,
                Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [`HEALTH#${region}`] } } },
              { Sid: 'ReadOwnRegionParameters', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: [`arn:aws:ssm:${region}:${A}:parameter/payments-dr/${S}/${region}/manual-failover`] }],
            retryProcessor: [...base,
              { Sid: 'PaymentsTable', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: table },
              { Sid: 'ConsumeRetryQueue', Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Resource: queue },
              { Sid: 'PendingPaymentMarkers', Effect: 'Allow', Action: ['s3:GetObject'], Resource: pending(region) }],
            authorizer: [...base, { Sid: 'ReadMerchantCredentials', Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: `arn:aws:dynamodb:${region}:${A}:table/merchant-credentials-${S}` }],
            // Exact documents: infra/components/transactionLogStream.test.ts.
            transactionLogWriter: policyOf(policy).Statement,
          };
          assert.deepEqual(policyOf(policy), { Version: '2012-10-17', Statement: expected[h.handler] });
        });
      }
    }

    it('has no wildcard beyond the documented ones in any identity or resource policy', () => {
      const documents: { where: string; doc: any }[] = [];
      for (const r of run.resources) {
        for (const key of ['policy', 'assumeRolePolicy']) {
          if (typeof r.inputs[key] === 'string' && r.inputs[key].startsWith('{')) documents.push({ where: `${r.type} ${r.name}.${key}`, doc: JSON.parse(r.inputs[key]) });
        }
      }
      assert.ok(documents.length >= 20, `${documents.length} policy documents`);
      for (const { where, doc } of documents) {
        assert.equal(doc.Version, '2012-10-17', where);
        const keyPolicy = where.startsWith('aws:kms/key:Key');
        for (const st of doc.Statement) {
          const actions: string[] = [st.Action].flat();
          const resources: string[] = st.Resource === undefined ? [] : [st.Resource].flat();
          if (st.Effect === 'Deny') continue; // a deny may be broad: it only takes away
          // kms:GenerateDataKey* is the form AWS documents for services publishing to encrypted topics.
          for (const action of actions) assert.ok(!action.includes('*') || (keyPolicy && action === 'kms:GenerateDataKey*'), `${where}: wildcard action ${action}`);
          for (const resource of resources) {
            if (resource === '*') {
              assert.ok(keyPolicy || actions.every((a) => WILDCARD_RESOURCE_ACTIONS.includes(a)), `${where}: "*" resource for ${actions.join(',')}`);
            } else if (resource.includes('*')) {
              assert.match(resource, /(:log-stream:\*|^arn:aws:s3:::transaction-logs-[a-z0-9-]+\/(transactions\/([a-z]{2}-[a-z]+-\d\/)?|pending\/)?\*|^arn:aws:execute-api:.*)$/, `${where}: wildcard resource ${resource}`);
            }
          }
          if (st.Principal?.AWS) assert.equal(st.Principal.AWS, `arn:aws:iam::${A}:root`, `${where}: principal`);
        }
      }
    });
  });

  describe(`stack ${stack}: 10. outputs`, () => {
    it('exports endpoints, failover endpoint, health checks, alarms, table, buckets, queues, zone and the budget', () => {
      const o = run.outputs;
      const api = (region: string) => named(run, 'aws:apigateway/restApi:RestApi', `payments-api-${S}-${region}`).id;
      const invoke = (region: string) => `https://${api(region)}.execute-api.${region}.amazonaws.com/v1`;
      assert.equal(o.primaryApiUrl, s.customDomainsEnabled ? `https://${s.primaryRegion}.api.${s.domainName}` : invoke(s.primaryRegion));
      assert.equal(o.drApiUrl, s.customDomainsEnabled ? `https://${s.drRegion}.api.${s.domainName}` : invoke(s.drRegion));
      assert.deepEqual([o.primaryRegion, o.drRegion], [s.primaryRegion, s.drRegion]);
      assert.deepEqual(o.parameterPaths, Object.fromEntries(regions.map(({ region }) => [region, `/payments-dr/${S}/${region}/`])));
      assert.deepEqual(o.manualFailoverParameters, Object.fromEntries(regions.map(({ region }) => [region, `/payments-dr/${S}/${region}/manual-failover`])));
      assert.equal(o.failoverApiUrl, s.customDomainsEnabled ? `https://api.${s.domainName}` : undefined, 'no failover URL without custom domains');
      const checks = ofType(run, 'aws:route53/healthCheck:HealthCheck');
      assert.deepEqual(o.healthCheckIds, Object.fromEntries(regions.map(({ role, region }) => [role, checks.find((c) => c.inputs.tags.Name === `${role}-health-check-${S}-${region}`)!.id])));
      assert.deepEqual(o.healthCheckUrls, Object.fromEntries(regions.map(({ role, region }) => [role,
        s.customDomainsEnabled ? `https://${region}.api.${s.domainName}/health` : `${invoke(region)}/health`])));
      const alarms = ofType(run, 'aws:cloudwatch/metricAlarm:MetricAlarm');
      assert.deepEqual(o.alarmArns, Object.fromEntries(alarms.map((a) => [a.inputs.name, a.state.arn])));
      // per region: replication + 2 per handler + 5xx + DLQ + 2 S3 + payment alarms + 2 peer probe; 2 health-check alarms; the DR switch
      assert.equal(Object.keys(o.alarmArns).length, 2 * (1 + HANDLERS.length * 2 + 2 + 2 + PAYMENT_ALARMS_PER_REGION + 2) + 2 + 1);
      assert.equal(o.tableName, `payments-table-${S}`);
      assert.deepEqual(o.bucketNames, Object.fromEntries(regions.map(({ region }) => [region, `transaction-logs-${S}-${region}-${A}`])));
      assert.deepEqual(o.retryQueueUrls, Object.fromEntries(regions.map(({ region }) => [region, `https://sqs.${region}.amazonaws.com/${A}/payments-retry-${S}-${region}`])));
      assert.deepEqual(o.deadLetterQueueUrls, Object.fromEntries(regions.map(({ region }) => [region, `https://sqs.${region}.amazonaws.com/${A}/payments-retry-dlq-${S}-${region}`])));
      assert.deepEqual(o.functions, Object.fromEntries(regions.map(({ region }) => [region, Object.fromEntries(HANDLERS.map((h) => {
        const name = `${h.key}-${S}-${region}`;
        named(run, 'aws:lambda/function:Function', name);
        return [h.handler, { name, roleArn: named(run, 'aws:iam/role:Role', `${name}-role`).state.arn }];
      }))])));
      const zone = one(run, 'aws:route53/zone:Zone', () => true);
      assert.equal(o.hostedZoneId, zone.state.zoneId);
      assert.equal(o.hostedZoneName, s.domainName);
      assert.deepEqual(o.nameServers, zone.state.nameServers);
      assert.equal(o.consistencyMode, s.consistencyMode);
      assert.deepEqual(o.drBudget, computeDrBudget(s));
      assert.equal(o.clientApiKey, undefined, 'no shared client key: merchants authenticate with their own credentials');
      assert.equal(o.credentialsTableName, `merchant-credentials-${S}`);
    });
  });

  describe(`stack ${stack}: destroyability`, () => {
    it('protects nothing and retains nothing on delete', () => {
      assert.equal(run.options.length, run.resources.length - 1, 'options captured for every resource but the stack');
      for (const o of run.options) {
        assert.notEqual(o.protect, true, `${o.type} ${o.name} is protected`);
        assert.notEqual(o.retainOnDelete, true, `${o.type} ${o.name} is retained on delete`);
      }
    });
    it('has no deletion protection and empties what would block a delete', () => {
      for (const table of ofType(run, 'aws:dynamodb/table:Table')) {
        assert.equal(table.inputs.deletionProtectionEnabled, false);
        for (const replica of table.inputs.replicas) assert.equal(replica.deletionProtectionEnabled, false);
      }
      for (const b of ofType(run, 'aws:s3/bucket:Bucket')) assert.equal(b.inputs.forceDestroy, true);
      assert.equal(one(run, 'aws:route53/zone:Zone', () => true).inputs.forceDestroy, true);
      for (const k of ofType(run, 'aws:kms/key:Key')) assert.equal(k.inputs.deletionWindowInDays, 7);
      for (const r of run.resources) assert.notEqual(r.inputs.deletionProtection, true, `${r.type} ${r.name}`);
    });
  });

  return { run: () => run, settings: s };
}
