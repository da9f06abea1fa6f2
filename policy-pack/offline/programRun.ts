/**
 * The one capture harness: runs a Pulumi program under the one mock AWS (`./mocks.ts`) in THIS
 * process and records what it declares, two ways at once:
 * - `mocked`: every resource the mocks answered (type, name, inputs with secrets unwrapped, the state
 *   the mocks returned, id), as the unit tests read it;
 * - `planned()`: every RegisterResource/ReadResource request the SDK sent to the (mock) monitor, so
 *   exactly what the engine and CrossGuard would see: inputs (unknowns during preview), parent,
 *   provider (the engine's default provider added), dependencies, property dependencies, the
 *   resource options protect, retainOnDelete, deleteBeforeReplace, ignoreChanges, deletedWith, and
 *   the region each resource is deployed to.
 *
 * Used in-process by the unit tests (`infra/testing/harness.ts`) and, in a child process for
 * isolation of programs that are not ours, by the policy gate and the verification suite's plan
 * target (`./captureChild.ts`, started by `./capture.ts`).
 *
 * One run per process: Pulumi's runtime state and Node's module cache are global, and a program
 * declares its resources when its module is first loaded.
 */
import type * as PulumiSdk from '@pulumi/pulumi';
import type { PlannedOptions, PlannedResource } from './capture';
import { UNKNOWN } from './capture';
import { createMocks, type MockedResource } from './mocks';

type Json = Record<string, unknown>;
type Pulumi = typeof PulumiSdk;

// Pulumi's wire signatures (sdk/nodejs/runtime/rpc.ts).
const SIG = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';
const RESOURCE_SIG = '5cf8f73096256a8f31e491e813e4eb8e';
const ASSET_SIG = 'c44067f5952c0a294b673a41bacd8c17';
const ARCHIVE_SIG = '0def7320c3a5731c473e5ecbe6d01bc7';

/** The parts of the protobuf messages the mock monitor exchanges that the capture reads. */
interface Struct {
  toJavaScript(): Json;
}
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): Struct | undefined;
  hasProtect(): boolean;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDeletebeforereplace(): boolean;
  getIgnorechangesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getDeletedwith(): string;
  getProvider(): string;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(fn: (value: { getUrnsList(): string[] }, key: string) => void): void };
}
interface RegisterResponse {
  getUrn(): string;
  getObject(): Struct | undefined;
}
type Callback = (error: unknown, response: RegisterResponse | undefined) => void;
/** The parts of a ReadResourceRequest (`X.get(name, id, state)`) the plan needs. */
interface ReadRequest {
  getId(): string;
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getProperties(): Struct | undefined;
  getDependenciesList(): string[];
}
interface ReadResponse {
  getUrn(): string;
  getProperties(): Struct | undefined;
}
type ReadCallback = (error: unknown, response: ReadResponse | undefined) => void;
interface MonitorLike {
  registerResource(request: RegisterRequest, callback: Callback): Promise<void> | void;
  readResource(request: ReadRequest, callback: ReadCallback): Promise<void> | void;
}

export interface MockRunOptions {
  /** The program's project name (the URNs' project). */
  project: string;
  stack: string;
  /** The full config (`namespace:key` → value). */
  config: Record<string, string>;
  /** Config keys whose values are secret. Default none. */
  secretKeys?: string[];
  /** The default provider's region (the stack's `aws:region`). */
  defaultRegion: string;
  /** What the SDK is told: a preview (`pulumi preview`) or an update. */
  dryRun: boolean;
  /** The mocks leave every computed attribute unknown, as in a first preview of a new stack. */
  mocksPreview: boolean;
  /** Throw on an invoke the mocks do not answer (our own program), instead of answering `{}` (any program). */
  strictInvokes?: boolean;
}

export interface MockRun {
  readonly pulumi: Pulumi;
  /** Every resource the mocks answered (resolved mode only), in order; grows while the program runs. */
  readonly mocked: MockedResource[];
  /** Invoke tokens the program called, and whether the mocks had an answer. */
  readonly invokes: Array<{ token: string; mocked: boolean }>;
  /** The resources as the engine received them so far (registrations the monitor has answered). */
  planned(): PlannedResource[];
  /** Waits for every outstanding registration, ends the run and returns the resources as the engine received them. */
  finish(): Promise<PlannedResource[]>;
}

let started = false;

/**
 * Installs the config and the mocks and starts recording. Throws when called twice in a process.
 */
