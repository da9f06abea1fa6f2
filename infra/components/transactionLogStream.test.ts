/**
 * The transaction-log pipeline of each region, under the committed stacks: the stream event source
 * mapping (own replica's stream, batch/window/bisect/retries/on-failure as AWS documents them), the
 * on-failure queue, and the consumer's role, exact.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadStackSettings } from '../settings';
import { MOCK_ACCOUNT_ID as A, ofType, one, runProgram, type ProgramRun, type RecordedResource } from '../testing/harness';

const named = (run: ProgramRun, type: string, name: string): RecordedResource => one(run, type, (r) => r.inputs.name === name);

// One program run per process (Pulumi's runtime state is global): the dev stack.
for (const stack of ['dev']) {
  const s = loadStackSettings(stack);
  const S = s.environmentSuffix;
  const regions = [s.primaryRegion, s.drRegion];
  const streamArn = (region: string) => `arn:aws:dynamodb:${region}:${A}:table/payments-table-${S}/stream/2026-01-01T00:00:00.000`;

  describe(`stack ${stack}: transaction log from the payments stream`, () => {
    let run: ProgramRun;
    before(async () => {
      run = await runProgram({ stack });
    });

    for (const region of regions) {
      it(`${region}: maps THIS region's replica stream to its writer, batched and bounded as AWS allows`, () => {
        const mapping = one(run, 'aws:lambda/eventSourceMapping:EventSourceMapping', (r) => r.inputs.functionName === `transaction-log-writer-${S}-${region}`);
        assert.deepEqual(mapping.inputs, {
          region,
          eventSourceArn: streamArn(region),
          functionName: `transaction-log-writer-${S}-${region}`,
          startingPosition: 'TRIM_HORIZON',
          // Maximums for DynamoDB streams: https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-params.html
          batchSize: 10_000,
          maximumBatchingWindowInSeconds: 300,
          functionResponseTypes: ['ReportBatchItemFailures'],
          bisectBatchOnFunctionError: true,
          maximumRetryAttempts: 10_000,
          maximumRecordAgeInSeconds: 86_400,
          destinationConfig: { onFailure: { destinationArn: `arn:aws:sqs:${region}:${A}:payments-log-failures-${S}-${region}` } },
          enabled: true,
        });
        const options = run.options.find((o) => o.name === `payments-${region}-transaction-log-stream-mapping`);
        assert.deepEqual(options?.dependsOn, [`payments-${region}-transaction-log-writer-policy`], 'Lambda checks the role when the mapping is created');
      });

      it(`${region}: keeps discarded-batch records 14 days in an encrypted queue, with a dead-letter queue behind it`, () => {
        const tags = { Project: 'payments-dr', Environment: S, Region: region, DrRole: region === s.primaryRegion ? 'primary' : 'secondary' };
        const dlq = `payments-log-failures-${S}-${region}-dlq`;
        assert.deepEqual(named(run, 'aws:sqs/queue:Queue', `payments-log-failures-${S}-${region}`).inputs, {
          region,
          name: `payments-log-failures-${S}-${region}`,
          visibilityTimeoutSeconds: 180,
          messageRetentionSeconds: 1_209_600,
          sqsManagedSseEnabled: true,
          redrivePolicy: JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:${region}:${A}:${dlq}`, maxReceiveCount: 10 }),
          tags,
        });
        assert.deepEqual(named(run, 'aws:sqs/queue:Queue', dlq).inputs, { region, name: dlq, messageRetentionSeconds: 1_209_600, sqsManagedSseEnabled: true, tags });
      });

      it(`${region}: the writer's role reads only its own replica's stream and writes only its own region's log`, () => {
        const fnName = `transaction-log-writer-${S}-${region}`;
        const policy = JSON.parse(named(run, 'aws:iam/rolePolicy:RolePolicy', `${fnName}-policy`).inputs.policy);
        assert.deepEqual(policy.Statement, [
          { Sid: 'WriteOwnLogGroup', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `arn:aws:logs:${region}:${A}:log-group:/aws/lambda/${fnName}:log-stream:*` },
          // X-Ray has no resource-level permissions: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html
          { Sid: 'XRayWriteNoResourceLevelPermissions', Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
          { Sid: 'ReadOwnReplicaStream', Effect: 'Allow', Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], Resource: streamArn(region) },
          // ListStreams takes no resource type: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
          { Sid: 'ListStreamsNoResourceLevelPermissions', Effect: 'Allow', Action: ['dynamodb:ListStreams'], Resource: '*' },
          { Sid: 'RecordDiscardedBatches', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: `arn:aws:sqs:${region}:${A}:payments-log-failures-${S}-${region}` },
          { Sid: 'WriteOwnRegionTransactionLog', Effect: 'Allow', Action: ['s3:PutObject'], Resource: `arn:aws:s3:::transaction-logs-${S}-${region}-${A}/transactions/${region}/*` },
        ]);
      });

      it(`${region}: no other function may write under this region's log prefix or read the stream`, () => {
        const policies = ofType(run, 'aws:iam/rolePolicy:RolePolicy').filter((p) => p.inputs.name !== `transaction-log-writer-${S}-${region}-policy`);
        for (const p of policies) {
          assert.ok(!p.inputs.policy.includes(streamArn(region)), `${p.inputs.name} reads ${region}'s stream`);
          assert.ok(!p.inputs.policy.includes(`/transactions/${region}/`), `${p.inputs.name} writes ${region}'s log`);
        }
      });
    }
  });
}
