/** A run that cannot answer exits 2 with one message naming what is missing, and writes nothing. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkPreconditions } from './preconditions';
import { REPO_ROOT } from './run';

const bare = { PATH: '/nonexistent', HOME: mkdtempSync(join(tmpdir(), 'verify-home-')) };

describe('verify preconditions', () => {
  it('live without outputs nor credentials: one message naming all three and how to provide them', () => {
    assert.throws(
      () => checkPreconditions({ profile: 'live' }, REPO_ROOT, bare),
      { name: 'PreconditionError', message: new RegExp(
        '^verify: cannot run the live profile on stack dev; missing: the stack outputs: set DR_STACK_OUTPUTS_FILE to a saved `pulumi stack output --json --stack dev`, or install and log in to the Pulumi CLI; ' +
          'AWS credentials: set AWS_PROFILE \\(or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\\), or run where web identity or container credentials are provided; ' +
          'a merchant credential: set DR_MERCHANT_CREDENTIAL to a credential issued for this stack \\(npm run credentials -- issue --merchant <id> --table <credentials table>\\), kept in the CI secret store\\. The last reports were left as they were\\.$',
      ) },
    );
  });
  it('live with an outputs file that does not exist names the file', () => {
    assert.throws(() => checkPreconditions({ profile: 'live' }, REPO_ROOT, { ...bare, DR_STACK_OUTPUTS_FILE: 'nope.json', AWS_PROFILE: 'x' }), /the stack outputs file nope\.json \(DR_STACK_OUTPUTS_FILE\) does not exist/);
  });
  it('live with outputs and credentials passes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verify-outputs-'));
    writeFileSync(join(dir, 'outputs.json'), '{}');
    assert.doesNotThrow(() => checkPreconditions({ profile: 'live' }, REPO_ROOT, { ...bare, DR_STACK_OUTPUTS_FILE: join(dir, 'outputs.json'), AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', DR_MERCHANT_CREDENTIAL: 'pdr_x_y' }));
  });
  it('live with outputs and AWS credentials but no merchant credential names DR_MERCHANT_CREDENTIAL only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verify-outputs-'));
    writeFileSync(join(dir, 'outputs.json'), '{}');
    assert.throws(
      () => checkPreconditions({ profile: 'live' }, REPO_ROOT, { ...bare, DR_STACK_OUTPUTS_FILE: join(dir, 'outputs.json'), AWS_PROFILE: 'x' }),
      { name: 'PreconditionError', message: /missing: a merchant credential: set DR_MERCHANT_CREDENTIAL/ },
    );
  });
  it('an unknown stack, on any profile, names the known ones', () => {
    assert.throws(() => checkPreconditions({ profile: 'default', stack: 'prod' }, REPO_ROOT, bare), /the stack "prod" is unknown: no Pulumi\.prod\.yaml \(known stacks: dev, staging/);
  });
  it('a program that does not exist', () => {
    assert.throws(() => checkPreconditions({ profile: 'plan', program: 'infra/nope.ts' }, REPO_ROOT, bare), /the program infra\/nope\.ts does not exist/);
  });
  it('npm run verify -- --profile live without them: exit 2, the one message, the last reports untouched', () => {
    const reports = mkdtempSync(join(tmpdir(), 'verify-reports-'));
    mkdirSync(reports, { recursive: true });
    writeFileSync(join(reports, 'verification.html'), 'last report');
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'verify.ts'), '--profile', 'live', '--reports', reports], {
      cwd: REPO_ROOT,
      env: { ...bare, NODE_PATH: process.env.NODE_PATH ?? '' },
      encoding: 'utf8',
    });
    assert.equal(run.status, 2, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /^verify: cannot run the live profile on stack dev; missing: the stack outputs/);
    assert.equal(readFileSync(join(reports, 'verification.html'), 'utf8'), 'last report');
  });
  it('npm run verify -- --help prints the usage', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'verify.ts'), '--help'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(run.status, 0);
    assert.match(run.stdout, /^Usage: npm run verify -- \[options\]/);
  });
});
