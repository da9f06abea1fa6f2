/**
 * The program loads the way `pulumi preview` / `pulumi up` load it: through @pulumi/pulumi's own
 * run path (cmd/run/run.js) with the project's ts-node and tsconfig.json, in a process with no
 * other TypeScript loader (testing/pulumiRun.cjs). The unit tests themselves run under tsx, which
 * accepts programs that path refuses; this file keeps such a program from landing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import yaml from 'js-yaml';
import { REPO_ROOT } from './settings';

const RUNNER = join(REPO_ROOT, 'infra', 'testing', 'pulumiRun.cjs');
const FIXTURE = join(REPO_ROOT, 'infra', 'testing', 'fixtures', 'esmStyleImport');

interface Loaded {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the runner in plain node (tsx's loader is not passed on: not in argv nor NODE_OPTIONS). */
function load(args: string[]): Promise<Loaded> {
  const env: NodeJS.ProcessEnv = { ...process.env, PAYMENTS_DR_BUNDLE_CACHE: join(REPO_ROOT, '.bundle-cache') };
  delete env.NODE_OPTIONS;
  delete env.PULUMI_NODEJS_TRANSPILE_ONLY;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the program under the Pulumi CLI\'s TypeScript runner', () => {
  it('is run by the project\'s ts-node (not the vendored ts-node 7) and TypeScript, as Pulumi.yaml and tsconfig.json configure', () => {
    // The SDK's own choice, from its install location (tsutils.typeScriptRequireStrings).
    const fromSdk = createRequire(require.resolve('@pulumi/pulumi'));
    const tsutils = fromSdk('./tsutils') as { typeScriptRequireStrings(): { tsnodeRequire: string; typescriptRequire: string } };
    assert.deepEqual(tsutils.typeScriptRequireStrings(), { tsnodeRequire: 'ts-node', typescriptRequire: 'typescript' });
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    assert.ok(pkg.devDependencies['ts-node'], 'ts-node is a devDependency');
    assert.match((fromSdk('ts-node') as { VERSION: string }).VERSION, /^10\./);
    const project = yaml.load(readFileSync(join(REPO_ROOT, 'Pulumi.yaml'), 'utf8')) as { runtime: { name: string; options?: { typescript?: boolean } } };
    assert.deepEqual([project.runtime.name, project.runtime.options?.typescript], ['nodejs', true]);
    // Type checking happens once per change in `npm run typecheck`; ts-node only transpiles.
    const tsconfig = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.json'), 'utf8')) as { 'ts-node'?: { transpileOnly?: boolean } };
    assert.equal(tsconfig['ts-node']?.transpileOnly, true);
  });

  it('loads infra/ through @pulumi/pulumi\'s run path under mocks and exports the stack outputs', async () => {
    const { code, stdout, stderr } = await load(['--stack', 'dev']);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { resources: number; outputs: string[] };
    assert.ok(result.resources > 50, `${result.resources} resources declared`);
    for (const output of ['primaryApiUrl', 'failoverApiUrl', 'tableName', 'functions']) assert.ok(result.outputs.includes(output), `exports ${output}`);
  });

  it('refuses a program that tsx loads but Pulumi\'s runner cannot (ESM-style ".js" specifier of a .ts module)', async () => {
    const underTsx = (await import(join(FIXTURE, 'index.ts'))) as { value: number };
    assert.equal(underTsx.value, 42, 'tsx loads the fixture');
    const { code, stderr } = await load(['--program', FIXTURE]);
    assert.equal(code, 1);
    assert.match(stderr, /Cannot find module '\.\/answer\.js'/);
  });
});
