/**
 * Runs the verification suite in-process through Cucumber's JavaScript API, writes the reports
 * (HTML with evidence, messages NDJSON, JUnit XML) and then the JSON summary computed from the
 * messages file. Used by `scripts/verify.ts` and by the proof tests (which reuse the loaded
 * support code between runs, as the API recommends for several runs in one process).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { controlOf } from '../../policy-pack/lib/policy';
import { BASE_POLICIES } from '../../policy-pack/policies';
import type { GateReport } from '../gate/report';
import { describeChecked, describeFigure, renderAuditorHtml, renderJunit, type RequirementsByControl } from './auditor';
import { PassThrough, type Writable } from 'node:stream';
import { loadConfiguration, runCucumber, type ISupportCodeLibrary } from '@cucumber/cucumber/api';
import { tagExpression, type VerifyOptions } from './options';
import { parseNdjson, summarise, type VerificationSummary } from './summary';

export const REPO_ROOT = resolve(__dirname, '..', '..');

export const REPORT_FILES = {
  /** The auditor's view (scripts/verify/auditor.ts): verdicts per control on the first screen. */
  html: 'verification.html',
  /** Cucumber's own HTML report: every step and attachment. */
  details: 'verification-details.html',
  messages: 'verification.ndjson',
  junit: 'verification.junit.xml',
  summary: 'verification-summary.json',
} as const;

/** PCI DSS requirements per control, from the policies' metadata. */
export function requirementsByControl(): RequirementsByControl {
  const out: RequirementsByControl = {};
  for (const p of BASE_POLICIES) {
    const id = controlOf(p);
    out[id] = [...new Set([...(out[id] ?? []), p.framework.reference])].sort();
  }
  return out;
}

export interface RunRequest extends Omit<VerifyOptions, 'help'> {
  /** Extra world parameters (tests: sandboxControlUrl, planProgram...). */
  worldParameters?: Record<string, string | number | boolean>;
  /** Reuse support code loaded by an earlier run in this process. */
  support?: ISupportCodeLibrary;
  /** Where Cucumber's progress output goes; default process.stdout. `false` discards it. */
  stdout?: Writable | false;
  /** Environment the World reads (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  success: boolean;
  summary: VerificationSummary;
  files: Record<keyof typeof REPORT_FILES, string>;
  support: ISupportCodeLibrary;
}

export function currentCommit(cwd = REPO_ROOT): string {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== '';
    return dirty ? `${sha}+uncommitted-changes` : sha;
  } catch {
    return process.env.GITHUB_SHA ?? 'unknown';
  }
}

export async function runVerification(request: RunRequest): Promise<RunResult> {
  const reportsDir = resolve(REPO_ROOT, request.reportsDir);
  mkdirSync(reportsDir, { recursive: true });
  // The run writes into a staging directory; the reports replace the last ones only once complete.
  const staging = mkdtempSync(join(reportsDir, '.verification-run-'));
  const staged = Object.fromEntries(Object.entries(REPORT_FILES).map(([k, f]) => [k, join(staging, f)])) as Record<keyof typeof REPORT_FILES, string>;
  const files = Object.fromEntries(Object.entries(REPORT_FILES).map(([k, f]) => [k, join(reportsDir, f)])) as Record<keyof typeof REPORT_FILES, string>;
  try {
    return await runInto(request, reportsDir, staged, files);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function runInto(
  request: RunRequest,
  reportsDir: string,
  staged: Record<keyof typeof REPORT_FILES, string>,
  files: Record<keyof typeof REPORT_FILES, string>,
): Promise<RunResult> {
  const env = request.env ?? process.env;
  const { runConfiguration, useConfiguration } = await loadConfiguration(
    { file: 'cucumber.js', profiles: [request.profile] },
    { cwd: REPO_ROOT, env },
  );
  const tags = tagExpression(useConfiguration.tags, request);
  const stack = request.stack ?? env.DR_STACK ?? 'dev';
  const worldParameters = {
    ...runConfiguration.runtime.worldParameters,
    stack,
    ...(request.timeScale !== undefined ? { timeScale: request.timeScale } : {}),
    ...(request.program !== undefined ? { planProgram: request.program } : {}),
    ...(request.drills ? { allowLiveDrills: true } : {}),
    ...(request.worldParameters ?? {}),
  };
  const stdout: Writable = request.stdout === false ? new PassThrough().resume() : (request.stdout ?? process.stdout);
  const startedAt = new Date().toISOString();
  const { success, support } = await runCucumber(
    {
      ...runConfiguration,
      sources: { ...runConfiguration.sources, tagExpression: tags },
      support: request.support ?? runConfiguration.support,
      runtime: { ...runConfiguration.runtime, worldParameters },
      formats: {
        ...runConfiguration.formats,
        publish: false,
        files: { [staged.details]: 'html', [staged.messages]: 'message' },
      },
    },
    { cwd: REPO_ROOT, env, stdout, stderr: process.stderr },
  );
  const finishedAt = new Date().toISOString();
  const summary = summarise(parseNdjson(readFileSync(staged.messages, 'utf8')), {
    profile: request.profile,
    stack,
    commit: currentCommit(),
    startedAt,
    finishedAt,
    tagExpression: tags,
  });
  writeFileSync(staged.summary, `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(staged.junit, renderJunit(summary));
  const gateFile = join(reportsDir, 'policy-report.json');
  const gate = existsSync(gateFile) ? (JSON.parse(readFileSync(gateFile, 'utf8')) as GateReport) : undefined;
  writeFileSync(staged.html, renderAuditorHtml({ summary, gate: gate?.controls ? gate : undefined, requirements: requirementsByControl(), detailsFile: REPORT_FILES.details }));
  for (const key of Object.keys(REPORT_FILES) as Array<keyof typeof REPORT_FILES>) renameSync(staged[key], files[key]);
  return { success: success && summary.result === 'passed', summary, files, support };
}

/** One line per scenario and a verdict per control, for the console. */
export function formatSummary(summary: VerificationSummary): string {
  const lines = [
    `verification ${summary.result.toUpperCase()}: profile ${summary.profile}, stack ${summary.stack}, commit ${summary.commit}`,
    `targets: ${Object.entries(summary.targets)
      .map(([k, t]) => `${k} (${t.scenarios} scenarios${summary.timeScale[k] !== undefined && summary.timeScale[k] !== 1 ? `, time scale ${summary.timeScale[k]}` : ''})`)
      .join(', ')}`,
    `scenarios: ${Object.entries(summary.counts)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ')}`,
  ];
  for (const s of summary.scenarios) {
    lines.push(`  ${s.status.padEnd(14)} [${s.answeredBy?.kind ?? '-'}] ${s.name}; checked ${describeChecked(s)}${s.reason ? ` (${s.reason})` : ''}`);
    for (const m of s.measurements) lines.push(`      ${describeFigure(m)}`);
  }
  lines.push('controls:');
  for (const c of summary.controls) lines.push(`  ${c.verdict.padEnd(17)} ${c.id} ${c.title}`);
  return lines.join('\n');
}
