/**
 * The deployable bundles: each handler bundles into one self-contained CommonJS file that loads
 * outside the repository (no node_modules next to it) and exports `handler`; the API bundles are
 * then invoked against dynalite, proving the bundled SDK, the Lambda credential provider and the
 * handler wiring work as deployed.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HANDLERS, type HandlerName } from '../../contract/handlers';
import { buildHandlerBundle, bundleHandlerSync } from './build';
import { saveEnv } from '../../localaws/handlerEnv';
import { apiEvent, lambdaContext, postPayment, sqsEvent } from '../../localaws/lambdaEvents';
import { startRegion, type RegionFixture } from '../../localaws/regionFixture';

const NODE_BUILTINS = new Set(builtinModules);

type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

describe('bundleHandlerSync', () => {
  let restoreEnv: () => void;
  let region: RegionFixture;
  let dir: string;
  const bundles = new Map<HandlerName, { code: string; bytes: number; file: string }>();

  before(async () => {
    // Prepare: bundle every handler into its own directory outside the repository.
    restoreEnv = saveEnv();
    dir = mkdtempSync(join(tmpdir(), 'payments-bundles-'));
    for (const name of HANDLERS) {
      const bundle = bundleHandlerSync(name);
      mkdirSync(join(dir, name));
      const file = join(dir, name, 'index.js');
      writeFileSync(file, bundle.code);
      bundles.set(name, { ...bundle, file });
    }
    region = await startRegion('us-east-1');
    region.apply();
  });

  after(async () => {
    await region.close();
    rmSync(dir, { recursive: true, force: true });
    restoreEnv();
  });

  it('bundles all six handlers as minified CommonJS under 600 KiB each', () => {
    assert.deepEqual([...bundles.keys()], ['createPayment', 'getPayment', 'health', 'retryProcessor', 'transactionLogWriter', 'authorizer']);
    for (const [name, bundle] of bundles) {
      assert.equal(bundle.bytes, Buffer.byteLength(bundle.code), name);
      assert.ok(bundle.bytes < 600 * 1024, `${name} is ${bundle.bytes} bytes`);
      assert.ok(bundle.code.split('\n').length < 200, `${name} is minified`);
      assert.match(bundle.code, /module\.exports/, `${name} is CommonJS`);
    }
  });

  it('bundles the AWS SDK in, and the Lambda credential provider instead of the full chain', () => {
    for (const [name, { code }] of bundles) {
      const external = new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!).filter((m) => !m.startsWith('node:') && !NODE_BUILTINS.has(m)));
      // The only package left outside is the optional CRT signer for SigV4a, which S3's signer loads in a try/catch.
      external.delete('@aws-sdk/signature-v4-crt');
      assert.deepEqual([...external], [], `${name} requires nothing outside Node`);
      assert.ok(!/sso-oidc|fromIni|fromProcess/.test(code), `${name} carries no unused credential providers`);
    }
  });

  it('serves from its cache exactly what esbuild builds now', () => {
    const fresh = buildHandlerBundle('getPayment');
    assert.equal(fresh.bytes, bundles.get('getPayment')!.bytes);
    assert.ok(fresh.code === bundles.get('getPayment')!.code, 'identical code');
  });

  it('rejects an unknown handler name', () => {
    assert.throws(() => bundleHandlerSync('deletePayment' as HandlerName), /unknown handler "deletePayment"/);
  });

  it('each bundle loads with no node_modules around it and exports a handler function', () => {
    for (const [name, bundle] of bundles) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const loaded = require(bundle.file) as { handler?: unknown };
      assert.equal(typeof loaded.handler, 'function', name);
    }
  });

  it('the bundled API handlers serve a payment end to end against dynalite', async () => {
    // Prepare
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = (name: HandlerName) => (require(bundles.get(name)!.file) as { handler: ApiHandler }).handler;
    // Act
    const created = await load('createPayment')(postPayment({ amount: 99, currency: 'USD', merchantId: 'm-bundle' }, 'bundle-key'), lambdaContext());
    const { transactionId } = JSON.parse(created.body) as { transactionId: string };
    const fetched = await load('getPayment')(apiEvent({ method: 'GET', path: `/payments/${transactionId}`, pathParameters: { id: transactionId }, merchantId: 'm-bundle' }), lambdaContext());
    const health = await load('health')(apiEvent({ method: 'GET', path: '/health' }), lambdaContext());
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const retry = (require(bundles.get('retryProcessor')!.file) as { handler: (e: SQSEvent, c: Context) => Promise<SQSBatchResponse> }).handler;
    const processed = await retry(sqsEvent(['not json']), lambdaContext());
    // Assess
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(fetched.statusCode, 200);
    assert.equal(fetched.body, created.body);
    assert.equal(health.statusCode, 200, health.body);
    assert.equal(processed.batchItemFailures.length, 1);
    assert.deepEqual(await region.s3.list(region.bucket), [], 'no S3 object on the success path');
  });
});
