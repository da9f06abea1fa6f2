/**
 * The DR stack (infra/index.ts) passes the gate with zero mandatory violations in every committed
 * stack config, and the gate writes its JSON and Markdown reports.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runGate } from '../../scripts/gate';
import { findingLine, GateReport } from '../../scripts/gate/report';
import { DEFAULT_PROGRAM, REPO_ROOT } from '../offline/capture';
import { WAIVERS_FILE } from '../lib/waivers';

const STACKS = readdirSync(REPO_ROOT)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

describe('the DR stack passes the policy gate', () => {
  const reports = new Map<string, { report: GateReport; dir: string }>();
  before(async () => {
    await Promise.all(
      STACKS.map(async (stack) => {
        const dir = mkdtempSync(join(tmpdir(), `gate-${stack}-`));
        const report = await runGate({ program: DEFAULT_PROGRAM, stack, preview: false, waiversFile: WAIVERS_FILE, reportDir: dir, quiet: true }, () => undefined);
        reports.set(stack, { report, dir });
      }),
    );
  });

  it('covers every committed stack config', () => assert.deepEqual(STACKS, ['dev', 'staging']));

  for (const stack of STACKS) {
    it(`Pulumi.${stack}.yaml: zero mandatory violations`, () => {
      const { report } = reports.get(stack) ?? assert.fail(`no report for ${stack}`);
      const blocking = report.findings.filter((f) => f.level === 'mandatory' && f.kind === 'violation');
      assert.deepEqual(blocking.map(findingLine), []);
      assert.equal(report.result, 'pass');
      assert.ok(report.resourceCount > 100, `only ${report.resourceCount} resources captured`);
      assert.deepEqual(report.unmockedInvokes, []);
    });
    it(`Pulumi.${stack}.yaml: writes the JSON and Markdown reports grouped by control`, () => {
      const { dir } = reports.get(stack) ?? assert.fail(`no report for ${stack}`);
      const json = JSON.parse(readFileSync(join(dir, 'policy-report.json'), 'utf8')) as GateReport;
      assert.equal(json.stack, stack);
      assert.equal(json.controls.length, 16);
      const md = readFileSync(join(dir, 'policy-report.md'), 'utf8');
      assert.match(md, /^# Policy gate report: PASS$/m);
      assert.match(md, /^\| DR-04 \| Regional parity \| pass \| `regions-alike` \|$/m);
      assert.match(md, /^## Waivers$/m);
    });
  }
});
