/**
 * Turning regional custom domains on (the first deploy's last step) or off must never make the
 * engine hold a CNAME and another record type at one name: Route 53 refuses that change batch.
 * Each configuration runs in its own process (the program runs once per process); while the
 * engine applies the change, the union of both configurations' records exists.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { HANDLERS } from '../../contract';
import { handlerCode } from '../lambdaCode';
import { REPO_ROOT } from '../settings';
import { cnameConflicts, type DeclaredRecordSet } from './dnsFailover';

interface Declared extends DeclaredRecordSet {
  logicalName: string;
}

const BUNDLE_CACHE = join(REPO_ROOT, '.bundle-cache');

async function recordsOf(stack: string, overrides: Record<string, string>): Promise<Declared[]> {
  const { stdout: out } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'infra', 'testing', 'printRecords.ts'), stack, JSON.stringify(overrides)], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, PAYMENTS_DR_BUNDLE_CACHE: BUNDLE_CACHE },
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = out.split('\n').find((l) => l.startsWith('RECORDS '));
  if (!line) throw new Error(`no RECORDS line in the child's output:\n${out}`);
  return JSON.parse(line.slice('RECORDS '.length)) as Declared[];
}

describe('custom domains switched on or off', () => {
  let off: Declared[];
  let on: Declared[];
  before(async () => {
    // Bundle once here (content-hash cache), so both children only read the bundles.
    process.env.PAYMENTS_DR_BUNDLE_CACHE = BUNDLE_CACHE;
    for (const handler of HANDLERS) handlerCode(handler);
    [off, on] = await Promise.all([recordsOf('dev', { customDomainsEnabled: 'false' }), recordsOf('dev', { customDomainsEnabled: 'true' })]);
  });

  it('the conflict check finds a CNAME beside an A record at one name', () => {
    assert.deepEqual(cnameConflicts([{ name: 'api.x.org.', type: 'CNAME' }, { name: 'API.x.org', type: 'A' }, { name: 'b.x.org', type: 'CNAME' }]), ['api.x.org']);
  });

  it('never holds a CNAME and another type at one name, off -> on or on -> off', () => {
    assert.ok(on.length > 0, 'custom domains declare records');
    assert.deepEqual(cnameConflicts([...off, ...on]), []);
  });

  it('changes no record in place from one type to another (only creates or deletes)', () => {
    const offTypes = new Map(off.map((r) => [r.logicalName, r.type]));
    const changed = on.filter((r) => offTypes.has(r.logicalName) && offTypes.get(r.logicalName) !== r.type);
    assert.deepEqual(changed, []);
  });

  it('declares no record at the failover hostname without custom domains', () => {
    assert.deepEqual(off.filter((r) => r.name === 'api.payments-dev.example.com'), []);
  });
});
