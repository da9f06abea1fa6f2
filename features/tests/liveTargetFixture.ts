/**
 * One set-up for the live target's unit tests: stack outputs shaped like `pulumi stack output
 * --json` of the DR stack (infra/program.ts `outputs`, budget computed by infra/budget.ts) and
 * real SDK v3 clients whose middleware answers from tables (features/tests/sdkDoubles.ts),
 * recording every call with its service and region.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { computeDrBudget } from '../../infra/budget';
import { LiveTarget, type LiveClients } from '../support/targets/liveTarget';
import { answer, type Answer, type Call } from './sdkDoubles';

export const ACCOUNT = '111122223333';

/** The outputs of a dev stack without custom domains' failover switch. */
export const OUTPUTS: Record<string, unknown> = {
  primaryRegion: 'us-east-1',
  drRegion: 'us-east-2',
  primaryApiUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com/v1',
  drApiUrl: 'https://def456.execute-api.us-east-2.amazonaws.com/v1',
  failoverApiUrl: 'https://api.payments-dev.example.com/v1',
  tableName: 'payments-table-dev',
  bucketNames: { 'us-east-1': `transaction-logs-dev-us-east-1-${ACCOUNT}`, 'us-east-2': `transaction-logs-dev-us-east-2-${ACCOUNT}` },
  retryQueueUrls: {
    'us-east-1': `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/payments-retry-dev-us-east-1`,
    'us-east-2': `https://sqs.us-east-2.amazonaws.com/${ACCOUNT}/payments-retry-dev-us-east-2`,
  },
  deadLetterQueueUrls: {
    'us-east-1': `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/payments-retry-dlq-dev-us-east-1`,
    'us-east-2': `https://sqs.us-east-2.amazonaws.com/${ACCOUNT}/payments-retry-dlq-dev-us-east-2`,
  },
  manualFailoverParameters: { 'us-east-1': '/payments-dr/dev/us-east-1/manual-failover', 'us-east-2': '/payments-dr/dev/us-east-2/manual-failover' },
  hostedZoneId: 'Z0123456789ABC',
  hostedZoneName: 'payments-dev.example.com',
  drBudget: computeDrBudget({ healthCheckIntervalSeconds: 10, healthCheckFailureThreshold: 3, dnsTtlSeconds: 60, customDomainsEnabled: true, consistencyMode: 'eventual' }),
};

/** The outputs of a stack with custom domains and the failover switch in the DR region. */
export const OUTPUTS_WITH_FAILOVER_SWITCH: Record<string, unknown> = {
  ...OUTPUTS,
  primaryApiUrl: 'https://us-east-1.api.payments.acme-bank.com',
  drApiUrl: 'https://us-east-2.api.payments.acme-bank.com',
  failoverApiUrl: 'https://api.payments.acme-bank.com',
  failoverSwitch: { region: 'us-east-2', namespace: 'PaymentsDR/Failover', metricName: 'FailoverToSecondary', dimensions: { Stack: 'dev' }, alarmName: 'failover-switch-dev-us-east-2' },
  hostedZoneName: 'payments.acme-bank.com',
};

export type Service = 'cloudwatch' | 'dynamodb' | 's3' | 'sqs' | 'ssm' | 'iam' | 'route53';
export type RecordedCall = Call & { service: Service; region: string };

/** Clients for the target, each answering from `answers[service]`; every call recorded in order. */
export function recordingClients(answers: Partial<Record<Service, Record<string, Answer>>> = {}): { clients: LiveClients; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const credentials = { accessKeyId: 'double', secretAccessKey: 'double' };
  const made = new Map<string, unknown>();
  const make = <C extends { middlewareStack: Parameters<typeof answer>[0]['middlewareStack'] }>(service: Service, region: string, create: () => C): C => {
    // One client per service and region, as the real factory caches them (answers count calls per client).
    const key = `${service}:${region}`;
    const existing = made.get(key);
    if (existing) return existing as C;
    const client = create();
    made.set(key, client);
    const own: Call[] = [];
    answer(client, answers[service] ?? {}, own);
    const push = own.push.bind(own);
    own.push = (...items: Call[]) => {
      for (const item of items) calls.push({ ...item, service, region });
      return push(...items);
    };
    return client;
  };
  const clients: LiveClients = {
    cloudwatch: (region) => make('cloudwatch', region, () => new CloudWatchClient({ region, credentials })),
    dynamodb: (region) => make('dynamodb', region, () => new DynamoDBClient({ region, credentials })),
    s3: (region) => make('s3', region, () => new S3Client({ region, credentials })),
    sqs: (region) => make('sqs', region, () => new SQSClient({ region, credentials })),
    ssm: (region) => make('ssm', region, () => new SSMClient({ region, credentials })),
    iam: () => make('iam', 'us-east-1', () => new IAMClient({ region: 'us-east-1', credentials })),
    route53: () => make('route53', 'us-east-1', () => new Route53Client({ region: 'us-east-1', credentials })),
  };
  return { clients, calls };
}

/** An opened live target on `outputs` and `clients`. */
export async function openTarget(clients: LiveClients, outputs: Record<string, unknown> = OUTPUTS): Promise<LiveTarget> {
  const target = new LiveTarget({ stack: 'dev', outputs, clients });
  await target.open();
  return target;
}
