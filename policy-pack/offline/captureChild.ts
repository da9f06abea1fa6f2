/**
 * Child process of `capture.ts`: runs ONE program under mocks and writes the plan as JSON.
 * Usage (internal): node --import tsx policy-pack/offline/captureChild.ts <request.json>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { CapturedPlan, CaptureRequest, PlannedOptions, PlannedResource } from './capture';
import { UNKNOWN } from './capture';
import { createMocks, SECRET_PLACEHOLDER } from './mocks';

const SIG = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';
const RESOURCE_SIG = '5cf8f73096256a8f31e491e813e4eb8e';
const ASSET_SIG = 'c44067f5952c0a294b673a41bacd8c17';
const ARCHIVE_SIG = '0def7320c3a5731c473e5ecbe6d01bc7';

type Json = Record<string, unknown>;

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
interface MonitorLike {
  registerResource(request: RegisterRequest, callback: Callback): Promise<void> | void;
  readResource(request: ReadRequest, callback: ReadCallback): Promise<void> | void;
}
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

interface Registration {
  request: RegisterRequest;
  urn?: string;
  outputs?: Json;
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

async function main(): Promise<void> {
  const started = Date.now();
  const request = JSON.parse(readFileSync(process.argv[2], 'utf8')) as CaptureRequest;
  const project = request.project;
  // `secure:` values cannot be decrypted offline; the program gets a placeholder, marked secret.
  const config: Record<string, string> = { ...request.config };
  for (const key of request.secureKeys) config[key] = SECRET_PLACEHOLDER;
  process.env.PULUMI_CONFIG = JSON.stringify(config);
  process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(request.secureKeys);
  // The default provider's region, as the engine configures it: `aws:region`, else AWS_REGION (the
  // provider's documented fallback), else us-east-1 for this offline run (a real preview would fail).
  const defaultRegion = config['aws:region'] ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';

  const pulumi = await import('@pulumi/pulumi');
  const invokes: CapturedPlan['invokes'] = [];
  // Always a dry run, as `pulumi preview` is: an output the mocks do not model stays unknown (never
  // undefined). In resolved mode the mocks fill the attributes AWS computes; in preview mode none.
  await pulumi.runtime.setMocks(
    createMocks({ defaultRegion, preview: request.preview, onInvoke: (e) => invokes.push({ token: e.token, mocked: e.mocked }) }),
    project,
    request.stack,
    true,
  );

  // Record every RegisterResource request and the URN/state the monitor answers with.
  const registrations: Registration[] = [];
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: RegisterRequest, callback: Callback) => {
    const entry: Registration = { request: req };
    registrations.push(entry);
    return original(req, (error, response) => {
      if (response) {
        entry.urn = response.getUrn();
        entry.outputs = response.getObject()?.toJavaScript() ?? {};
      }
      callback(error, response);
    });
  };

  // Reads of existing resources (`X.get`) are part of the plan too: policies see what was read.
  const reads: Array<{ request: ReadRequest; urn?: string; outputs?: Json }> = [];
  const originalRead = monitor.readResource.bind(monitor);
  monitor.readResource = (req: ReadRequest, callback: ReadCallback) => {
    const entry: { request: ReadRequest; urn?: string; outputs?: Json } = { request: req };
    reads.push(entry);
    return originalRead(req, (error, response) => {
      if (response) {
        entry.urn = response.getUrn();
        entry.outputs = response.getProperties()?.toJavaScript() ?? {};
      }
      callback(error, response);
    });
  };

  const failures: unknown[] = [];
  process.on('unhandledRejection', (reason) => failures.push(reason));

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported: unknown = require(request.program);
  const result = typeof exported === 'function' ? await (exported as () => unknown)() : exported;

  const outputs: Json = {};
  const entries = typeof result === 'object' && result !== null ? Object.entries(result as Json).filter(([key]) => key !== 'default' && key !== '__esModule') : [];
  for (const [key, value] of entries) {
    const output = pulumi.output(value);
    const internal = output as unknown as { promise?: (withUnknowns?: boolean) => Promise<unknown> };
    const resolved = internal.promise ? await internal.promise(true) : undefined;
    outputs[key] = (await pulumi.isSecret(output)) ? '[secret]' : pulumi.Output.isInstance(resolved) ? UNKNOWN : normalizeOutput(resolved, pulumi.isUnknown);
  }
  await pulumi.runtime.disconnect().catch(() => undefined);
  if (failures.length > 0) {
    const first = failures[0];
    throw first instanceof Error ? first : new Error(String(first));
  }

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
    const inputs = normalize(req.getObject()?.toJavaScript() ?? {}) as Json;
    const provider = req.getProvider() || undefined;
    const planned: PlannedResource = {
      urn,
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      ...(parent ? { parent } : {}),
      ...(provider ? { provider } : {}),
      inputs,
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
      options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [], additionalSecretOutputs: [] },
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
    const urn = `urn:pulumi:${request.stack}::${project}::pulumi:providers:aws::default_${version.replace(/\./g, '_')}`;
    const inputs: Json = { region: defaultRegion, version };
    const provider: PlannedResource = {
      urn,
      type: 'pulumi:providers:aws',
      name: urn.split('::').pop() as string,
      custom: true,
      inputs,
      outputs: inputs,
      options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [], additionalSecretOutputs: [] },
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
    r.region = own ?? (typeof providerRegion === 'string' && providerRegion !== UNKNOWN ? providerRegion : undefined) ?? defaultRegion;
  }

  const plan: CapturedPlan = {
    project,
    projectDir: request.projectDir,
    ...(request.configFile ? { configFile: request.configFile } : {}),
    stack: request.stack,
    program: request.program,
    preview: request.preview,
    config,
    resources,
    outputs,
    invokes,
    durationMs: Date.now() - started,
  };
  writeFileSync(request.resultFile, JSON.stringify(plan));
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

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
