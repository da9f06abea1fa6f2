/**
 * The gate's report: one console line per finding, `reports/policy-report.json` (machine-readable)
 * and `reports/policy-report.md` (for reviewers and auditors, grouped by control, waivers shown).
 */
import { CONTROL_IDS, CONTROLS, ControlId } from '../../policy-pack/controls';
import { controlOf, PackPolicy } from '../../policy-pack/lib/policy';
import type { Evaluation, Finding, Waived } from '../../policy-pack/offline/evaluate';
import { isExpired, Waiver } from '../../policy-pack/lib/waivers';
import type { SettingSource } from './stackSettings';

/** A control's verdict: `not applicable` when none of its policies found anything to check. */
export type ControlStatus = 'pass' | 'fail' | 'advisory' | 'not applicable';

/** A finding with what to do about it. */
export type ReportedFinding = Finding & { remediation: string };

export interface GateRun {
  program: string;
  /** The program's project name and directory (it ran there, with its own config). */
  project?: string;
  projectDir?: string;
  stack: string;
  /** The stack config file it ran with, if any. */
  configFile?: string;
  /** The `--policy-pack-config` file, if any. */
  policyPackConfig?: string;
  /** The stack-describing settings in effect and where each came from. */
  settings?: SettingSource[];
  preview: boolean;
  generatedAt: string;
  resourceCount: number;
  unmockedInvokes: string[];
}

export interface GateReport extends GateRun {
  result: 'pass' | 'fail';
  summary: { mandatory: number; advisory: number; unknown: number; waived: number; expiredWaivers: number; unusedWaivers: number };
  findings: ReportedFinding[];
  waived: Waived[];
  waivers: Array<Waiver & { status: 'applied' | 'expired' | 'unused' }>;
  controls: Array<{
    id: ControlId;
    title: string;
    status: ControlStatus;
    /** PCI DSS requirements its policies cite. */
    pci: string[];
    policies: Array<{
      name: string;
      enforcementLevel: string;
      severity: string;
      pci: string;
      /** Resources the policy was evaluated on (0 = nothing of its kind in the program). */
      checked: number;
      mandatory: number;
      advisory: number;
      waived: number;
    }>;
  }>;
}

/** The console line of a finding: `level policy-name resource-urn-or-name: message`. */
export function findingLine(finding: Finding): string {
  return `${finding.level} ${finding.policy} ${finding.urn ?? 'stack'}: ${finding.message}`;
}

export function isBlocking(finding: Finding): boolean {
  return finding.level === 'mandatory' && finding.kind === 'violation';
}