export async function startMockRun(options: MockRunOptions): Promise<MockRun> {
  if (started) throw new Error('a program runs under mocks once per process (Pulumi runtime state is global); use one test file (process) per run');
  started = true;
  const pulumi: Pulumi = await import('@pulumi/pulumi');
  pulumi.runtime.setAllConfig(options.config, options.secretKeys ?? []);
  const mocked: MockedResource[] = [];
  const invokes: MockRun['invokes'] = [];
  await pulumi.runtime.setMocks(
    createMocks({
      defaultRegion: options.defaultRegion,
      preview: options.mocksPreview,
      strictInvokes: options.strictInvokes,
      onInvoke: (e) => invokes.push({ token: e.token, mocked: e.mocked }),
      onResource: (r) => mocked.push(r),
    }),
    options.project,
    options.stack,
    options.dryRun,
  );

  // Record every RegisterResource/ReadResource request and the URN/state the monitor answers with.
  const registrations: Array<{ request: RegisterRequest; urn?: string; outputs?: Json }> = [];
  const reads: Array<{ request: ReadRequest; urn?: string; outputs?: Json }> = [];
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: RegisterRequest, callback: Callback) => {
    const entry: (typeof registrations)[number] = { request: req };
    registrations.push(entry);
    return register(req, (error, response) => {
      if (response) {
        entry.urn = response.getUrn();
        entry.outputs = response.getObject()?.toJavaScript() ?? {};
      }
      callback(error, response);
    });
  };
  const read = monitor.readResource.bind(monitor);
  monitor.readResource = (req: ReadRequest, callback: ReadCallback) => {
    const entry: (typeof reads)[number] = { request: req };
    reads.push(entry);
    return read(req, (error, response) => {
      if (response) {
        entry.urn = response.getUrn();
        entry.outputs = response.getProperties()?.toJavaScript() ?? {};
      }
      callback(error, response);
    });
  };

  return {
    pulumi,
    mocked,
    invokes,
    planned: () => plannedResources(registrations, reads, options),
    finish: async () => {
      // disconnect() waits for the RPCs still in flight (registrations, reads, invokes).
      await pulumi.runtime.disconnect().catch(() => undefined);
      return plannedResources(registrations, reads, options);
    },
  };
}

/**
 * Loads a program's entry module (TypeScript through tsx, or JavaScript) and returns its exports;
 * a module that exports a function (`export = async () => ({ ... })`) is called, as Pulumi does.
 */
export async function loadProgram(entry: string): Promise<Json> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported: unknown = require(entry);
  const result = typeof exported === 'function' ? await (exported as () => unknown)() : exported;
  return typeof result === 'object' && result !== null ? { ...(result as Json) } : {};
}

/** A program's exports as stack outputs: resolved, unknown ones as `UNKNOWN`, secrets as `[secret]`. */
export async function resolveOutputs(pulumi: Pulumi, exports: Json): Promise<Json> {
  const outputs: Json = {};
  for (const [key, value] of Object.entries(exports).filter(([k]) => k !== 'default' && k !== '__esModule')) {
    const output = pulumi.output(value);
    const internal = output as unknown as { promise?: (withUnknowns?: boolean) => Promise<unknown> };
    const resolved = internal.promise ? await internal.promise(true) : undefined;
    outputs[key] = (await pulumi.isSecret(output)) ? '[secret]' : pulumi.Output.isInstance(resolved) ? UNKNOWN : normalizeOutput(resolved, pulumi.isUnknown);
  }
  return outputs;
}

