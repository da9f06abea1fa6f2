/**
 * AWS WAF in front of one region's REST API stage: a REGIONAL web ACL with rate-based rules and
 * AWS managed rule groups, associated with the stage, logging to its own log group.
 *
 * Why: PCI DSS v4.0 requirement 6.4.2 asks for an automated technical solution that detects and
 * prevents web-based attacks in front of public-facing web applications; AWS WAF on the stage is
 * AWS's tool for a REST API, and its rate-based rule keeps an anonymous flood from reaching the
 * stage's throttles. https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-aws-waf.html
 *
 * Route 53's health checkers must never be the ones throttled (a 429 counts as a failed check and a
 * flood could force a failover). So `/health`:
 * - is scoped OUT of the payment-route rate rule and of the managed rule groups (scope-down
 *   statements), so neither a flood on the payment routes nor a managed rule can block a checker;
 * - has its own per-IP rate rule whose limit is ten times what one checker IP can send: one request
 *   per health check per interval (30 in WAF's 5-minute window at the fastest interval, 10 s);
 *   https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html
 * - has its own method throttle on the stage (PaymentApi), apart from the payment methods.
 * What WAF cannot do: a flood spread over many addresses, each under the per-IP limit, still
 * reaches /health's method throttle; the DR region's failover switch (runbook) is the answer then.
 * Rate-based rule semantics: https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { resourceName } from '../naming';

/** WAF's rate-based evaluation window (seconds): the default and the one the limits are sized for. */
export const WAF_EVALUATION_WINDOW_SECONDS = 300;
/** Per-IP limit on /health: 10x one Route 53 checker's 30 requests per window at a 10 s interval. */
export const HEALTH_RATE_LIMIT_PER_IP = 10 * (WAF_EVALUATION_WINDOW_SECONDS / 10);

/** The AWS managed rule groups applied to the payment routes (never to /health). */
export const MANAGED_RULE_GROUPS = ['AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesCommonRuleSet'] as const;

export interface ApiFirewallArgs {
  /** Region of the web ACL (scope REGIONAL). Required. */
  region: string;
  /** Environment suffix carried by every name. Required. */
  environmentSuffix: string;
  /** ARN of the API Gateway stage to protect. Required. */
  stageArn: pulumi.Input<string>;
  /** Stage name: the health route is `/health` (custom domain) or `/<stage>/health` (execute-api). Required. */
  stageName: string;
  /** Requests per source IP per 5 minutes on the payment routes (the stack setting `wafRateLimitPerIp`). Required. */
  rateLimitPerIp: number;
  /** Retention of the WAF log group, days (the stack setting `logRetentionDays`). Required. */
  logRetentionDays: number;
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Regex of the health route's URI path as WAF sees it, with or without the stage prefix. */
export function healthPathRegex(stageName: string): string {
  return `^(/${stageName})?/health$`;
}

export class ApiFirewall extends pulumi.ComponentResource {
  public readonly webAcl: aws.wafv2.WebAcl;

  constructor(name: string, args: ApiFirewallArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:api:ApiFirewall', name, {}, opts);
    const { region } = args;
    const aclName = resourceName('payments-waf', args.environmentSuffix, region);
    const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });
    const healthPath = {
      regexMatchStatement: {
        regexString: healthPathRegex(args.stageName),
        fieldToMatch: { uriPath: {} },
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    };
    const notHealth = { notStatement: { statement: healthPath } };

    this.webAcl = new aws.wafv2.WebAcl(
      `${name}-web-acl`,
      {
        region,
        name: aclName,
        description: `Payments API ${args.environmentSuffix} ${region}: per-IP rate limits and AWS managed rules (PCI DSS 6.4.2)`,
        scope: 'REGIONAL',
        defaultAction: { allow: {} },
        rules: [
          {
            name: 'health-route-rate-limit',
            priority: 0,
            action: { block: {} },
            statement: {
              rateBasedStatement: { limit: HEALTH_RATE_LIMIT_PER_IP, aggregateKeyType: 'IP', evaluationWindowSec: WAF_EVALUATION_WINDOW_SECONDS, scopeDownStatement: healthPath },
            },
            visibilityConfig: visibility('health-route-rate-limit'),
          },
          {
            name: 'payment-routes-rate-limit',
            priority: 1,
            action: { block: {} },
            statement: {
              rateBasedStatement: {
                limit: args.rateLimitPerIp,
                aggregateKeyType: 'IP',
                evaluationWindowSec: WAF_EVALUATION_WINDOW_SECONDS,
                scopeDownStatement: notHealth,
              },
            },
            visibilityConfig: visibility('payment-routes-rate-limit'),
          },
          ...MANAGED_RULE_GROUPS.map((group, i) => ({
            name: group,
            priority: 2 + i,
            overrideAction: { none: {} },
            statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: group, scopeDownStatement: notHealth } },
            visibilityConfig: visibility(group),
          })),
        ],
        visibilityConfig: visibility(aclName),
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.wafv2.WebAclAssociation(`${name}-association`, { region, resourceArn: args.stageArn, webAclArn: this.webAcl.arn }, { parent: this });

    // WAF logs only to log groups whose name starts with `aws-waf-logs-`.
    // https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html
    const logs = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { region, name: `aws-waf-logs-${aclName}`, retentionInDays: args.logRetentionDays, tags: args.tags },
      { parent: this },
    );
    new aws.wafv2.WebAclLoggingConfiguration(
      `${name}-logging`,
      { region, resourceArn: this.webAcl.arn, logDestinationConfigs: [logs.arn] },
      { parent: this },
    );
    this.registerOutputs({ webAclArn: this.webAcl.arn });
  }
}
