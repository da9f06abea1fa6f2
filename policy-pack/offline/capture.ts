/**
 * Offline plan capture: runs a Pulumi program under `pulumi.runtime.setMocks` in a child process and
 * returns every resource it declares, as the engine would receive it.
 *
 * Why a child process: Node caches modules, and a Pulumi program declares its resources when its
 * module is first loaded, so one process can run one program (with one stack config) once.
 *
 * What is recorded comes from the RegisterResource requests the SDK sends to the (mock) monitor, so
 * it is exactly what the engine and CrossGuard would see: inputs (with unknowns during preview),
 * parent, provider, dependencies and property dependencies, and the resource options protect,
 * retainOnDelete, deleteBeforeReplace, ignoreChanges, deletedWith (mocks' newResource sees none of these).
 *
 * Stable API (the verification suite's `plan` target uses it): `capturePlan`, `capturePlanDetailed`,
 * `PlannedResource`, `CapturedPlan`, `CaptureOptions`, `UNKNOWN`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadProject, stackConfigOf } from './project';

/** The repository root (this file lives in `policy-pack/offline/`). */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/** The DR stack's entry point, the gate's default program. */
export const DEFAULT_PROGRAM = join(REPO_ROOT, 'infra', 'index.ts');

/**
 * The value of an input that is unknown during preview (computed from another resource's output).
 * It is the engine's wire sentinel, which CrossGuard's unknown-checking proxy also recognises.
 */
export const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

/** Resource options as the engine receives them (effective values: protect is inherited from the parent). */
export interface PlannedOptions {
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
  additionalSecretOutputs: string[];
  /** URN of the resource whose deletion deletes this one, if any. */
  deletedWith?: string;
}

/** One resource the program declares. */
export interface PlannedResource {
  urn: string;
  /** Type token, e.g. `aws:s3/bucket:Bucket`; components carry their own token. */
  type: string;
  /** Logical (Pulumi) name. */
  name: string;
  /** False for component resources. */
  custom: boolean;
  /** Parent URN (absent for top-level resources, whose parent is the stack). */
  parent?: string;
  /** Provider reference `<provider urn>::<provider id>` when an explicit provider is used. */
  provider?: string;
  /** Region the resource is deployed to: its `region` input, else its provider's, else the stack's `aws:region`. */
  region?: string;
  /** Inputs after serialization: secrets unwrapped, resource references as their id/URN, unknowns as `UNKNOWN`. */
  inputs: Record<string, unknown>;
  /** State the mocks returned (inputs plus computed attributes; in preview mode the inputs only). */
  outputs: Record<string, unknown>;
  options: PlannedOptions;
  /** URNs this resource depends on (explicit dependsOn and references in its inputs). */
  dependencies: string[];
  /** For each input property, the URNs of the resources its value came from. */
  propertyDependencies: Record<string, string[]>;
}

export interface CaptureOptions {
  /** The program's entry file (TypeScript or JavaScript) or project directory. Default: the DR stack, `infra/index.ts`. */
  program?: string;
  /** Stack name; its config is read from `Pulumi.<stack>.yaml` beside the program's `Pulumi.yaml`. Default `dev`. */
  stack?: string;
  /** Whether the stack was named by the user (then its config file must exist). Default false. */
  stackExplicit?: boolean;
  /** A stack config file to use instead of `Pulumi.<stack>.yaml`. */
  configFile?: string;
  /** Extra config values (`project:key` or `key` for the project namespace), applied over the file. */
  config?: Record<string, string>;
  /** Run as a first `pulumi preview` would: computed attributes stay unknown. Default false (a resolved plan). */
  preview?: boolean;
  /** Kill the child after this many milliseconds. Default 120000. */
  timeoutMs?: number;
}

export interface CapturedPlan {
  project: string;
  /** The program's project directory (where it ran). */
  projectDir: string;
  /** The stack config file the program ran with, if any. */
  configFile?: string;
  stack: string;
  program: string;
  preview: boolean;
  /** The stack config the program ran with (`project:key` → value; `secure:` values replaced by a placeholder). */
  config: Record<string, string>;
  resources: PlannedResource[];
  /** The program's exports (stack outputs), resolved; unknown ones as `UNKNOWN`, secrets as `[secret]`. */
  outputs: Record<string, unknown>;
  /** Invoke tokens the program called, and whether the mocks had an answer. */
  invokes: Array<{ token: string; mocked: boolean }>;
  durationMs: number;
}

