/** The per-handler expectations of the stack's IAM tests: derived from HANDLER_SPECS, field by field. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HANDLER_SPECS, type HandlerSpec } from '../components/region';
import { callsOf, dangerousCalls, type RegionArns } from './iamSuite';

const own: RegionArns = {
  table: 'arn:aws:dynamodb:us-east-1:123456789012:table/payments',
  queue: 'arn:aws:sqs:us-east-1:123456789012:retry',
  bucket: 'arn:aws:s3:::logs',
  logObject: 'arn:aws:s3:::logs/transactions/a.json',
  otherObject: 'arn:aws:s3:::logs/elsewhere/a.json',
  parameter: (n) => `arn:aws:ssm:us-east-1:123456789012:parameter/p/${n}`,
  logStream: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:log-stream:s',
  keys: ['arn:aws:kms:us-east-1:123456789012:key/k'],
};

describe('calls a handler makes, from its HANDLER_SPECS row', () => {
  it('maps each field to the SDK calls it stands for, besides logging and tracing', () => {
    const spec: HandlerSpec = { memorySize: 128, timeout: 3, dynamodb: ['dynamodb:GetItem'], sqsSend: false, sqsConsume: true, s3Put: true, parameters: ['maintenance'] };
    assert.deepEqual(callsOf(spec, own).map((c) => `${c.action} ${c.resource}`), [
      `logs:CreateLogStream ${own.logStream}`,
      `logs:PutLogEvents ${own.logStream}`,
      'xray:PutTraceSegments *',
      'xray:PutTelemetryRecords *',
      `dynamodb:GetItem ${own.table}`,
      `sqs:ReceiveMessage ${own.queue}`,
      `sqs:DeleteMessage ${own.queue}`,
      `sqs:GetQueueAttributes ${own.queue}`,
      `s3:PutObject ${own.logObject}`,
      `ssm:GetParameter ${own.parameter('maintenance')}`,
    ]);
  });

  it('refuses a field it does not know, so a new kind of access cannot go untested', () => {
    const spec = { ...HANDLER_SPECS.getPayment, kinesisPut: true } as unknown as HandlerSpec;
    assert.throws(() => callsOf(spec, own), /HandlerSpec field kinesisPut has no calls declared/);
  });

  it('asks about deleting or updating a committed payment by its key', () => {
    const item = dangerousCalls(own, 'arn:aws:iam::123456789012:role/r').filter((c) => c.action === 'dynamodb:DeleteItem' || c.action === 'dynamodb:UpdateItem');
    assert.equal(item.length, 2);
    for (const c of item) assert.match(c.context?.['dynamodb:LeadingKeys']?.[0] ?? '', /^PAYMENT#/);
  });
});
