/**
 * The offline gate end to end on the fixture programs (each runs under mocks in a child process):
 * the deliberately non-compliant programs fail with exactly the policies of their breakages (one
 * violation each; together every mandatory policy), also in preview mode, where values computed
 * from new resources are unknown and reported as advisories, never as passes or crashes.
 * (`fixtures/compliant.ts`, the same mini stack without breakages, passes: `npm run gate -- --program
 * policy-pack/fixtures/compliant.ts`; it is not run here to keep the suite fast.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runGate } from '../../scripts/gate';
import type { GateReport } from '../../scripts/gate/report';
import { BREAKAGES, FIXTURE_PROGRAMS } from '../fixtures/lib/breakages';
import { REPO_ROOT } from '../offline/capture';
import { BASE_POLICIES } from '../policies';

const FIXTURES = join(REPO_ROOT, 'policy-pack', 'fixtures');
const tmp = () => mkdtempSync(join(tmpdir(), 'gate-test-'));

/** Runs `npm run gate`'s script as CI does; resolves with its exit code and output. */
function gateCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'gate.ts'), ...args], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const mandatory = (report: GateReport) =>
  report.findings
    .filter((f) => f.level === 'mandatory' && f.kind === 'violation')
    .map((f) => [f.policy, f.resource])
    .sort();
const expected = (program: string) => FIXTURE_PROGRAMS[program].map((b) => [b, BREAKAGES[b]]).sort();

describe('offline gate on fixture programs', () => {
  const quiet = () => undefined;
  let data: GateReport;
  let access: GateReport;
  let dr: { code: number | null; stdout: string; stderr: string; report: GateReport };
  const waiverDir = tmp();
  const waiversFile = join(waiverDir, 'waivers.json');
  writeFileSync(
    waiversFile,
    JSON.stringify({
      waivers: [
        { policy: 'lambda-tracing-active', resource: 'create-payment-dev-us-east-1', justification: 'Tracing rollout tracked in CHG-2201, ends this sprint', owner: 'payments-team', expires: '2099-12-31' },
        { policy: 'apigateway-domain-tls12', resource: 'api-domain-dev-us-east-2', justification: 'Legacy client migration (CHG-1999), ended', owner: 'edge-team', expires: '2020-01-31' },
      ],
    }),
  );

  before(async () => {
    const drDir = tmp();
    const [d, a, cli] = await Promise.all([
      runGate({ program: join(FIXTURES, 'noncompliant-data.ts'), stack: 'dev', preview: false, waiversFile: join(REPO_ROOT, 'policy-pack', 'waivers.json'), reportDir: tmp(), quiet: true }, quiet),
      runGate({ program: join(FIXTURES, 'noncompliant-access.ts'), stack: 'dev', preview: false, waiversFile, reportDir: tmp(), quiet: true }, quiet),
      gateCli(['--program', join(FIXTURES, 'noncompliant-dr.ts'), '--preview', '--report-dir', drDir]),
    ]);
    data = d;
    access = a;
    dr = { ...cli, report: JSON.parse(readFileSync(join(drDir, 'policy-report.json'), 'utf8')) as GateReport };
  });

  it('noncompliant-data.ts fails with exactly its breakages', () => {
    assert.equal(data.result, 'fail');
    assert.deepEqual(mandatory(data), expected('noncompliant-data.ts'));
  });

  it('noncompliant-access.ts fails with its breakages, minus the validly waived one, plus the one whose waiver expired', () => {
    const withoutWaived = expected('noncompliant-access.ts').filter(([p]) => p !== 'lambda-tracing-active');
    assert.deepEqual(mandatory(access), withoutWaived);
    assert.deepEqual(access.waived.map((w) => [w.policy, w.resource]), [['lambda-tracing-active', 'create-payment-dev-us-east-1']]);
    const expiredFinding = access.findings.find((f) => f.policy === 'apigateway-domain-tls12');
    assert.match(expiredFinding?.message ?? '', / \(waiver expired on 2020-01-31; owner edge-team: "Legacy client migration \(CHG-1999\), ended"\)$/);
    assert.deepEqual(access.waivers.map((w) => [w.policy, w.status]), [['lambda-tracing-active', 'applied'], ['apigateway-domain-tls12', 'expired']]);
  });

  it('noncompliant-dr.ts through the CLI in preview mode: exit 1, one line per finding, reports written', () => {
    assert.equal(dr.code, 1, dr.stderr);
    assert.deepEqual(mandatory(dr.report), expected('noncompliant-dr.ts'));
    for (const f of dr.report.findings) assert.ok(dr.stdout.includes(`${f.level} ${f.policy} ${f.urn ?? 'stack'}: ${f.message}\n`), `missing line for ${f.policy}`);
    assert.match(
      dr.stdout,
      /^mandatory regions-alike urn:pulumi:dev::payments-dr::aws:ssm\/parameter:Parameter::manual-failover-dev-us-east-1: Regions must be alike: aws:ssm\/parameter:Parameter exists in us-east-1 but not in us-east-2 \(regions from the policy settings primaryRegion and drRegion\)\.$/m,
    );
  });

  it('every violation message says what must be', () => {
    for (const report of [data, access, dr.report]) for (const f of report.findings.filter((x) => x.kind === 'violation')) assert.match(f.message, / must /, f.message);
  });

  it('the non-compliant fixtures together cover every mandatory policy', () => {
    const covered = new Set([...data.findings, ...access.findings, ...dr.report.findings, ...access.waived].map((f) => f.policy));
    const all = BASE_POLICIES.filter((p) => p.enforcementLevel === 'mandatory').map((p) => p.name);
    assert.deepEqual(all.filter((p) => !covered.has(p)), []);
  });

  it('in preview mode, values computed from new resources are advisories "cannot be checked until apply", never passes or failures', () => {
    const unknown = dr.report.findings.filter((f) => f.kind === 'unknown');
    for (const f of unknown) assert.equal(f.level, 'advisory');
    assert.equal(dr.report.summary.unknown, unknown.length);
    // The role policy embeds ARNs of new resources: it cannot be checked until apply, and says so.
    assert.ok(unknown.some((f) => f.policy === 'iam-no-wildcard-actions' && f.resource === 'create-payment-policy-dev-us-east-1' && /string value at \.policy can't be known during preview/.test(f.message)));
    assert.match(dr.stdout, /^advisory iam-no-wildcard-actions urn:\S+create-payment-policy-dev-us-east-1: cannot be checked until apply: /m);
    assert.match(dr.stdout, /^policy gate FAIL: 13 mandatory, 0 advisory, \d+ not checkable until apply, 0 waived; /m);
  });
});
