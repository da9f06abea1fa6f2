/**
 * The JSON summary of a verification run, computed from the Cucumber messages (NDJSON) alone:
 * per-scenario status, the target that answered it, what its steps checked and measured, and a
 * verdict per control of the catalog (policy-pack/controls.ts). Pure; `scripts/verify.ts` writes it.
 *
 * A scenario whose steps all passed but checked nothing (no record, alarm, bucket, region... was
 * looked at) is "not-applicable", never "passed"; a control evidenced only by such scenarios is
 * "not-applicable" too.
 */
import { CONTROLS, isControlId, type ControlId } from '../../policy-pack/controls';
import type { DrBudget } from '../../infra/budget';

import { CHECKED_MEDIA_TYPE, MEASUREMENT_MEDIA_TYPE, SKIPPED_MEDIA_TYPE, TARGET_MEDIA_TYPE } from '../../contract/evidence';

/** Media types of the suite's own attachments (written by features/support/world.ts, read here): the service contract's. */
export { CHECKED_MEDIA_TYPE, MEASUREMENT_MEDIA_TYPE, SKIPPED_MEDIA_TYPE, TARGET_MEDIA_TYPE } from '../../contract/evidence';

export type ScenarioStatus = 'passed' | 'not-applicable' | 'failed' | 'skipped' | 'undefined' | 'pending' | 'ambiguous' | 'unknown';
export type ControlVerdict = 'passed' | 'failed' | 'skipped' | 'not-applicable' | 'not-verified-here';

/** What one step checked: `count` things of `kind` ("alarm requirements", "payment records", "regions"). */
export interface CheckedRecord {
  kind: string;
  count: number;
  detail?: string;
}

export interface AnsweredBy {
  kind: string;
  summary: string;
  stack: string;
  account: string;
  regions: { primaryRegion: string; drRegion: string };
  timeScale: number;
  capability: string;
  /** Budget terms the target does not exercise, with why (features/support/targets/target.ts). */
  notExercised?: Array<{ term: string; why: string }>;
  replication?: string;
  /** The stack's budget (infra/budget.ts) the scenario's figures are judged against. */
  budget?: DrBudget;
}

export interface MeasurementRecord {
  name: string;
  wallClockMs: number;
  /** Seconds of the clock `clock` names: `real-time` (wall-clock) or `modelled` (wall-clock / timeScale). */
  seconds: number;
  clock: 'real-time' | 'modelled';
  limitSeconds?: number;
  budgetSeconds?: number;
  timeScale: number;
  judgedAgainst?: { budget: 'rto' | 'rpo'; exercised: string[]; notExercised: Array<{ term: string; why: string }> };
}

export interface ScenarioSummary {
  name: string;
  feature: string;
  uri: string;
  tags: string[];
  controls: string[];
  status: ScenarioStatus;
  answeredBy?: AnsweredBy;
  measurements: MeasurementRecord[];
  /** What the steps checked; empty for a scenario that looked at nothing. */
  checked: CheckedRecord[];
  /** First failure message, trimmed. */
  error?: string;
  /** Why the scenario was skipped or is not applicable. */
  reason?: string;
}

export interface ControlSummary {
  id: string;
  title: string;
  verdict: ControlVerdict;
  scenarios: string[];
}

export interface RunMeta {
  profile: string;
  stack: string;
  commit: string;
  startedAt: string;
  finishedAt: string;
  tagExpression: string;
}

export interface VerificationSummary {
  schema: 'payments-dr/verification-summary@2';
  result: 'passed' | 'failed';
  profile: string;
  stack: string;
  account: string;
  regions: { primaryRegion: string; drRegion: string } | undefined;
  commit: string;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  tagExpression: string;
  /** Wall-clock seconds per modelled second, per target kind that answered (1 = real time). */
  timeScale: Record<string, number>;
  targets: Record<string, { summary: string; account: string; scenarios: number }>;
  counts: Record<ScenarioStatus, number>;
  controls: ControlSummary[];
  scenarios: ScenarioSummary[];
}

