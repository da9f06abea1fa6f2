/**
 * The `plan` target: the Pulumi program's planned resources, captured offline under mocks by the
 * policy pack's capture module (`capturePlan({ program, stack })`, which runs the program in a
 * child process). Answers the configuration scenarios — alarms, IAM, billing mode, encryption,
 * versioning, public access, queues, point-in-time recovery — with the same resource inputs a
 * `pulumi preview` would send; it cannot send traffic.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { capturePlanDetailed, type PlannedResource as CapturedResource } from '../../../policy-pack/offline/capture';
import { loadStackSettings, REPO_ROOT } from '../../../infra/settings';
import { budgetFromOutputs, budgetFromSettings } from '../budget';
import { drRegionOf } from '../settings';
import { isObject, str } from '../http';
import { evaluate } from '../iamEvaluator';
import { alarmsOf, bucketsOf, functionsOf, Plan, policiesOfRole, queuesOf, tableOf, type PlannedResource } from './planFacts';
import { regionalResourcesFromFunctions } from './facts';
import type {
  AccessAnswer,
  AccessQuestion,
  AlarmFacts,
  BucketFacts,
  Capability,
  ConfigurationTarget,
  DrBudget,
  FunctionFacts,
  QueueFacts,
  RegionalResources,
  TableFacts,
  TargetDescription,
} from './target';

export interface PlanTargetOptions {
  /** Program to capture, relative to the repository root or absolute. */
  program: string;
  stack: string;
  /** Injected capture (tests); default: the policy pack's capture. */
  capture?: CapturePlan;
  /** A capture saved earlier with `saveCapture` (read instead of capturing). */
  captureFile?: string;
}

/** A program's planned resources and stack outputs, as captured (and as saved for `captureFile`). */
export interface SavedCapture {
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
}

/** Captures a program's planned resources and stack outputs (default: the policy pack's capture). */
export type CapturePlan = (args: { program: string; stack: string }) => Promise<SavedCapture>;

/** The policy pack's offline capture (policy-pack/offline/capture.ts), normalised to the facts' view. */
export const policyPackCapture: CapturePlan = async ({ program, stack }) => {
  const captured = await capturePlanDetailed({ program, stack });
  return { resources: captured.resources.map(fromCaptured), outputs: captured.outputs };
};

/** Captures a program and saves the result for `captureFile` (used by tests to capture fixtures in parallel). */
export async function saveCapture(program: string, stack: string, file: string): Promise<SavedCapture> {
  const captured = await policyPackCapture({ program: isAbsolute(program) ? program : resolve(REPO_ROOT, program), stack });
  await writeFile(file, JSON.stringify(captured));
  return captured;
}

async function readCapture(file: string): Promise<SavedCapture> {
  const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (!isObject(parsed) || !Array.isArray(parsed.resources)) throw new Error(`${file} is not a saved plan capture`);
  return { resources: parsed.resources as unknown as PlannedResource[], outputs: isObject(parsed.outputs) ? parsed.outputs : {} };
}

export function fromCaptured(r: CapturedResource): PlannedResource {
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    inputs: r.inputs,
    region: r.region,
    options: { ...r.options, ...(r.provider ? { provider: r.provider } : {}) },
    id: str(r.outputs.id),
    state: r.outputs,
  };
}

export class PlanTarget implements ConfigurationTarget {
  readonly kind = 'plan' as const;
  readonly capabilities: readonly Capability[] = ['configuration'];
  private plan?: Plan;
  private outputs: Record<string, unknown> = {};
  private readonly programPath: string;

  constructor(private readonly options: PlanTargetOptions) {
    this.programPath = isAbsolute(options.program) ? options.program : resolve(REPO_ROOT, options.program);
  }

  async open(): Promise<void> {
    if (this.plan) return;
    const settings = loadStackSettings(this.options.stack);
    const capture = this.options.capture ?? policyPackCapture;
    const { resources, outputs } = this.options.captureFile
      ? await readCapture(this.options.captureFile)
      : await capture({ program: this.programPath, stack: this.options.stack });
    if (resources.length === 0) throw new Error(`capturing ${this.options.program} declared no resources`);
    this.plan = new Plan(resources, settings.primaryRegion);
    this.outputs = outputs;
  }

  async close(): Promise<void> {
    this.plan = undefined;
  }

  private get p(): Plan {
    if (!this.plan) throw new Error('the plan target is not open');
    return this.plan;
  }

  describe(): TargetDescription {
    const settings = loadStackSettings(this.options.stack);
    return {
      kind: 'plan',
      summary: `planned resources of ${this.options.program} (stack ${this.options.stack}) under Pulumi mocks: ${this.p.resources.length} resources`,
      stack: this.options.stack,
      regions: { primaryRegion: settings.primaryRegion, drRegion: drRegionOf(settings) },
      account: 'mock',
      timeScale: 1,
      notExercised: [{ term: 'all', why: 'the plan target answers configuration questions only; it runs nothing' }],
      replication: 'not exercised (configuration only)',
    };
  }

  /** The budget the program exports (`drBudget`), else computed from the stack settings. */
  async budget(): Promise<DrBudget> {
    return budgetFromOutputs(this.outputs) ?? budgetFromSettings(loadStackSettings(this.options.stack));
  }

  async alarms(region: string): Promise<AlarmFacts[]> {
    return alarmsOf(this.p, region);
  }

  async table(): Promise<TableFacts> {
    return tableOf(this.p);
  }

  async buckets(): Promise<BucketFacts[]> {
    return bucketsOf(this.p);
  }

  async queues(): Promise<QueueFacts[]> {
    return queuesOf(this.p);
  }

  async regionalResources(region: string): Promise<RegionalResources> {
    const functions = functionsOf(this.p, region);
    const api = this.p.ofType('aws:apigateway/restApi:RestApi').find((a) => this.p.regionOf(a) === region);
    const base = regionalResourcesFromFunctions(region, functions, '123456789012', api ? this.p.physicalName(api) : undefined);
    const dlq = queuesOf(this.p).find((q) => q.region === region && q.isDeadLetterQueue);
    return { ...base, deadLetterQueueArn: dlq ? `arn:aws:sqs:${region}:${base.accountId}:${dlq.name}` : undefined };
  }

  async simulate(fn: FunctionFacts, questions: AccessQuestion[]): Promise<AccessAnswer[]> {
    const { documents, unknown } = policiesOfRole(this.p, fn.roleArn);
    if (unknown.length > 0) throw new Error(`${fn.name}'s role attaches managed policies the plan cannot read: ${unknown.join(', ')}`);
    return Promise.all(questions.map((q) => evaluate(documents, q, fn.roleArn)));
  }
}
