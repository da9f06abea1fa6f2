/**
 * The API's entry (WAF, authorization), failed asynchronous events, and the kinds public programs use
 * that the pack must read: inline S3 configuration, dead-letter queues named outside a redrive policy,
 * component resources, alarms whose subject's name is unknown, alarm thresholds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apigatewayMethodAuthorized, apigatewayStageWaf } from '../api';
import { lambdaAsyncFailureDestination } from '../compute';
import { apigateway5xxAlarm, lambdaErrorThrottleAlarms } from '../monitoring';
import { sqsDeadLetterQueueRetention, sqsQueueRedrivePolicy } from '../queues';
import { regionsAlike } from '../resilience';
import { s3BucketEncrypted, s3BucketReplicatedToDr, s3BucketTlsOnly, s3BucketVersioned } from '../storage';
import { TestResource, violationsOn, withChange } from './harness';

const STAGE_ARN = 'arn:aws:apigateway:us-east-1::/restapis/abc123/stages/v1';

describe('apigateway-stage-waf', () => {
  const happy = (): TestResource[] => [
    { type: 'aws:apigateway/stage:Stage', name: 'stage-dev-us-east-1', props: { restApi: 'abc123', stageName: 'v1', arn: STAGE_ARN } },
    { type: 'aws:wafv2/webAclAssociation:WebAclAssociation', name: 'stage-waf-dev-us-east-1', props: { resourceArn: STAGE_ARN, webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/p/1' } },
  ];
  it('passes a stage associated with a web ACL', async () => assert.deepEqual(await violationsOn(apigatewayStageWaf, happy()), []));
  it('rejects a stage whose association names another stage', async () => {
    const rs = withChange(happy(), (r) => (r[1].props.resourceArn = 'arn:aws:apigateway:us-east-1::/restapis/other/stages/v1'));
    assert.deepEqual(await violationsOn(apigatewayStageWaf, rs), [['stage-dev-us-east-1', 'API Gateway stage must be protected by AWS WAF (no aws.wafv2.WebAclAssociation refers to its ARN).']]);
  });
  it('follows the association through its dependency when the ARN is computed', async () => {
    const rs = withChange(happy(), (r) => ((r[1].props.resourceArn = 'arn:aws:apigateway:us-east-1::/restapis/other/stages/v1'), (r[1].dependsOn = { resourceArn: ['stage-dev-us-east-1'] })));
    assert.deepEqual(await violationsOn(apigatewayStageWaf, rs), []);
  });
});

describe('apigateway-method-authorized', () => {
  const happy = (): TestResource[] => [
    { type: 'aws:apigateway/resource:Resource', name: 'payments-resource-dev', props: { id: 'res-payments', pathPart: 'payments' } },
    { type: 'aws:apigateway/resource:Resource', name: 'health-resource-dev', props: { id: 'res-health', pathPart: 'health' } },
    { type: 'aws:apigateway/method:Method', name: 'payments-post-dev', props: { resourceId: 'res-payments', httpMethod: 'POST', authorization: 'CUSTOM', authorizerId: 'auth1' } },
    { type: 'aws:apigateway/method:Method', name: 'health-get-dev', props: { resourceId: 'res-health', httpMethod: 'GET', authorization: 'NONE' } },
    { type: 'aws:apigateway/method:Method', name: 'payments-options-dev', props: { resourceId: 'res-payments', httpMethod: 'OPTIONS', authorization: 'NONE' } },
  ];
  it('passes an authorized payment method, an anonymous health check and CORS preflight', async () => assert.deepEqual(await violationsOn(apigatewayMethodAuthorized, happy()), []));
  it('rejects a payment method without authorization', async () => {
    const rs = withChange(happy(), (r) => (r[2].props.authorization = 'NONE'));
    assert.deepEqual(await violationsOn(apigatewayMethodAuthorized, rs), [
      ['payments-post-dev', 'API Gateway method POST payments must require authorization (CUSTOM, AWS_IAM or COGNITO_USER_POOLS), got NONE.'],
    ]);
  });
  it('rejects an anonymous health check when no path is configured anonymous', async () => {
    assert.deepEqual(await violationsOn(apigatewayMethodAuthorized, happy(), { anonymousPaths: [] }), [
      ['health-get-dev', 'API Gateway method GET health must require authorization (CUSTOM, AWS_IAM or COGNITO_USER_POOLS), got NONE.'],
    ]);
  });
});

describe('lambda-async-failure-destination', () => {
  const FN_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:reconcile-dev';
  const happy = (): TestResource[] => [
    { type: 'aws:lambda/function:Function', name: 'reconcile-dev', props: { name: 'reconcile-dev', arn: FN_ARN } },
    { type: 'aws:lambda/permission:Permission', name: 'reconcile-events-dev', props: { function: 'reconcile-dev', principal: 'events.amazonaws.com', action: 'lambda:InvokeFunction' } },
    {
      type: 'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig',
      name: 'reconcile-async-dev',
      props: { functionName: 'reconcile-dev', destinationConfig: { onFailure: { destination: 'arn:aws:sqs:us-east-1:123456789012:reconcile-dlq-dev' } } },
    },
  ];
  it('passes a function with an on-failure destination', async () => assert.deepEqual(await violationsOn(lambdaAsyncFailureDestination, happy()), []));
  it('passes a function with a dead-letter queue instead', async () => {
    const rs = withChange(happy(), (r) => ((r[0].props.deadLetterConfig = { targetArn: 'arn:aws:sqs:us-east-1:123456789012:reconcile-dlq-dev' }), r.pop()));
    assert.deepEqual(await violationsOn(lambdaAsyncFailureDestination, rs), []);
  });
  it('rejects a function invoked by EventBridge that drops failed events', async () => {
    const rs = withChange(happy(), (r) => r.pop());
    assert.deepEqual(await violationsOn(lambdaAsyncFailureDestination, rs), [
      [
        'reconcile-dev',
        'Lambda function invoked asynchronously (by a permission for events.amazonaws.com) must keep failed events (an aws.lambda.FunctionEventInvokeConfig with destinationConfig.onFailure, or deadLetterConfig.targetArn).',
      ],
    ]);
  });
  it('rejects a function subscribed to an SNS topic that drops failed events', async () => {
    const rs = withChange(happy(), (r) => {
      r.splice(1, 2, { type: 'aws:sns/topicSubscription:TopicSubscription', name: 'reconcile-sub-dev', props: { protocol: 'lambda', endpoint: FN_ARN, topic: 'arn:aws:sns:us-east-1:1:t' } });
    });
    assert.equal((await violationsOn(lambdaAsyncFailureDestination, rs)).length, 1);
  });
  it('ignores a function invoked only synchronously (API Gateway)', async () => {
    const rs = withChange(happy(), (r) => ((r[1].props.principal = 'apigateway.amazonaws.com'), r.pop()));
    assert.deepEqual(await violationsOn(lambdaAsyncFailureDestination, rs), []);
  });
});

describe('dead-letter queues named outside a redrive policy', () => {
  const QUEUE = 'aws:sqs/queue:Queue';
  const dlqArn = 'arn:aws:sqs:us-east-1:123456789012:reconcile-dlq-dev';
  const happy = (): TestResource[] => [
    { type: QUEUE, name: 'reconcile-dlq-dev', props: { name: 'reconcile-dlq-dev', arn: dlqArn, sqsManagedSseEnabled: true, messageRetentionSeconds: 1209600 } },
    { type: 'aws:lambda/function:Function', name: 'reconcile-dev', props: { name: 'reconcile-dev', deadLetterConfig: { targetArn: dlqArn } } },
  ];
  it('a Lambda DLQ needs no redrive policy of its own', async () => assert.deepEqual(await violationsOn(sqsQueueRedrivePolicy, happy()), []));
  it('a Lambda DLQ must keep messages 14 days', async () => {
    const rs = withChange(happy(), (r) => (r[0].props.messageRetentionSeconds = 86400));
    assert.deepEqual(await violationsOn(sqsDeadLetterQueueRetention, rs), [['reconcile-dlq-dev', 'SQS dead-letter queue must retain messages for 14 days (messageRetentionSeconds 1209600), got 86400.']]);
  });
  it('an on-failure destination queue is a DLQ too', async () => {
    const rs = withChange(happy(), (r) => {
      r[1] = { type: 'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig', name: 'reconcile-async-dev', props: { destinationConfig: { onFailure: { destination: dlqArn } } } };
    });
    assert.deepEqual(await violationsOn(sqsQueueRedrivePolicy, rs), []);
  });
});

describe('inline S3 bucket arguments (deprecated in @pulumi/aws 7, still applied)', () => {
  const name = 'evidence-dev-us-east-1';
  const tls = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
  });
  const bucket = (change: (p: Record<string, unknown>) => void = () => undefined): TestResource[] => {
    const props: Record<string, unknown> = {
      bucket: name,
      arn: `arn:aws:s3:::${name}`,
      region: 'us-east-1',
      versioning: { enabled: true },
      serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } } },
      policy: tls,
    };
    change(props);
    return [{ type: 'aws:s3/bucket:Bucket', name, props }];
  };
  it('reads inline versioning', async () => assert.deepEqual(await violationsOn(s3BucketVersioned, bucket()), []));
  it('rejects inline versioning disabled', async () => {
    assert.deepEqual(await violationsOn(s3BucketVersioned, bucket((p) => (p.versioning = { enabled: false }))), [[name, 'S3 bucket must have versioning enabled (inline versioning.enabled is not true).']]);
  });
  it('reads inline encryption', async () => assert.deepEqual(await violationsOn(s3BucketEncrypted, bucket()), []));
  it('rejects an inline rule without an algorithm', async () => {
    assert.deepEqual(await violationsOn(s3BucketEncrypted, bucket((p) => (p.serverSideEncryptionConfiguration = { rule: {} }))), [
      [name, 'S3 bucket must have default encryption with one of aws:kms, aws:kms:dsse, AES256 (inline rule has none).'],
    ]);
  });
  it('reads the inline bucket policy', async () => assert.deepEqual(await violationsOn(s3BucketTlsOnly, bucket()), []));
  it('reads inline replication with RTC to the DR region', async () => {
    const rs = bucket((p) => {
      p.replicationConfiguration = { role: 'arn:aws:iam::1:role/r', rules: [{ status: 'Enabled', destination: { bucket: 'arn:aws:s3:::evidence-dev-us-east-2', replicationTime: { status: 'Enabled', minutes: 15 } } }] };
    });
    rs.push({ type: 'aws:s3/bucket:Bucket', name: 'evidence-dev-us-east-2', props: { bucket: 'evidence-dev-us-east-2', arn: 'arn:aws:s3:::evidence-dev-us-east-2', region: 'us-east-2' } });
    assert.deepEqual((await violationsOn(s3BucketReplicatedToDr, rs)).filter(([r]) => r === name), []);
  });
});

describe('regions-alike: component resources live in no region', () => {
  it('does not compare component resources', async () => {
    const rs: TestResource[] = [
      { type: 'payments:dr:Region', name: 'region-us-east-1', props: { region: 'us-east-1' } },
      { type: 'aws:sqs/queue:Queue', name: 'q-dev-us-east-1', props: { region: 'us-east-1' } },
      { type: 'aws:sqs/queue:Queue', name: 'q-dev-us-east-2', props: { region: 'us-east-2' } },
    ];
    assert.deepEqual(await violationsOn(regionsAlike, rs), []);
  });
});

describe('alarm policies never accept an alarm on another resource, and look at thresholds', () => {
  const alarm = (name: string, metricName: string, dimensions: Record<string, string>, threshold: number, comparisonOperator = 'GreaterThanThreshold'): TestResource => ({
    type: 'aws:cloudwatch/metricAlarm:MetricAlarm',
    name,
    props: { name, region: 'us-east-1', namespace: 'AWS/Lambda', metricName, dimensions, threshold, comparisonOperator, statistic: 'Sum', period: 60 },
  });
  const fn = (props: Record<string, unknown>): TestResource => ({ type: 'aws:lambda/function:Function', name: 'create-payment-dev', props: { region: 'us-east-1', ...props } });
  const happy = (): TestResource[] => [
    fn({ name: 'create-payment-dev' }),
    alarm('errors-dev', 'Errors', { FunctionName: 'create-payment-dev' }, 0),
    alarm('throttles-dev', 'Throttles', { FunctionName: 'create-payment-dev' }, 0),
  ];
  it('passes alarms at the first error and throttle', async () => assert.deepEqual(await violationsOn(lambdaErrorThrottleAlarms, happy()), []));
  it('accepts >= 1 (the first occurrence too)', async () => {
    const rs = withChange(happy(), (r) => ((r[1].props.threshold = 1), (r[1].props.comparisonOperator = 'GreaterThanOrEqualToThreshold')));
    assert.deepEqual(await violationsOn(lambdaErrorThrottleAlarms, rs), []);
  });
  it('rejects an Errors alarm at 1,000,000', async () => {
    const rs = withChange(happy(), (r) => (r[1].props.threshold = 1_000_000));
    assert.deepEqual(await violationsOn(lambdaErrorThrottleAlarms, rs), [
      ['errors-dev', 'Lambda Errors alarm must fire at the first error (threshold 0 with GreaterThanThreshold), got threshold 1000000 with GreaterThanThreshold.'],
    ]);
  });
  it('rejects a Throttles alarm that fires below the threshold', async () => {
    const rs = withChange(happy(), (r) => (r[2].props.comparisonOperator = 'LessThanThreshold'));
    assert.deepEqual(await violationsOn(lambdaErrorThrottleAlarms, rs), [
      ['throttles-dev', 'Lambda Throttles alarm must fire at the first throttle (threshold 0 with GreaterThanThreshold), got threshold 0 with LessThanThreshold.'],
    ]);
  });
  it('an auto-named function (name unknown) is never matched by an alarm on another function', async () => {
    const rs = [fn({}), alarm('errors-dev', 'Errors', { FunctionName: 'other-fn' }, 0), alarm('throttles-dev', 'Throttles', { FunctionName: 'other-fn' }, 0)];
    assert.deepEqual(await violationsOn(lambdaErrorThrottleAlarms, rs), [
      ['create-payment-dev', 'Lambda function must have Errors and Throttles alarm(s) in us-east-1 (AWS/Lambda, dimension FunctionName of this function).'],
    ]);
  });
  it('an auto-named function is matched by alarms whose dimensions come from it', async () => {
    const rs = [fn({}), alarm('errors-dev', 'Errors', { FunctionName: 'fn-1a2b3c' }, 0), alarm('throttles-dev', 'Throttles', { FunctionName: 'fn-1a2b3c' }, 0)];
    rs[1].dependsOn = { dimensions: ['create-payment-dev'] };
    rs[2].dependsOn = { dimensions: ['create-payment-dev'] };
    assert.deepEqual(await violationsOn(lambdaErrorThrottleAlarms, rs), []);
  });
  it('rejects a 5XXError alarm at 50', async () => {
    const rs: TestResource[] = [
      { type: 'aws:apigateway/restApi:RestApi', name: 'payments-api-dev', props: { name: 'payments-api-dev', region: 'us-east-1' } },
      { ...alarm('api-5xx-dev', '5XXError', { ApiName: 'payments-api-dev' }, 50), props: { ...alarm('x', '5XXError', { ApiName: 'payments-api-dev' }, 50).props, name: 'api-5xx-dev', namespace: 'AWS/ApiGateway' } },
    ];
    assert.deepEqual(await violationsOn(apigateway5xxAlarm, rs), [
      ['api-5xx-dev', 'API Gateway 5XXError alarm must fire at the first 5xx response (threshold 0 with GreaterThanThreshold), got threshold 50 with GreaterThanThreshold.'],
    ]);
  });
});
