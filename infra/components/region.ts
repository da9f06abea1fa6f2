/**
 * Everything the payment service needs in ONE region. The program instantiates it once per region
 * (us-east-1 primary, us-east-2 disaster recovery); only the arguments differ.
 *
 * Children: alarm topic (KMS-encrypted SNS), retry queue + DLQ, transaction-log bucket, the six
 * functions (each with its own least-privilege role and log group), the transaction-log stream
 * mapping, the REST API (stage logging, Lambda authorizer, optional custom domains), the SSM
 * parameters, and the alarms + dashboard.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import {
  functionEnvironment,
  HANDLER_SIZING,
  handlerKey,
  HANDLERS,
  PENDING_PREFIX,
  PENDING_WINDOW_KEY,
  RETRY_QUEUE,
  TRANSACTION_LOG_PREFIX,
  type HandlerName,
  type HandlerSizing,
} from '../../contract';
import { LIST_STREAMS_STATEMENT, type PolicyStatement } from '../iam';
import { PAYMENT_PK_PREFIX } from '../lambda/commons/payment';
import { bucketName, failoverHostname, parameterPath, regionalHostname, resourceName } from '../naming';
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

/**
 * What each handler touches, read from the handlers' code (infra/lambda); the role policies are
 * generated from this table and nothing else. "Peer" means the other region's replica, queue or
 * bucket (createPayment commits there when its own replica refuses the write). Sizing (memory,
 * timeout, reserved concurrency) is the service contract's `HANDLER_SIZING`.
 */
export interface HandlerSpec extends HandlerSizing {
  /** DynamoDB actions on this region's payments replica (none: no statement). */
  dynamodb: string[];
  /** The same actions on the peer regions' payments replicas too. Default false. */
  dynamodbPeers?: boolean;
  /**
   * Partition keys the DynamoDB actions are limited to (condition `dynamodb:LeadingKeys`). Default:
   * any key. REQUIRED for a mutating action (UpdateItem, DeleteItem, BatchWriteItem), and never a
   * committed payment's key (`PAYMENT#...`): no function can update or delete a committed payment,
   * by construction (the program refuses such a spec while it runs).
   */
  leadingKeys?: (region: string) => string[];
  /** DynamoDB actions on this region's merchant-credentials replica. Default none. */
  credentials?: string[];
  /** SendMessage to this region's retry queue, and to the peers' (`'own-and-peers'`). Default none. */
  sqsSend?: 'own' | 'own-and-peers';
  /** Event-source consumption of this region's retry queue. Default false. */
  sqsConsume?: boolean;
  /** S3 actions on pending-payment markers (`<bucket>/pending/*`), in this region's bucket and optionally the peers'. Default none. */
  pendingMarkers?: { actions: string[]; peers: boolean };
  /**
   * S3 actions on the pending window (`<bucket>/pending-window.json`, exactly that key), in this
   * region's bucket and optionally the peer's. Default none.
   */
  pendingWindow?: { actions: string[]; peers: boolean };
  /**
   * Consumes this region's replica stream (event source mapping): stream reads, SendMessage to the
   * mapping's on-failure queue, PutObject under `<prefix><region>/` of this region's bucket.
   */
  streamConsumer?: boolean;
  /** SSM parameters (short names) it reads. Default none. */
  parameters?: ParameterName[];
}

export const HANDLER_SPECS: Record<HandlerName, HandlerSpec> = {
  // The commit is one conditional PutItem, here or (when this replica refuses it) in the peer's;
  // GetItem reads a duplicate back where the failed condition does not return it. No UpdateItem or
  // DeleteItem: nothing may change a stored payment. When neither replica accepts the write: a
  // pending marker in both regions' buckets (conditional PutObject, GetObject of an existing one,
  // DeleteObject to withdraw it if nothing was queued) and SendMessage to both regions' queues.
  // Both regions' pending windows: read (cached) on every path, opened (conditional write) on a 202.
  createPayment: {
    ...HANDLER_SIZING.createPayment,
    dynamodb: ['dynamodb:GetItem', 'dynamodb:PutItem'], dynamodbPeers: true,
    sqsSend: 'own-and-peers',
    pendingMarkers: { actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], peers: true },
    pendingWindow: { actions: ['s3:GetObject', 's3:PutObject'], peers: true },
  },
  // GetItem (consistent read) in this region's replica only (reads do not cross Regions); pending
  // markers here, then the peer's.
  getPayment: {
    ...HANDLER_SIZING.getPayment,
    dynamodb: ['dynamodb:GetItem'],
    pendingMarkers: { actions: ['s3:GetObject'], peers: true },
  },
  // The write probe: a PutItem whose condition never holds, on this region's health item only
  // (LeadingKeys), and the manual failover flag, each check bounded well inside the function's
  // timeout (HEALTH_RESPONSE_DEADLINE_SECONDS).
  health: {
    ...HANDLER_SIZING.health,
    dynamodb: ['dynamodb:PutItem'], leadingKeys: (region) => [`HEALTH#${region}`],
    parameters: ['manual-failover'],
  },
  // Commits queued payments (conditional PutItem, GetItem of a duplicate) after checking this
  // region's pending marker; extends this region's pending window (read, conditional write) for a
  // payment going to the DLQ. The queue's visibility timeout is derived from its timeout
  // (RETRY_QUEUE in the contract).
  retryProcessor: {
    ...HANDLER_SIZING.retryProcessor,
    dynamodb: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    sqsConsume: true,
    pendingMarkers: { actions: ['s3:GetObject'], peers: false },
    pendingWindow: { actions: ['s3:GetObject', 's3:PutObject'], peers: false },
  },
  // The payments stream's consumer. No table access: it reads the stream only.
  transactionLogWriter: { ...HANDLER_SIZING.transactionLogWriter, dynamodb: [], streamConsumer: true },
  // The REST API's REQUEST authorizer: one GetItem of the presented credential's record in this
  // region's credentials replica.
  authorizer: { ...HANDLER_SIZING.authorizer, dynamodb: [], credentials: ['dynamodb:GetItem'] },
};

