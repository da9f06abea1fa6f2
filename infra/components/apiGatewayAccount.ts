/**
 * API Gateway's account settings in each region: the IAM role API Gateway uses to write access and
 * execution logs to CloudWatch Logs (UpdateAccount `cloudwatchRoleArn`).
 *
 * An account-wide singleton, on purpose outside the per-stack PaymentApi: there is ONE such setting
 * per account and region. A second stack that sets it overwrites the first, and destroying the
 * stack that set it resets it for every API in the region (terraform-provider-aws v6, which
 * @pulumi/aws 7 wraps, resets the account settings on delete: hashicorp/terraform-provider-aws
 * pull request 42226). So:
 * - `manage: false` (the default, `manageApiGatewayAccount`): the README's one-time bootstrap sets
 *   the role `apigateway-cloudwatch-logs` per account; this component only READS the setting
 *   (`Account.get`), so the preview and the CrossGuard gate see the real value and destroying the
 *   stack leaves it alone;
 * - `manage: true`: this stack creates the role and sets it in every region; at most one stack
 *   per account should do this.
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

/** The role the README's one-time bootstrap creates (account-wide, no stack suffix). */
export const BOOTSTRAP_ROLE_NAME = 'apigateway-cloudwatch-logs';

/** The AWS managed policy API Gateway's CloudWatch role needs (see the module comment). */
export const API_GATEWAY_LOGS_MANAGED_POLICY_ARN = 'arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs';

export interface ApiGatewayAccountArgs {
  /** Set the account settings from this stack (true) or only read the bootstrapped ones (false). Required. */
  manage: boolean;
  /** The account id (the bootstrap role's ARN; the id read). Required. */
  accountId: pulumi.Input<string>;
  /** Environment suffix carried by the role name. Required. */
  environmentSuffix: string;
  /** Regions whose account settings point at the role. Required. */
  regions: string[];
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class ApiGatewayAccount extends pulumi.ComponentResource {
  /** The role this stack created (manage: true). */
  public readonly role?: aws.iam.Role;
  /** The account settings resource per region (stages that log must be created after it). */
  public readonly accounts: Record<string, aws.apigateway.Account> = {};

  constructor(name: string, args: ApiGatewayAccountArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:api:ApiGatewayAccount', name, {}, opts);
    if (!args.manage) {
      // Read, never write: the expected bootstrap role is passed as the lookup's state, the read
      // returns what the account really holds (the gate then checks that).
      const expected = pulumi.interpolate`arn:aws:iam::${args.accountId}:role/${BOOTSTRAP_ROLE_NAME}`;
      for (const region of args.regions) {
        this.accounts[region] = aws.apigateway.Account.get(`${name}-${region}`, args.accountId, { region, cloudwatchRoleArn: expected }, { parent: this });
      }
      this.registerOutputs({});
      return;
    }
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
