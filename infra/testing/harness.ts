/**
 * Runs the real Pulumi program under the one mock AWS, in-process, through the one capture harness
 * the policy gate also uses (`policy-pack/offline/programRun.ts`), and records everything it
 * declares: every resource registration (type, name, inputs, resolved state), every resource's
 * options (captured by a stack transformation, since mocks never see options) and the stack outputs.
 *
 * One program run per process: Pulumi's runtime state and Node's module cache are global, so each
 * stack configuration runs in its own test file (node --test runs files in separate processes).
 * Reusable by other suites (policy pack, verification): `await runProgram({ stack: 'dev' })`.
 */
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { MOCK_ACCOUNT_ID } from '../../policy-pack/offline/mocks';
import { loadProgram, startMockRun } from '../../policy-pack/offline/programRun';
import { readStackConfig } from '../../policy-pack/offline/project';
import { PROJECT, REPO_ROOT } from '../settings';

export { MOCK_ACCOUNT_ID };

export interface RecordedResource {
  /** Pulumi type token, e.g. `aws:dynamodb/table:Table` or `payments-dr:database:GlobalTable`. */
  type: string;
  /** Logical (Pulumi) name. */
  name: string;
  /** Inputs exactly as the program passed them (Outputs resolved). */
  inputs: Record<string, any>;
  /** State the mock returned (inputs plus computed attributes such as `arn`). */
  state: Record<string, any>;
  /** Physical id the mock assigned. */
  id: string;
  /** false for component resources. */
  custom: boolean;
  /** Top-level input keys that were marked secret (their values are unwrapped in `inputs`). */
  secretInputs: string[];
}

export interface CapturedOptions {
  type: string;
  name: string;
  protect?: boolean;
  retainOnDelete?: boolean;
  ignoreChanges?: string[];
  /** Logical names of the explicit `dependsOn` resources. */
  dependsOn: string[];
  hasParent: boolean;
}

export interface ProgramRun {
  stack: string;
  /** Raw config the run used (`payments-dr:<key>` and `aws:region`). */
  config: Record<string, string>;
  resources: RecordedResource[];
  options: CapturedOptions[];
  outputs: Record<string, any>;
}

export interface RunProgramOptions {
  /** Committed stack file to use: `Pulumi.<stack>.yaml`. Default `dev`. */
  stack?: string;
  /** Config values (short keys) overriding the stack file's. Default none. */
  overrides?: Record<string, string>;
  /** Module that declares the resources. Default the program's entry `infra/index.ts`. */
  entry?: string;
  /** Run as a preview (unknown computed values). Default false. */
  preview?: boolean;
  /**
   * Run inside a root stack resource, capturing resource options and outputs. Default true.
   * false imports the entry directly: a program error then rejects `runProgram` once, without the
   * root stack's own duplicate rejection (use it to assert refusals).
   */
  rootStack?: boolean;
}

/** Full config map of a committed stack file, keys with their namespace (the one stack-file reader, policy-pack/offline/project.ts). */
export function stackConfig(stack: string, overrides: Record<string, string> = {}): Record<string, string> {
  const out = { ...readStackConfig(join(REPO_ROOT, `Pulumi.${stack}.yaml`), PROJECT).values };
  for (const [key, value] of Object.entries(overrides)) out[key.includes(':') ? key : `${PROJECT}:${key}`] = value;
  return out;
}

/** Logical names of plain `dependsOn` resources (the program never passes Outputs there). */
function dependencyNames(dependsOn: pulumi.ResourceOptions['dependsOn']): string[] {
  if (dependsOn === undefined) return [];
  const list = Array.isArray(dependsOn) ? dependsOn : [dependsOn];
  return list.map((d) => (d instanceof pulumi.Resource ? String((d as unknown as { __name?: string }).__name) : '<output>'));
}

export async function runProgram(options: RunProgramOptions = {}): Promise<ProgramRun> {
  const stack = options.stack ?? 'dev';
  const config = stackConfig(stack, options.overrides);
  const captured: CapturedOptions[] = [];
  const run = await startMockRun({
    project: PROJECT,
    stack,
    config,
    defaultRegion: config['aws:region'] ?? 'us-east-1',
    dryRun: options.preview ?? false,
    mocksPreview: false,
    strictInvokes: true,
  });
  // The same array the mocks keep appending to: `settle` watches it grow.
  const resources = run.mocked as RecordedResource[];

  const entry = options.entry ?? join(REPO_ROOT, 'infra', 'index.ts');
  if (options.rootStack === false) {
    return { stack, config, resources, options: captured, outputs: await loadProgram(entry) };
  }
  const exported = await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      captured.push({
        type: args.type,
        name: args.name,
        protect: args.opts.protect,
        retainOnDelete: args.opts.retainOnDelete,
        ignoreChanges: args.opts.ignoreChanges,
        dependsOn: dependencyNames(args.opts.dependsOn),
        hasParent: args.opts.parent !== undefined,
      });
      return undefined;
    });
    return loadProgram(entry);
  });
  // Let every pending registration and apply settle before reading the records.
  await new Promise((resolve) => setImmediate(resolve));
  return { stack, config, resources, options: captured, outputs: (exported ?? {}) as Record<string, any> };
}

/** Resources of one type token. */
export function ofType(run: ProgramRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}

/** The single resource of a type whose inputs match the predicate; throws when not exactly one. */
export function one(run: ProgramRun, type: string, match: (r: RecordedResource) => boolean): RecordedResource {
  const found = ofType(run, type).filter(match);
  if (found.length !== 1) throw new Error(`expected exactly one ${type} matching, found ${found.length}: ${found.map((r) => r.name).join(', ')}`);
  return found[0];
}

/**
 * Waits until the mocks have recorded every registration of components declared after
 * `runProgram` (same process, same mocks): until the record count stops growing for 100 ms.
 */
export async function settle(run: ProgramRun): Promise<void> {
  let last = -1;
  while (last !== run.resources.length) {
    last = run.resources.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Mocks for component tests that declare components directly (no program): records every
 * registration into the returned run; call `settle(run)` after declaring. Once per process.
 */
export async function mockComponents(stack = 'components'): Promise<ProgramRun> {
  const run = await startMockRun({ project: PROJECT, stack, config: {}, defaultRegion: 'us-east-1', dryRun: false, mocksPreview: false, strictInvokes: true });
  return { stack, config: {}, resources: run.mocked as RecordedResource[], options: [], outputs: {} };
}
