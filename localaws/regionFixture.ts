/**
 * One emulated region for handler tests, from the same local-AWS kit the sandbox runs: a real
 * dynalite table behind the DynamoDB front, a real s3rver bucket behind the S3 front (each with its
 * fault switch: throttling, 5xx, hangs, lost responses), and the SQS and SSM emulators (the retry
 * queue, the manual failover flag). `apply()` sets the handler environment for it; `close()` stops
 * everything it started.
 */
import { paymentsTableInput } from '../contract/paymentsTable';
import { DynamoFrontend } from './dynamoFrontend';
import { startDynalite, startS3, type DynaliteHandle, type S3Handle } from './engines';
import type { FaultSwitch } from './faults';
import { applyRegionEnv } from './handlerEnv';
import { startS3Front, type S3Front } from './s3Front';
import { SqsEmulator, type Queue } from './sqsEmulator';
import { SsmEmulator } from './ssmEmulator';

/** A message a queue of the region holds. */
export interface QueuedMessage {
  readonly queueUrl: string;
  readonly body: string;
}

export interface RegionFixture {
  readonly region: string;
  readonly tableName: string;
  readonly bucket: string;
  /** The engine itself (reads and writes that bypass the front and its faults). */
  readonly dynamodb: DynaliteHandle;
  /** Sits between the handlers and dynalite. */
  readonly dynamodbFront: DynamoFrontend;
  /** The DynamoDB front's fault switch and request count. */
  readonly dynamodbFaults: FaultSwitch;
  readonly s3: S3Handle;
  /** Sits between the handlers and s3rver: conditional create and faults. */
  readonly s3Front: S3Front;
  /** The S3 front's fault switch and request count. */
  readonly s3Faults: FaultSwitch;
  /** The other region of a pair (see `startRegionPair`): peer replica, queue and bucket of this region's handlers. */
  peer?: RegionFixture;
  readonly sqs: SqsEmulator;
  readonly ssm: SsmEmulator;
  readonly retryQueueUrl: string;
  readonly manualFailoverParameter: string;
  /** Messages the region's queues hold, in the order they were sent. */
  queued(): QueuedMessage[];
  apply(overrides?: Record<string, string>): void;
  /** Clears injected faults and queued messages. */
  reset(): void;
  close(): Promise<void>;
}

/** Visibility timeout of the test retry queue (nothing receives from it in handler tests). */
const VISIBILITY_TIMEOUT_SECONDS = 30;

export async function startRegion(region: string, opts: { tableName?: string; bucket?: string } = {}): Promise<RegionFixture> {
  const tableName = opts.tableName ?? 'payments-test';
  const bucket = opts.bucket ?? `txlog-${region}`;
  const sqs = new SqsEmulator(region, 1);
  const ssm = new SsmEmulator(region);
  const [dynamodb, s3] = await Promise.all([startDynalite(region), startS3([bucket], region), sqs.start(), ssm.start()]);
  await dynamodb.createTable(tableName);
  const keyAttributes = (paymentsTableInput(tableName).KeySchema ?? []).map((k) => k.AttributeName ?? '');
  const dynamodbFront = new DynamoFrontend({ region, engineUrl: dynamodb.endpoint, tableName, keyAttributes });
  const [, s3Front] = await Promise.all([dynamodbFront.start(), startS3Front(s3.endpoint)]);
  const queues: Queue[] = [sqs.createQueue(`payments-retry-${region}`, { visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS })];
  const retryQueueUrl = queues[0].url;
  const manualFailoverParameter = `/payments-dr/test/${region}/manual-failover`;
  ssm.put(manualFailoverParameter, 'false');
  const fixture: RegionFixture = {
    region,
    tableName,
    bucket,
    dynamodb,
    dynamodbFront,
    dynamodbFaults: dynamodbFront.faults,
    s3,
    s3Front,
    s3Faults: s3Front.faults,
    sqs,
    ssm,
    retryQueueUrl,
    manualFailoverParameter,
    queued() {
      return queues
        .flatMap((q) => q.messages.map((m) => ({ queueUrl: q.url, body: m.body, sentTimestamp: m.sentTimestamp })))
        .sort((a, b) => a.sentTimestamp - b.sentTimestamp)
        .map(({ queueUrl, body }) => ({ queueUrl, body }));
    },
    apply(overrides = {}) {
      applyRegionEnv({
        region,
        tableName,
        dynamodbEndpoint: dynamodbFront.endpoint,
        sqsEndpoint: sqs.endpoint,
        ssmEndpoint: ssm.endpoint,
        s3Endpoint: s3Front.endpoint,
        bucket,
        retryQueueUrl,
        manualFailoverParameter,
        ...(fixture.peer === undefined
          ? {}
          : {
              peer: {
                region: fixture.peer.region,
                dynamodbEndpoint: fixture.peer.dynamodbFront.endpoint,
                sqsEndpoint: fixture.peer.sqs.endpoint,
                s3Endpoint: fixture.peer.s3Front.endpoint,
                bucket: fixture.peer.bucket,
                retryQueueUrl: fixture.peer.retryQueueUrl,
              },
            }),
      });
      Object.assign(process.env, overrides);
    },
    reset() {
      dynamodbFront.faults.reset();
      dynamodbFront.returnOldItemOnConditionFailure = true;
      s3Front.faults.reset();
      sqs.faults.reset();
      ssm.faults.reset();
      for (const q of queues) q.messages.length = 0;
    },
    async close() {
      await Promise.all([dynamodbFront.stop(), s3Front.close(), sqs.stop(), ssm.stop()]);
      await Promise.all([dynamodb.close(), s3.close()]);
    },
  };
  return fixture;
}

/** Two regions, each the other's peer (as the stack wires the primary region and the DR region). */
export async function startRegionPair(primaryRegion = 'us-east-1', drRegion = 'us-east-2'): Promise<[RegionFixture, RegionFixture]> {
  const [a, b] = await Promise.all([startRegion(primaryRegion), startRegion(drRegion)]);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
