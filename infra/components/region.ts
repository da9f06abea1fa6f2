/**
 * Everything the payment service needs in ONE region. The program instantiates it once per region
 * (us-east-1 primary, us-east-2 disaster recovery); only the arguments differ.
 *
 * Children: alarm topic (KMS-encrypted SNS), retry queue + DLQ, transaction-log bucket, the four
 * functions (each with its own least-privilege role and log group), the REST API (stage logging,
 * API key, optional custom domains), the SSM parameters and the alarms + dashboard.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { type PolicyStatement } from '../iam';
import type { HandlerName } from '../lambdaCode';
import { bucketName, failoverHostname, kebab, parameterPath, regionalHostname, resourceName } from '../naming';
import { PROJECT, type StackSettings } from '../settings';
import { AlarmTopic } from './alarmTopic';
import { PaymentApi } from './paymentApi';
import { PaymentFunction } from './paymentFunction';
import { type ParameterName, RegionParameters } from './regionParameters';
import { RegionalAlarms } from './regionalAlarms';
import { RetryQueues } from './retryQueues';
import { TransactionLogBucket } from './transactionLogBucket';

/** Key prefix of transaction logs inside the bucket (`TRANSACTION_LOG_PREFIX`). */
export const TRANSACTION_LOG_PREFIX = 'transactions/';
/** Lifetime of idempotency records (`IDEMPOTENCY_TTL_SECONDS`). */
export const IDEMPOTENCY_TTL_SECONDS = 86400;

/**
 * What each handler touches, read from the handlers' code (infra/lambda); the role policies are
 * generated from this table and nothing else.
 */
export interface HandlerSpec {
  /** MB; more memory also buys proportionally more CPU, which shortens cold starts. */
  memorySize: number;
  /** Seconds. */
  timeout: number;
  /** DynamoDB actions on this region's table replica. UpdateItem/DeleteItem need `mutableKeyPrefixes`. */
  dynamodb: string[];
  /**
   * Partition-key prefixes the MUTATING actions (UpdateItem, DeleteItem) are limited to, through
   * the `dynamodb:LeadingKeys` condition key; committed payments (`PAYMENT#...`) are never among
   * them, so no function can update or delete a committed payment. `{function}` stands for the
   * function's name. Default none (and then no mutating action is allowed).
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
   */
  mutableKeyPrefixes?: string[];
  /** Concurrency reserved for the function (isolation from a retry storm). Default none. */
  reservedConcurrency?: number;
  /** SQS SendMessage on the retry queue. */
  sqsSend: boolean;
  /** Event-source consumption of the retry queue. */
  sqsConsume: boolean;
  /** PutObject under the transaction-log prefix. */
  s3Put: boolean;
  /** SSM parameters (short names) it reads. */
  parameters: ParameterName[];
}

export const HANDLER_SPECS: Record<HandlerName, HandlerSpec> = {
  // Conditional PutItem + GetItem (repository) and Powertools idempotency records (Get/Put/Update/DeleteItem,
  // keys `<function name>[.<handler>]#<hash>`: Update/Delete only there), the S3 transaction log, and
  // SendMessage when the write must be retried (202 PENDING).
  // 512 MB: SDK + Powertools cold start well under a second; 10 s caps a hung dependency far below
  // API Gateway's 29 s integration limit, leaving time for the 503/queue path.
  createPayment: {
    memorySize: 512, timeout: 10,
    dynamodb: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    mutableKeyPrefixes: ['{function}'],
    sqsSend: true, sqsConsume: false, s3Put: true, parameters: [],
  },
  // GetItem (consistent read) only.
  getPayment: { memorySize: 512, timeout: 10, dynamodb: ['dynamodb:GetItem'], sqsSend: false, sqsConsume: false, s3Put: false, parameters: [] },
  // GetItem of the probe key and the maintenance flag. Route 53's HTTPS checkers need the status
  // within 2 s AFTER connecting (HEALTH_RESPONSE_DEADLINE_SECONDS); a slower answer is a failure.
  // So: a 2 s timeout (Lambda's unit is the second), 1024 MB (CPU scales with memory: a shorter
  // cold start), and dependency checks must finish in about 1 s to leave room for a cold start.
  // Reserved concurrency: a retry storm or a payment spike cannot starve it into a false failover
  // (the checkers need a few concurrent executions; 10 leaves room for the DR probe and operators).
  health: {
    memorySize: 1024, timeout: 2, reservedConcurrency: 10,
    dynamodb: ['dynamodb:GetItem'], sqsSend: false, sqsConsume: false, s3Put: false, parameters: ['maintenance'],
  },
  // Commits queued payments (conditional PutItem, GetItem) and their transaction log; 30 s per batch
  // of 10. The queue's visibility timeout is derived from this (RetryQueues: 6x).
  // Its event source mapping runs at most RETRY_MAX_CONCURRENCY batches at once.
  retryProcessor: {
    memorySize: 512, timeout: 30,
    dynamodb: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    sqsSend: false, sqsConsume: true, s3Put: true, parameters: [],
  },
};

