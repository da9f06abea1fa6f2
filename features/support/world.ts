/**
 * The one World of the verification suite: typed parameters, the target answering the current
 * scenario, the stack's budget, time-scale arithmetic and evidence helpers. Step definitions keep
 * their state in `this.state`, never in ad-hoc fields.
 */
import { randomUUID } from 'node:crypto';
import { setWorldConstructor, World, type IWorldOptions } from '@cucumber/cucumber';
import { budgetTerms, type JudgedAgainst } from './budget';
import { sleep } from './http';
import { resolveParameters, type DrParameters } from './parameters';
import { CHECKED_MEDIA_TYPE, MEASUREMENT_MEDIA_TYPE, SKIPPED_MEDIA_TYPE, TARGET_MEDIA_TYPE, type CheckedRecord, type MeasurementRecord } from '../../scripts/verify/summary';
import {
  capabilityGap,
  hasCapability,
  type AccessAnswer,
  type AlarmFacts,
  type BucketFacts,
  type Capability,
  type ConfigurationTarget,
  type DrBudget,
  type FunctionFacts,
  type PaymentReceipt,
  type PaymentRequest,
  type QueueFacts,
  type RegionPair,
  type RuntimeTarget,
  type StoredPayment,
  type TableFacts,
  type TargetBase,
  type TargetDescription,
} from './targets/target';

export interface AcceptedPayment {
  request: PaymentRequest;
  receipt: PaymentReceipt;
  /** Region whose API accepted it. */
  region: string;
  /** Wall-clock time the API answered (ms since epoch). */
  acceptedAt: number;
}

/** A figure a step measured: its clock, time scale and the budget terms it is judged against (scripts/verify/summary.ts). */
export type Measurement = MeasurementRecord;

export interface AccessRow {
  region: string;
  role: string;
  answer: AccessAnswer;
}

export interface ScenarioState {
  payments: AcceptedPayment[];
  lastPayment?: AcceptedPayment;
  transactionLog?: { key: string; body: string; writtenAt: number; region: string };
  failover?: { failedAt: number; switchedAt?: number; paymentsBefore: AcceptedPayment[] };
  alarmsByRegion: Map<string, AlarmFacts[]>;
  /** The alarms a Then step matched to requirements (checked for actions by the next step). */
  matchedAlarms: AlarmFacts[];
  /** What the scenario inspects (Given) and what was read about it (When). */
  subject?: 'table' | 'buckets' | 'queues';
  table?: TableFacts;
  buckets?: BucketFacts[];
  queues?: QueueFacts[];
  functionUnderTest?: { logicalName: string; perRegion: FunctionFacts[] };
  access?: { mustAllow: AccessRow[]; mustDeny: AccessRow[] };
  replicated?: StoredPayment;
}

export class DrWorld extends World<DrParameters> {
  readonly params: DrParameters;
  /** The target answering this scenario (set in Before from the scenario's capability tag). */
  private answering?: TargetBase;
  private describedTarget?: TargetDescription;
  private stackBudget?: DrBudget;
  readonly state: ScenarioState = { payments: [], alarmsByRegion: new Map(), matchedAlarms: [] };
  readonly measurements: Measurement[] = [];
  /** What the steps of this scenario checked, per kind (records, alarms, buckets, ...). */
  readonly checked: CheckedRecord[] = [];

  constructor(options: IWorldOptions<DrParameters>) {
    super(options);
    this.params = resolveParameters(options.parameters);
  }

  /**
   * Async set-up, called from the Before hook. Returns why the target cannot answer this scenario
   * (it lacks the capability the scenario needs), or undefined when it can.
   */
  async useTarget(target: TargetBase, capability: Capability): Promise<string | undefined> {
    this.answering = target;
    this.describedTarget = target.describe();
    this.stackBudget = await target.budget();
    this.attach(
      JSON.stringify({ capability, ...this.describedTarget, budget: this.stackBudget }, null, 2),
      { mediaType: TARGET_MEDIA_TYPE, fileName: 'answered-by.json' },
    );
    const gap = capabilityGap(target, capability);
    if (gap) return gap;
    this.log(`Answered by the ${this.describedTarget.kind} target: ${this.describedTarget.summary}`);
    return undefined;
  }

  /** The answering target as a runtime target (sends payments, fails over); throws when it is not one. */
  get runtime(): RuntimeTarget {
    const t = this.answeringTarget;
    if (!hasCapability(t, 'runtime')) throw new Error(`the ${t.kind} target cannot run the stack (tag the scenario @configuration, or route @runtime to sandbox or live)`);
    return t;
  }

  /** The answering target as a configuration target (reads resource configuration); throws when it is not one. */
  get configuration(): ConfigurationTarget {
    const t = this.answeringTarget;
    if (!hasCapability(t, 'configuration')) throw new Error(`the ${t.kind} target cannot read configuration (tag the scenario @runtime, or route @configuration to plan or live)`);
    return t;
  }

  /**
   * Skips the scenario with `reason` (attached for the summary, which reports it as skipped: not
   * verified here). Return its result from the step or hook: `return this.skip(...)`.
   */
  skip(reason: string): 'skipped' {
    this.attach(JSON.stringify({ reason }), { mediaType: SKIPPED_MEDIA_TYPE, fileName: 'skipped.json' });
    this.log(`Skipped: ${reason}.`);
    return 'skipped';
  }

  private get answeringTarget(): TargetBase {
    if (!this.answering) throw new Error('no target answers this scenario (is it tagged @runtime or @configuration?)');
    return this.answering;
  }

