/**
 * SQS: the retry queue and its dead-letter queue in each region. A payment that cannot be committed is
 * retried through the queue and ends in the DLQ, never silently dropped.
 */
import * as aws from '@pulumi/aws';
import { PolicyResource, validateResourceOfType } from '@pulumi/policy';
import { PackResourcePolicy, PackStackPolicy, pciDss, tags } from './lib/policy';
import { checkAll, checkEach, known } from './lib/preview';
import { get, jsonDocument, num, str } from './lib/props';
import { referencedBy, tokenOf } from './lib/stack';

const QUEUE_TYPE = tokenOf(aws.sqs.Queue);
const REDRIVE_TYPE = tokenOf(aws.sqs.RedrivePolicy);

/** SQS keeps messages at most 14 days; the DLQ keeps them that long. */
export const FOURTEEN_DAYS_SECONDS = 1_209_600;

export const sqsQueueEncrypted: PackResourcePolicy = {
  name: 'sqs-queue-encrypted',
  description: 'Checks whether SQS queues are encrypted at rest (SSE-SQS or a KMS key).',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('3.5.1', 'Stored account data is rendered unreadable (strong cryptography).'),
  remediationSteps: 'Set `sqsManagedSseEnabled: true` (or `kmsMasterKeyId`) on the aws.sqs.Queue.',
  tags: tags('SEC-01', 'queues'),
  validateResource: validateResourceOfType(aws.sqs.Queue, (queue, _args, reportViolation) => {
    const kms = queue.kmsMasterKeyId;
    if (queue.sqsManagedSseEnabled !== true && (kms === undefined || kms === '')) {
      reportViolation('SQS queue must be encrypted at rest (sqsManagedSseEnabled true or kmsMasterKeyId set).');
    }
  }),
};

function queueKeys(queue: PolicyResource): Array<string | undefined> {
  return [known(() => str(queue.props, 'arn')), known(() => str(queue.props, 'url')), known(() => str(queue.props, 'id'))];
}

/** A redrive policy in the stack: the queue it belongs to (if resolvable) and its parsed document. */
interface Redrive {
  owner: PolicyResource;
  /** The queue the policy is set on (the queue itself for an inline policy). */
  source: PolicyResource[];
  document: unknown;
  /** The queues the policy's deadLetterTargetArn refers to. */
  targets: PolicyResource[];
}

function redrives(resources: readonly PolicyResource[]): Redrive[] {
  const queues = resources.filter((r) => r.type === QUEUE_TYPE);
  const found: Redrive[] = [];
  for (const r of resources) {
    if (r.type !== QUEUE_TYPE && r.type !== REDRIVE_TYPE) continue;
    const raw = known(() => get(r.props, 'redrivePolicy'));
    const deps = r.propertyDependencies?.redrivePolicy ?? [];
    if (raw === undefined && deps.length === 0) continue;
    const document = raw === undefined ? undefined : jsonDocument(raw);
    const arn = document === undefined ? undefined : str(document, 'deadLetterTargetArn');
    const targets = queues.filter((q) => deps.some((d) => d.urn === q.urn) || (arn !== undefined && queueKeys(q).includes(arn)));
    const source = r.type === QUEUE_TYPE ? [r] : known(() => referencedBy(r, 'queueUrl', queues, queueKeys)) ?? [];
    found.push({ owner: r, source, document, targets });
  }
  return found;
}

const FUNCTION_TYPE = tokenOf(aws.lambda.Function);
const EVENT_INVOKE_CONFIG_TYPE = tokenOf(aws.lambda.FunctionEventInvokeConfig);
const SUBSCRIPTION_TYPE = tokenOf(aws.sns.TopicSubscription);
const EVENT_TARGET_TYPE = tokenOf(aws.cloudwatch.EventTarget);

/**
 * Where a queue is named as a dead-letter queue (or the on-failure destination, which plays the same
 * role): a redrive policy (inline or aws.sqs.RedrivePolicy), a Lambda function's deadLetterConfig,
 * an async invoke config's onFailure destination, an SNS subscription's or an EventBridge target's DLQ.
 */
const DLQ_REFERENCES: Array<{ type: string; prop: string; path: string[] }> = [
  { type: FUNCTION_TYPE, prop: 'deadLetterConfig', path: ['deadLetterConfig', 'targetArn'] },
  { type: EVENT_INVOKE_CONFIG_TYPE, prop: 'destinationConfig', path: ['destinationConfig', 'onFailure', 'destination'] },
  { type: EVENT_TARGET_TYPE, prop: 'deadLetterConfig', path: ['deadLetterConfig', 'arn'] },
];

