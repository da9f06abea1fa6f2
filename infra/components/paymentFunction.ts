/**
 * One payment Lambda function in one region, with its own log group (explicit, so retention is
 * ours and `pulumi destroy` removes it) and its own role holding exactly what it uses.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { assumeRolePolicy, logStreamsArn, policyJson, XRAY_WRITE_STATEMENT, type PolicyStatement } from '../iam';

/** Current Node.js runtime (the handlers are built for Node 22). */
export const LAMBDA_RUNTIME = 'nodejs22.x';

export interface PaymentFunctionArgs {
  /** Region of the function, log group and role policy. Required. */
  region: string;
  /** Physical function name; the role is `<name>-role`. Required. */
  functionName: string;
  /** Code package (`index.js` exporting `handler`). Required. */
  code: pulumi.asset.Archive;
  /** Environment variables (each documented in infra/lambda/commons/config.ts). Required. */
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** What the function may do besides logging and tracing. Required. */
  statements: PolicyStatement[];
  /** Memory in MB (the contract's `HANDLER_SIZING`). Required. */
  memorySize: number;
  /** Timeout in seconds (the contract's `HANDLER_SIZING`). Required. */
  timeout: number;
  /**
   * Concurrency reserved for (and capped at) this function. Default none (unreserved pool).
   * Lambda keeps at least 100 of the account's regional concurrency unreserved, so the quota must
   * exceed 100 plus every reservation in the region.
   * https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
   */
  reservedConcurrentExecutions?: number;
  /** Log retention in days (the stack setting `logRetentionDays`). Required. */
  logRetentionDays: number;
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class PaymentFunction extends pulumi.ComponentResource {
  public readonly function: aws.lambda.Function;
  public readonly role: aws.iam.Role;
  public readonly rolePolicy: aws.iam.RolePolicy;
  public readonly logGroup: aws.cloudwatch.LogGroup;
  public readonly functionName: pulumi.Output<string>;
  public readonly functionArn: pulumi.Output<string>;
  public readonly invokeArn: pulumi.Output<string>;

  constructor(name: string, args: PaymentFunctionArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:compute:PaymentFunction', name, {}, opts);
    const region = args.region;

    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { region, name: `/aws/lambda/${args.functionName}`, retentionInDays: args.logRetentionDays, tags: args.tags },
      { parent: this },
    );
    this.role = new aws.iam.Role(
      `${name}-role`,
      { name: `${args.functionName}-role`, assumeRolePolicy: assumeRolePolicy('lambda.amazonaws.com'), tags: args.tags },
      { parent: this },
    );
    this.rolePolicy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.name,
        name: `${args.functionName}-policy`,
        policy: policyJson([
          {
            Sid: 'WriteOwnLogGroup',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            // Stream names are chosen by Lambda at run time: all streams of exactly this group.
            Resource: logStreamsArn(this.logGroup.arn),
          },
          XRAY_WRITE_STATEMENT,
          ...args.statements,
        ]),
      },
      { parent: this },
    );
    this.function = new aws.lambda.Function(
      `${name}-function`,
      {
        region,
        name: args.functionName,
        role: this.role.arn,
        runtime: LAMBDA_RUNTIME,
        architectures: ['arm64'],
        handler: 'index.handler',
        code: args.code,
        memorySize: args.memorySize,
        timeout: args.timeout,
        reservedConcurrentExecutions: args.reservedConcurrentExecutions,
        tracingConfig: { mode: 'Active' },
        loggingConfig: { logFormat: 'JSON', logGroup: this.logGroup.name, applicationLogLevel: 'INFO', systemLogLevel: 'WARN' },
        environment: { variables: args.environment },
        tags: args.tags,
      },
      // The policy must exist before the first invocation can log or trace.
      { parent: this, dependsOn: [this.rolePolicy, this.logGroup] },
    );
    this.functionName = this.function.name;
    this.functionArn = this.function.arn;
    this.invokeArn = this.function.invokeArn;
    this.registerOutputs({ functionName: this.functionName, functionArn: this.functionArn });
  }
}