  /**
   * Records what a step checked: `count` things of `kind` (e.g. 2 "regions", 6 "alarms", 1
   * "payment records"). A scenario that passed having checked nothing is not applicable, never
   * passed (scripts/verify/summary.ts).
   */
  recordChecked(kind: string, count: number, detail?: string): void {
    const record: CheckedRecord = { kind, count, ...(detail ? { detail } : {}) };
    this.checked.push(record);
    this.attach(JSON.stringify(record), { mediaType: CHECKED_MEDIA_TYPE, fileName: `checked-${kind.replace(/[^a-z0-9]+/gi, '-')}.json` });
  }

  get description(): TargetDescription {
    if (!this.describedTarget) throw new Error('no target described');
    return this.describedTarget;
  }

  get regions(): RegionPair {
    return this.description.regions;
  }

  get budget(): DrBudget {
    if (!this.stackBudget) throw new Error('no budget loaded');
    return this.stackBudget;
  }

  get timeScale(): number {
    return this.description.timeScale;
  }

  /** Wall-clock milliseconds that model `seconds` on this target. */
  wallMs(seconds: number): number {
    return seconds * 1000 * this.timeScale;
  }

  /** Modelled seconds that `wallMs` stand for on this target. */
  modelled(wallMs: number): number {
    return wallMs / 1000 / this.timeScale;
  }

  /** How often to poll: a quarter of a modelled second, at least 10 ms, at most 1 s. */
  get pollIntervalMs(): number {
    return Math.min(1000, Math.max(10, this.wallMs(0.25)));
  }

  newPayment(reference: string): PaymentRequest {
    return {
      merchantId: 'merchant-dr-verification',
      idempotencyKey: randomUUID(),
      amount: 1234,
      currency: 'USD',
      reference: `dr-verification ${reference}`.slice(0, 64),
    };
  }

  /**
   * How often to probe the failover endpoint: on live every 2 s, well inside Route 53's API rate
   * limit (5 requests per second per account) yet a fraction of the 10 s health-check interval.
   */
  get failoverProbeIntervalMs(): number {
    return this.timeScale === 1 ? 2_000 : this.pollIntervalMs;
  }

  /**
   * Polls `probe` until it returns a value or `limitSeconds` (modelled) elapse. Returns the value
   * and the wall-clock time it took, or undefined on timeout.
   */
  async pollFor<T>(limitSeconds: number, probe: () => Promise<T | undefined>, intervalMs = this.pollIntervalMs): Promise<{ value: T; wallClockMs: number } | undefined> {
    const started = Date.now();
    const deadline = started + this.wallMs(limitSeconds);
    for (;;) {
      const value = await probe();
      if (value !== undefined) return { value, wallClockMs: Date.now() - started };
      if (Date.now() >= deadline) return undefined;
      await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
    }
  }

  /** Records a measurement and attaches it (JSON) to the report as evidence. */
  measure(
    name: string,
    wallClockMs: number,
    bounds: { limitSeconds?: number; budgetSeconds?: number; realTime?: boolean; budget?: 'rto' | 'rpo' } = {},
  ): Measurement {
    const realTime = bounds.realTime === true || this.timeScale === 1;
    const m: Measurement = {
      name,
      wallClockMs,
      seconds: Number((realTime ? wallClockMs / 1000 : this.modelled(wallClockMs)).toFixed(3)),
      clock: realTime ? 'real-time' : 'modelled',
      limitSeconds: bounds.limitSeconds,
      budgetSeconds: bounds.budgetSeconds,
      timeScale: this.timeScale,
      ...(bounds.budget ? { judgedAgainst: this.budgetTerms(bounds.budget) } : {}),
    };
    this.measurements.push(m);
    this.attach(JSON.stringify(m, null, 2), { mediaType: MEASUREMENT_MEDIA_TYPE, fileName: `${name.replace(/[^a-z0-9]+/gi, '-')}.json` });
    return m;
  }

  /** Attaches a JSON evidence document. */
  evidence(title: string, data: unknown): void {
    this.attach(JSON.stringify(data, null, 2), { mediaType: 'application/json', fileName: `${title.replace(/[^a-z0-9]+/gi, '-')}.json` });
  }

  /** Which terms of the stack's RTO or RPO budget (infra/budget.ts) this target exercises, and which it does not (with why). */
  budgetTerms(budget: 'rto' | 'rpo'): JudgedAgainst {
    return budgetTerms(budget, this.description);
  }

  /** Every figure says its clock: "12.300 s real time", or "246.0 s modelled at time scale 0.05 (12.300 s wall-clock)". */
  formatSeconds(m: Measurement): string {
    if (m.clock === 'real-time') {
      return this.timeScale === 1 ? `${m.seconds.toFixed(3)} s real time` : `${m.seconds.toFixed(3)} s real time (the wait was bounded at time scale ${this.timeScale})`;
    }
    return `${m.seconds.toFixed(1)} s modelled at time scale ${m.timeScale} (${(m.wallClockMs / 1000).toFixed(3)} s wall-clock)`;
  }

  /** "; not exercised here: propagationSeconds (why), ..." for a measurement judged against a budget. */
  notExercisedNote(m: Pick<Measurement, 'judgedAgainst'>): string {
    const missing = m.judgedAgainst?.notExercised ?? [];
    return missing.length === 0 ? '' : `; not exercised on this target: ${missing.map((n) => `${n.term} (${n.why})`).join('; ')}`;
  }

  otherRegion(region: string): string {
    return region === this.regions.primaryRegion ? this.regions.drRegion : this.regions.primaryRegion;
  }

  /** "primary" / "DR" in step text to region names. */
  regionByRole(role: string): string {
    if (role === 'primary') return this.regions.primaryRegion;
    if (role === 'DR') return this.regions.drRegion;
    throw new Error(`unknown region role "${role}" (use primary or DR)`);
  }
}

setWorldConstructor(DrWorld);
