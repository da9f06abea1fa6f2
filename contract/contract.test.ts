/**
 * The service contract is what every part of the product imports, so it must stay bundleable into
 * the functions and agree with the code that consumes it: the handlers' files, the handlers'
 * environment readers and the queue sizing rule.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildSync } from 'esbuild';
import {
  readClientEnvironment,
  readCoreConfig,
  readCredentialsConfig,
  readManualFailoverConfig,
  readPaymentRules,
  readPeerConfig,
  readRetryQueueConfig,
  readTransactionLogConfig,
} from '../infra/lambda/commons/config';
import {
  functionEnvironment,
  HANDLER_SIZING,
  HANDLERS,
  manualFailoverParameterName,
  PAYMENT_RULE_DEFAULTS,
  RETRY_QUEUE,
  VISIBILITY_TIMEOUT_FACTOR,
  visibilityTimeoutFor,
} from '.';

const REPO_ROOT = join(__dirname, '..');

describe('service contract: a pure module', () => {
  it('bundles with esbuild without a single package: no @pulumi, no AWS SDK at run time', () => {
    const result = buildSync({ entryPoints: [join(__dirname, 'index.ts')], bundle: true, platform: 'node', format: 'cjs', write: false, metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile?.inputs ?? {});
    assert.ok(inputs.length >= 7, `bundled ${inputs.join(', ')}`);
    assert.deepEqual(inputs.filter((i) => !i.startsWith('contract/')), [], 'only contract/ files are bundled');
    assert.doesNotMatch(result.outputFiles[0].text, /require\(/, 'the bundle requires nothing');
  });
});

describe('service contract: handlers', () => {
  it('lists exactly the handler files of infra/lambda/handlers', () => {
    const files = readdirSync(join(REPO_ROOT, 'infra', 'lambda', 'handlers'))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => f.slice(0, -3));
    assert.deepEqual([...files].sort(), [...HANDLERS].sort());
  });

  it('sizes every handler within what Lambda accepts (128-10240 MB, 1-900 s)', () => {
    for (const name of HANDLERS) {
      const { memorySize, timeout } = HANDLER_SIZING[name];
      assert.ok(memorySize >= 128 && memorySize <= 10_240, `${name} memory ${memorySize}`);
      assert.ok(Number.isInteger(timeout) && timeout >= 1 && timeout <= 900, `${name} timeout ${timeout}`);
    }
  });
});

describe('service contract: retry queue', () => {
  it("derives the visibility timeout from the retry processor's timeout (6x)", () => {
    assert.equal(VISIBILITY_TIMEOUT_FACTOR, 6);
    assert.equal(RETRY_QUEUE.consumerTimeoutSeconds, HANDLER_SIZING.retryProcessor.timeout);
    assert.equal(RETRY_QUEUE.visibilityTimeoutSeconds, 6 * HANDLER_SIZING.retryProcessor.timeout);
  });

  it('refuses a consumer timeout Lambda would not accept', () => {
    assert.throws(() => visibilityTimeoutFor(0), RangeError);
    assert.throws(() => visibilityTimeoutFor(901), /1-900 s/);
    assert.throws(() => visibilityTimeoutFor(1.5), RangeError);
  });
});

describe('service contract: function environment', () => {
  const env = {
    AWS_REGION: 'us-east-1',
    ...functionEnvironment(
      {
        tableName: 'payments-table-dev',
        retryQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/payments-retry-dev-us-east-1',
        bucket: 'transaction-logs-dev-us-east-1-123456789012',
        peerRegion: 'us-east-2',
        peerRetryQueueUrl: 'https://sqs.us-east-2.amazonaws.com/123456789012/payments-retry-dev-us-east-2',
        peerBucket: 'transaction-logs-dev-us-east-2-123456789012',
        credentialsTableName: 'merchant-credentials-dev',
        parameterPath: '/payments-dr/dev/us-east-1/',
      },
      { maxAmountMinor: 5000, allowedCurrencies: ['EUR', 'CHF'] },
    ),
  };

  it("satisfies every reader the handlers run at cold start (no ConfigError)", () => {
    for (const read of [readCoreConfig, readPaymentRules, readRetryQueueConfig, readTransactionLogConfig, readManualFailoverConfig, readPeerConfig, readCredentialsConfig, readClientEnvironment]) {
      assert.doesNotThrow(() => read(env), read.name);
    }
  });

  it('carries the settings the stack chose, not the defaults', () => {
    const rules = readPaymentRules(env);
    assert.equal(rules.maxAmountMinor, 5000);
    assert.deepEqual([...rules.allowedCurrencies], ['EUR', 'CHF']);
    assert.notEqual(rules.maxAmountMinor, PAYMENT_RULE_DEFAULTS.maxAmountMinor);
  });

  it("names the region's manual failover flag under its parameter path", () => {
    assert.equal(readManualFailoverConfig(env).parameterName, '/payments-dr/dev/us-east-1/manual-failover');
    assert.equal(manualFailoverParameterName('/p/x'), '/p/x/manual-failover');
  });

  it('points the peer settings at the other region', () => {
    const peer = readPeerConfig(env);
    assert.equal(peer.peerRegion, 'us-east-2');
    assert.equal(peer.pendingBucket, 'transaction-logs-dev-us-east-1-123456789012');
    assert.equal(peer.peerPendingBucket, 'transaction-logs-dev-us-east-2-123456789012');
  });
});
