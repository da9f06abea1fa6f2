/**
 * The auditor's view: one HTML document (`reports/verification.html`) whose first screen answers, per
 * control of the catalog, what was verified against what:
 * - the verdict at runtime (the verification suite: passed, failed, skipped, not applicable, not
 *   verified here), the scenarios behind it and, per scenario, the target that answered, its time
 *   scale and what it checked;
 * - the verdict before deployment (the policy gate's `policy-report.json`: pass, fail, advisory, not
 *   applicable), with the program and stack it was computed on;
 * - the PCI DSS v4.0 requirements the control serves;
 * - the run: stack, profile, commit, start and finish in UTC.
 * Below the first screen, per control, the evidence of both: gate findings with their remediation,
 * scenario measurements with their clock (real time or modelled at a time scale), the budget terms
 * judged and those the target did not exercise. Cucumber's own report, with every step and
 * attachment, is linked (`verification-details.html`). Pure: a summary and a gate report in, HTML out.
 */
import { CONTROL_IDS, CONTROLS } from '../../policy-pack/controls';
import type { GateReport } from '../gate/report';
import type { ControlVerdict, MeasurementRecord, ScenarioSummary, VerificationSummary } from './summary';

/** PCI DSS v4.0 requirements per control (from the policies' metadata), passed in to keep this module pure. */
export type RequirementsByControl = Record<string, string[]>;

