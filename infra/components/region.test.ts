/**
 * Per-region rules built into the regional component: no function can update or delete a
 * committed payment, /health fits Route 53's 2 s and keeps concurrency of its own, and a retry
 * backlog cannot take the region's concurrency.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PAYMENT_PK_PREFIX } from '../lambda/commons/payment';
import { REPO_ROOT } from '../settings';
import { runProgram } from '../testing/harness';
import { HEALTH_RESPONSE_DEADLINE_SECONDS, RETRY_QUEUE } from '../../contract';
import { HANDLER_SPECS, MUTATING_DYNAMODB_ACTIONS, requiredRegionalConcurrency } from './region';

process.env.PAYMENTS_DR_BUNDLE_CACHE = join(REPO_ROOT, '.bundle-cache');

describe('regional deployment rules', () => {
  it('limits every mutating DynamoDB action to partition keys that exclude committed payments', () => {
    for (const [handler, spec] of Object.entries(HANDLER_SPECS)) {
      if (!spec.dynamodb.some((a) => MUTATING_DYNAMODB_ACTIONS.includes(a))) continue;
      const keys = spec.leadingKeys?.('us-east-1') ?? [];
      assert.ok(keys.length > 0, `${handler} mutates without leadingKeys`);
      for (const k of keys) assert.ok(!k.startsWith(PAYMENT_PK_PREFIX) && k !== '', `${handler}: ${k}`);
    }
    assert.ok(!HANDLER_SPECS.createPayment.dynamodb.some((a) => MUTATING_DYNAMODB_ACTIONS.includes(a)), 'createPayment neither updates nor deletes');
  });

  it('gives /health no more time than Route 53 waits after connecting (2 s), with a fast cold start', () => {
    assert.equal(HEALTH_RESPONSE_DEADLINE_SECONDS, 2);
    assert.ok(HANDLER_SPECS.health.timeout <= HEALTH_RESPONSE_DEADLINE_SECONDS);
    assert.ok(HANDLER_SPECS.health.memorySize >= 1024, 'CPU scales with memory: a shorter cold start');
  });

  it('reserves concurrency for /health and bounds the retry processor, within what an account quota must allow', () => {
    assert.ok((HANDLER_SPECS.health.reservedConcurrency ?? 0) > 0);
    assert.ok(RETRY_QUEUE.maximumConcurrency >= 2 && RETRY_QUEUE.maximumConcurrency <= 1000, 'SQS ScalingConfig accepts 2-1000');
    assert.equal(requiredRegionalConcurrency(), 110);
  });

  it('refuses, while the program runs, a function spec that could update payments unscoped', async () => {
    HANDLER_SPECS.getPayment.dynamodb = [...HANDLER_SPECS.getPayment.dynamodb, 'dynamodb:UpdateItem'];
    await assert.rejects(runProgram({ stack: 'dev', rootStack: false }), /get-payment-dev-us-east-1: dynamodb:UpdateItem must be limited by leadingKeys that exclude committed payments/);
  });
});