// Minimal views of the message types read here (https://github.com/cucumber/messages).
interface Tag {
  name: string;
}
interface PickleMsg {
  id: string;
  uri: string;
  name: string;
  tags: Tag[];
}
interface TestCaseMsg {
  id: string;
  pickleId: string;
}
interface TestCaseStartedMsg {
  id: string;
  testCaseId: string;
  attempt?: number;
}
interface TestStepFinishedMsg {
  testCaseStartedId: string;
  testStepResult: { status: string; message?: string };
}
interface AttachmentMsg {
  testCaseStartedId?: string;
  mediaType: string;
  body: string;
  contentEncoding?: string;
}
interface TestCaseFinishedMsg {
  testCaseStartedId: string;
  willBeRetried?: boolean;
}
interface GherkinDocumentMsg {
  uri?: string;
  feature?: { name: string };
}

function field<T>(envelope: unknown, key: string): T | undefined {
  if (typeof envelope !== 'object' || envelope === null) return undefined;
  const value = (envelope as Record<string, unknown>)[key];
  return value === undefined ? undefined : (value as T);
}

const SEVERITY: Record<ScenarioStatus, number> = { failed: 6, ambiguous: 5, undefined: 4, pending: 3, unknown: 2, skipped: 1, 'not-applicable': 1, passed: 0 };

function toStatus(raw: string): ScenarioStatus {
  const s = raw.toLowerCase();
  return s === 'passed' || s === 'failed' || s === 'skipped' || s === 'undefined' || s === 'pending' || s === 'ambiguous' ? s : 'unknown';
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** Parses an NDJSON messages file into envelopes (blank lines ignored). */
export function parseNdjson(text: string): unknown[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const parsed = parseJson<unknown>(line);
      if (parsed === undefined) throw new Error(`messages line ${i + 1} is not JSON`);
      return parsed;
    });
}

