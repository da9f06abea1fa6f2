import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { carriesSuffix, resourceNameEnvironmentSuffix } from '../naming';
import { findings, TestResource, violations } from './harness';

const table = (name?: string, logical = 'payments-table'): TestResource => ({ type: 'aws:dynamodb/table:Table', name: logical, props: name === undefined ? {} : { name } });

describe('resource-name-environment-suffix', () => {
  it('passes a physical name carrying the suffix', async () => assert.deepEqual(await violations(resourceNameEnvironmentSuffix, table('payments-table-dev')), []));
  it('rejects a physical name without the suffix', async () => {
    assert.deepEqual(await violations(resourceNameEnvironmentSuffix, table('payments-table')), ['Resource name must carry the environment suffix "dev" (policy setting environmentSuffix), got "payments-table".']);
  });
  it('rejects the suffix only as part of a word', async () => {
    assert.deepEqual(await violations(resourceNameEnvironmentSuffix, table('payments-devices')), ['Resource name must carry the environment suffix "dev" (policy setting environmentSuffix), got "payments-devices".']);
  });
  it('checks the auto-name (logical name) when no physical name is given', async () => {
    assert.deepEqual(await violations(resourceNameEnvironmentSuffix, table(undefined, 'payments-table')), [
      'Resource name must carry the environment suffix "dev" (policy setting environmentSuffix; auto-named from "payments-table").',
    ]);
  });
  it('without a configured suffix, expects the stack name (the pack reads no files)', async () => {
    assert.deepEqual(await violations(resourceNameEnvironmentSuffix, table('payments-table-staging'), undefined, 'staging'), []);
    assert.deepEqual(await violations(resourceNameEnvironmentSuffix, table('payments-table-dev'), undefined, 'staging'), [
      'Resource name must carry the environment suffix "staging" (policy setting environmentSuffix), got "payments-table-dev".',
    ]);
  });
  it('uses the suffix the gate reads from the stack config (staging -> stg)', async () => {
    assert.deepEqual(await violations(resourceNameEnvironmentSuffix, table('payments-table-stg'), { environmentSuffix: 'stg' }, 'staging'), []);
    assert.deepEqual(await violations(resourceNameEnvironmentSuffix, table('payments-table-dev'), { environmentSuffix: 'stg' }, 'staging'), [
      'Resource name must carry the environment suffix "stg" (policy setting environmentSuffix), got "payments-table-dev".',
    ]);
  });
  it('uses a configured suffix first', async () => {
    assert.deepEqual(await violations(resourceNameEnvironmentSuffix, table('payments-table-dev'), { environmentSuffix: 'prod' }), [
      'Resource name must carry the environment suffix "prod" (policy setting environmentSuffix), got "payments-table-dev".',
    ]);
  });
  it('exempts names AWS dictates (API Gateway execution logs)', async () => {
    const group: TestResource = { type: 'aws:cloudwatch/logGroup:LogGroup', name: 'api-execution-logs', props: { name: 'API-Gateway-Execution-Logs_abc123/v1' } };
    assert.deepEqual(await findings(resourceNameEnvironmentSuffix, group), []);
  });
  it('ignores types without an account-wide name', async () => {
    assert.deepEqual(await findings(resourceNameEnvironmentSuffix, { type: 'aws:apigateway/stage:Stage', name: 'stage', props: { stageName: 'v1' } }), []);
  });
  it('matches DNS names and parameter paths as tokens', () => {
    assert.equal(carriesSuffix('api.payments-dev.example.com', 'dev'), true);
    assert.equal(carriesSuffix('/payments-dr/dev/us-east-1/manual-failover', 'dev'), true);
    assert.equal(carriesSuffix('developer-table', 'dev'), false);
  });
});
