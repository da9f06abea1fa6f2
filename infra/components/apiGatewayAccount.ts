/**
 * API Gateway's account settings in each region: the IAM role API Gateway uses to write access and
 * execution logs to CloudWatch Logs (UpdateAccount `cloudwatchRoleArn`).
 *
 * An account-wide singleton, on purpose outside the per-stack PaymentApi: there is ONE such setting
 * per account and region. A second stack that sets it overwrites the first, and no API call can
 * clear it again (the provider's delete is a no-op; the setting then names whatever role was set
 * last). So the program creates this component only when `manageApiGatewayAccount` is true, which
 * at most one stack per account should do; otherwise the README's one-time bootstrap sets it.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
 *
 * What the role needs: when the role is set, API Gateway checks it by writing a test event to the
 * log group `/aws/apigateway/welcome`, and it later creates the execution log groups
 * `API-Gateway-Execution-Logs_<api id>/<stage>` of EVERY API in the region. The role therefore
 * needs the AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs (logs:CreateLogGroup,
 * CreateLogStream, DescribeLogGroups, DescribeLogStreams, PutLogEvents, GetLogEvents,
 * FilterLogEvents on `*`), which AWS maintains for exactly this role; a role scoped to our own log
 * groups fails UpdateAccount with "The role ARN does not have required permissions" (the provider
 * retries only that message and "API Gateway could not successfully write to CloudWatch Logs using
 * the ARN specified", then gives up: terraform-provider-aws internal/service/apigateway/account.go).
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonAPIGatewayPushToCloudWatchLogs.html
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { assumeRolePolicy } from '../iam';
import { resourceName } from '../naming';

/** The AWS managed policy API Gateway's CloudWatch role needs (see the module comment). */
export const API_GATEWAY_LOGS_MANAGED_POLICY_ARN = 'arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs';

export interface ApiGatewayAccountArgs {
  /** Environment suffix carried by the role name. Required. */
  environmentSuffix: string;
  /** Regions whose account settings point at the role. Required. */
  regions: string[];
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class ApiGatewayAccount extends pulumi.ComponentResource {
  public readonly role: aws.iam.Role;
  /** The account settings resource per region (stages that log must be created after it). */
  public readonly accounts: Record<string, aws.apigateway.Account> = {};

  constructor(name: string, args: ApiGatewayAccountArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:api:ApiGatewayAccount', name, {}, opts);
    this.role = new aws.iam.Role(
      `${name}-role`,
      { name: resourceName('apigw-cloudwatch-role', args.environmentSuffix), assumeRolePolicy: assumeRolePolicy('apigateway.amazonaws.com'), tags: args.tags },
      { parent: this },
    );
    const attachment = new aws.iam.RolePolicyAttachment(
      `${name}-push-to-cloudwatch-logs`,
      { role: this.role.name, policyArn: API_GATEWAY_LOGS_MANAGED_POLICY_ARN },
      { parent: this },
    );
    for (const region of args.regions) {
      this.accounts[region] = new aws.apigateway.Account(
        `${name}-${region}`,
        { region, cloudwatchRoleArn: this.role.arn },
        { parent: this, dependsOn: [attachment] },
      );
    }
    this.registerOutputs({ roleArn: this.role.arn });
  }
}