/** Every queue the stack uses as a dead-letter queue, by URN. */
function deadLetterQueues(resources: readonly PolicyResource[]): Map<string, PolicyResource> {
  const queues = resources.filter((r) => r.type === QUEUE_TYPE);
  const out = new Map<string, PolicyResource>();
  for (const redrive of redrives(resources)) for (const target of redrive.targets) out.set(target.urn, target);
  for (const r of resources) {
    for (const ref of DLQ_REFERENCES.filter((x) => x.type === r.type)) {
      const deps = r.propertyDependencies?.[ref.prop] ?? [];
      const arn = known(() => str(r.props, ...ref.path));
      for (const q of queues) if (deps.some((d) => d.urn === q.urn) || (arn !== undefined && queueKeys(q).includes(arn))) out.set(q.urn, q);
    }
    if (r.type === SUBSCRIPTION_TYPE) {
      const deps = r.propertyDependencies?.redrivePolicy ?? [];
      const document = known(() => jsonDocument(get(r.props, 'redrivePolicy')));
      const arn = document === undefined ? undefined : str(document, 'deadLetterTargetArn');
      for (const q of queues) if (deps.some((d) => d.urn === q.urn) || (arn !== undefined && queueKeys(q).includes(arn))) out.set(q.urn, q);
    }
  }
  return out;
}

export const sqsDeadLetterQueueRetention: PackStackPolicy = {
  name: 'sqs-dead-letter-queue-retention',
  description: 'Checks whether every SQS dead-letter queue keeps messages for the SQS maximum of 14 days.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('12.10.1', 'Incident response procedures cover recovery of business-critical data; failed payments stay recoverable for 14 days.'),
  remediationSteps: `Set \`messageRetentionSeconds: ${FOURTEEN_DAYS_SECONDS}\` on the dead-letter aws.sqs.Queue.`,
  tags: tags('OPS-02', 'queues'),
  subjects: [QUEUE_TYPE],
  validateStack: (args, reportViolation) => {
    checkEach(deadLetterQueues(args.resources).values(), (dlq) => {
      const retention = num(dlq.props, 'messageRetentionSeconds');
      if (retention === undefined || retention < FOURTEEN_DAYS_SECONDS) {
        reportViolation(`SQS dead-letter queue must retain messages for 14 days (messageRetentionSeconds ${FOURTEEN_DAYS_SECONDS}), got ${retention ?? '345600 (default)'}.`, dlq.urn);
      }
    });
  },
};

export const sqsQueueRedrivePolicy: PackStackPolicy = {
  name: 'sqs-queue-redrive-policy',
  description: 'Checks whether every SQS queue that is not a dead-letter queue has a redrive policy to a dead-letter queue.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: pciDss('12.10.1', 'Incident response procedures cover recovery of business-critical data; no failed payment is dropped.'),
  remediationSteps:
    'Set `redrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 })` on the queue (or add an aws.sqs.RedrivePolicy), with maxReceiveCount between 1 and maxReceiveCount.',
  tags: tags('OPS-02', 'queues'),
  subjects: [QUEUE_TYPE],
  configSchema: {
    properties: { maxReceiveCount: { type: 'integer', default: 10, minimum: 1, description: 'Largest accepted maxReceiveCount before a message moves to the DLQ.' } },
  },
  validateStack: (args, reportViolation) => {
    const { maxReceiveCount } = { maxReceiveCount: 10, ...args.getConfig<{ maxReceiveCount?: number }>() };
    const all = redrives(args.resources);
    const dlqUrns = new Set(deadLetterQueues(args.resources).keys());
    const queues = args.resources.filter((r) => r.type === QUEUE_TYPE && !dlqUrns.has(r.urn));
    checkEach(queues, (queue) => {
      const own = all.filter((r) => r.source.some((s) => s.urn === queue.urn));
      if (own.length === 0) {
        reportViolation('SQS queue must have a redrive policy to a dead-letter queue (no redrivePolicy and no aws.sqs.RedrivePolicy).', queue.urn);
        return;
      }
      checkEach(own, (redrive) => {
        // Read again through the proxy: an unknown document ends as an advisory, never as a silent pass.
        const document = jsonDocument(get(redrive.owner.props, 'redrivePolicy'));
        checkAll(
          () => {
            if (str(document, 'deadLetterTargetArn') === undefined) {
              reportViolation('SQS queue must have a redrive policy to a dead-letter queue (deadLetterTargetArn missing).', queue.urn);
            }
          },
          () => {
            const count = num(document, 'maxReceiveCount');
            if (count === undefined || count < 1 || count > maxReceiveCount) {
              reportViolation(`SQS queue redrive policy must set maxReceiveCount between 1 and ${maxReceiveCount}, got ${count ?? 'none'}.`, queue.urn);
            }
          },
        );
      });
    });
  },
};

export const queuePolicies = [sqsQueueEncrypted, sqsDeadLetterQueueRetention, sqsQueueRedrivePolicy];