/**
 * The Lambda concurrency quota each region needs at least: Lambda keeps 100 unreserved executions
 * per account and region, on top of every reservation (UnreservedConcurrentExecutions minimum).
 * New accounts can start with a lower quota: request at least this through Service Quotas.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
 */
export function requiredRegionalConcurrency(specs: Record<string, HandlerSpec> = HANDLER_SPECS): number {
  return 100 + Object.values(specs).reduce((sum, spec) => sum + (spec.reservedConcurrency ?? 0), 0);
}

/** Actions that change or remove an existing item: only allowed with `leadingKeys` (see HandlerSpec). */
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
  /** ARN of this region's replica stream of the payments table (the transaction log's source). Required. */
  streamArn: pulumi.Input<string>;
  /** The merchant-credentials global table's name. Required. */
  credentialsTableName: pulumi.Input<string>;
  /** Code package per handler. Required. */
  code: Record<HandlerName, pulumi.asset.Archive>;
  /** Hosted zone for custom domains; required when settings.customDomainsEnabled. Default none. */
  hostedZoneId?: pulumi.Input<string>;
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
        consumerTimeoutSeconds: RETRY_QUEUE.consumerTimeoutSeconds,
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
        pendingMarkerPrefix: PENDING_PREFIX,
        tags,
      },
      parent,
    );

    // --- functions ---
    const path = parameterPath(PROJECT, suffix, region);
    const tableArn = pulumi.interpolate`arn:aws:dynamodb:${region}:${args.accountId}:table/${args.tableName}`;
    const parameterArn = (key: string) => pulumi.interpolate`arn:aws:ssm:${region}:${args.accountId}:parameter${path}${key}`;
    if (args.peerRegions.length !== 1) throw new Error(`RegionalDeployment needs exactly one peer region, got ${args.peerRegions.join(', ') || 'none'}`);
    const [peer] = args.peerRegions;
    // The peer's names are derived, not read from its deployment (which may be created after this one).
    const peerQueueName = resourceName('payments-retry', suffix, peer);
    const peerBucketName = pulumi.output(args.accountId).apply((account) => bucketName('transaction-logs', suffix, peer, account));
    const peerTableArn = pulumi.interpolate`arn:aws:dynamodb:${peer}:${args.accountId}:table/${args.tableName}`;
    const peerQueueArn = pulumi.interpolate`arn:aws:sqs:${peer}:${args.accountId}:${peerQueueName}`;
    const credentialsTableArn = pulumi.interpolate`arn:aws:dynamodb:${region}:${args.accountId}:table/${args.credentialsTableName}`;
    // The handlers' variables: the service contract's builder (the sandbox calls the same).
    const environment = functionEnvironment(
      {
        tableName: args.tableName,
        retryQueueUrl: this.queues.queue.url,
        bucket: this.bucket.bucketName,
        peerRegion: peer,
        peerRetryQueueUrl: pulumi.interpolate`https://sqs.${peer}.amazonaws.com/${args.accountId}/${peerQueueName}`,
        peerBucket: peerBucketName,
        credentialsTableName: args.credentialsTableName,
        parameterPath: path,
      },
      s,
    );
    const logFailureQueueName = resourceName('payments-log-failures', suffix, region);
    const statementsFor = (spec: HandlerSpec, functionName: string): PolicyStatement[] => {
      const statements: PolicyStatement[] = [];
      // By construction: a mutating action only with key conditions that exclude committed payments.
      const mutating = spec.dynamodb.filter((a) => MUTATING_DYNAMODB_ACTIONS.includes(a));
      const keys = spec.leadingKeys?.(region) ?? [];
      if (mutating.length > 0 && (keys.length === 0 || keys.some((k) => k === '' || k.startsWith(PAYMENT_PK_PREFIX) || k.includes('*')))) {
        throw new Error(`${functionName}: ${mutating.join(', ')} must be limited by leadingKeys that exclude committed payments (${PAYMENT_PK_PREFIX})`);
      }
      // Exact table replicas (the table has no secondary indexes): this region's, and the peer's
      // only for the handlers that commit or read there.
      if (spec.dynamodb.length > 0) {
        statements.push({
          Sid: 'PaymentsTable',
          Effect: 'Allow',
          Action: spec.dynamodb,
          Resource: spec.dynamodbPeers ? [tableArn, peerTableArn] : tableArn,
          // Only these partition keys: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
          ...(spec.leadingKeys ? { Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': spec.leadingKeys(region) } } } : {}),
        });
      }
      if (spec.credentials) statements.push({ Sid: 'ReadMerchantCredentials', Effect: 'Allow', Action: spec.credentials, Resource: credentialsTableArn });
      if (spec.streamConsumer) {
        // What the stream event source mapping calls with the function's role, on exactly this
        // replica's stream (AWS's example grants `<table>/stream/*`; the exact ARN is narrower, and
        // a re-enabled stream gets a new ARN, mapping and policy together):
        // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/iam-policy-example-lamda-process-dynamodb-streams.html
        statements.push({
          Sid: 'ReadOwnReplicaStream',
          Effect: 'Allow',
          Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
          Resource: args.streamArn,
        });
        // ListStreams takes no resource type, so on the stream ARN it would grant nothing.
        statements.push(LIST_STREAMS_STATEMENT);
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
      if (spec.parameters && spec.parameters.length > 0) {
        statements.push({ Sid: 'ReadOwnRegionParameters', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: spec.parameters.map(parameterArn) });
      }
      if (spec.sqsSend) {
        statements.push({
          Sid: 'QueueForRetry',
          Effect: 'Allow',
          Action: ['sqs:SendMessage'],
          Resource: spec.sqsSend === 'own-and-peers' ? [this.queues.queue.arn, peerQueueArn] : this.queues.queue.arn,
        });
      }
      if (spec.sqsConsume) {
        statements.push({
          Sid: 'ConsumeRetryQueue',
          Effect: 'Allow',
          Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
          Resource: this.queues.queue.arn,
        });
      }
      // Object keys are data (one marker per transaction): every key under the pending prefix of exactly these buckets.
      if (spec.pendingMarkers) {
        const own = pulumi.interpolate`${this.bucket.bucketArn}/${PENDING_PREFIX}*`;
        statements.push({
          Sid: 'PendingPaymentMarkers',
          Effect: 'Allow',
          Action: spec.pendingMarkers.actions,
          Resource: spec.pendingMarkers.peers ? [own, pulumi.interpolate`arn:aws:s3:::${peerBucketName}/${PENDING_PREFIX}*`] : own,
        });
      }
      if (spec.pendingWindow) {
        const own = pulumi.interpolate`${this.bucket.bucketArn}/${PENDING_WINDOW_KEY}`;
        statements.push({
          Sid: 'PendingWindow',
          Effect: 'Allow',
          Action: spec.pendingWindow.actions,
          Resource: spec.pendingWindow.peers ? [own, pulumi.interpolate`arn:aws:s3:::${peerBucketName}/${PENDING_WINDOW_KEY}`] : own,
        });
      }
      // A marker or window that does not exist must answer 404 NoSuchKey: without s3:ListBucket on
      // the bucket, S3 answers 403 AccessDenied instead, indistinguishable from a real denial
      // (GetObject API reference, "Permissions": https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
      // No condition: the implicit check carries no s3:prefix.
      if (spec.pendingMarkers || spec.pendingWindow) {
        const peers = spec.pendingMarkers?.peers === true || spec.pendingWindow?.peers === true;
        statements.push({
          Sid: 'MissingKeysAnswerNotFound',
          Effect: 'Allow',
          Action: ['s3:ListBucket'],
          Resource: peers ? [this.bucket.bucketArn, pulumi.interpolate`arn:aws:s3:::${peerBucketName}`] : this.bucket.bucketArn,
        });
      }
      return statements;
    };
    const functionEntries = HANDLERS.map((handler) => {
      const spec = HANDLER_SPECS[handler];
      const key = handlerKey(handler);
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
          timeout: handler === 'retryProcessor' ? (this.queues.consumerTimeoutSeconds ?? spec.timeout) : spec.timeout,
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
        batchSize: RETRY_QUEUE.batchSize,
        maximumBatchingWindowInSeconds: RETRY_QUEUE.maximumBatchingWindowInSeconds,
        // The processor returns { batchItemFailures }: only failed messages are retried.
        functionResponseTypes: ['ReportBatchItemFailures'],
        scalingConfig: { maximumConcurrency: RETRY_QUEUE.maximumConcurrency },
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
        authorizer: { name: this.functions.authorizer.functionName, invokeArn: this.functions.authorizer.invokeArn },
        maxAmountMinor: s.maxAmountMinor,
        allowedCurrencies: s.allowedCurrencies,
        logRetentionDays: s.logRetentionDays,
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
        functions: HANDLERS.map((h) => ({ key: handlerKey(h), functionName: this.functions[h].functionName })),
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
        credentialsTableName: args.credentialsTableName,
        peerRegion: peer,
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
