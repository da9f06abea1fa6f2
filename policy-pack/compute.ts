/**
 * Lambda: the payment functions in both regions.
 */
import * as aws from '@pulumi/aws';
import { PolicyResource, validateResourceOfType } from '@pulumi/policy';
import { PackResourcePolicy, PackStackPolicy, pciDss, tags } from './lib/policy';
import { checkEach, isUnknownValueError, known } from './lib/preview';
import { get, list, num, str } from './lib/props';
import { DEFAULT_MINIMUM_RETENTION_DAYS, minimumRetentionSchema } from './lib/retention';
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
    'Create an aws.cloudwatch.LogGroup named `/aws/lambda/<function name>` (or set loggingConfig.logGroup to it) with `retentionInDays` of at least 365 (the stack\'s logRetentionDays), before the function.',
  tags: tags('LOG-01', 'compute'),
  subjects: [FUNCTION_TYPE],
  configSchema: { properties: { minimumRetentionDays: minimumRetentionSchema } },
  validateStack: (args, reportViolation) => {
    const minimum = args.getConfig<{ minimumRetentionDays?: number }>().minimumRetentionDays ?? DEFAULT_MINIMUM_RETENTION_DAYS;
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
          if (days === undefined || days <= 0) {
            reportViolation(`Lambda function log group must set retentionInDays of at least ${minimum} days (unset keeps logs forever, by accident rather than by decision).`, fn.urn);
          } else if (days < minimum) {
            reportViolation(`Lambda function log group must retain logs for at least ${minimum} days (PCI DSS 10.5.1: 12 months), got ${days}.`, fn.urn);
          }
        });
      },
    );
  },
};

const PERMISSION_TYPE = tokenOf(aws.lambda.Permission);
const FUNCTION_URL_TYPE = tokenOf(aws.lambda.FunctionUrl);
const EVENT_INVOKE_CONFIG_TYPE = tokenOf(aws.lambda.FunctionEventInvokeConfig);
const SUBSCRIPTION_TYPE = tokenOf(aws.sns.TopicSubscription);
const EVENT_TARGET_TYPE = tokenOf(aws.cloudwatch.EventTarget);
const BUCKET_NOTIFICATION_TYPE = tokenOf(aws.s3.BucketNotification);

/**
 * Service principals that invoke Lambda functions asynchronously (the event is queued and retried,
 * then dropped unless an on-failure destination or DLQ keeps it):
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html and the "Invocation" column of
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-services.html (S3, SNS, EventBridge, CloudWatch
 * Logs, SES, IoT, AWS Config, CodeCommit, CloudFormation).
 */
export const DEFAULT_ASYNC_PRINCIPALS = [
  's3.amazonaws.com',
  'sns.amazonaws.com',
  'events.amazonaws.com',
  'logs.amazonaws.com',
  'ses.amazonaws.com',
  'iot.amazonaws.com',
  'config.amazonaws.com',
  'codecommit.amazonaws.com',
  'cloudformation.amazonaws.com',
];

const functionKeys = (fn: PolicyResource): Array<string | undefined> => [known(() => str(fn.props, 'name')), known(() => str(fn.props, 'arn'))];

