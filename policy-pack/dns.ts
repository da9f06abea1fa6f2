/**
 * Route 53: health checks of the real regional APIs and the failover records they drive.
 */
import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { PackResourcePolicy, pciDss, tags } from './lib/policy';
import { checkAll, isSet } from './lib/preview';
import { str } from './lib/props';

const HTTPS_TYPES = ['HTTPS', 'HTTPS_STR_MATCH'];
/**
 * Health checks that probe no endpoint: they combine other checks (CALCULATED) or follow a
 * CloudWatch alarm or an ARC routing control. The standby-takes-over failover switch is built
 * from them; the endpoint rules below do not apply to them.
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-types.html
 */
const GATE_TYPES = ['CALCULATED', 'CLOUDWATCH_METRIC', 'RECOVERY_CONTROL'];

export const route53HealthCheckHttps: PackResourcePolicy = {
  name: 'route53-health-check-https-api',
  description:
    'Checks whether Route 53 health checks that probe an endpoint are HTTPS checks of an API hostname and path (not an IP address or an instance); calculated, CloudWatch-alarm and routing-control checks probe no endpoint.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('12.10.1', 'Incident response includes business recovery; failover is driven by the health of the real API.'),
  remediationSteps:
    'Use `type: "HTTPS"`, `fqdn: <regional API hostname>`, `port: 443` and `resourcePath: "/<stage>/health"` on the aws.route53.HealthCheck; remove ipAddress.',
  tags: tags('DR-03', 'dns'),
  validateResource: validateResourceOfType(aws.route53.HealthCheck, (check, args, reportViolation) => {
    if (check.type !== undefined && GATE_TYPES.includes(check.type)) return;
    checkAll(
      () => {
        if (check.type === undefined || !HTTPS_TYPES.includes(check.type)) {
          reportViolation(`Route 53 health check must be an HTTPS check (type HTTPS or HTTPS_STR_MATCH), got ${check.type ?? 'none'}.`);
        }
      },
      () => {
        if (!isSet(args.props, 'fqdn')) reportViolation('Route 53 health check must probe the API hostname (fqdn).');
      },
      () => {
        if (isSet(args.props, 'ipAddress')) reportViolation('Route 53 health check must probe a hostname, not an IP address (ipAddress must be unset).');
      },
      () => {
        const resourcePath = str(args.props, 'resourcePath');
        if (resourcePath === undefined || !resourcePath.startsWith('/') || resourcePath === '/') {
          reportViolation(`Route 53 health check must probe the API health path (resourcePath such as /<stage>/health), got ${resourcePath ?? 'none'}.`);
        }
      },
    );
  }),
};

export const route53FailoverPrimaryHealthCheck: PackResourcePolicy = {
  name: 'route53-failover-primary-health-check',
  description: 'Checks whether PRIMARY failover records carry a health check.',
  enforcementLevel: 'mandatory',
  severity: 'critical',
  framework: pciDss('12.10.1', 'Incident response includes business recovery; without a health check Route 53 never fails over.'),
  remediationSteps: 'Set `healthCheckId: <primary health check>.id` on the record with failoverRoutingPolicies [{ type: "PRIMARY" }].',
  tags: tags('DR-03', 'dns'),
  validateResource: validateResourceOfType(aws.route53.Record, (record, args, reportViolation) => {
    const primary = (record.failoverRoutingPolicies ?? []).some((p) => p.type === 'PRIMARY');
    if (primary && !isSet(args.props, 'healthCheckId')) {
      reportViolation('Route 53 PRIMARY failover record must carry a health check (healthCheckId).');
    }
  }),
};

export const dnsPolicies = [route53HealthCheckHttps, route53FailoverPrimaryHealthCheck];
