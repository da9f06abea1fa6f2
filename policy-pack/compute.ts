/**
 * Lambda: the payment functions in both regions.
 */
import * as aws from '@pulumi/aws';
import { PolicyResource, validateResourceOfType } from '@pulumi/policy';
import { PackResourcePolicy, PackStackPolicy, pciDss, tags } from './lib/policy';
import { checkEach, known } from './lib/preview';
import { num, str } from './lib/props';
import { referencedBy, tokenOf } from './lib/stack';

/** Node.js runtimes AWS supports for new functions (nodejs20.x is deprecated since 2026-04-30). */
export const DEFAULT_SUPPORTED_RUNTIMES = ['nodejs22.x', 'nodejs24.x'];

export const lambdaSupportedRuntime: PackResourcePolicy = {
  name: 'lambda-supported-runtime',
  description: 'Checks whether Lambda functions run on a runtime AWS still supports.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('6.3.3', 'System components are protected from known vulnerabilities by installing applicable security patches.'),
  remediationSteps: 'Set `runtime` to one of the supported runtimes (aws.lambda.Runtime.NodeJS22dX or newer) and redeploy.',
  tags: tags('OPS-03', 'compute'),
  configSchema: {
    properties: {
      supportedRuntimes: { type: 'array', items: { type: 'string' }, default: DEFAULT_SUPPORTED_RUNTIMES, description: 'Accepted Lambda runtimes.' },
    },
  },
  validateResource: validateResourceOfType(aws.lambda.Function, (fn, args, reportViolation) => {
    if (fn.packageType === 'Image') return; // container images carry their own runtime
    const supported = args.getConfig<{ supportedRuntimes?: string[] }>().supportedRuntimes ?? DEFAULT_SUPPORTED_RUNTIMES;
    const runtime = fn.runtime;
    if (runtime === undefined || !supported.includes(runtime)) {
      reportViolation(`Lambda function must use a supported runtime (${supported.join(', ')}), got ${runtime ?? 'none'}.`);
    }
  }),
};

export const lambdaTracingActive: PackResourcePolicy = {
  name: 'lambda-tracing-active',
  description: 'Checks whether Lambda functions have active X-Ray tracing.',
  enforcementLevel: 'mandatory',
  severity: 'medium',
  framework: pciDss('10.2.1', 'Audit logs are enabled and active for all system components.'),
  remediationSteps: 'Set `tracingConfig: { mode: "Active" }` on the function and allow xray:PutTraceSegments/PutTelemetryRecords in its role.',
  tags: tags('OPS-03', 'compute'),
  validateResource: validateResourceOfType(aws.lambda.Function, (fn, _args, reportViolation) => {
    if (fn.tracingConfig?.mode !== 'Active') {
      reportViolation(`Lambda function must enable active tracing (tracingConfig.mode Active), got ${fn.tracingConfig?.mode ?? 'PassThrough (default)'}.`);
    }
  }),
};

const FUNCTION_TYPE = tokenOf(aws.lambda.Function);
const LOG_GROUP_TYPE = tokenOf(aws.cloudwatch.LogGroup);

/** The log group a function writes to: its loggingConfig.logGroup, else the default `/aws/lambda/<name>`. */
function logGroupsOf(fn: PolicyResource, logGroups: readonly PolicyResource[]): PolicyResource[] {
  const byConfig = referencedBy(fn, 'loggingConfig', logGroups, (g) => [known(() => str(g.props, 'name')), known(() => str(g.props, 'arn'))]);
  const configured = known(() => str(fn.props, 'loggingConfig', 'logGroup'));
  const linked = byConfig.filter((g) => configured === undefined || [known(() => str(g.props, 'name')), known(() => str(g.props, 'arn'))].includes(configured));
  if (linked.length > 0) return linked;
  const name = str(fn.props, 'name');
  const expected = configured ?? (name === undefined ? undefined : `/aws/lambda/${name}`);
  return logGroups.filter((g) => expected !== undefined && known(() => str(g.props, 'name')) === expected);
}

export const lambdaLogRetention: PackStackPolicy = {
  name: 'lambda-log-group-retention',
  description: 'Checks whether every Lambda function writes to an explicit log group that has a retention period.',
  enforcementLevel: 'mandatory',
  severity: 'medium',
  framework: pciDss('10.5.1', 'Audit log history is retained for at least 12 months, at least three months immediately available.'),
  remediationSteps:
    'Create an aws.cloudwatch.LogGroup named `/aws/lambda/<function name>` (or set loggingConfig.logGroup to it) with `retentionInDays` from the stack config, before the function.',
  tags: tags('LOG-01', 'compute'),
  validateStack: (args, reportViolation) => {
    const logGroups = args.resources.filter((r) => r.type === LOG_GROUP_TYPE);
    checkEach(
      args.resources.filter((r) => r.type === FUNCTION_TYPE),
      (fn) => {
        const groups = logGroupsOf(fn, logGroups);
        if (groups.length === 0) {
          reportViolation('Lambda function must write to an explicit log group with retention (no aws.cloudwatch.LogGroup named /aws/lambda/<name> or in loggingConfig).', fn.urn);
          return;
        }
        checkEach(groups, (group) => {
          const days = num(group.props, 'retentionInDays');
          if (days === undefined || days <= 0) reportViolation('Lambda function log group must set retentionInDays (logs must not be kept forever by accident nor deleted at once).', fn.urn);
        });
      },
    );
  },
};

export const computePolicies = [lambdaSupportedRuntime, lambdaTracingActive, lambdaLogRetention];
