/**
 * The instrumentation wrapper carries the whole Powertools checklist, whatever the handler body
 * returns or throws: context into the logger, the cold-start metric, a handler subsegment with the
 * cold-start and service annotations, trace annotations by transaction and merchant, errors as
 * metadata, then keys reset, metrics published and the facade segment restored. Recorded against
 * fakes of the three utilities (outside Lambda the real tracer is disabled and would record nothing).
 */
import type { Context } from 'aws-lambda';
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { lambdaContext } from '../../../localaws/lambdaEvents';
import { instrumented, type Instrumentation } from './instrumentation';

type Call = [string, ...unknown[]];

function fakeTools(tracing = true): { tools: Instrumentation; calls: Call[]; stored: { metrics: boolean } } {
  const calls: Call[] = [];
  const stored = { metrics: true };
  const facade = { name: 'facade', addNewSubsegment: (name: string) => { calls.push(['addNewSubsegment', name]); return { name, close: () => calls.push(['close', name]) }; } };
  const tools: Instrumentation = {
    logger: {
      addContext: (c: Context) => calls.push(['addContext', c.functionName]),
      appendKeys: (k) => calls.push(['appendKeys', k]),
      resetKeys: () => calls.push(['resetKeys']),
    },
    metrics: {
      captureColdStartMetric: (f?: string) => calls.push(['captureColdStartMetric', f]),
      hasStoredMetrics: () => stored.metrics,
      publishStoredMetrics: () => calls.push(['publishStoredMetrics']),
    },
    tracer: {
      isTracingEnabled: () => tracing,
      getSegment: () => facade,
      setSegment: (s: never) => calls.push(['setSegment', (s as { name: string }).name]),
      annotateColdStart: () => calls.push(['annotateColdStart']),
      addServiceNameAnnotation: () => calls.push(['addServiceNameAnnotation']),
      putAnnotation: (k: string, v: string) => calls.push(['putAnnotation', k, v]),
      addErrorAsMetadata: (e: Error) => calls.push(['addErrorAsMetadata', e.message]),
    },
  };
  return { tools, calls, stored };
}

describe('instrumented handler', () => {
  let fake: ReturnType<typeof fakeTools>;
  const context = lambdaContext('create-payment-test');
  beforeEach(() => {
    fake = fakeTools();
  });
  const names = () => fake.calls.map((c) => c[0]);

  it('injects the Lambda context into the logger before the body runs', async () => {
    const handler = instrumented('h', async () => names(), fake.tools);
    const seenByBody = await handler({}, context);
    assert.deepEqual(fake.calls[0], ['addContext', 'create-payment-test']);
    assert.ok(seenByBody.includes('addContext'));
  });

  it('captures the cold-start metric under the function name', async () => {
    await instrumented('h', async () => 1, fake.tools)({}, context);
    assert.deepEqual(fake.calls.find((c) => c[0] === 'captureColdStartMetric'), ['captureColdStartMetric', 'create-payment-test']);
  });

  it('runs the body inside a "## <handler>" subsegment annotated with cold start and service', async () => {
    const handler = instrumented('createPayment', async () => names(), fake.tools);
    const seenByBody = await handler({}, context);
    assert.deepEqual(fake.calls.find((c) => c[0] === 'addNewSubsegment'), ['addNewSubsegment', '## createPayment']);
    assert.deepEqual(seenByBody.slice(-4), ['addNewSubsegment', 'setSegment', 'annotateColdStart', 'addServiceNameAnnotation']);
    assert.deepEqual(fake.calls.filter((c) => c[0] === 'setSegment').map((c) => c[1]), ['## createPayment', 'facade']);
  });

  it('annotates the trace and the log keys with the transaction id and the merchant, skipping absent keys', async () => {
    await instrumented('h', async (_e, _c, scope) => scope.annotate({ transactionId: 't-1', merchantId: 'm-1' }), fake.tools)({}, context);
    await instrumented('h', async (_e, _c, scope) => scope.annotate({ transactionId: 't-2' }), fake.tools)({}, context);
    assert.deepEqual(fake.calls.filter((c) => c[0] === 'putAnnotation'), [['putAnnotation', 'transactionId', 't-1'], ['putAnnotation', 'merchantId', 'm-1'], ['putAnnotation', 'transactionId', 't-2']]);
    assert.deepEqual(fake.calls.filter((c) => c[0] === 'appendKeys'), [['appendKeys', { transactionId: 't-1', merchantId: 'm-1' }], ['appendKeys', { transactionId: 't-2' }]]);
  });

  it('records a thrown error as metadata, closes the subsegment and rethrows', async () => {
    const handler = instrumented('h', async () => { throw new Error('boom'); }, fake.tools);
    await assert.rejects(handler({}, context), /boom/);
    const order = names();
    assert.ok(order.indexOf('addErrorAsMetadata') < order.indexOf('close'), 'error recorded before the subsegment closes');
    assert.deepEqual(fake.calls.find((c) => c[0] === 'addErrorAsMetadata'), ['addErrorAsMetadata', 'boom']);
    assert.deepEqual(order.slice(-4), ['close', 'setSegment', 'resetKeys', 'publishStoredMetrics']);
  });

  it('records an error the body caught and answered', async () => {
    const answer = await instrumented('h', async (_e, _c, scope) => { scope.recordError('not an Error'); return 500; }, fake.tools)({}, context);
    assert.equal(answer, 500);
    assert.deepEqual(fake.calls.find((c) => c[0] === 'addErrorAsMetadata'), ['addErrorAsMetadata', 'not an Error']);
  });

  it('resets the log keys and publishes the stored metrics after a success', async () => {
    await instrumented('h', async () => 1, fake.tools)({}, context);
    assert.deepEqual(names().slice(-4), ['close', 'setSegment', 'resetKeys', 'publishStoredMetrics']);
  });

  it('publishes nothing when the invocation stored no metric', async () => {
    fake.stored.metrics = false;
    await instrumented('h', async () => 1, fake.tools)({}, context);
    assert.ok(!names().includes('publishStoredMetrics'));
  });

  it('adds no segment and no annotation when tracing is disabled, still logging and measuring', async () => {
    fake = fakeTools(false);
    await instrumented('h', async (_e, _c, scope) => { scope.annotate({ transactionId: 't' }); scope.recordError(new Error('x')); }, fake.tools)({}, context);
    assert.deepEqual(names(), ['addContext', 'captureColdStartMetric', 'appendKeys', 'resetKeys', 'publishStoredMetrics']);
  });

  it('runs without a context (a test calling the handler directly): no logger context, metric unnamed', async () => {
    await instrumented('h', async () => 1, fake.tools)({});
    assert.ok(!names().includes('addContext'));
    assert.deepEqual(fake.calls.find((c) => c[0] === 'captureColdStartMetric'), ['captureColdStartMetric', undefined]);
  });
});