/**
 * Route 53 HTTPS health checks: the endpoint must return the status within 2 s after the TCP
 * connection is made (and connect within 4 s).
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html
 */
export const HEALTH_RESPONSE_DEADLINE_SECONDS = 2;

/**
 * Most concurrent invocations of the retry processor per region (event source mapping
 * ScalingConfig; SQS accepts 2-1000). A backlog drains at this pace instead of taking the
 * account's concurrency from the API and /health.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html#events-sqs-max-concurrency
 */
export const RETRY_MAX_CONCURRENCY = 5;

/**
 * The Lambda concurrency quota each region needs at least: Lambda keeps 100 unreserved executions
 * per account and region, on top of every reservation (UnreservedConcurrentExecutions minimum).
 * New accounts can start with a lower quota: request at least this through Service Quotas.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
 */
export function requiredRegionalConcurrency(specs: Record<string, HandlerSpec> = HANDLER_SPECS): number {
  return 100 + Object.values(specs).reduce((sum, spec) => sum + (spec.reservedConcurrency ?? 0), 0);
}

/** Actions that change or remove an existing item: only allowed on `mutableKeyPrefixes`. */
export const MUTATING_DYNAMODB_ACTIONS = ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

export interface RegionalDeploymentArgs {
  /** The region; plain because every child's `region` input and name derive from it. Required. */
  region: string;
  /** `primary` or `secondary` (tags and outputs only; both regions are deployed identically). Required. */
  role: 'primary' | 'secondary';
  /** The stack settings. Required. */
  settings: StackSettings;
  /** The AWS account id (bucket names, ARNs). Required. */
  accountId: pulumi.Input<string>;
  /** The global table's name. Required. */
  tableName: pulumi.Input<string>;
  /** Regions the table replicates to from here (replication alarms). Required. */
  peerRegions: string[];
  /** Code package per handler. Required. */
  code: Record<HandlerName, pulumi.asset.Archive>;
  /** Hosted zone for custom domains; required when settings.customDomainsEnabled. Default none. */
  hostedZoneId?: pulumi.Input<string>;
  /** Client API key value to reuse (the primary's, for the secondary). Default: generated. */
  apiKeyValue?: pulumi.Input<string>;
  /** The failover hostname's ACM validation record owned by another region (see PaymentApi). Default: this region owns it. */
  failoverValidationRecord?: aws.route53.Record;
  /** Resources the API stage's logging needs first (API Gateway's account settings). Default none. */
  loggingPrerequisites?: pulumi.Resource[];
}

export class RegionalDeployment extends pulumi.ComponentResource {
  public readonly region: string;
  public readonly alarmTopic: AlarmTopic;
  public readonly queues: RetryQueues;
  public readonly bucket: TransactionLogBucket;
  public readonly functions: Record<HandlerName, PaymentFunction>;
  public readonly api: PaymentApi;
  public readonly parameters: RegionParameters;
  public readonly alarms: RegionalAlarms;

