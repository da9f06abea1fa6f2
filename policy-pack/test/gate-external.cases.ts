/**
 * The gate on programs written elsewhere (policy-pack/fixtures/external/, each header states its right
 * value), run as a user runs it: `npm run gate -- --program <file> [--stack ...] [--policy-pack-config ...]`.
 * Each program runs in its own project directory, with its own project name and stack config; one
 * copied outside this repository, without node_modules, resolves @pulumi/* from this repository.
 * Also the gate's answers to a missing program, stack or config file, and --help.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { GateReport } from '../../scripts/gate/report';
import { gateMain } from '../../scripts/gate';
import { REPO_ROOT } from '../offline/capture';

const EXTERNAL = join(REPO_ROOT, 'policy-pack', 'fixtures', 'external');
const tmp = () => mkdtempSync(join(tmpdir(), 'gate-external-'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  report?: GateReport;
}

/**
 * The gate's command, in this process (the code `npm run gate` runs, `gateMain`), with its reports in
 * a fresh directory: a program capture is a child process either way.
 */
async function gateInProcess(args: string[], reportDir = tmp()): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await gateMain([...args, '--report-dir', reportDir, '--quiet'], (l) => (stdout += `${l}\n`), (l) => (stderr += `${l}\n`));
  const file = join(reportDir, 'policy-report.json');
  return { code, stdout, stderr, ...(existsSync(file) ? { report: JSON.parse(readFileSync(file, 'utf8')) as GateReport } : {}) };
}

/** `npm run gate -- <args>` (the script npm runs), with its reports in a fresh directory. */
function gate(args: string[], reportDir = tmp()): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'gate.ts'), ...args, '--report-dir', reportDir, '--quiet'], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      const file = join(reportDir, 'policy-report.json');
      resolve({ code, stdout, stderr, ...(existsSync(file) ? { report: JSON.parse(readFileSync(file, 'utf8')) as GateReport } : {}) });
    });
  });
}

const program = (name: string) => join(EXTERNAL, name);

/** `[policy, resource, message]` of the mandatory violations, sorted. */
const mandatory = (run: Run): Array<[string, string, string]> =>
  (run.report?.findings ?? [])
    .filter((f) => f.level === 'mandatory' && f.kind === 'violation')
    .map((f): [string, string, string] => [f.policy, f.resource ?? 'stack', f.message])
    .sort((a, b) => a.join().localeCompare(b.join()));

const REGIONS_NOTE = 'regions from the policy settings primaryRegion and drRegion';
const alike = (type: string, resource: string): [string, string, string] => [
  'regions-alike',
  resource,
  `Regions must be alike: ${type} exists in us-east-1 but not in us-east-2 (${REGIONS_NOTE}).`,
];
const LATENCY = (source: string, target: string): [string, string, string] => [
  'dynamodb-replication-latency-alarms',
  'orders-dev',
  `DynamoDB global table must have a ReplicationLatency alarm for ${source} -> ${target} (AWS/DynamoDB in ${source}, dimensions TableName of this table and ReceivingRegion ${target}).`,
];

/** Runs `tasks` two at a time (the suite's 2 cores). */
async function pairwise<T>(tasks: Array<() => Promise<T>>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < tasks.length; i += 2) out.push(...(await Promise.all(tasks.slice(i, i + 2).map((t) => t()))));
  return out;
}

/** The programs of each half (two test files, so each stays well inside the runner's per-file timeout). */
export const PARTS = {
  regions: ['other-dr-region', 'other-dr-region config', 'other-dr-region stack', 'provider-region-bucket'],
  grants: ['inline-bucket-config', 'managed-policy-full-access', 'sqs-public-queue-policy', 'outside'],
} as const;

