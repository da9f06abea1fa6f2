import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketName, failoverHostname, kebab, parameterPath, regionalHostname, resourceName } from './naming';

describe('naming', () => {
  it('suffixes global names and adds the region to regional ones', () => {
    assert.equal(resourceName('payments-table', 'dev'), 'payments-table-dev');
    assert.equal(resourceName('payments-retry', 'stg', 'us-east-2'), 'payments-retry-stg-us-east-2');
  });
  it('makes bucket names globally unique with the account id, within 63 characters', () => {
    assert.equal(bucketName('transaction-logs', 'dev', 'us-east-1', '123456789012'), 'transaction-logs-dev-us-east-1-123456789012');
    assert.equal(bucketName('transaction-logs', 'a'.repeat(16), 'ap-northeast-1', '123456789012').length, 61);
    assert.throws(() => bucketName('transaction-logs-long', 'a'.repeat(16), 'ap-northeast-1', '123456789012'), /at most 63 characters/);
  });
  it('builds the parameter path, hostnames and kebab-case keys', () => {
    assert.equal(parameterPath('payments-dr', 'dev', 'us-east-1'), '/payments-dr/dev/us-east-1/');
    assert.equal(failoverHostname('payments-dev.example.com'), 'api.payments-dev.example.com');
    assert.equal(regionalHostname('payments-dev.example.com', 'us-east-2'), 'us-east-2.api.payments-dev.example.com');
    assert.equal(kebab('retryProcessor'), 'retry-processor');
  });
});