  constructor(name: string, args: RegionalDeploymentArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:regional:RegionalDeployment', name, {}, opts);
    const { region, settings: s } = args;
    const suffix = s.environmentSuffix;
    const tags = { Project: PROJECT, Environment: suffix, Region: region, DrRole: args.role };
    const parent = { parent: this };
    this.region = region;

    this.alarmTopic = new AlarmTopic(
      `${name}-alarms-topic`,
      { region, topicName: resourceName('payments-alarms', suffix, region), accountId: args.accountId, alarmEmail: s.alarmEmail, tags },
      parent,
    );
    this.queues = new RetryQueues(
      `${name}-retry`,
      {
        region,
        queueName: resourceName('payments-retry', suffix, region),
        deadLetterQueueName: resourceName('payments-retry-dlq', suffix, region),
        consumerTimeoutSeconds: HANDLER_SPECS.retryProcessor.timeout,
        tags,
      },
      parent,
    );
    this.bucket = new TransactionLogBucket(
      `${name}-transaction-logs`,
      {
        region,
        bucketName: pulumi.output(args.accountId).apply((account) => bucketName('transaction-logs', suffix, region, account)),
        lifecycle: s.lifecycle,
        tags,
      },
      parent,
    );

    // --- functions ---
    const path = parameterPath(PROJECT, suffix, region);
    const tableArn = pulumi.interpolate`arn:aws:dynamodb:${region}:${args.accountId}:table/${args.tableName}`;
    const parameterArn = (key: string) => pulumi.interpolate`arn:aws:ssm:${region}:${args.accountId}:parameter${path}${key}`;
    const maintenanceParameter = `${path}maintenance`;
    const environment = {
      TABLE_NAME: args.tableName,
      RETRY_QUEUE_URL: this.queues.queue.url,
      TRANSACTION_LOG_BUCKET: this.bucket.bucketName,
      TRANSACTION_LOG_PREFIX,
      MAINTENANCE_PARAMETER: maintenanceParameter,
      PARAMETER_PATH: path,
      MAX_AMOUNT_MINOR: String(s.maxAmountMinor),
      ALLOWED_CURRENCIES: s.allowedCurrencies.join(','),
      IDEMPOTENCY_TTL_SECONDS: String(IDEMPOTENCY_TTL_SECONDS),
      POWERTOOLS_SERVICE_NAME: 'payments',
      POWERTOOLS_METRICS_NAMESPACE: 'PaymentsDR',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    const statementsFor = (spec: HandlerSpec, functionName: string): PolicyStatement[] => {
      const mutating = spec.dynamodb.filter((a) => MUTATING_DYNAMODB_ACTIONS.includes(a));
      const statements: PolicyStatement[] = [
        // The table replica in THIS region only; the table has no secondary indexes.
        { Sid: 'PaymentsTable', Effect: 'Allow', Action: spec.dynamodb.filter((a) => !mutating.includes(a)), Resource: tableArn },
      ];
      if (mutating.length > 0) {
        const prefixes = (spec.mutableKeyPrefixes ?? []).map((p) => `${p.replace('{function}', functionName)}*`);
        if (prefixes.length === 0 || prefixes.some((p) => p.startsWith('PAYMENT#') || p === '*')) {
          throw new Error(`${functionName}: ${mutating.join(', ')} must be limited to mutableKeyPrefixes that exclude committed payments (PAYMENT#)`);
        }
        statements.push({
          Sid: 'MutateOnlyNonPaymentItems',
          Effect: 'Allow',
          Action: mutating,
          Resource: tableArn,
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes } },
        });
      }
      // Exact parameter ARNs of THIS region's path: no other region's function can read them.
      if (spec.parameters.length > 0) {
        statements.push({ Sid: 'ReadOwnRegionParameters', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: spec.parameters.map(parameterArn) });
      }
      if (spec.sqsSend) statements.push({ Sid: 'QueueForRetry', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: this.queues.queue.arn });
      if (spec.sqsConsume) {
        statements.push({
          Sid: 'ConsumeRetryQueue',
          Effect: 'Allow',
          Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
          Resource: this.queues.queue.arn,
        });
      }
      // Object keys are data: every key under the transaction-log prefix of exactly this bucket.
      if (spec.s3Put) statements.push({ Sid: 'WriteTransactionLog', Effect: 'Allow', Action: ['s3:PutObject'], Resource: pulumi.interpolate`${this.bucket.bucketArn}/${TRANSACTION_LOG_PREFIX}*` });
      return statements;
    };
    const functionEntries = (Object.keys(HANDLER_SPECS) as HandlerName[]).map((handler) => {
      const spec = HANDLER_SPECS[handler];
      const key = kebab(handler);
      const functionName = resourceName(key, suffix, region);
      const fn = new PaymentFunction(
        `${name}-${key}`,
        {
          region,
          functionName,
          code: args.code[handler],
          environment,
          statements: statementsFor(spec, functionName),
          memorySize: spec.memorySize,
          // The queue's consumer gets exactly the timeout its visibility timeout was sized for.
          timeout: handler === 'retryProcessor' ? this.queues.consumerTimeoutSeconds : spec.timeout,
          reservedConcurrentExecutions: spec.reservedConcurrency,
          logRetentionDays: s.logRetentionDays,
          tags,
        },
        parent,
      );
      return [handler, fn] as const;
    });
    this.functions = Object.fromEntries(functionEntries) as Record<HandlerName, PaymentFunction>;

