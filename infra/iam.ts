/**
 * IAM policy documents as typed data, serialised once. Every Resource is an exact ARN; the few
 * wildcards AWS forces are named here, next to the reason, so reviewers and the policy pack can
 * find them (tests assert no other `*` appears).
 */
import * as pulumi from '@pulumi/pulumi';

type In<T> = pulumi.Input<T>;

/** One statement; ARNs and condition values may be Outputs (resolved when serialised). */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal?: { Service: string | string[] } | { AWS: In<string> | In<string>[] };
  Action: string | string[];
  Resource?: In<string> | In<string>[];
  Condition?: Record<string, Record<string, In<string> | In<string>[]>>;
}

/** Serialises statements (which may hold Outputs) into one policy JSON string. */
export function policyJson(statements: PolicyStatement[]): pulumi.Output<string> {
  return pulumi.output(statements).apply((s) => JSON.stringify({ Version: '2012-10-17', Statement: s }));
}

/** Trust policy letting one AWS service assume the role. */
export function assumeRolePolicy(service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'TrustService', Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
}

/**
 * X-Ray has no resource-level permissions for writing traces: PutTraceSegments and
 * PutTelemetryRecords only accept `*`.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html
 */
export const XRAY_WRITE_STATEMENT: PolicyStatement = {
  Sid: 'XRayWriteNoResourceLevelPermissions',
  Effect: 'Allow',
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  Resource: '*',
};

/**
 * DynamoDB Streams' ListStreams has no resource-level permissions (the service authorization
 * reference lists no resource type for it): `*` is the only Resource that grants it. It lists
 * stream ARNs, nothing of their records; Lambda's stream event source mapping uses it with the
 * function's role (AWSLambdaDynamoDBExecutionRole grants it the same way).
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
 * https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-eventsourcemapping.html
 */
export const LIST_STREAMS_STATEMENT: PolicyStatement = {
  Sid: 'ListStreamsNoResourceLevelPermissions',
  Effect: 'Allow',
  Action: ['dynamodb:ListStreams'],
  Resource: '*',
};

/**
 * The wildcards this stack uses, by kind. Used by tests (and available to the policy pack):
 * - `*` resource: only for the actions listed in `WILDCARD_RESOURCE_ACTIONS` (no resource-level form),
 *   and in KMS key policies, where `*` means "this key".
 * - scoped suffix wildcards: log streams of one exact log group (stream names are chosen by Lambda
 *   and API Gateway at run time), and objects of one exact bucket (object keys are data).
 */
export const WILDCARD_RESOURCE_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'dynamodb:ListStreams'];

/** ARN of all log streams of exactly one log group (`<group arn>:log-stream:*`). */
export function logStreamsArn(logGroupArn: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.interpolate`${logGroupArn}:log-stream:*`;
}
