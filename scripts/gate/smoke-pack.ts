/**
 * Smoke test of the pack as the Pulumi CLI runs it (no CLI needed):
 *   npx tsx scripts/gate/smoke-pack.ts
 *
 * The CLI's Node.js language host starts a policy pack by running
 * `node <@pulumi/pulumi>/cmd/run-policy-pack <engine> .` with the pack directory as working directory
 * (ts-node compiles `index.ts`, the `main` of policy-pack/package.json), reads the port the analyzer
 * prints, and speaks the Analyzer gRPC protocol. This script does exactly that, then calls
 * GetAnalyzerInfo, Configure (a waiver through the pack's config), Analyze and AnalyzeStack, and checks
 * the answers (`policy-pack/test/cli-pack.cases.ts` runs it in the test suite; a few seconds).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Empty } from 'google-protobuf/google/protobuf/empty_pb';
import { Struct } from 'google-protobuf/google/protobuf/struct_pb';
import { AnalyzerClient } from '@pulumi/pulumi/proto/analyzer_grpc_pb';
import {
  AnalyzeRequest,
  AnalyzerInfo,
  AnalyzerResource,
  AnalyzerResourceOptions,
  AnalyzeResponse,
  AnalyzeStackRequest,
  ConfigureAnalyzerRequest,
  PolicyConfig,
} from '@pulumi/pulumi/proto/analyzer_pb';
import { REPO_ROOT } from '../../policy-pack/offline/capture';

const PACK_DIR = join(REPO_ROOT, 'policy-pack');

function startPack(): Promise<{ port: string; stop: () => void }> {
  const runner = require.resolve('@pulumi/pulumi/cmd/run-policy-pack', { paths: [PACK_DIR] });
  const child = spawn(process.execPath, [runner, '127.0.0.1:1', '.'], { cwd: PACK_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve({ port: d.toString().trim(), stop: () => child.kill() }));
    child.on('exit', (code) => reject(new Error(`policy pack exited with ${code}:\n${err}`)));
  });
}

type Callback<Res> = (error: grpc.ServiceError | null, response: Res) => void;
const call = <Res>(invoke: (callback: Callback<Res>) => unknown): Promise<Res> =>
  new Promise((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response))));

function options(): AnalyzerResourceOptions {
  return new AnalyzerResourceOptions().setProtect(false);
}

function analyzeRequest(type: string, name: string, props: Record<string, unknown>): AnalyzeRequest {
  return new AnalyzeRequest()
    .setType(type)
    .setName(name)
    .setUrn(`urn:pulumi:dev::payments-dr::${type}::${name}`)
    .setProperties(Struct.fromJavaScript(props as Parameters<typeof Struct.fromJavaScript>[0]))
    .setOptions(options());
}

function messages(response: AnalyzeResponse): string[] {
  return response.getDiagnosticsList().map((d) => `${d.getPolicyname()} [${d.getEnforcementlevel()}] ${d.getUrn()}: ${d.getMessage().replace(/\n/g, ' | ')}`);
}

export interface SmokeCheck {
  ok: boolean;
  what: string;
}

/** Starts the pack as the CLI does and runs the protocol checks; resolves with every check's outcome. */
export async function smokePack(log: (line: string) => void = () => undefined): Promise<SmokeCheck[]> {
  const checks: SmokeCheck[] = [];
  const check = (ok: boolean, what: string): void => {
    checks.push({ ok, what });
    log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  };
  const started = Date.now();
  const pack = await startPack();
  log(`policy pack serving on 127.0.0.1:${pack.port} after ${Date.now() - started} ms`);
  const client = new AnalyzerClient(`127.0.0.1:${pack.port}`, grpc.credentials.createInsecure());
  const analyze = (request: AnalyzeRequest) => call<AnalyzeResponse>((cb) => client.analyze(request, cb));
  try {
    const info = await call<AnalyzerInfo>((cb) => client.getAnalyzerInfo(new Empty(), cb));
    const policies = info.getPoliciesList();
    check(info.getName() === 'payments-dr-policies', `GetAnalyzerInfo: pack ${info.getName()}@${info.getVersion()} with ${policies.length} policies`);
    const tls = policies.find((p) => p.getName() === 's3-bucket-tls-only');
    check(tls?.getFramework()?.getReference() === '4.2.1', 'policy metadata carries the PCI DSS requirement (s3-bucket-tls-only -> 4.2.1)');
    check(info.getInitialconfigMap().has('sqs-queue-encrypted'), 'initial config carries each policy\'s waivers');

    const waiver = { policy: 'sqs-queue-encrypted', resource: 'legacy-queue-dev', justification: 'Queue drained and deleted in change CHG-1042', owner: 'payments-platform', expires: '2099-12-31' };
    const configure = new ConfigureAnalyzerRequest();
    configure.getPolicyconfigMap().set('sqs-queue-encrypted', new PolicyConfig().setEnforcementlevel(1).setProperties(Struct.fromJavaScript({ waivers: [waiver] })));
    await call<Empty>((cb) => client.configure(configure, cb));

    const waived = await analyze(analyzeRequest('aws:sqs/queue:Queue', 'legacy-queue-dev', { name: 'legacy-queue-dev' }));
    check(messages(waived).length === 0, 'Analyze: a waived violation is silent');
    const violating = await analyze(analyzeRequest('aws:sqs/queue:Queue', 'other-queue-dev', { name: 'other-queue-dev' }));
    log(`     ${messages(violating).join('\n     ')}`);
    check(messages(violating).some((m) => m.startsWith('sqs-queue-encrypted') && m.includes('SQS queue must be encrypted at rest')), 'Analyze: the same violation on another resource is reported');
    const table = await analyze(analyzeRequest('aws:dynamodb/table:Table', 'payments-table-dev', { name: 'payments-table-dev', billingMode: 'PROVISIONED', pointInTimeRecovery: { enabled: true }, streamEnabled: true, replicas: [{ regionName: 'us-east-2', pointInTimeRecovery: true }] }));
    check(messages(table).some((m) => m.startsWith('dynamodb-on-demand-billing')), 'Analyze: a provisioned table violates dynamodb-on-demand-billing');
    const unknown = await analyze(analyzeRequest('aws:iam/rolePolicy:RolePolicy', 'policy-dev', { role: 'r', policy: '04da6b54-80e4-46f7-96ec-b56ff0331ba9' }));
    log(`     ${messages(unknown).join('\n     ')}`);
    check(messages(unknown).some((m) => m.includes("can't be known during preview")), 'Analyze: an unknown policy document is an advisory, not a pass');

    const bucket = new AnalyzerResource()
      .setType('aws:s3/bucket:Bucket')
      .setName('txlog-dev')
      .setUrn('urn:pulumi:dev::payments-dr::aws:s3/bucket:Bucket::txlog-dev')
      .setProperties(Struct.fromJavaScript({ bucket: 'txlog-dev-1', region: 'us-east-2' }))
      .setOptions(options());
    const stack = await call<AnalyzeResponse>((cb) => client.analyzeStack(new AnalyzeStackRequest().setResourcesList([bucket]), cb));
    check(messages(stack).some((m) => m.startsWith('s3-bucket-versioning-enabled')), 'AnalyzeStack: a bucket without a versioning resource is reported');
  } finally {
    client.close();
    pack.stop();
  }
  log(`done in ${Date.now() - started} ms`);
  return checks;
}

if (require.main === module) {
  smokePack(console.log).then(
    (checks) => process.exit(checks.every((c) => c.ok) ? 0 : 1),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(2);
    },
  );
}