const esc = (text: unknown): string =>
  String(text ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

const RUNTIME_LABEL: Record<ControlVerdict, string> = {
  passed: 'passed',
  failed: 'FAILED',
  skipped: 'skipped: not verified here',
  'not-applicable': 'not applicable (nothing to check)',
  'not-verified-here': 'not verified here',
};

/**
 * Every figure says what it is: its clock (real time, or modelled at a time scale with the
 * wall-clock it took), its bounds, the budget terms (infra/budget.ts) it is judged against and those
 * the target did not exercise, and so which guarantee it does not prove. E.g.
 * "failover time: 123.0 s modelled at time scale 0.05 (6.150 s wall-clock) (limit 900 s, stack budget
 * 150 s); judged against the RTO budget terms detectionSeconds; not exercised on this target:
 * dnsCacheSeconds (why); so it does not prove the stack's RTO budget".
 */
export function describeFigure(m: MeasurementRecord): string {
  const figure =
    m.clock === 'modelled'
      ? `${m.seconds.toFixed(1)} s modelled at time scale ${m.timeScale} (${(m.wallClockMs / 1000).toFixed(3)} s wall-clock)`
      : `${m.seconds.toFixed(3)} s real time${m.timeScale !== 1 ? ` (not scaled; the wait was bounded at time scale ${m.timeScale})` : ''}`;
  const bounds = [m.limitSeconds !== undefined ? `limit ${m.limitSeconds} s` : '', m.budgetSeconds !== undefined ? `stack budget ${m.budgetSeconds} s` : ''].filter(Boolean).join(', ');
  const j = m.judgedAgainst;
  const budget = j?.budget.toUpperCase();
  const judged = j
    ? `; judged against the ${budget} budget terms ${j.exercised.join(', ') || '(none)'}${
        j.notExercised.length > 0
          ? `; not exercised on this target: ${j.notExercised.map((n) => `${n.term} (${n.why})`).join('; ')}; so it does not prove the stack's ${budget} budget`
          : ''
      }`
    : '; judged against its limit only, no term of the stack\'s budget';
  return `${m.name}: ${figure}${bounds ? ` (${bounds})` : ''}${judged}`;
}

/** "2 regions whose alarms were listed, 6 health check alarm requirements" or "nothing". */
export function describeChecked(s: ScenarioSummary): string {
  const byKind = new Map<string, number>();
  for (const c of s.checked) byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + c.count);
  return byKind.size === 0 ? 'nothing' : [...byKind].map(([kind, n]) => `${n} ${kind}`).join(', ');
}

function target(s: ScenarioSummary): string {
  const a = s.answeredBy;
  if (!a) return 'no target answered';
  return `${a.kind}${a.timeScale !== 1 ? ` at time scale ${a.timeScale}` : ' (real time)'}`;
}

export interface AuditorInputs {
  summary: VerificationSummary;
  /** The policy gate's report, if `npm run gate` wrote one. */
  gate?: GateReport;
  requirements: RequirementsByControl;
  /** File name of Cucumber's detailed report, beside this one. */
  detailsFile: string;
}

export function renderAuditorHtml({ summary, gate, requirements, detailsFile }: AuditorInputs): string {
  const ids = [...new Set<string>([...CONTROL_IDS, ...summary.controls.map((c) => c.id)])];
  const rows = ids.map((id) => {
    const runtime = summary.controls.find((c) => c.id === id);
    const scenarios = summary.scenarios.filter((s) => s.controls.includes(id));
    const preview = gate?.controls.find((c) => c.id === id);
    const title = CONTROLS[id as keyof typeof CONTROLS]?.title ?? runtime?.title ?? id;
    const verdict = runtime?.verdict ?? 'not-verified-here';
    return `<tr class="v-${esc(verdict)}"><td><a href="#${esc(id)}">${esc(id)}</a></td><td>${esc(title)}</td><td>${esc((requirements[id] ?? []).join(', '))}</td>
<td class="verdict">${esc(RUNTIME_LABEL[verdict])}</td><td class="verdict">${preview ? esc(preview.status) : 'gate not run'}</td>
<td>${scenarios.length === 0 ? '<em>no scenario evidences it in this run</em>' : `<ul>${scenarios.map((s) => `<li>${esc(s.name)} — <b>${esc(s.status)}</b>, ${esc(target(s))}, checked ${esc(describeChecked(s))}${s.reason ? ` (${esc(s.reason)})` : ''}</li>`).join('')}</ul>`}</td></tr>`;
  });
  const targets = Object.entries(summary.targets)
    .map(([kind, t]) => `<li><b>${esc(kind)}</b>: ${esc(t.summary)} — ${t.scenarios} scenario(s)${summary.timeScale[kind] !== undefined && summary.timeScale[kind] !== 1 ? `, time scale ${summary.timeScale[kind]} (figures modelled unless marked real time)` : ', real time'}</li>`)
    .join('');
  const details = ids.map((id) => {
    const scenarios = summary.scenarios.filter((s) => s.controls.includes(id));
    const findings = gate?.findings.filter((f) => f.control === id) ?? [];
    const preview = gate?.controls.find((c) => c.id === id);
    const title = CONTROLS[id as keyof typeof CONTROLS]?.title ?? id;
    return `<section id="${esc(id)}"><h3>${esc(id)} ${esc(title)}</h3>
<h4>Before deployment (policy gate${gate ? ` on ${esc(gate.program)}, stack ${esc(gate.stack)}, ${esc(gate.generatedAt)}` : ''})</h4>
${
  !preview
    ? '<p>The policy gate was not run for this report (<code>npm run gate</code> writes reports/policy-report.json).</p>'
    : `<p>Status: <b>${esc(preview.status)}</b>. Policies: ${preview.policies.map((p) => `<code>${esc(p.name)}</code> (checked ${p.checked}, ${p.mandatory} mandatory, ${p.advisory} advisory, ${p.waived} waived)`).join('; ')}.</p>
${findings.length === 0 ? '<p>No findings.</p>' : `<table><tr><th>Level</th><th>Policy</th><th>Resource</th><th>Finding</th><th>Remediation</th></tr>${findings.map((f) => `<tr><td>${esc(f.kind === 'unknown' ? 'advisory (unknown until apply)' : f.level)}</td><td><code>${esc(f.policy)}</code></td><td>${esc(f.resource ?? 'stack')}</td><td>${esc(f.message)}</td><td>${esc(f.remediation)}</td></tr>`).join('')}</table>`}`
}
<h4>At runtime (verification suite)</h4>
${
  scenarios.length === 0
    ? '<p>No scenario of this run evidences this control: not verified here.</p>'
    : `<ul>${scenarios
        .map(
          (s) =>
            `<li><b>${esc(s.status)}</b> ${esc(s.name)} — answered by ${esc(s.answeredBy?.summary ?? 'no target')} (${esc(target(s))}); checked ${esc(describeChecked(s))}${s.reason ? `; ${esc(s.reason)}` : ''}${s.error ? `<br><code>${esc(s.error)}</code>` : ''}${
              s.measurements.length > 0 ? `<ul>${s.measurements.map((m) => `<li>${esc(describeFigure(m))}</li>`).join('')}</ul>` : ''
            }</li>`,
        )
        .join('')}</ul>`
}</section>`;
  });
  const gateLine = gate
    ? `Policy gate: <b>${esc(gate.result.toUpperCase())}</b> on <code>${esc(gate.program)}</code>, stack <code>${esc(gate.stack)}</code>, ${esc(gate.generatedAt)}${gate.stack !== summary.stack ? ` — <b>note: a different stack than this verification run (${esc(summary.stack)})</b>` : ''}`
    : 'Policy gate: not run for this report';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DR verification — ${esc(summary.stack)} — ${esc(summary.result)}</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5em;max-width:1400px}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
.v-failed .verdict:first-of-type{background:#fdd}.v-passed .verdict:first-of-type{background:#dfd}.v-skipped .verdict:first-of-type,.v-not-applicable .verdict:first-of-type,.v-not-verified-here .verdict:first-of-type{background:#eee}ul{margin:0;padding-left:1.2em}</style></head>
<body>
<h1>DR verification: ${esc(summary.result.toUpperCase())}</h1>
<p>Stack <b>${esc(summary.stack)}</b> · profile <b>${esc(summary.profile)}</b> · commit <code>${esc(summary.commit)}</code> · started ${esc(summary.startedAt)} · finished ${esc(summary.finishedAt)} (UTC) · account ${esc(summary.account)}${summary.regions ? ` · regions ${esc(summary.regions.primaryRegion)} (primary), ${esc(summary.regions.drRegion)} (DR)` : ''}</p>
<p>Targets that answered: </p><ul>${targets || '<li>none</li>'}</ul>
<p>${gateLine}</p>
<h2>Controls</h2>
<table><tr><th>Control</th><th>Title</th><th>PCI DSS v4.0</th><th>Runtime (this run)</th><th>Before deployment (gate)</th><th>Scenarios (status, target, time scale)</th></tr>
${rows.join('\n')}</table>
<p>Runtime verdicts: passed (a scenario checked something and held), FAILED, skipped: not verified here (the target cannot exercise it), not applicable (its scenarios passed having checked nothing), not verified here (no scenario of this run evidences it). Gate verdicts: pass, fail, advisory, not applicable (nothing of its kind in the program).</p>
<h2>Evidence per control</h2>
${details.join('\n')}
<p>Every step and attachment: <a href="${esc(detailsFile)}">${esc(detailsFile)}</a> (Cucumber's report).</p>
</body></html>
`;
}

