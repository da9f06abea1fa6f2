/**
 * One region's REST API (REGIONAL endpoint): POST /payments, GET /payments/{id}, GET /health.
 *
 * Authorization (payment routes): a Lambda REQUEST authorizer reading `Authorization: Bearer
 * <credential>` (per-merchant secrets stored only as hashes in the merchant-credentials global table,
 * read from this region's replica), so the merchant comes from the credential and one credential
 * works in both regions and through a failover. API keys are not an authorization mechanism (AWS:
 * "Don't use API keys for authentication or authorization to control access to your APIs",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html), so
 * the stack has none and no usage plan: throttling is stage-wide (method settings), not per client.
 * Result cache: API Gateway caches the authorizer's policy per Authorization value for
 * `authorizerResultTtlSeconds` (default 60; 0 disables, 3600 is AWS's maximum,
 * https://docs.aws.amazon.com/apigateway/latest/api/API_CreateAuthorizer.html), so a revoked or
 * expired credential keeps working for at most that long in each region. `/health` stays open for
 * Route 53.
 *
 * Logging: access logs (JSON, no bodies) and execution logs (INFO, data trace OFF so payment bodies
 * never reach logs), both into explicit log groups with retention; API Gateway writes them with the
 * per-region account-level CloudWatch role, an account-wide singleton that is NOT set here (see
 * apiGatewayAccount.ts): `loggingPrerequisites` orders the stage after it when this program sets it.
 *
 * Protection: an AWS WAF web ACL on the stage (apiFirewall.ts) and a separate method throttle for
 * `/health`, so Route 53's checkers are never throttled by payment traffic.
 */
import { createHash } from 'node:crypto';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { resourceName } from '../naming';
import { ApiFirewall } from './apiFirewall';

export interface ApiFunctionRef {
  /** Function name (for the invoke permission). */
  name: pulumi.Input<string>;
  /** Lambda invoke ARN (for the proxy integration). */
  invokeArn: pulumi.Input<string>;
}

export interface CustomDomainArgs {
  /** Hosted zone holding the certificate validation and hostname records. */
  zoneId: pulumi.Input<string>;
  /** The failover hostname served by both regions, e.g. `api.payments-dev.example.com`. */
  failoverHostname: string;
  /** This region's own hostname, e.g. `us-east-1.api.payments-dev.example.com`. */
  regionalHostname: string;
  /**
   * The ONE record that validates the failover hostname for both regions' certificates (ACM gives
   * the same CNAME for the same name in one account). Given: this region reuses it and checks that
   * its certificate asks for exactly that record. Absent: this region creates and owns it
   * (`failoverValidationRecord`). Default: absent.
   */
  failoverValidationRecord?: aws.route53.Record;
}

