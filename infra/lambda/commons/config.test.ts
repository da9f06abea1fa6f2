import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, readClientEnvironment, readCoreConfig, readManualFailoverConfig, readPaymentRules, readRetryQueueConfig, readTransactionLogConfig } from './config';

describe('config (the one place that reads the environment)', () => {
  it('fails fast naming every missing variable at once', () => {
    assert.throws(
      () => readCoreConfig({}),
      (error: unknown) => error instanceof ConfigError && error.problems.join('|') === 'AWS_REGION is required|TABLE_NAME is required',
    );
    assert.throws(() => readRetryQueueConfig({ RETRY_QUEUE_URL: '  ' }), /RETRY_QUEUE_URL is required/);
  });

  it('reads the payment rules, with the documented defaults', () => {
    const defaults = readPaymentRules({});
    assert.equal(defaults.maxAmountMinor, 100_000_000);
    assert.deepEqual([...defaults.allowedCurrencies], ['USD', 'EUR', 'GBP']);
    assert.equal(defaults.idempotencyTtlSeconds, 86_400);
    const custom = readPaymentRules({ MAX_AMOUNT_MINOR: '5000', ALLOWED_CURRENCIES: ' JPY, CHF ', IDEMPOTENCY_TTL_SECONDS: '60' });
    assert.equal(custom.maxAmountMinor, 5000);
    assert.deepEqual([...custom.allowedCurrencies], ['JPY', 'CHF']);
    assert.equal(custom.idempotencyTtlSeconds, 60);
  });

  it('rejects malformed values instead of guessing', () => {
    assert.throws(() => readPaymentRules({ MAX_AMOUNT_MINOR: '12.5' }), /MAX_AMOUNT_MINOR must be a positive integer/);
    assert.throws(() => readPaymentRules({ MAX_AMOUNT_MINOR: '0' }), /MAX_AMOUNT_MINOR must be a positive integer/);
    assert.throws(() => readPaymentRules({ ALLOWED_CURRENCIES: 'usd' }), /ISO 4217/);
    assert.throws(() => readClientEnvironment({ S3_FORCE_PATH_STYLE: 'yes' }), /S3_FORCE_PATH_STYLE must be true or false/);
    assert.throws(() => readClientEnvironment({ AWS_ENDPOINT_URL_S3: 'localhost:4569' }), /AWS_ENDPOINT_URL_S3 must be an http\(s\) URL/);
  });

  it('normalises the transaction-log prefix and derives the manual failover parameter from PARAMETER_PATH', () => {
    assert.deepEqual(readTransactionLogConfig({ TRANSACTION_LOG_BUCKET: 'b' }), { bucket: 'b', prefix: 'transactions/' });
    assert.deepEqual(readTransactionLogConfig({ TRANSACTION_LOG_BUCKET: 'b', TRANSACTION_LOG_PREFIX: 'tx' }), { bucket: 'b', prefix: 'tx/' });
    assert.equal(readManualFailoverConfig({ MANUAL_FAILOVER_PARAMETER: '/p/m' }).parameterName, '/p/m');
    assert.equal(readManualFailoverConfig({ PARAMETER_PATH: '/payments-dr/dev/us-east-1/' }).parameterName, '/payments-dr/dev/us-east-1/manual-failover');
    assert.throws(() => readManualFailoverConfig({}), /MANUAL_FAILOVER_PARAMETER \(or PARAMETER_PATH\) is required/);
  });

  it('pins local endpoints and path-style S3 only when set (never in AWS)', () => {
    assert.deepEqual(readClientEnvironment({}), { s3ForcePathStyle: false, endpoints: {} });
    const local = readClientEnvironment({ S3_FORCE_PATH_STYLE: 'true', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' });
    assert.deepEqual(local, { s3ForcePathStyle: true, endpoints: { dynamodb: 'http://127.0.0.1:8000', s3: 'http://127.0.0.1:9000' } });
  });
});
