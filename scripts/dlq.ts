/**
 * `npm run dlq -- <list|redrive|status> --stack <stack> --region <region> [options]`
 *
 * The operator's commands for a region's retry dead-letter queue (payments that could not be
 * committed within their retry budget; they alarm at the first message):
 *   list     transaction ids and reasons of every parked payment (never payment bodies)
 *   redrive  one StartMessageMoveTask moving them all back to the retry queue, where the retry
 *            processor commits each once (same as `aws sqs start-message-move-task --source-arn <dlq-arn>`)
 *   status   the latest redrive's state and counts
 * Options:
 *   --sandbox <control-url>  run against a local sandbox (its endpoints, from GET <control-url>/state)
 *   --wait                   redrive: wait until the move task finishes
 *   --rate <n>               redrive: MaxNumberOfMessagesPerSecond (default: SQS's system-optimized rate)
 *   --json                   machine-readable output
 * Credentials and endpoints: the AWS SDK's default chain (AWS_PROFILE, AWS_REGION...), or the sandbox's.
 * Exit codes: 0 done, 1 AWS error, 2 usage error.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { resourceName } from '../infra/naming';
import { loadStackSettings } from '../infra/settings';
import { latestRedrive, listDeadLetters, startRedrive, waitForRedrive, type DeadLetterQueueTarget } from './dlq/deadLetterQueue';

export interface DlqArgs {
  command: 'list' | 'redrive' | 'status';
  stack: string;
  region: string;
  sandbox?: string;
  wait: boolean;
  rate?: number;
  json: boolean;
}

export class UsageError extends Error {}

export function parseDlqArgs(argv: readonly string[]): DlqArgs {
  const [command, ...rest] = argv;
  if (command !== 'list' && command !== 'redrive' && command !== 'status') throw new UsageError('command must be list, redrive or status');
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${arg}`);
    const name = arg.slice(2);
    if (['wait', 'json'].includes(name)) flags.set(name, true);
    else if (['stack', 'region', 'sandbox', 'rate'].includes(name)) {
      const value = rest[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else throw new UsageError(`unknown option --${name}`);
  }
  const text = (name: string): string | undefined => {
    const v = flags.get(name);
    return typeof v === 'string' ? v : undefined;
  };
  const region = text('region');
  if (region === undefined || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new UsageError('--region <aws-region> is required');
  const rateText = text('rate');
  const rate = rateText === undefined ? undefined : Number(rateText);
  if (rate !== undefined && (!Number.isInteger(rate) || rate < 1 || rate > 500)) throw new UsageError('--rate must be an integer from 1 to 500 (SQS limit)');
  return { command, stack: text('stack') ?? 'dev', region, sandbox: text('sandbox'), wait: flags.has('wait'), rate, json: flags.has('json') };
}

interface SandboxRegion {
  sqs: string;
  dynamodb: string;
}

async function sandboxEndpoints(controlUrl: string, region: string): Promise<{ stack: string; endpoints: SandboxRegion }> {
  const res = await fetch(`${controlUrl.replace(/\/$/, '')}/state`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`${controlUrl}/state answered ${res.status}`);
  const state = (await res.json()) as { endpoints: { stack: string; regions: Record<string, SandboxRegion> } };
  const endpoints = state.endpoints.regions[region];
  if (!endpoints) throw new UsageError(`the sandbox has no region ${region} (it has ${Object.keys(state.endpoints.regions).join(', ')})`);
  return { stack: state.endpoints.stack, endpoints };
}

/** Builds the region's target from the stack's names (and the sandbox's endpoints when given). */
export async function targetFor(args: DlqArgs): Promise<DeadLetterQueueTarget> {
  let stack = args.stack;
  let endpoints: SandboxRegion | undefined;
  if (args.sandbox !== undefined) ({ stack, endpoints } = await sandboxEndpoints(args.sandbox, args.region));
  const settings = loadStackSettings(stack);
  const local = endpoints === undefined ? {} : { credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } };
  return {
    sqs: new SQSClient({ region: args.region, ...local, ...(endpoints ? { endpoint: endpoints.sqs } : {}) }),
    dynamodb: new DynamoDBClient({ region: args.region, ...local, ...(endpoints ? { endpoint: endpoints.dynamodb } : {}) }),
    deadLetterQueueName: resourceName('payments-retry-dlq', settings.environmentSuffix, args.region),
    tableName: resourceName('payments-table', settings.environmentSuffix),
    rules: {
      maxAmountMinor: settings.maxAmountMinor,
      allowedCurrencies: new Set(settings.allowedCurrencies),
      idempotencyTtlSeconds: 86_400,
    },
  };
}

/** Runs one command; returns the exit code. `out` receives the report lines. */
export async function runDlq(argv: readonly string[], out: (line: string) => void): Promise<number> {
  let args: DlqArgs;
  try {
    args = parseDlqArgs(argv);
  } catch (error) {
    out(`usage: npm run dlq -- <list|redrive|status> --stack <stack> --region <region> [--sandbox <control-url>] [--wait] [--rate <n>] [--json]`);
    out(error instanceof Error ? error.message : String(error));
    return 2;
  }
  const target = await targetFor(args);
  try {
    if (args.command === 'list') {
      const entries = await listDeadLetters(target);
      if (args.json) out(JSON.stringify({ queue: target.deadLetterQueueName, count: entries.length, entries }));
      else {
        out(`${target.deadLetterQueueName}: ${entries.length} parked payment(s)`);
        for (const e of entries) out(`${e.transactionId ?? '(unreadable)'}  ${e.reason}  receives=${e.receiveCount}  sent=${e.sentAt}  ${e.detail}`);
      }
    } else if (args.command === 'redrive') {
      const started = await startRedrive(target, args.rate);
      const finished = args.wait ? await waitForRedrive(target, 15 * 60 * 1000) : undefined;
      if (args.json) out(JSON.stringify({ ...started, ...(finished ? { status: finished.Status, moved: finished.ApproximateNumberOfMessagesMoved } : {}) }));
      else {
        out(`redrive started from ${started.sourceArn} (task ${started.taskHandle}); AWS CLI equivalent: ${started.awsCli}`);
        if (finished) out(`redrive ${finished.Status}: ${finished.ApproximateNumberOfMessagesMoved ?? 0} of ${finished.ApproximateNumberOfMessagesToMove ?? 0} moved${finished.FailureReason ? ` (${finished.FailureReason})` : ''}`);
      }
    } else {
      const task = await latestRedrive(target);
      if (args.json) out(JSON.stringify(task ?? null));
      else out(task ? `latest redrive ${task.Status}: ${task.ApproximateNumberOfMessagesMoved ?? 0} of ${task.ApproximateNumberOfMessagesToMove ?? 0} moved` : 'no redrive yet');
    }
    return 0;
  } catch (error) {
    out(`${target.deadLetterQueueName}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return 1;
  } finally {
    target.sqs.destroy();
    target.dynamodb?.destroy();
  }
}

if (require.main === module) {
  runDlq(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