export function externalPrograms(part: keyof typeof PARTS): void {
describe(`the gate on programs written elsewhere (${part})`, () => {
  const mine = (name: string) => (PARTS[part] as readonly string[]).includes(name);
  const itFor = (name: string, title: string, fn: () => void) => {
    if (mine(name)) it(title, fn);
  };
  const runs = new Map<string, Run>();
  let outside: { dir: string; run: Run };
  before(async () => {
    // A copy outside this repository, without node_modules or Pulumi.yaml: its directory is its project.
    const dir = join(tmp(), 'jobs-service');
    mkdirSync(dir);
    cpSync(program('cwd-relative-read.ts'), join(dir, 'cwd-relative-read.ts'));
    cpSync(program('cwd-relative-read'), join(dir, 'cwd-relative-read'), { recursive: true });
    // Two through the command line as CI runs it, the others through the same code in this process.
    const named: Array<[string, string[], boolean]> = [
      ['other-dr-region', ['--program', program('other-dr-region.ts')], false],
      ['other-dr-region config', ['--program', program('other-dr-region.ts'), '--policy-pack-config', program('other-dr-region.policy-config.json')], false],
      ['other-dr-region stack', ['--program', program('other-dr-region.ts'), '--stack', 'west'], true],
      ['provider-region-bucket', ['--program', program('provider-region-bucket.ts')], false],
      ['inline-bucket-config', ['--program', program('inline-bucket-config.ts')], false],
      ['managed-policy-full-access', ['--program', program('managed-policy-full-access.ts')], false],
      ['sqs-public-queue-policy', ['--program', program('sqs-public-queue-policy.ts')], false],
    ];
    const chosen = named.filter(([name]) => mine(name));
    const tasks = chosen.map(([, args, cli]) => () => (cli ? gate(args) : gateInProcess(args)));
    if (mine('outside')) tasks.push(() => gate(['--program', join(dir, 'cwd-relative-read.ts')]));
    const results = await pairwise(tasks);
    chosen.forEach(([name], i) => runs.set(name, results[i]));
    if (mine('outside')) outside = { dir, run: results[results.length - 1] };
  });
  const run = (name: string): Run => runs.get(name) ?? assert.fail(`no run ${name}`);

  itFor('other-dr-region', 'other-dr-region.ts without configuration: the replication finding names the setting to change', () => {
    assert.equal(run('other-dr-region').code, 1, run('other-dr-region').stderr);
    assert.deepEqual(mandatory(run('other-dr-region')), [
      ['dynamodb-replicated-to-dr-region', 'orders-dev', 'DynamoDB table must be replicated to the DR region us-east-2 (replicas: us-west-2; the DR region is the policy setting drRegion).'],
      LATENCY('us-east-1', 'us-west-2'),
      LATENCY('us-west-2', 'us-east-1'),
    ]);
  });
  itFor('other-dr-region config', 'other-dr-region.ts with --policy-pack-config drRegion us-west-2: replicated; the missing lag alarms remain (DR-06)', () => {
    assert.deepEqual(mandatory(run('other-dr-region config')), [LATENCY('us-east-1', 'us-west-2'), LATENCY('us-west-2', 'us-east-1')]);
    assert.deepEqual(
      run('other-dr-region config').report?.settings?.find((s) => s.setting === 'drRegion'),
      { setting: 'drRegion', value: 'us-west-2', source: '--policy-pack-config (dynamodb-replicated-to-dr-region)' },
    );
  });
  itFor('other-dr-region stack', "other-dr-region.ts with its own stack (secondaryRegion us-west-2): the same, read from the program's stack", () => {
    assert.deepEqual(mandatory(run('other-dr-region stack')), [LATENCY('us-east-1', 'us-west-2'), LATENCY('us-west-2', 'us-east-1')]);
    const report = run('other-dr-region stack').report;
    assert.equal(report?.project, 'external-cases');
    assert.equal(report?.configFile, 'policy-pack/fixtures/external/Pulumi.west.yaml');
    assert.deepEqual(report?.settings?.find((s) => s.setting === 'drRegion'), { setting: 'drRegion', value: 'us-west-2', source: 'stack config external-cases:secondaryRegion' });
  });
  itFor('provider-region-bucket', 'provider-region-bucket.ts: each bucket lives in its provider\'s region; only the reverse-direction convention remains', () => {
    const expected = [alike('aws:s3/bucketReplicationConfig:BucketReplicationConfig', 'txlog-dev-us-east-1')];
    assert.deepEqual(mandatory(run('provider-region-bucket')), expected);
  });
  itFor('inline-bucket-config', 'inline-bucket-config.ts: inline versioning, encryption and TLS-only policy are read, not reported absent', () => {
    assert.deepEqual(mandatory(run('inline-bucket-config')), [
      alike('aws:s3/bucket:Bucket', 'evidence-dev-us-east-1'),
      alike('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'evidence-dev-us-east-1'),
      [
        's3-bucket-replicated-to-dr-region',
        'evidence-dev-us-east-1',
        'S3 bucket must replicate to a bucket in the DR region us-east-2 (no aws.s3.BucketReplicationConfig refers to it; the DR region is the policy setting drRegion).',
      ],
    ]);
  });
  itFor('managed-policy-full-access', 'managed-policy-full-access.ts: each attached managed policy granting everything is a least-privilege violation', () => {
    assert.deepEqual(mandatory(run('managed-policy-full-access')), [
      ['iam-no-full-access-managed-policies', 'payments-fn-ddb-full-dev', 'IAM policy attachment must not attach the AWS managed policy AmazonDynamoDBFullAccess to payments-fn-role-dev (it allows every action of its service).'],
      ['iam-no-full-access-managed-policies', 'payments-fn-role-dev', 'IAM role must not attach the AWS managed policy AdministratorAccess (it allows every action on every resource).'],
    ]);
    assert.equal(run('managed-policy-full-access').report?.controls.find((c) => c.id === 'SEC-03')?.status, 'fail');
  });
  itFor('sqs-public-queue-policy', 'sqs-public-queue-policy.ts: the queue policy granting everyone sqs:* is read', () => {
    assert.deepEqual(mandatory(run('sqs-public-queue-policy')), [
      alike('aws:sqs/queuePolicy:QueuePolicy', 'payments-retry-dev'),
      alike('aws:sqs/queue:Queue', 'payments-retry-dlq-dev'),
      [
        'resource-policy-least-privilege',
        'payments-retry-dev',
        'SQS queue policy must not allow every principal (Principal "*") without a condition on aws:SourceArn, aws:SourceAccount, aws:SourceOwner, aws:SourceOrgID, aws:PrincipalOrgID (a statement).',
      ],
      ['resource-policy-least-privilege', 'payments-retry-dev', 'SQS queue policy must not allow wildcard actions (a statement allows sqs:*).'],
    ]);
  });
  itFor('outside', 'cwd-relative-read.ts, copied outside this repository without node_modules: runs in its own directory as its own project, @pulumi/* from this install', () => {
    assert.equal(outside.run.code, 1, outside.run.stderr);
    // It read ./cwd-relative-read/settings.json relative to its directory: the queue is named from it.
    assert.deepEqual(mandatory(outside.run).map(([p, r]) => [p, r]), [
      ['regions-alike', 'jobs-dev'],
      ['sqs-queue-redrive-policy', 'jobs-dev'],
    ]);
    assert.equal(outside.run.report?.project, basename(outside.dir));
    assert.equal(outside.run.report?.projectDir, outside.dir);
    assert.ok(outside.run.report?.findings.every((f) => f.urn === undefined || f.urn.startsWith(`urn:pulumi:dev::${basename(outside.dir)}::`)));
    assert.equal(existsSync(join(outside.dir, 'node_modules')), false);
  });
  itFor('outside', 'no message shows a value the mocks invented (names, ids, account)', () => {
    for (const r of [...runs.values(), ...(outside ? [outside.run] : [])]) {
      for (const f of r.report?.findings ?? []) assert.doesNotMatch(f.message, /123456789012|-[0-9a-f]{7}\b/, f.message);
    }
  });
});
}

export function refusals(): void {
describe('the gate refuses what it cannot run, with one message, keeping the last reports', () => {
  let dir: string;
  const last = '{"last":"report"}\n';
  const results: Array<{ code: number; out: string; err: string }> = [];
  before(async () => {
    dir = tmp();
    writeFileSync(join(dir, 'policy-report.json'), last);
    for (const args of [
      ['--program', join(EXTERNAL, 'no-such-program.ts')],
      ['--program', program('other-dr-region.ts'), '--stack', 'nope'],
      ['--program', program('other-dr-region.ts'), '--policy-pack-config', join(EXTERNAL, 'missing.json')],
      ['--program', program('other-dr-region.ts'), '--policy-pack-config', program('Pulumi.west.yaml')],
      ['--help'],
    ]) {
      let out = '';
      let err = '';
      const code = await gateMain([...args, '--report-dir', dir], (l) => (out += `${l}\n`), (l) => (err += `${l}\n`));
      results.push({ code, out, err });
    }
  });
  it('a program file that does not exist: exit 2, naming it', () => {
    assert.equal(results[0].code, 2);
    assert.equal(results[0].err.trim(), `gate: program ${join(EXTERNAL, 'no-such-program.ts')} does not exist (pass --program <file or project directory>)`);
  });
  it('a stack without a config file: exit 2, naming the stacks that have one', () => {
    assert.equal(results[1].code, 2);
    assert.equal(
      results[1].err.trim(),
      `gate: stack "nope" has no config file ${join(EXTERNAL, 'Pulumi.nope.yaml')} (stacks with a config file: west); pass --stack <name> or --config-file <file>`,
    );
  });
  it('a policy pack config file that does not exist, or is not JSON: exit 2', () => {
    assert.equal(results[2].code, 2);
    assert.match(results[2].err, /^gate: policy pack config file .*missing\.json does not exist/);
    assert.equal(results[3].code, 2);
    assert.match(results[3].err, /^gate: policy pack config file .*Pulumi\.west\.yaml is not JSON/);
  });
  it('none of them overwrote the last report', () => assert.equal(readFileSync(join(dir, 'policy-report.json'), 'utf8'), last));
  it('--help prints the options and exits 0', () => {
    assert.equal(results[4].code, 0);
    assert.match(results[4].out, /^Usage: npm run gate -- \[options\]/);
    assert.match(results[4].out, /--policy-pack-config <file>/);
  });
});
}