    new aws.lambda.EventSourceMapping(
      `${name}-retry-processor-source`,
      {
        region,
        eventSourceArn: this.queues.queue.arn,
        functionName: this.functions.retryProcessor.function.name,
        batchSize: 10,
        maximumBatchingWindowInSeconds: 1,
        // The processor returns { batchItemFailures }: only failed messages are retried.
        functionResponseTypes: ['ReportBatchItemFailures'],
        scalingConfig: { maximumConcurrency: RETRY_MAX_CONCURRENCY },
        enabled: true,
      },
      // Lambda checks the role's SQS permissions when the mapping is created.
      { parent: this, dependsOn: [this.functions.retryProcessor.rolePolicy] },
    );

    // --- API ---
    if (s.customDomainsEnabled && args.hostedZoneId === undefined) {
      throw new Error('RegionalDeployment needs hostedZoneId when customDomainsEnabled is true');
    }
    this.api = new PaymentApi(
      `${name}-api`,
      {
        region,
        environmentSuffix: suffix,
        functions: {
          createPayment: { name: this.functions.createPayment.functionName, invokeArn: this.functions.createPayment.invokeArn },
          getPayment: { name: this.functions.getPayment.functionName, invokeArn: this.functions.getPayment.invokeArn },
          health: { name: this.functions.health.functionName, invokeArn: this.functions.health.invokeArn },
        },
        maxAmountMinor: s.maxAmountMinor,
        allowedCurrencies: s.allowedCurrencies,
        logRetentionDays: s.logRetentionDays,
        apiKeyValue: args.apiKeyValue,
        wafRateLimitPerIp: s.wafRateLimitPerIp,
        loggingPrerequisites: args.loggingPrerequisites,
        customDomain:
          s.customDomainsEnabled && args.hostedZoneId !== undefined
            ? {
                zoneId: args.hostedZoneId,
                failoverHostname: failoverHostname(s.domainName),
                regionalHostname: regionalHostname(s.domainName, region),
                failoverValidationRecord: args.failoverValidationRecord,
              }
            : undefined,
        tags,
      },
      parent,
    );

    this.parameters = new RegionParameters(
      `${name}-parameters`,
      {
        region,
        path,
        apiEndpoint: this.api.endpointUrl,
        tableName: args.tableName,
        maxAmountMinor: s.maxAmountMinor,
        allowedCurrencies: s.allowedCurrencies,
        idempotencyTtlSeconds: IDEMPOTENCY_TTL_SECONDS,
        transactionLogPrefix: TRANSACTION_LOG_PREFIX,
        tags,
      },
      parent,
    );

    this.alarms = new RegionalAlarms(
      `${name}-alarms`,
      {
        region,
        environmentSuffix: suffix,
        topicArn: this.alarmTopic.topicArn,
        functions: (Object.keys(this.functions) as HandlerName[]).map((h) => ({ key: kebab(h), functionName: this.functions[h].functionName })),
        apiName: this.api.apiName,
        stageName: this.api.stageName,
        deadLetterQueueName: this.queues.deadLetterQueue.name,
        tableName: args.tableName,
        peerRegions: args.peerRegions,
        tags,
      },
      parent,
    );

    this.registerOutputs({
      apiEndpoint: this.api.endpointUrl,
      bucketName: this.bucket.bucketName,
      retryQueueUrl: this.queues.queue.url,
      deadLetterQueueUrl: this.queues.deadLetterQueue.url,
    });
  }
}
