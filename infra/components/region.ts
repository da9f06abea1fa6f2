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
import { PaymentAlarms } from './paymentAlarms';
import { RetryQueues } from './retryQueues';
import { TransactionLogBucket } from './transactionLogBucket';
import { TransactionLogStream } from './transactionLogStream';

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
  /** DynamoDB actions on this region's table replica (none: no statement). */
  dynamodb: string[];
  /**
   * Consumes this region's replica stream (event source mapping): stream reads, SendMessage to the
   * mapping's on-failure queue, PutObject under `<prefix><region>/` of this region's bucket.
   */
  streamConsumer?: boolean;
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
  // Conditional PutItem + GetItem (repository) and Powertools idempotency records (Get/Put/Update/DeleteItem),
  // the S3 transaction log, and SendMessage when the write must be retried (202 PENDING).
  // 512 MB: SDK + Powertools cold start well under a second; 10 s caps a hung dependency far below
  // API Gateway's 29 s integration limit, leaving time for the 503/queue path.
  createPayment: {
    memorySize: 512, timeout: 10,
    dynamodb: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    sqsSend: true, sqsConsume: false, s3Put: true, parameters: [],
  },
  // GetItem (consistent read) only.
  getPayment: { memorySize: 512, timeout: 10, dynamodb: ['dynamodb:GetItem'], sqsSend: false, sqsConsume: false, s3Put: false, parameters: [] },
  // GetItem of the probe key and the maintenance flag. Invoked by every Route 53 checker each
  // interval: small, and its 5 s timeout stays below the checker's own deadline.
  health: { memorySize: 256, timeout: 5, dynamodb: ['dynamodb:GetItem'], sqsSend: false, sqsConsume: false, s3Put: false, parameters: ['maintenance'] },
  // Commits queued payments (conditional PutItem, GetItem) and their transaction log; 30 s per batch
  // of 10. The queue's visibility timeout is 6x this (AWS guidance for SQS event sources).
  retryProcessor: {
    memorySize: 512, timeout: 30,
    dynamodb: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    sqsSend: false, sqsConsume: true, s3Put: true, parameters: [],
  },
  // The payments stream's consumer: batches of up to 10,000 records (6 MB at most) into one gzip'd
  // object; 60 s leaves room for S3's own retries of one PutObject. No table access: it reads
  // the stream only.
  transactionLogWriter: {
    memorySize: 512, timeout: 60,
    dynamodb: [], sqsSend: false, sqsConsume: false, s3Put: false, parameters: [], streamConsumer: true,
  },
};

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
  /** ARN of this region's replica stream of the payments table (the transaction log's source). Required. */
  streamArn: pulumi.Input<string>;
  /** Code package per handler. Required. */
  code: Record<HandlerName, pulumi.asset.Archive>;
  /** Hosted zone for custom domains; required when settings.customDomainsEnabled. Default none. */
  hostedZoneId?: pulumi.Input<string>;
  /** Client API key value to reuse (the primary's, for the secondary). Default: generated. */
  apiKeyValue?: pulumi.Input<string>;
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
  public readonly paymentAlarms: PaymentAlarms;
  public readonly logStream: TransactionLogStream;

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
        visibilityTimeoutSeconds: HANDLER_SPECS.retryProcessor.timeout * 6,
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
    const logFailureQueueName = resourceName('payments-log-failures', suffix, region);
    const statementsFor = (spec: HandlerSpec): PolicyStatement[] => {
      const statements: PolicyStatement[] = [];
      // The table replica in THIS region only; the table has no secondary indexes.
      if (spec.dynamodb.length > 0) statements.push({ Sid: 'PaymentsTable', Effect: 'Allow', Action: spec.dynamodb, Resource: tableArn });
      if (spec.streamConsumer) {
        // What the stream event source mapping calls with the function's role, on exactly this
        // replica's stream (AWS's example grants `<table>/stream/*`; the exact ARN is narrower, and
        // a re-enabled stream gets a new ARN, mapping and policy together):
        // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/iam-policy-example-lamda-process-dynamodb-streams.html
        statements.push({
          Sid: 'ReadOwnReplicaStream',
          Effect: 'Allow',
          Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
          Resource: args.streamArn,
        });
        // Lambda sends the on-failure record with the function's role (execution role needs sqs:SendMessage):
        // https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html
        statements.push({
          Sid: 'RecordDiscardedBatches',
          Effect: 'Allow',
          Action: ['sqs:SendMessage'],
          Resource: pulumi.interpolate`arn:aws:sqs:${region}:${args.accountId}:${logFailureQueueName}`,
        });
        // Its own region's part of the log only: the replicated part is S3's to write.
        statements.push({
          Sid: 'WriteOwnRegionTransactionLog',
          Effect: 'Allow',
          Action: ['s3:PutObject'],
          Resource: pulumi.interpolate`${this.bucket.bucketArn}/${TRANSACTION_LOG_PREFIX}${region}/*`,
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
      const fn = new PaymentFunction(
        `${name}-${key}`,
        {
          region,
          functionName: resourceName(key, suffix, region),
          code: args.code[handler],
          environment,
          statements: statementsFor(spec),
          memorySize: spec.memorySize,
          timeout: spec.timeout,
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
        enabled: true,
      },
      // Lambda checks the role's SQS permissions when the mapping is created.
      { parent: this, dependsOn: [this.functions.retryProcessor.rolePolicy] },
    );

    this.logStream = new TransactionLogStream(
      `${name}-transaction-log-stream`,
      {
        region,
        streamArn: args.streamArn,
        functionName: this.functions.transactionLogWriter.functionName,
        failureQueueName: logFailureQueueName,
        // Lambda checks the role's stream permissions when the mapping is created.
        dependsOn: [this.functions.transactionLogWriter.rolePolicy],
        tags,
      },
      parent,
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
        customDomain:
          s.customDomainsEnabled && args.hostedZoneId !== undefined
            ? { zoneId: args.hostedZoneId, failoverHostname: failoverHostname(s.domainName), regionalHostname: regionalHostname(s.domainName, region) }
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

    this.paymentAlarms = new PaymentAlarms(
      `${name}-payment-alarms`,
      {
        region,
        environmentSuffix: suffix,
        topicArn: this.alarmTopic.topicArn,
        retryQueueName: this.queues.queue.name,
        logFailureQueueName: this.logStream.failureQueue.name,
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