export interface PaymentApiArgs {
  /** Region of every resource here. Required. */
  region: string;
  /** Environment suffix carried by every name. Required. */
  environmentSuffix: string;
  /** The three handlers behind the routes. Required. */
  functions: { createPayment: ApiFunctionRef; getPayment: ApiFunctionRef; health: ApiFunctionRef };
  /** The Lambda REQUEST authorizer of the payment routes. Required. */
  authorizer: ApiFunctionRef;
  /** Seconds API Gateway caches an authorizer result (revocation delay). Default 60. */
  authorizerResultTtlSeconds?: number;
  /** Largest amount the request model accepts (minor units). Required. */
  maxAmountMinor: number;
  /** Currencies the request model accepts. Required. */
  allowedCurrencies: string[];
  /** Stage name (part of the execute-api URL). Default `v1`. */
  stageName?: string;
  /** Log retention (days) of the access and execution log groups (the stack setting `logRetentionDays`). Required. */
  logRetentionDays: number;
  /** Stage-wide steady-state requests per second. Default 100. */
  throttlingRateLimit?: number;
  /** Stage-wide burst. Default 200. */
  throttlingBurstLimit?: number;
  /** Own throttle of GET /health (Route 53's checkers), requests per second. Default 50. */
  healthThrottlingRateLimit?: number;
  /** Own burst of GET /health. Default 100. */
  healthThrottlingBurstLimit?: number;
  /** Requests per source IP per 5 minutes that WAF allows on the payment routes (the stack setting `wafRateLimitPerIp`). Required. */
  wafRateLimitPerIp: number;
  /** Resources the stage's logging needs first (API Gateway's account CloudWatch role). Default none. */
  loggingPrerequisites?: pulumi.Resource[];
  /** Regional custom domains (ACM certificate, TLS 1.2). Default none (execute-api hostname only). */
  customDomain?: CustomDomainArgs;
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * Route 53's AliasTarget of this region's failover record: the regional endpoint, an alias to the
 * regional custom domain. Only a custom domain serves the failover hostname over HTTPS (certificate and Host
 * match); there is no CNAME form on purpose.
 */
export interface RegionalAliasTarget {
  kind: 'alias';
  name: pulumi.Output<string>;
  zoneId: pulumi.Output<string>;
}

/**
 * The deployment trigger: a SHA-256 of everything a deployment snapshots (methods, integrations,
 * models, gateway responses, method settings), by content. Ids do not change on in-place updates
 * (a gateway response's text, a method setting, an integration's target), so a hash of ids would
 * leave the stage on the old snapshot.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-deployments.html
 */
export function deploymentTrigger(content: unknown): string {
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

/** Access log line: identifiers and timings only, never request or response bodies. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  principalId: '$context.authorizer.principalId',
  xrayTraceId: '$context.xrayTraceId',
  errorMessage: '$context.error.message',
});

/**
 * Gateway-generated errors in the handlers' error shape (`{ error: { code, message } }`). Fixed
 * messages: `$context.error.validationErrorString` holds unescaped quotes and would break the JSON.
 */
export const GATEWAY_RESPONSES: Record<string, { statusCode: string; code: string; message: string }> = {
  BAD_REQUEST_BODY: { statusCode: '400', code: 'VALIDATION_FAILED', message: 'the request body does not match the CreatePaymentRequest schema' },
  BAD_REQUEST_PARAMETERS: { statusCode: '400', code: 'VALIDATION_FAILED', message: 'a required request parameter is missing' },
  THROTTLED: { statusCode: '429', code: 'THROTTLED', message: 'too many requests, retry with backoff' },
};

/** JSON schema (draft-04) of POST /payments; the handler stays the authority on finer rules. */
export function paymentRequestSchema(maxAmountMinor: number, allowedCurrencies: string[]): string {
  return JSON.stringify({
    $schema: 'http://json-schema.org/draft-04/schema#',
    title: 'CreatePaymentRequest',
    type: 'object',
    required: ['merchantId', 'amount', 'currency'],
    properties: {
      merchantId: { type: 'string', minLength: 1 },
      amount: { type: 'integer', minimum: 1, maximum: maxAmountMinor },
      currency: { type: 'string', enum: allowedCurrencies },
      reference: { type: 'string' },
      metadata: { type: 'object' },
    },
  });
}

export class PaymentApi extends pulumi.ComponentResource {
  public readonly restApi: aws.apigateway.RestApi;
  public readonly stage: aws.apigateway.Stage;
  public readonly authorizer: aws.apigateway.Authorizer;
  public readonly apiName: string;
  public readonly stageName: string;
  /** `https://<id>.execute-api.<region>.amazonaws.com/<stage>` */
  public readonly invokeUrl: pulumi.Output<string>;
  /** The URL clients of this region use: the regional custom domain, or the invoke URL. */
  public readonly endpointUrl: pulumi.Output<string>;
  /** Host and path Route 53 health-checks (HTTPS, port 443). */
  public readonly healthCheckFqdn: pulumi.Output<string>;
  public readonly healthCheckPath: string;
  /** The failover record's AliasTarget (this regional endpoint); undefined without custom domains (no failover hostname). */
  public readonly failoverAliasTarget: RegionalAliasTarget | undefined;
  /** The failover hostname's ACM validation record, when this region owns it. */
  public readonly failoverValidationRecord?: aws.route53.Record;
  /** The web ACL protecting the stage. */
  public readonly firewall: ApiFirewall;

  constructor(name: string, args: PaymentApiArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:api:PaymentApi', name, {}, opts);
    const region = args.region;
    const suffix = args.environmentSuffix;
    const stageName = args.stageName ?? 'v1';
    const retentionInDays = args.logRetentionDays;
    const tags = args.tags;
    const parent = { parent: this };
    this.apiName = resourceName('payments-api', suffix, region);
    this.stageName = stageName;

    this.restApi = new aws.apigateway.RestApi(
      `${name}-rest-api`,
      {
        region,
        name: this.apiName,
        description: `Payment processing API (${suffix}, ${region})`,
        endpointConfiguration: { types: 'REGIONAL' },
        tags,
      },
      parent,
    );
    const restApi = this.restApi.id;

    // --- logging: explicit groups (the account-level CloudWatch role is set outside, see above) ---
    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-access-logs`,
      { region, name: `/aws/apigateway/${this.apiName}/access`, retentionInDays, tags },
      parent,
    );
    // API Gateway names its execution log group itself; creating it first gives it our retention.
    const executionLogs = new aws.cloudwatch.LogGroup(
      `${name}-execution-logs`,
      { region, name: pulumi.interpolate`API-Gateway-Execution-Logs_${restApi}/${stageName}`, retentionInDays, tags },
      parent,
    );

    // --- routes ---
    const payments = new aws.apigateway.Resource(`${name}-payments`, { region, restApi, parentId: this.restApi.rootResourceId, pathPart: 'payments' }, parent);
    const paymentById = new aws.apigateway.Resource(`${name}-payment-by-id`, { region, restApi, parentId: payments.id, pathPart: '{id}' }, parent);
    const health = new aws.apigateway.Resource(`${name}-health`, { region, restApi, parentId: this.restApi.rootResourceId, pathPart: 'health' }, parent);

    const validator = new aws.apigateway.RequestValidator(
      `${name}-validator`,
      { region, restApi, name: 'validate-body-and-parameters', validateRequestBody: true, validateRequestParameters: true },
      parent,
    );
    const model = new aws.apigateway.Model(
      `${name}-payment-model`,
      {
        region,
        restApi,
        name: 'CreatePaymentRequest',
        contentType: 'application/json',
        schema: paymentRequestSchema(args.maxAmountMinor, args.allowedCurrencies),
      },
      parent,
    );

    // --- merchant authorization: Lambda REQUEST authorizer on the payment routes ---
    this.authorizer = new aws.apigateway.Authorizer(
      `${name}-authorizer`,
      {
        region,
        restApi,
        name: resourceName('merchant-authorizer', suffix, region),
        type: 'REQUEST',
        authorizerUri: args.authorizer.invokeArn,
        // The cache key; a request without the header is refused (401) without invoking the function.
        identitySource: 'method.request.header.Authorization',
        authorizerResultTtlInSeconds: args.authorizerResultTtlSeconds ?? 60,
      },
      parent,
    );
    new aws.lambda.Permission(
      `${name}-authorizer-invoke`,
      {
        region,
        action: 'lambda:InvokeFunction',
        function: args.authorizer.name,
        principal: 'apigateway.amazonaws.com',
        // Only this API's authorizer may invoke it.
        sourceArn: pulumi.interpolate`${this.restApi.executionArn}/authorizers/${this.authorizer.id}`,
      },
      parent,
    );

    const routes = [
      { key: 'create-payment', resource: payments, httpMethod: 'POST', fn: args.functions.createPayment, authorized: true, path: 'payments',
        requestModels: { 'application/json': model.name }, requestParameters: undefined },
      { key: 'get-payment', resource: paymentById, httpMethod: 'GET', fn: args.functions.getPayment, authorized: true, path: 'payments/*',
        requestModels: undefined, requestParameters: { 'method.request.path.id': true } },
      { key: 'health', resource: health, httpMethod: 'GET', fn: args.functions.health, authorized: false, path: 'health',
        requestModels: undefined, requestParameters: undefined },
    ];
    const integrations: aws.apigateway.Integration[] = [];
    const methods: aws.apigateway.Method[] = [];
    // What the deployment snapshots, by content (see deploymentTrigger).
    const snapshot: Record<string, pulumi.Input<unknown>> = {
      validator: { validateRequestBody: true, validateRequestParameters: true },
      model: paymentRequestSchema(args.maxAmountMinor, args.allowedCurrencies),
      authorizer: {
        type: 'REQUEST',
        authorizerUri: args.authorizer.invokeArn,
        identitySource: 'method.request.header.Authorization',
        authorizerResultTtlInSeconds: args.authorizerResultTtlSeconds ?? 60,
      },
    };
    for (const route of routes) {
      const methodArgs = {
        authorization: route.authorized ? 'CUSTOM' : 'NONE',
        requestModels: route.requestModels,
        requestParameters: route.requestParameters,
      };
      const method = new aws.apigateway.Method(
        `${name}-${route.key}-method`,
        {
          region,
          restApi,
          resourceId: route.resource.id,
          httpMethod: route.httpMethod,
          authorizerId: route.authorized ? this.authorizer.id : undefined,
          requestValidatorId: validator.id,
          ...methodArgs,
        },
        parent,
      );
      methods.push(method);
      const integrationArgs = { type: 'AWS_PROXY', integrationHttpMethod: 'POST', uri: route.fn.invokeArn };
      integrations.push(
        new aws.apigateway.Integration(
          `${name}-${route.key}-integration`,
          { region, restApi, resourceId: route.resource.id, httpMethod: method.httpMethod, ...integrationArgs },
          parent,
        ),
      );
      snapshot[`${route.httpMethod} /${route.path}`] = { method: methodArgs, integration: integrationArgs };
      new aws.lambda.Permission(
        `${name}-${route.key}-invoke`,
        {
          region,
          action: 'lambda:InvokeFunction',
          function: route.fn.name,
          principal: 'apigateway.amazonaws.com',
          // Only this API, this method and this path (any stage) may invoke the function.
          sourceArn: pulumi.interpolate`${this.restApi.executionArn}/*/${route.httpMethod}/${route.path}`,
        },
        parent,
      );
    }
    snapshot.gatewayResponses = GATEWAY_RESPONSES;
    const responses = Object.entries(GATEWAY_RESPONSES).map(
      ([responseType, r]) =>
        new aws.apigateway.Response(
          `${name}-${responseType.toLowerCase().replace(/_/g, '-')}-response`,
          {
            region,
            restApiId: restApi,
            responseType,
            statusCode: r.statusCode,
            responseTemplates: {
              'application/json': `{"error":{"code":"${r.code}","message":"${r.message}"},"requestId":"$context.requestId"}`,
            },
          },
          parent,
        ),
    );

    const stageMethodSettings = {
      metricsEnabled: true,
      loggingLevel: 'INFO',
      dataTraceEnabled: false,
      throttlingRateLimit: args.throttlingRateLimit ?? 100,
      throttlingBurstLimit: args.throttlingBurstLimit ?? 200,
    };
    // GET /health has its own token bucket: payment traffic never uses up the checkers' share.
    const healthMethodSettings = {
      ...stageMethodSettings,
      throttlingRateLimit: args.healthThrottlingRateLimit ?? 50,
      throttlingBurstLimit: args.healthThrottlingBurstLimit ?? 100,
    };
    snapshot.methodSettings = { '*/*': stageMethodSettings, 'health/GET': healthMethodSettings };

    const deployment = new aws.apigateway.Deployment(
      `${name}-deployment`,
      {
        region,
        restApi,
        description: `payments API ${suffix} ${region}`,
        // Redeploy whenever what a deployment snapshots changes, by content (deploymentTrigger).
        triggers: { redeployment: pulumi.output(snapshot).apply(deploymentTrigger) },
      },
      { parent: this, dependsOn: [...methods, ...integrations, ...responses, model, validator, this.authorizer] },
    );
    this.stage = new aws.apigateway.Stage(
      `${name}-stage`,
      {
        region,
        restApi,
        deployment: deployment.id,
        stageName,
        xrayTracingEnabled: true,
        accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
        tags,
      },
      { parent: this, dependsOn: [...(args.loggingPrerequisites ?? []), executionLogs] },
    );
    new aws.apigateway.MethodSettings(
      `${name}-method-settings`,
      { region, restApi, stageName: this.stage.stageName, methodPath: '*/*', settings: stageMethodSettings },
      { parent: this, dependsOn: args.loggingPrerequisites ?? [] },
    );
    new aws.apigateway.MethodSettings(
      `${name}-health-method-settings`,
      { region, restApi, stageName: this.stage.stageName, methodPath: 'health/GET', settings: healthMethodSettings },
      { parent: this, dependsOn: args.loggingPrerequisites ?? [] },
    );
    this.firewall = new ApiFirewall(
      `${name}-waf`,
      {
        region,
        environmentSuffix: suffix,
        stageArn: this.stage.arn,
        stageName,
        rateLimitPerIp: args.wafRateLimitPerIp,
        logRetentionDays: retentionInDays,
        tags,
      },
      parent,
    );

    const executeApiHost = pulumi.interpolate`${restApi}.execute-api.${region}.amazonaws.com`;
    this.invokeUrl = pulumi.interpolate`https://${executeApiHost}/${stageName}`;

    // --- regional custom domains ---
    if (args.customDomain) {
      const cd = args.customDomain;
      const certificate = new aws.acm.Certificate(
        `${name}-certificate`,
        { region, domainName: cd.failoverHostname, subjectAlternativeNames: [cd.regionalHostname], validationMethod: 'DNS', tags },
        parent,
      );
      const hosts = [
        { key: 'failover', host: cd.failoverHostname },
        { key: 'regional', host: cd.regionalHostname },
      ];
      const optionFor = (host: string) =>
        certificate.domainValidationOptions.apply((options) => {
          const found = options.find((o) => o.domainName === host);
          if (!found) throw new Error(`ACM returned no DNS validation option for ${host}`);
          return found;
        });
      const validationRecord = (key: string, host: string) => {
        const option = optionFor(host);
        return new aws.route53.Record(
          `${name}-${key}-validation`,
          { zoneId: cd.zoneId, name: option.resourceRecordName, type: option.resourceRecordType, records: [option.resourceRecordValue], ttl: 60 },
          parent,
        );
      };
      // One owner per record: this region's hostname is validated by this region's record; the
      // failover hostname's record (the same CNAME for both regions' certificates) has exactly one
      // owner, so removing one region's resources never deletes what the other's renewal needs.
      // ACM: "the CNAME record ... is the same for the same domain name in one account"; renewal
      // keeps using it. https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html
      const shared = cd.failoverValidationRecord;
      let failoverRecordFqdn: pulumi.Output<string>;
      if (shared === undefined) {
        this.failoverValidationRecord = validationRecord('failover', cd.failoverHostname);
        failoverRecordFqdn = this.failoverValidationRecord.fqdn;
      } else {
        const mine = optionFor(cd.failoverHostname);
        failoverRecordFqdn = pulumi
          .all([mine.resourceRecordName, mine.resourceRecordValue, shared.name, shared.records])
          .apply(([name_, value, sharedName, sharedValues]) => {
            const norm = (x: string) => x.replace(/\.$/, '').toLowerCase();
            if (norm(name_) !== norm(sharedName) || !(sharedValues ?? []).map(norm).includes(norm(value))) {
              throw new Error(`${region}'s certificate asks for ${name_} ${value}, not the shared validation record ${sharedName}: the failover hostname cannot have one owner`);
            }
            return sharedName;
          });
      }
      const regionalRecord = validationRecord('regional', cd.regionalHostname);
      const validation = new aws.acm.CertificateValidation(
        `${name}-certificate-validation`,
        { region, certificateArn: certificate.arn, validationRecordFqdns: [failoverRecordFqdn, regionalRecord.fqdn] },
        { parent: this, dependsOn: shared === undefined ? [] : [shared] },
      );
      const domains = hosts.map(({ key, host }) => {
        const domain = new aws.apigateway.DomainName(
          `${name}-${key}-domain`,
          {
            region,
            domainName: host,
            regionalCertificateArn: validation.certificateArn,
            endpointConfiguration: { types: 'REGIONAL' },
            securityPolicy: 'TLS_1_2',
            tags,
          },
          parent,
        );
        new aws.apigateway.BasePathMapping(
          `${name}-${key}-mapping`,
          { region, domainName: domain.domainName, restApi, stageName: this.stage.stageName },
          parent,
        );
        return domain;
      });
      const [failoverDomain, regionalDomain] = domains;
      new aws.route53.Record(
        `${name}-regional-record`,
        {
          zoneId: cd.zoneId,
          name: cd.regionalHostname,
          type: 'A',
          aliases: [{ name: regionalDomain.regionalDomainName, zoneId: regionalDomain.regionalZoneId, evaluateTargetHealth: false }],
        },
        parent,
      );
      this.endpointUrl = pulumi.output(`https://${cd.regionalHostname}`);
      this.healthCheckFqdn = pulumi.output(cd.regionalHostname);
      this.healthCheckPath = '/health';
      this.failoverAliasTarget = { kind: 'alias', name: failoverDomain.regionalDomainName, zoneId: failoverDomain.regionalZoneId };
    } else {
      this.endpointUrl = this.invokeUrl;
      this.healthCheckFqdn = executeApiHost;
      this.healthCheckPath = `/${stageName}/health`;
      // No failover target: nothing can serve the failover hostname over HTTPS without a custom domain.
      this.failoverAliasTarget = undefined;
    }

    this.registerOutputs({ invokeUrl: this.invokeUrl, endpointUrl: this.endpointUrl, healthCheckFqdn: this.healthCheckFqdn });
  }
}