export function buildReport(run: GateRun, evaluation: Evaluation, policies: readonly PackPolicy[], waivers: readonly Waiver[], now: Date): GateReport {
  const { findings, waived } = evaluation;
  const waiverStatus = waivers.map((w) => {
    if (isExpired(w, now)) return { ...w, status: 'expired' as const };
    const used = waived.some((x) => x.waiver.policy === w.policy && x.waiver.resource === w.resource);
    return { ...w, status: used ? ('applied' as const) : ('unused' as const) };
  });
  const controls = CONTROL_IDS.map((id) => {
    const mine = policies.filter((p) => controlOf(p) === id);
    const rows = mine.map((p) => {
      const fs = findings.filter((f) => f.policy === p.name);
      return {
        name: p.name,
        enforcementLevel: p.enforcementLevel,
        severity: p.severity,
        pci: `${p.framework.name} ${p.framework.version} ${p.framework.reference}`,
        checked: evaluation.coverage.find((x) => x.policy === p.name)?.applied ?? 0,
        mandatory: fs.filter(isBlocking).length,
        advisory: fs.filter((f) => !isBlocking(f)).length,
        waived: waived.filter((w) => w.policy === p.name).length,
      };
    });
    const status: ControlStatus = rows.some((r) => r.mandatory > 0)
      ? 'fail'
      : rows.some((r) => r.advisory > 0)
        ? 'advisory'
        : rows.every((r) => r.checked === 0 && r.waived === 0)
          ? 'not applicable'
          : 'pass';
    return { id, title: CONTROLS[id].title, status, pci: [...new Set(mine.map((p) => p.framework.reference))], policies: rows };
  });
  const mandatory = findings.filter(isBlocking).length;
  return {
    ...run,
    result: mandatory > 0 ? 'fail' : 'pass',
    summary: {
      mandatory,
      advisory: findings.filter((f) => !isBlocking(f) && f.kind === 'violation').length,
      unknown: findings.filter((f) => f.kind === 'unknown').length,
      waived: waived.length,
      expiredWaivers: waiverStatus.filter((w) => w.status === 'expired').length,
      unusedWaivers: waiverStatus.filter((w) => w.status === 'unused').length,
    },
    findings: findings.map((f) => ({ ...f, remediation: policies.find((p) => p.name === f.policy)?.remediationSteps ?? '' })),
    waived,
    waivers: waiverStatus,
    controls,
  };
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(report: GateReport): string {
  const lines: string[] = [];
  lines.push(`# Policy gate report: ${report.result === 'pass' ? 'PASS' : 'FAIL'}`);
  lines.push('');
  lines.push(`- Program: \`${report.program}\`${report.project ? ` (project \`${report.project}\`, run in \`${report.projectDir ?? '.'}\`)` : ''}`);
  lines.push(
    `- Stack: \`${report.stack}\`${report.configFile ? ` (config \`${report.configFile}\`)` : ' (no stack config file)'}${report.preview ? '; preview mode: computed values unknown, as in a first `pulumi preview`' : '; resolved plan under mocks (attributes the mocks do not model stay unknown)'}`,
  );
  if (report.policyPackConfig) lines.push(`- Policy pack config: \`${report.policyPackConfig}\``);
  for (const s of report.settings ?? []) lines.push(`- Setting \`${s.setting}\`: ${s.value === undefined ? 'unset' : `\`${s.value}\``} (${s.source})`);
  lines.push(`- Generated: ${report.generatedAt}; resources evaluated: ${report.resourceCount}`);
  lines.push(
    `- Mandatory violations: **${report.summary.mandatory}**; advisory: ${report.summary.advisory}; not checkable until apply: ${report.summary.unknown}; waived: ${report.summary.waived}; expired waivers: ${report.summary.expiredWaivers}`,
  );
  if (report.unmockedInvokes.length > 0) lines.push(`- Invokes answered with an empty result by the mocks: ${report.unmockedInvokes.map((t) => `\`${t}\``).join(', ')}`);
  lines.push('');
  lines.push('## Controls');
  lines.push('');
  lines.push('A control is "not applicable" when none of its policies found anything of its kind in the program (nothing was checked).');
  lines.push('');
  lines.push('| Control | Title | Status | PCI DSS | Policies |');
  lines.push('|---|---|---|---|---|');
  for (const c of report.controls) {
    const icon = c.status === 'fail' ? '**FAIL**' : c.status;
    lines.push(`| ${c.id} | ${cell(c.title)} | ${icon} | ${c.pci.join(', ')} | ${c.policies.map((p) => `\`${p.name}\``).join(', ')} |`);
  }
  for (const c of report.controls) {
    const fs = report.findings.filter((f) => f.control === c.id);
    const ws = report.waived.filter((w) => w.control === c.id);
    if (fs.length === 0 && ws.length === 0) continue;
    lines.push('');
    lines.push(`### ${c.id} ${c.title}`);
    lines.push('');
    lines.push('| Level | Policy | Resource | Message | Remediation |');
    lines.push('|---|---|---|---|---|');
    for (const f of fs) {
      lines.push(`| ${f.kind === 'unknown' ? 'advisory (unknown until apply)' : f.level} | \`${f.policy}\` | ${cell(f.resource ?? 'stack')} | ${cell(f.message)} | ${cell(f.remediation)} |`);
    }
    for (const w of ws) {
      lines.push(`| waived until ${w.waiver.expires} (${cell(w.waiver.owner)}) | \`${w.policy}\` | ${cell(w.resource ?? 'stack')} | ${cell(w.message)} Justification: ${cell(w.waiver.justification)} | |`);
    }
  }
  lines.push('');
  lines.push('## Coverage');
  lines.push('');
  lines.push('Resources each policy was evaluated on (0: nothing of its kind in the program, so nothing was checked).');
  lines.push('');
  lines.push('| Control | Policy | Enforcement | Severity | Requirement | Checked | Mandatory | Advisory | Waived |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const c of report.controls) {
    for (const p of c.policies) lines.push(`| ${c.id} | \`${p.name}\` | ${p.enforcementLevel} | ${p.severity} | ${p.pci} | ${p.checked} | ${p.mandatory} | ${p.advisory} | ${p.waived} |`);
  }
  lines.push('');
  lines.push('## Waivers');
  lines.push('');
  if (report.waivers.length === 0) {
    lines.push('No waivers are committed (`policy-pack/waivers.json`).');
  } else {
    lines.push('| Policy | Resource | Owner | Expires | Status | Justification |');
    lines.push('|---|---|---|---|---|---|');
    for (const w of report.waivers) lines.push(`| \`${w.policy}\` | ${cell(w.resource)} | ${cell(w.owner)} | ${w.expires} | ${w.status} | ${cell(w.justification)} |`);
  }
  lines.push('');
  return lines.join('\n');
}