export const lambdaAsyncFailureDestination: PackStackPolicy = {
  name: 'lambda-async-failure-destination',
  description: 'Checks whether every Lambda function invoked asynchronously keeps failed events (an on-failure destination or a dead-letter queue).',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('12.10.1', 'Incident response procedures cover recovery of business-critical data; no failed event is dropped.'),
  remediationSteps:
    'Add an aws.lambda.FunctionEventInvokeConfig with destinationConfig.onFailure.destination (an SQS queue or SNS topic ARN), or set deadLetterConfig.targetArn on the function.',
  tags: tags('OPS-02', 'compute'),
  subjects: [FUNCTION_TYPE],
  configSchema: {
    properties: {
      asyncPrincipals: { type: 'array', items: { type: 'string' }, default: DEFAULT_ASYNC_PRINCIPALS, description: 'Service principals that invoke functions asynchronously.' },
    },
  },
  validateStack: (args, reportViolation) => {
    const asyncPrincipals = args.getConfig<{ asyncPrincipals?: string[] }>().asyncPrincipals ?? DEFAULT_ASYNC_PRINCIPALS;
    const functions = args.resources.filter((r) => r.type === FUNCTION_TYPE);
    const invokedAsync = new Map<string, string>();
    const mark = (targets: PolicyResource[], by: string) => targets.forEach((fn) => invokedAsync.has(fn.urn) || invokedAsync.set(fn.urn, by));
    checkEach(args.resources, (r) => {
      if (r.type === PERMISSION_TYPE && asyncPrincipals.includes(str(r.props, 'principal') ?? '')) {
        mark(referencedBy(r, 'function', functions, functionKeys), `a permission for ${str(r.props, 'principal')}`);
      } else if (r.type === SUBSCRIPTION_TYPE && str(r.props, 'protocol') === 'lambda') {
        mark(referencedBy(r, 'endpoint', functions, functionKeys), 'an SNS subscription');
      } else if (r.type === EVENT_TARGET_TYPE) {
        mark(referencedBy(r, 'arn', functions, functionKeys), 'an EventBridge target');
      } else if (r.type === BUCKET_NOTIFICATION_TYPE && list(r.props, 'lambdaFunctions').length > 0) {
        const arns = list(r.props, 'lambdaFunctions').map((l) => known(() => str(l, 'lambdaFunctionArn')));
        const deps = r.propertyDependencies?.lambdaFunctions ?? [];
        mark(functions.filter((fn) => deps.some((d) => d.urn === fn.urn) || arns.some((a) => a !== undefined && functionKeys(fn).includes(a))), 'an S3 event notification');
      }
    });
    const configs = args.resources.filter((r) => r.type === EVENT_INVOKE_CONFIG_TYPE);
    checkEach(
      functions.filter((fn) => invokedAsync.has(fn.urn)),
      (fn) => {
        if (isSetDeep(fn.props, 'deadLetterConfig', 'targetArn')) return;
        const mine = configs.filter((c) => referencedBy(c, 'functionName', [fn], functionKeys).length > 0);
        if (mine.some((c) => isSetDeep(c.props, 'destinationConfig', 'onFailure', 'destination'))) return;
        reportViolation(
          `Lambda function invoked asynchronously (by ${invokedAsync.get(fn.urn)}) must keep failed events (an aws.lambda.FunctionEventInvokeConfig with destinationConfig.onFailure, or deadLetterConfig.targetArn).`,
          fn.urn,
        );
      },
    );
  },
};

/** Whether a nested value is set; an unknown value (computed from another resource during preview) counts as set. */
function isSetDeep(props: unknown, ...keys: string[]): boolean {
  try {
    let current: unknown = props;
    for (const key of keys) {
      current = get(current, key);
      if (current === undefined || current === null) return false;
    }
    return current !== '';
  } catch (error) {
    if (isUnknownValueError(error)) return true;
    throw error;
  }
}

/** Conditions of a Lambda permission that keep a `*` principal from being everyone. */
const PERMISSION_RESTRICTIONS = ['sourceArn', 'sourceAccount', 'principalOrgId'];

export const lambdaNoPublicInvoke: PackResourcePolicy = {
  name: 'lambda-no-public-invoke',
  description: 'Checks whether Lambda functions cannot be invoked by anyone: no permission for principal "*" without a source condition, no function URL without authentication, no lambda:* grant.',
  enforcementLevel: 'mandatory',
  severity: 'critical',
  framework: pciDss('7.2.1', 'Access is assigned based on least privileges needed to perform job responsibilities.'),
  remediationSteps:
    'Grant lambda:InvokeFunction to the exact service principal with sourceArn (e.g. the API\'s execution ARN) or sourceAccount; set authorizationType "AWS_IAM" on function URLs.',
  tags: tags('SEC-03', 'compute'),
  validateResource: (args, reportViolation) => {
    if (args.type === FUNCTION_URL_TYPE) {
      const auth = str(args.props, 'authorizationType');
      if (auth !== 'AWS_IAM') reportViolation(`Lambda function URL must require IAM authentication (authorizationType AWS_IAM), got ${auth ?? 'none'}.`);
      return;
    }
    if (args.type !== PERMISSION_TYPE) return args.notApplicable(`Policy only applies to ${PERMISSION_TYPE} and ${FUNCTION_URL_TYPE}`);
    const principal = str(args.props, 'principal');
    if (principal === '*' && !PERMISSION_RESTRICTIONS.some((key) => isSetDeep(args.props, key))) {
      reportViolation('Lambda permission must not let every principal invoke the function (principal "*" without sourceArn, sourceAccount or principalOrgId).');
    }
    const action = str(args.props, 'action');
    if (action !== undefined && (action === '*' || action.endsWith(':*'))) reportViolation(`Lambda permission must name the action (lambda:InvokeFunction), got ${action}.`);
  },
};

export const computePolicies = [lambdaSupportedRuntime, lambdaTracingActive, lambdaLogRetention, lambdaAsyncFailureDestination, lambdaNoPublicInvoke];
