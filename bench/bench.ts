/**
 * `npm run bench` (= `tsx bench/bench.ts`): the payment service's performance figures.
 *
 * 1. Bundle size of each handler, exactly as deployed (`bundleHandlerSync`).
 * 2. Cold module initialisation: a fresh Node process `require`s the bundle (config read, SDK
 *    clients and Powertools constructed); median of several runs.
 * 3. Create-payment throughput and p50/p99 latency at a fixed concurrency against dynalite, beside a
 *    bare PutItem loop (same engine, same item size, same concurrency, same run). A payment costs
 *    three DynamoDB writes (Powertools' in-progress record, the conditional payment write, the
 *    completed record) plus the transaction-log PUT, so the aim is >= 1/3 of bare PutItem.
 *
 * Options: --concurrency <n> (16), --seconds <n> (8 per phase), --init-runs <n> (7).
 * Not a test: it measures and prints; it asserts nothing. Everything runs on 127.0.0.1.
 */
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import { bundleHandlerSync, HANDLER_NAMES, type HandlerName } from '../infra/lambda/build';
import { paymentsTableInput } from '../infra/lambda/commons/tableSchema';
import { apiEvent, lambdaContext } from '../infra/lambda/testkit/lambda';

type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const AIMS = { bundleBytes: 600 * 1024, initMs: 150, throughputRatio: 1 / 3 };

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const CONCURRENCY = option('concurrency', 16);
const SECONDS = option('seconds', 8);
const INIT_RUNS = option('init-runs', 7);
const TABLE = 'payments-bench';
const REGION = 'us-east-1';

const median = (xs: number[]) => percentile(xs, 50);
function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const mark = (ok: boolean) => (ok ? 'meets aim' : 'MISSES aim');

/** The environment the stack sets on the functions (local endpoints for this run). */
function handlerEnv(endpoints: { dynamodb: string; s3: string }): Record<string, string> {
  return {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    TABLE_NAME: TABLE,
    RETRY_QUEUE_URL: 'http://127.0.0.1:9/000000000000/payments-retry',
    TRANSACTION_LOG_BUCKET: 'payments-txlog-bench',
    TRANSACTION_LOG_PREFIX: 'transactions/',
    MAINTENANCE_PARAMETER: '/payments-dr/bench/us-east-1/maintenance',
    PARAMETER_PATH: '/payments-dr/bench/us-east-1/',
    MAX_AMOUNT_MINOR: '100000000',
    ALLOWED_CURRENCIES: 'USD,EUR,GBP',
    IDEMPOTENCY_TTL_SECONDS: '86400',
    POWERTOOLS_SERVICE_NAME: 'payments',
    POWERTOOLS_METRICS_NAMESPACE: 'PaymentsDR',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    S3_FORCE_PATH_STYLE: 'true',
  };
}

/**
 * Fresh Node processes each `require` the bundle (nothing else loaded first): wall time, and the
 * CPU time it took (user + system), which other load on the machine disturbs far less.
 */
function measureInit(file: string, env: Record<string, string>): { wall: number[]; cpu: number[] } {
  const script = [
    'const c=process.cpuUsage();const t=process.hrtime.bigint();',
    `const m=require(${JSON.stringify(file)});`,
    'const ms=Number(process.hrtime.bigint()-t)/1e6;const u=process.cpuUsage(c);',
    "if(typeof m.handler!=='function')process.exit(2);",
    'process.stdout.write(JSON.stringify([ms,(u.user+u.system)/1e3]));',
  ].join('');
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < INIT_RUNS; i++) {
    const run = spawnSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`init of ${file} failed: ${run.stderr}`);
    const [w, c] = JSON.parse(run.stdout) as [number, number];
    wall.push(w);
    cpu.push(c);
  }
  return { wall, cpu };
}

interface LoadResult {
  ops: number;
  seconds: number;
  throughput: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Runs `op` from CONCURRENCY workers for `seconds` (after a short warm-up); latencies in ms. */
async function load(op: (i: number) => Promise<boolean>, seconds: number): Promise<LoadResult> {
  let counter = 0;
  const warmupEnd = Date.now() + 1_000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < warmupEnd) await op(counter++);
  }));
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const end = started + seconds * 1_000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      const ok = await op(counter++);
      latencies.push(performance.now() - t);
      if (!ok) errors++;
    }
  }));
  const elapsed = (performance.now() - started) / 1_000;
  return { ops: latencies.length, seconds: elapsed, throughput: latencies.length / elapsed, p50: median(latencies), p99: percentile(latencies, 99), errors };
}

async function startEngines(): Promise<{ endpoints: { dynamodb: string; s3: string }; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'engines.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`engines exited with ${code}`)));
  });
  return { endpoints: JSON.parse(line) as { dynamodb: string; s3: string }, stop: () => child.stdin!.end() };
}

