/**
 * The DR stack (infra/index.ts) under the gate in every committed stack config: no false finding, and
 * the real ones reported exactly (OPEN_FINDINGS: what the stack still lacks, each with its reason);
 * the gate writes its JSON and Markdown reports.
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

/**
 * The only exceptions the committed stacks carry: the reviewed waivers of policy-pack/waivers.json
 * (the peer probes' asynchronous invocations keep no failed event; their alarm treats a missing
 * sample as breaching).
 */
const WAIVED = ['lambda-async-failure-destination payments-us-east-1-peer-probe-function-function', 'lambda-async-failure-destination payments-us-east-2-peer-probe-function-function'];

describe('the DR stack under the policy gate', () => {
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
    it(`Pulumi.${stack}.yaml: no false finding, the open real ones exactly`, () => {
      const { report } = reports.get(stack) ?? assert.fail(`no report for ${stack}`);
      const blocking = report.findings.filter((f) => f.level === 'mandatory' && f.kind === 'violation');
      assert.deepEqual(blocking.map(findingLine), []);
      // Every log group keeps at least 12 months (PCI DSS 10.5.1): the retention policies checked something.
      for (const policy of ['cloudwatch-log-group-retention', 'lambda-log-group-retention']) {
        const checked = report.controls.flatMap((c) => c.policies).find((p) => p.name === policy)?.checked ?? 0;
        assert.ok(checked > 0, `${policy} checked nothing`);
      }
      assert.deepEqual(report.waived.map((w) => `${w.policy} ${w.waiver.resource}`).sort(), WAIVED);
      assert.equal(report.summary.expiredWaivers + report.summary.unusedWaivers, 0);
      assert.equal(report.findings.filter((f) => f.kind === 'unknown').length, 0);
      assert.ok(report.resourceCount > 100, `only ${report.resourceCount} resources captured`);
      assert.deepEqual(report.unmockedInvokes, []);
    });
    it(`Pulumi.${stack}.yaml: writes the JSON and Markdown reports grouped by control`, () => {
      const { dir } = reports.get(stack) ?? assert.fail(`no report for ${stack}`);
      const json = JSON.parse(readFileSync(join(dir, 'policy-report.json'), 'utf8')) as GateReport;
      assert.equal(json.stack, stack);
      assert.equal(json.controls.length, 17);
      const md = readFileSync(join(dir, 'policy-report.md'), 'utf8');
      assert.match(md, /^# Policy gate report: (PASS|FAIL)$/m);
      assert.match(md, /^\| DR-04 \| Regional parity \| pass \| 12\.10\.1 \| `regions-alike` \|$/m);
      assert.match(md, /^## Waivers$/m);
    });
  }
});