/** Serialized wire values to plain JSON: secrets unwrapped, references to their id (else URN), assets summarised. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Json;
  const sig = object[SIG];
  if (sig === SECRET_SIG) return normalize(object.value);
  if (sig === RESOURCE_SIG) return typeof object.id === 'string' && object.id !== '' ? object.id : object.urn;
  if (sig === ASSET_SIG) return { asset: object.path ?? object.uri ?? '(text)' };
  if (sig === ARCHIVE_SIG) return { archive: object.path ?? object.uri ?? '(assets)' };
  const out: Json = {};
  for (const [key, inner] of Object.entries(object)) out[key] = normalize(inner);
  return out;
}

function normalizeOutput(value: unknown, isUnknown: (v: unknown) => boolean): unknown {
  if (isUnknown(value)) return UNKNOWN;
  if (Array.isArray(value)) return value.map((v) => normalizeOutput(v, isUnknown));
  if (typeof value === 'object' && value !== null) {
    const out: Json = {};
    for (const [k, v] of Object.entries(value as Json)) out[k] = normalizeOutput(v, isUnknown);
    return out;
  }
  return value;
}

const NO_OPTIONS: PlannedOptions = { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [], additionalSecretOutputs: [] };

function plannedResources(
  registrations: Array<{ request: RegisterRequest; urn?: string; outputs?: Json }>,
  reads: Array<{ request: ReadRequest; urn?: string; outputs?: Json }>,
  run: MockRunOptions,
): PlannedResource[] {
  const byUrn = new Map<string, PlannedResource>();
  const resources: PlannedResource[] = [];
  for (const { request: req, urn, outputs: state } of registrations) {
    if (!urn) continue;
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps, key) => {
      const urns = deps.getUrnsList();
      if (urns.length > 0) propertyDependencies[key] = [...urns];
    });
    const parent = req.getParent() || undefined;
    const parentResource = parent ? byUrn.get(parent) : undefined;
    const options: PlannedOptions = {
      // Children inherit protect from their parent unless they set it themselves.
      protect: req.hasProtect() ? req.getProtect() === true : (parentResource?.options.protect ?? false),
      retainOnDelete: req.getRetainondelete() === true,
      deleteBeforeReplace: req.getDeletebeforereplace(),
      ignoreChanges: [...req.getIgnorechangesList()],
      additionalSecretOutputs: [...req.getAdditionalsecretoutputsList()],
      ...(req.getDeletedwith() ? { deletedWith: req.getDeletedwith() } : {}),
    };
    const provider = req.getProvider() || undefined;
    const planned: PlannedResource = {
      urn,
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      ...(parent ? { parent } : {}),
      ...(provider ? { provider } : {}),
      inputs: normalize(req.getObject()?.toJavaScript() ?? {}) as Json,
      outputs: normalize(state ?? {}) as Json,
      options,
      dependencies: [...new Set(req.getDependenciesList())],
      propertyDependencies,
    };
    byUrn.set(urn, planned);
    resources.push(planned);
  }
  for (const { request: req, urn, outputs: state } of reads) {
    if (!urn) continue;
    const parent = req.getParent() || undefined;
    const provider = req.getProvider() || undefined;
    const planned: PlannedResource = {
      urn,
      type: req.getType(),
      name: req.getName(),
      custom: true,
      ...(parent ? { parent } : {}),
      ...(provider ? { provider } : {}),
      inputs: normalize(req.getProperties()?.toJavaScript() ?? {}) as Json,
      outputs: normalize(state ?? {}) as Json,
      options: { ...NO_OPTIONS, ignoreChanges: [], additionalSecretOutputs: [] },
      dependencies: [...new Set(req.getDependenciesList())],
      propertyDependencies: {},
    };
    byUrn.set(urn, planned);
    resources.push(planned);
  }
  // The engine gives every resource without an explicit provider the package's default provider,
  // configured from the stack (`aws:region`); CrossGuard shows it to policies as `resource.provider`.
  const needsDefault = resources.filter((r) => r.custom && r.type.startsWith('aws:') && !r.provider);
  if (needsDefault.length > 0) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const version = (require('@pulumi/aws/package.json') as { version: string }).version;
    const urn = `urn:pulumi:${run.stack}::${run.project}::pulumi:providers:aws::default_${version.replace(/\./g, '_')}`;
    const inputs: Json = { region: run.defaultRegion, version };
    const provider: PlannedResource = {
      urn,
      type: 'pulumi:providers:aws',
      name: urn.split('::').pop() as string,
      custom: true,
      inputs,
      outputs: inputs,
      options: { ...NO_OPTIONS, ignoreChanges: [], additionalSecretOutputs: [] },
      dependencies: [],
      propertyDependencies: {},
    };
    resources.unshift(provider);
    byUrn.set(urn, provider);
    for (const r of needsDefault) r.provider = `${urn}::default-provider-id`;
  }
  // Regions: own `region` input, else its provider's (explicit or default).
  for (const r of resources) {
    if (!r.type.startsWith('aws:')) continue;
    const own = typeof r.inputs.region === 'string' && r.inputs.region !== UNKNOWN ? r.inputs.region : undefined;
    const providerUrn = r.provider?.split('::').slice(0, -1).join('::');
    const providerRegion = providerUrn ? byUrn.get(providerUrn)?.inputs.region : undefined;
    r.region = own ?? (typeof providerRegion === 'string' && providerRegion !== UNKNOWN ? providerRegion : undefined) ?? run.defaultRegion;
  }
  return resources;
}
