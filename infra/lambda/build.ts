/**
 * Bundles each handler into one self-contained CommonJS file (`index.js`, export `handler`), the
 * code the stack deploys. The Pulumi program calls `bundleHandlerSync` while it runs.
 *
 * The AWS SDK v3 is bundled in rather than taken from the nodejs22.x runtime: the code that was
 * tested is the code that runs (the runtime's SDK version changes under us without a deploy), and
 * esbuild keeps only the clients and commands we import, which loads faster than resolving the
 * runtime's full SDK from many files. `module` entry points first: the SDK's ES module builds
 * tree-shake far better than its CommonJS ones.
 */
import { buildSync, version as esbuildVersion, type BuildOptions } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { HANDLERS, isHandlerName, type HandlerName } from '../../contract/handlers';

/** The esbuild options every handler bundle uses (exported so the bench and tests can inspect them). */
export const BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  mainFields: ['module', 'main'],
  legalComments: 'none',
  sourcemap: false,
  write: false,
  logLevel: 'silent',
  alias: {
    // Lambda credentials come from the environment; see commons/lambdaCredentials.ts.
    '@aws-sdk/credential-provider-node': join(__dirname, 'commons', 'lambdaCredentials.ts'),
    // Only X-Ray's SDK v2 patcher uses it; see buildStubs/semver.ts.
    semver: join(__dirname, 'buildStubs', 'semver.ts'),
  },
};

export function handlerEntry(name: HandlerName): string {
  return join(__dirname, 'handlers', `${name}.ts`);
}

export interface HandlerBundle {
  /** The function's `index.js`. */
  code: string;
  /** Its size in bytes. */
  bytes: number;
}

function checkName(name: HandlerName): void {
  if (!isHandlerName(name)) throw new Error(`unknown handler "${String(name)}"; expected one of ${HANDLERS.join(', ')}`);
}

/** Runs esbuild for one handler, no cache. Throws on build errors. */
export function buildHandlerBundle(name: HandlerName): HandlerBundle {
  checkName(name);
  const result = buildSync({ ...BUNDLE_OPTIONS, entryPoints: [handlerEntry(name)], outfile: 'index.js' });
  const output = result.outputFiles?.[0];
  if (output === undefined) throw new Error(`esbuild produced no output for ${name}`);
  return { code: output.text, bytes: output.contents.byteLength };
}

const REPO_ROOT = join(__dirname, '..', '..');
/** The service contract every handler imports (contract/). */
const CONTRACT_DIR = join(REPO_ROOT, 'contract');
/** Git-ignored; safe to delete at any time. */
export const BUNDLE_CACHE_DIR = join(REPO_ROOT, '.bundle-cache');

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir).sort()) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) {
      if (entry !== 'testkit' && entry !== 'node_modules') sourceFiles(full, out);
    } else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts')) {
      out.push(full);
    }
  }
  return out;
}

/** Our source files a bundle may include (absolute paths): infra/lambda (no tests, no testkit) and contract/. */
export function fingerprintedSources(): string[] {
  return [...sourceFiles(__dirname), ...sourceFiles(CONTRACT_DIR)];
}

/**
 * What a bundle depends on: every handler source file, the service contract (contract/), the
 * lockfile (all third-party code), the esbuild version and the options. Any change gives a new key, so a cached bundle is never stale.
 */
export function bundleFingerprint(): string {
  const hash = createHash('sha256').update(esbuildVersion).update(JSON.stringify(BUNDLE_OPTIONS));
  for (const file of fingerprintedSources()) hash.update(relative(__dirname, file)).update(readFileSync(file));
  hash.update(readFileSync(join(REPO_ROOT, 'package-lock.json')));
  return hash.digest('hex').slice(0, 32);
}

/**
 * Bundles one handler; `code` is the content of the function's `index.js`. Throws on build errors.
 * Results are cached in `.bundle-cache/` under a fingerprint of every input (a Pulumi preview, the
 * stack's tests and the bench would otherwise rebuild all four bundles each run, ~1 s apiece).
 */
export function bundleHandlerSync(name: HandlerName): { code: string; bytes: number } {
  checkName(name);
  const file = join(BUNDLE_CACHE_DIR, `${name}-${bundleFingerprint()}.js`);
  try {
    const code = readFileSync(file, 'utf8');
    return { code, bytes: Buffer.byteLength(code) };
  } catch {
    // not cached yet
  }
  const bundle = buildHandlerBundle(name);
  try {
    mkdirSync(BUNDLE_CACHE_DIR, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, bundle.code);
    renameSync(partial, file);
    // Drop this handler's outdated bundles (only ours: `<name>-<32 hex>.js`).
    const stale = new RegExp(`^${name}-[0-9a-f]{32}\\.js$`);
    for (const entry of readdirSync(BUNDLE_CACHE_DIR)) {
      if (stale.test(entry) && join(BUNDLE_CACHE_DIR, entry) !== file) rmSync(join(BUNDLE_CACHE_DIR, entry), { force: true });
    }
  } catch {
    // A read-only checkout still bundles; it just does not cache.
  }
  return bundle;
}