/** What the parent sends to the child. */
export interface CaptureRequest {
  program: string;
  project: string;
  projectDir: string;
  stack: string;
  configFile?: string;
  /** The full config (`namespace:key` → value), already read from the stack file and overrides. */
  config: Record<string, string>;
  /** Keys whose value is a `secure:` ciphertext: the program gets a placeholder marked secret. */
  secureKeys: string[];
  preview: boolean;
  resultFile: string;
}

/** tsx's loader, by absolute URL: a program outside this repository runs from a directory where `tsx` is not resolvable. */
function tsxLoader(): string {
  return pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
}

export { ProjectError } from './project';

export class CaptureError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = 'CaptureError';
  }
}

/**
 * Runs `program` under mocks in a child process and returns the full capture. The program runs in its
 * own project directory with its own project name and stack config; a program without `node_modules`
 * of its own resolves `@pulumi/*` from this repository's install. Throws ProjectError (from
 * ./project) for a program or stack file that does not exist, CaptureError when the program fails.
 */
export async function capturePlanDetailed(options: CaptureOptions = {}): Promise<CapturedPlan> {
  const project = loadProject(options.program ?? DEFAULT_PROGRAM);
  const stack = options.stack ?? 'dev';
  const stackConfig = stackConfigOf(project, stack, { configFile: options.configFile, stackExplicit: options.stackExplicit });
  const config = { ...stackConfig.values };
  for (const [key, value] of Object.entries(options.config ?? {})) config[key.includes(':') ? key : `${project.name}:${key}`] = value;
  const dir = mkdtempSync(join(tmpdir(), 'policy-capture-'));
  const request: CaptureRequest = {
    program: project.program,
    project: project.name,
    projectDir: project.dir,
    stack,
    configFile: stackConfig.file,
    config,
    secureKeys: stackConfig.secureKeys,
    preview: options.preview ?? false,
    resultFile: join(dir, 'plan.json'),
  };
  const requestFile = join(dir, 'request.json');
  writeFileSync(requestFile, JSON.stringify(request));
  try {
    const output = await runChild(requestFile, project.dir, project.program, options.timeoutMs ?? 120_000);
    let text: string;
    try {
      text = readFileSync(request.resultFile, 'utf8');
    } catch {
      throw new CaptureError(`the program ${project.program} produced no plan`, output);
    }
    return JSON.parse(text) as CapturedPlan;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `program` under mocks with the `stack` config and returns every resource it declares. */
export async function capturePlan(options: CaptureOptions = {}): Promise<PlannedResource[]> {
  return (await capturePlanDetailed(options)).resources;
}

/** Whether `file` lies inside this repository. */
export function isInRepository(file: string): boolean {
  const rel = relative(REPO_ROOT, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function runChild(requestFile: string, cwd: string, program: string, timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    // Node's module search ends with NODE_PATH: a program with its own node_modules uses them, one
    // without resolves @pulumi/* (and anything else) from this repository's install.
    env.NODE_PATH = [process.env.NODE_PATH, join(REPO_ROOT, 'node_modules')].filter(Boolean).join(delimiter);
    // The DR stack bundles its Lambda code; its cache belongs to this repository, never to another program.
    if (isInRepository(program) && program.startsWith(join(REPO_ROOT, 'infra'))) env.PAYMENTS_DR_BUNDLE_CACHE = process.env.PAYMENTS_DR_BUNDLE_CACHE ?? join(REPO_ROOT, '.bundle-cache');
    else delete env.PAYMENTS_DR_BUNDLE_CACHE;
    const child = spawn(process.execPath, ['--import', tsxLoader(), join(__dirname, 'captureChild.ts'), requestFile], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new CaptureError(`capturing the plan timed out after ${timeoutMs} ms`, output));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new CaptureError(`cannot start the capture process: ${error.message}`, output));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(output);
      else reject(new CaptureError(`the program failed under mocks (exit ${code ?? signal}):\n${output.trim()}`, output));
    });
  });
}
