/** Command-line options of npm run verify. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseVerifyArgs, tagExpression } from './options';

describe('verify options', () => {
  it('defaults to the default profile (sandbox + plan) and reports/', () => {
    assert.deepEqual(parseVerifyArgs([]), { profile: 'default', drills: false, reportsDir: 'reports', help: false });
  });

  it('reads every flag, with or without =', () => {
    const o = parseVerifyArgs(['--profile', 'live', '--drills', '--stack=staging', '--time-scale', '0.1', '--tags', '@alarms', '--reports', 'out', '--program', 'p.ts']);
    assert.deepEqual(o, { profile: 'live', drills: true, stack: 'staging', timeScale: 0.1, tags: '@alarms', reportsDir: 'out', program: 'p.ts', help: false });
  });

  it('rejects what it does not understand, naming it', () => {
    assert.throws(() => parseVerifyArgs(['--profile', 'prod']), /--profile must be default, sandbox, plan or live, got prod/);
    assert.throws(() => parseVerifyArgs(['--time-scale', '0']), /--time-scale must be a number in \(0, 1\]/);
    assert.throws(() => parseVerifyArgs(['--stack']), /--stack needs a value/);
    assert.throws(() => parseVerifyArgs(['--force']), /unknown option --force/);
  });

  it('keeps drills out of live runs unless --drills', () => {
    assert.equal(tagExpression('not @drill', { profile: 'live', drills: false }), 'not @drill');
    assert.equal(tagExpression('not @drill', { profile: 'live', drills: true }), '');
    assert.equal(tagExpression('not @drill', { profile: 'live', drills: false, tags: '@alarms' }), '(not @drill) and (@alarms)');
    assert.equal(tagExpression('', { profile: 'default', drills: false }), '');
  });
});