/** JUnit XML with readable names: one testcase per scenario, named after the scenario and the target that answered. */
export function renderJunit(summary: VerificationSummary): string {
  const xml = (t: unknown) => esc(t).replace(/'/g, '&apos;');
  const byFeature = new Map<string, ScenarioSummary[]>();
  for (const s of summary.scenarios) byFeature.set(s.feature, [...(byFeature.get(s.feature) ?? []), s]);
  const suites = [...byFeature].map(([feature, scenarios]) => {
    const cases = scenarios.map((s) => {
      const name = `${s.name} [${target(s)}]`;
      const body =
        s.status === 'passed'
          ? ''
          : s.status === 'skipped' || s.status === 'not-applicable'
            ? `<skipped message="${xml(s.reason ?? s.status)}"/>`
            : `<failure message="${xml(s.error ?? s.status)}" type="${xml(s.status)}">${xml(s.error ?? s.status)}</failure>`;
      const props = s.answeredBy
        ? `<properties><property name="target" value="${xml(s.answeredBy.kind)}"/><property name="target.summary" value="${xml(s.answeredBy.summary)}"/><property name="timeScale" value="${s.answeredBy.timeScale}"/></properties>`
        : '';
      return `    <testcase classname="${xml(feature)}" name="${xml(name)}">${props}${body}</testcase>`;
    });
    const failures = scenarios.filter((s) => s.status !== 'passed' && s.status !== 'skipped' && s.status !== 'not-applicable').length;
    const skipped = scenarios.filter((s) => s.status === 'skipped' || s.status === 'not-applicable').length;
    return `  <testsuite name="${xml(feature)}" tests="${scenarios.length}" failures="${failures}" skipped="${skipped}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="DR verification (${xml(summary.profile)}, stack ${xml(summary.stack)})">\n${suites.join('\n')}\n</testsuites>\n`;
}