async function main(): Promise<void> {
  const command = `npm run bench -- --concurrency ${CONCURRENCY} --seconds ${SECONDS} --init-runs ${INIT_RUNS}`;
  console.log('# payments-dr bench');
  console.log(`reproduce: ${command}`);
  console.log(`machine:   ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  // 1. Bundle sizes
  console.log('\n## Bundles (esbuild, minified, cjs, node22; AWS SDK v3 bundled)');
  const dir = mkdtempSync(join(tmpdir(), 'payments-bench-'));
  const files = new Map<HandlerName, string>();
  let bundlesOk = true;
  for (const name of HANDLER_NAMES) {
    const { code, bytes } = bundleHandlerSync(name);
    mkdirSync(join(dir, name));
    const file = join(dir, name, 'index.js');
    writeFileSync(file, code);
    files.set(name, file);
    bundlesOk &&= bytes < AIMS.bundleBytes;
    console.log(`${name.padEnd(15)} ${String(bytes).padStart(8)} B  ${kib(bytes).padStart(10)}  (gzip ${kib(gzipSync(code).byteLength)})  ${mark(bytes < AIMS.bundleBytes)} < ${kib(AIMS.bundleBytes)}`);
  }

  const engines = await startEngines();
  try {
    const env = handlerEnv(engines.endpoints);

    // 2. Cold initialisation
    console.log(`\n## Cold module initialisation (fresh process, require(bundle), median of ${INIT_RUNS})`);
    let initOk = true;
    for (const [name, file] of files) {
      const { wall, cpu } = measureInit(file, env);
      const m = median(wall);
      initOk &&= m < AIMS.initMs;
      console.log(
        `${name.padEnd(15)} median ${m.toFixed(1).padStart(6)} ms wall (min ${Math.min(...wall).toFixed(1)}, max ${Math.max(...wall).toFixed(1)}), ${median(cpu).toFixed(1)} ms CPU  ${mark(m < AIMS.initMs)} < ${AIMS.initMs} ms`,
      );
    }

    // 3. Throughput
    Object.assign(process.env, env);
    const client = new DynamoDBClient({ region: REGION, endpoint: engines.endpoints.dynamodb, maxAttempts: 1 });
    await client.send(new CreateTableCommand(paymentsTableInput(TABLE)));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require(files.get('createPayment')!) as { handler: ApiHandler };
    const context = lambdaContext('payments-bench-createPayment', 30_000);
    const runId = randomUUID().slice(0, 8);

    console.log(`\n## Throughput at concurrency ${CONCURRENCY}, ${SECONDS} s per phase, dynalite in its own process`);
    const bare = await load(async (i) => {
      const id = `${runId}-bare-${i}`;
      try {
        await client.send(
          new PutItemCommand({
            TableName: TABLE,
            Item: {
              pk: { S: `PAYMENT#${id}` },
              transactionId: { S: id },
              merchantId: { S: 'merchant-bench' },
              amount: { N: '12345' },
              currency: { S: 'EUR' },
              reference: { S: 'order-bench' },
              status: { S: 'COMMITTED' },
              createdAt: { S: new Date().toISOString() },
              updatedAt: { S: new Date().toISOString() },
              region: { S: REGION },
              requestHash: { S: 'f'.repeat(64) },
              idempotencyKey: { S: id },
            },
          }),
        );
        return true;
      } catch {
        return false;
      }
    }, SECONDS);
    console.log(`bare PutItem      ${bare.throughput.toFixed(0).padStart(6)} ops/s  p50 ${bare.p50.toFixed(1)} ms  p99 ${bare.p99.toFixed(1)} ms  (${bare.ops} ops, ${bare.errors} errors)`);

    const payments = await load(async (i) => {
      const event = apiEvent({
        method: 'POST',
        path: '/payments',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': `${runId}-pay-${i}` },
        body: JSON.stringify({ amount: 12_345, currency: 'EUR', merchantId: 'merchant-bench', reference: 'order-bench' }),
      });
      const result = await handler(event, context);
      return result.statusCode === 201;
    }, SECONDS);
    const ratio = payments.throughput / bare.throughput;
    console.log(`createPayment     ${payments.throughput.toFixed(0).padStart(6)} req/s  p50 ${payments.p50.toFixed(1)} ms  p99 ${payments.p99.toFixed(1)} ms  (${payments.ops} requests, ${payments.errors} not 201)`);
    console.log(`ratio createPayment / bare PutItem = ${ratio.toFixed(3)}  ${mark(ratio >= AIMS.throughputRatio)} >= ${AIMS.throughputRatio.toFixed(3)}`);
    client.destroy();

    console.log(`\nsummary: bundles ${mark(bundlesOk)}, init ${mark(initOk)}, throughput ${mark(ratio >= AIMS.throughputRatio)}`);
  } finally {
    engines.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  // The bundle's SDK clients keep sockets alive; the bench is done.
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