export function summarise(envelopes: unknown[], meta: RunMeta): VerificationSummary {
  const pickles = new Map<string, PickleMsg>();
  const testCases = new Map<string, TestCaseMsg>();
  const started = new Map<string, TestCaseStartedMsg>();
  const features = new Map<string, string>();
  const steps = new Map<string, TestStepFinishedMsg[]>();
  const attachments = new Map<string, AttachmentMsg[]>();
  const retried = new Set<string>();

  for (const e of envelopes) {
    const doc = field<GherkinDocumentMsg>(e, 'gherkinDocument');
    if (doc?.uri && doc.feature) features.set(doc.uri, doc.feature.name);
    const pickle = field<PickleMsg>(e, 'pickle');
    if (pickle) pickles.set(pickle.id, pickle);
    const tc = field<TestCaseMsg>(e, 'testCase');
    if (tc) testCases.set(tc.id, tc);
    const tcs = field<TestCaseStartedMsg>(e, 'testCaseStarted');
    if (tcs) started.set(tcs.id, tcs);
    const tsf = field<TestStepFinishedMsg>(e, 'testStepFinished');
    if (tsf) steps.set(tsf.testCaseStartedId, [...(steps.get(tsf.testCaseStartedId) ?? []), tsf]);
    const att = field<AttachmentMsg>(e, 'attachment');
    if (att?.testCaseStartedId) attachments.set(att.testCaseStartedId, [...(attachments.get(att.testCaseStartedId) ?? []), att]);
    const tcf = field<TestCaseFinishedMsg>(e, 'testCaseFinished');
    if (tcf?.willBeRetried) retried.add(tcf.testCaseStartedId);
  }

  const scenarios: ScenarioSummary[] = [];
  for (const [startedId, s] of started) {
    if (retried.has(startedId)) continue; // only the final attempt counts
    const tc = testCases.get(s.testCaseId);
    const pickle = tc ? pickles.get(tc.pickleId) : undefined;
    if (!pickle) continue;
    const results = steps.get(startedId) ?? [];
    let status: ScenarioStatus = results.length === 0 ? 'unknown' : 'passed';
    let error: string | undefined;
    for (const r of results) {
      const st = toStatus(r.testStepResult.status);
      if (SEVERITY[st] > SEVERITY[status]) status = st;
      if (st === 'failed' && error === undefined && r.testStepResult.message) error = r.testStepResult.message.split('\n').slice(0, 6).join('\n');
    }
    const atts = attachments.get(startedId) ?? [];
    const answeredBy = atts.filter((a) => a.mediaType === TARGET_MEDIA_TYPE).map((a) => parseJson<AnsweredBy>(a.body)).find((a) => a !== undefined);
    const measurements = atts
      .filter((a) => a.mediaType === MEASUREMENT_MEDIA_TYPE)
      .map((a) => parseJson<MeasurementRecord>(a.body))
      .filter((m): m is MeasurementRecord => m !== undefined);
    const checked = atts
      .filter((a) => a.mediaType === CHECKED_MEDIA_TYPE)
      .map((a) => parseJson<CheckedRecord>(a.body))
      .filter((c): c is CheckedRecord => c !== undefined && typeof c.kind === 'string' && typeof c.count === 'number');
    const skipped = atts
      .filter((a) => a.mediaType === SKIPPED_MEDIA_TYPE)
      .map((a) => parseJson<{ reason?: string }>(a.body)?.reason)
      .find((r): r is string => typeof r === 'string');
    let reason = status === 'skipped' ? skipped : undefined;
    if (status === 'passed' && checked.reduce((n, c) => n + c.count, 0) === 0) {
      status = 'not-applicable';
      reason = 'every step passed but none checked anything (no record, alarm, bucket, queue, role or region was looked at)';
    }
    const tags = pickle.tags.map((t) => t.name);
    scenarios.push({
      name: pickle.name,
      feature: features.get(pickle.uri) ?? pickle.uri,
      uri: pickle.uri,
      tags,
      controls: tags.filter((t) => t.startsWith('@control-')).map((t) => t.slice('@control-'.length)),
      status,
      answeredBy,
      measurements,
      checked,
      error,
      ...(reason ? { reason } : {}),
    });
  }

  const controls: ControlSummary[] = [];
  const ids = new Set<string>([...Object.keys(CONTROLS), ...scenarios.flatMap((s) => s.controls)]);
  for (const id of ids) {
    const of = scenarios.filter((s) => s.controls.includes(id));
    const statuses = of.map((s) => s.status);
    const verdict = controlVerdict(statuses);
    const title = isControlId(id) ? CONTROLS[id as ControlId].title : `(not in the control catalog)`;
    controls.push({ id, title, verdict, scenarios: of.map((s) => `${s.name} [${s.status}]`) });
  }
  controls.sort((a, b) => a.id.localeCompare(b.id));

  const counts: Record<ScenarioStatus, number> = { passed: 0, 'not-applicable': 0, failed: 0, skipped: 0, undefined: 0, pending: 0, ambiguous: 0, unknown: 0 };
  for (const s of scenarios) counts[s.status] += 1;

  const targets: VerificationSummary['targets'] = {};
  const timeScale: Record<string, number> = {};
  for (const s of scenarios) {
    const a = s.answeredBy;
    if (!a) continue;
    const t = targets[a.kind] ?? { summary: a.summary, account: a.account, scenarios: 0 };
    t.scenarios += 1;
    targets[a.kind] = t;
    timeScale[a.kind] = a.timeScale;
  }
  const first = scenarios.find((s) => s.answeredBy)?.answeredBy;
  const accounts = [...new Set(Object.values(targets).map((t) => t.account))];
  const failed = scenarios.some((s) => SEVERITY[s.status] > SEVERITY.skipped) || scenarios.length === 0;
  return {
    schema: 'payments-dr/verification-summary@2',
    result: failed ? 'failed' : 'passed',
    profile: meta.profile,
    stack: meta.stack,
    account: accounts.join(', ') || 'unknown',
    regions: first?.regions,
    commit: meta.commit,
    startedAt: meta.startedAt,
    finishedAt: meta.finishedAt,
    durationSeconds: Math.round((Date.parse(meta.finishedAt) - Date.parse(meta.startedAt)) / 100) / 10,
    tagExpression: meta.tagExpression,
    timeScale,
    targets,
    counts,
    controls,
    scenarios,
  };
}

/**
 * A control's verdict from its scenarios' statuses: not verified here without scenarios; failed when
 * one did not pass, skip or apply; passed when one passed having checked something; not applicable
 * when the rest checked nothing; else skipped (the target could not exercise it: not verified here).
 */
export function controlVerdict(statuses: ScenarioStatus[]): ControlVerdict {
  if (statuses.length === 0) return 'not-verified-here';
  if (statuses.some((s) => SEVERITY[s] > SEVERITY.skipped)) return 'failed';
  if (statuses.includes('passed')) return 'passed';
  if (statuses.every((s) => s === 'not-applicable')) return 'not-applicable';
  return 'skipped';
}
