/**
 * The one World of the verification suite: typed parameters, the target answering the current
 * scenario, the stack's budget, time-scale arithmetic and evidence helpers. Step definitions keep
 * their state in `this.state`, never in ad-hoc fields.
 */
import { randomUUID } from 'node:crypto';
import { setWorldConstructor, World, type IWorldOptions } from '@cucumber/cucumber';
import { sleep } from './http';
import { resolveParameters, type DrParameters } from './parameters';
import type {
  AccessAnswer,
  AlarmFacts,
  BucketFacts,
  Capability,
  DrBudget,
  DrTarget,
  FunctionFacts,
  PaymentReceipt,
  PaymentRequest,
  QueueFacts,
  RegionPair,
  StoredPayment,
  TableFacts,
  TargetDescription,
} from './targets/target';

/** Media types of the attachments the summary reads back: the service contract's (contract/evidence.ts). */
export { MEASUREMENT_MEDIA_TYPE, TARGET_MEDIA_TYPE as TARGET_ATTACHMENT_MEDIA_TYPE } from '../../contract/evidence';
import { MEASUREMENT_MEDIA_TYPE, TARGET_MEDIA_TYPE as TARGET_ATTACHMENT_MEDIA_TYPE } from '../../contract/evidence';

export interface AcceptedPayment {
  request: PaymentRequest;
  receipt: PaymentReceipt;
  /** Region whose API accepted it. */
  region: string;
  /** Wall-clock time the API answered (ms since epoch). */
  acceptedAt: number;
}

export interface Measurement {
  /** What was measured, e.g. "replication lag us-east-1 -> us-east-2". */
  name: string;
  wallClockMs: number;
  /**
   * The figure, in seconds of the clock named by `clock`: `real-time` = wall-clock seconds (live, or a
   * phenomenon the sandbox runs unscaled such as replication); `modelled` = wall-clock / time scale
   * (health checks and failover the sandbox runs at `timeScale`).
   */
  seconds: number;
  clock: 'real-time' | 'modelled';
  /** The bound it is judged against, seconds of the same clock. */
  limitSeconds?: number;
  budgetSeconds?: number;
  timeScale: number;
  /** The budget (`rto`/`rpo`) it is judged against, the terms it exercised and those it did not. */
  judgedAgainst?: { budget: 'rto' | 'rpo'; exercised: string[]; notExercised: Array<{ term: string; why: string }> };
}

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
  private answering?: DrTarget;
  private describedTarget?: TargetDescription;
  private stackBudget?: DrBudget;
  readonly state: ScenarioState = { payments: [], alarmsByRegion: new Map(), matchedAlarms: [] };
  readonly measurements: Measurement[] = [];

  constructor(options: IWorldOptions<DrParameters>) {
    super(options);
    this.params = resolveParameters(options.parameters);
  }

  /** Async set-up, called from the Before hook. */
  async useTarget(target: DrTarget, capability: Capability): Promise<void> {
    this.answering = target;
    this.describedTarget = target.describe();
    this.stackBudget = await target.budget();
    this.attach(
      JSON.stringify({ capability, ...this.describedTarget, budget: this.stackBudget }, null, 2),
      { mediaType: TARGET_ATTACHMENT_MEDIA_TYPE, fileName: 'answered-by.json' },
    );
    this.log(`Answered by the ${this.describedTarget.kind} target: ${this.describedTarget.summary}`);
  }

  get target(): DrTarget {
    if (!this.answering) throw new Error('no target answers this scenario (is it tagged @runtime or @configuration?)');
    return this.answering;
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

  /** Which terms of the stack's `budget` breakdown this target exercises, and which it does not (with why). */
  budgetTerms(budget: 'rto' | 'rpo'): NonNullable<Measurement['judgedAgainst']> {
    const terms = budget === 'rto' ? ['detectionSeconds', 'propagationSeconds', 'dnsCacheSeconds'] : ['replicationLagBoundSeconds', 'alarmWindowSeconds'];
    const present = terms.filter((t) => t in this.budget.breakdown || this.description.notExercised.some((n) => n.term === t));
    const notExercised = this.description.notExercised.filter((n) => n.term === 'all' || present.includes(n.term));
    const all = notExercised.some((n) => n.term === 'all');
    return { budget, exercised: all ? [] : present.filter((t) => !notExercised.some((n) => n.term === t)), notExercised };
  }

  /** Every figure says its clock: "12.300 s real time", or "246.0 s modelled at time scale 0.05 (12.300 s wall-clock)". */
  formatSeconds(m: Measurement): string {
    if (m.clock === 'real-time') {
      return this.timeScale === 1 ? `${m.seconds.toFixed(3)} s real time` : `${m.seconds.toFixed(3)} s real time (the wait was bounded at time scale ${this.timeScale})`;
    }
    return `${m.seconds.toFixed(1)} s modelled at time scale ${m.timeScale} (${(m.wallClockMs / 1000).toFixed(3)} s wall-clock)`;
  }

  /** "; not exercised here: propagationSeconds (why), ..." for a measurement judged against a budget. */
  notExercisedNote(m: Measurement): string {
    const missing = m.judgedAgainst?.notExercised ?? [];
    return missing.length === 0 ? '' : `; not exercised on this target: ${missing.map((n) => `${n.term} (${n.why})`).join('; ')}`;
  }

  otherRegion(region: string): string {
    return region === this.regions.primary ? this.regions.secondary : this.regions.primary;
  }

  /** "primary" / "DR" in step text to region names. */
  regionByRole(role: string): string {
    if (role === 'primary') return this.regions.primary;
    if (role === 'DR' || role === 'secondary' || role === 'disaster-recovery') return this.regions.secondary;
    throw new Error(`unknown region role "${role}" (use primary or DR)`);
  }
}

setWorldConstructor(DrWorld);
