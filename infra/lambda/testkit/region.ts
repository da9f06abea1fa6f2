/**
 * One emulated region for handler tests: a real dynalite table and s3rver bucket (each behind a
 * fault proxy, so a test can inject throttling, 5xx or hangs), and the SQS/SSM double.
 * `apply()` sets the handler environment for it; `close()` stops everything it started.
 */
import { startAwsJsonDouble, type AwsJsonDouble } from './awsJsonDouble';
import { startDynalite, type DynaliteHandle } from './dynalite';
import { applyRegionEnv } from './env';
import { startFaultProxy, type FaultProxy } from './faultProxy';
import { startS3, type S3Handle } from './s3';
import { startS3ConditionalFront, type S3ConditionalFront } from './s3ConditionalFront';

export interface RegionFixture {
  readonly region: string;
  readonly tableName: string;
  readonly bucket: string;
  readonly dynamodb: DynaliteHandle;
  /** Sits between the handlers and dynalite. */
  readonly dynamodbProxy: FaultProxy;
  readonly s3: S3Handle;
  /** Sits between the handlers and s3rver (in front of the conditional-write emulation). */
  readonly s3Proxy: FaultProxy;
  /** S3 conditional create (`If-None-Match: *`) emulation in front of s3rver. */
  readonly s3Conditional: S3ConditionalFront;
  /** The other region of a pair (see `startRegionPair`): peer replica, queue and bucket of this region's handlers. */
  peer?: RegionFixture;
  readonly aws: AwsJsonDouble;
  readonly retryQueueUrl: string;
  readonly maintenanceParameter: string;
  apply(overrides?: Record<string, string>): void;
  /** Clears injected faults and recorded messages. */
  reset(): void;
  close(): Promise<void>;
}

export async function startRegion(region: string, opts: { tableName?: string; bucket?: string } = {}): Promise<RegionFixture> {
  const tableName = opts.tableName ?? 'payments-test';
  const bucket = opts.bucket ?? `txlog-${region}`;
  const dynamodb = await startDynalite();
  await dynamodb.createTable(tableName);
  const [dynamodbProxy, s3, aws] = await Promise.all([startFaultProxy(dynamodb.endpoint), startS3([bucket]), startAwsJsonDouble()]);
  const s3Conditional = await startS3ConditionalFront(s3.endpoint);
  const s3Proxy = await startFaultProxy(s3Conditional.endpoint);
  const retryQueueUrl = `${aws.endpoint}/000000000000/payments-retry-${region}`;
  const maintenanceParameter = `/payments-dr/test/${region}/manual-failover`;
  aws.parameters.set(maintenanceParameter, 'false');
  const fixture: RegionFixture = {
    region,
    tableName,
    bucket,
    dynamodb,
    dynamodbProxy,
    s3,
    s3Proxy,
    s3Conditional,
    aws,
    retryQueueUrl,
    maintenanceParameter,
    apply(overrides = {}) {
      applyRegionEnv({
        region,
        tableName,
        dynamodbEndpoint: dynamodbProxy.endpoint,
        sqsEndpoint: aws.endpoint,
        ssmEndpoint: aws.endpoint,
        s3Endpoint: s3Proxy.endpoint,
        bucket,
        retryQueueUrl,
        maintenanceParameter,
        ...(fixture.peer === undefined
          ? {}
          : {
              peer: {
                region: fixture.peer.region,
                dynamodbEndpoint: fixture.peer.dynamodbProxy.endpoint,
                sqsEndpoint: fixture.peer.aws.endpoint,
                s3Endpoint: fixture.peer.s3Proxy.endpoint,
                bucket: fixture.peer.bucket,
                retryQueueUrl: fixture.peer.retryQueueUrl,
              },
            }),
      });
      Object.assign(process.env, overrides);
    },
    reset() {
      dynamodbProxy.fault = { kind: 'none' };
      dynamodbProxy.match = () => true;
      dynamodbProxy.returnOldItemOnConditionFailure = true;
      s3Proxy.fault = { kind: 'none' };
      s3Proxy.match = () => true;
      aws.failSendMessage = undefined;
      aws.ssmDelayMs = 0;
      aws.messages.length = 0;
    },
    async close() {
      await Promise.all([dynamodbProxy.close(), s3Proxy.close()]);
      await s3Conditional.close();
      await Promise.all([dynamodb.close(), s3.close(), aws.close()]);
    },
  };
  return fixture;
}

/** Two regions, each the other's peer (as the stack wires us-east-1 and us-east-2). */
export async function startRegionPair(primary = 'us-east-1', secondary = 'us-east-2'): Promise<[RegionFixture, RegionFixture]> {
  const [a, b] = await Promise.all([startRegion(primary), startRegion(secondary)]);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
