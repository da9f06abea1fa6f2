/**
 * The handlers' code, bundled with esbuild from infra/lambda while the program runs (no separate
 * build step before `pulumi up`), through `bundleHandlerSync` (infra/lambda/build.ts).
 *
 * Bundles are memoised per process (both regions deploy the same bytes). When
 * PAYMENTS_DR_BUNDLE_CACHE names a directory (the unit tests set `.bundle-cache/`), bundles are
 * also cached there under a SHA-256 of every source file of infra/lambda plus package-lock.json,
 * so a change to any handler, shared module, the service contract or a dependency produces a new key.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { HANDLERS, isHandlerName, type HandlerName } from '../contract/handlers';
import { buildHandlerBundle, bundleHandlerSync } from './lambda/build';
import { REPO_ROOT } from './settings';

/** What the bundles are built from: the handlers' code and the service contract they import. */
const SOURCE_DIRS = [join(REPO_ROOT, 'infra', 'lambda'), join(REPO_ROOT, 'contract')];
const memo = new Map<HandlerName, string>();
let sourceHash: string | undefined;

/** SHA-256 over every non-test source file under infra/lambda and contract/, and the lockfile. */
export function lambdaSourceHash(): string {
  if (sourceHash) return sourceHash;
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      if (entry === 'node_modules') continue;
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (!entry.endsWith('.test.ts')) hash.update(relative(REPO_ROOT, full)).update('\0').update(readFileSync(full)).update('\0');
    }
  };
  for (const dir of SOURCE_DIRS) walk(dir);
  hash.update(readFileSync(join(REPO_ROOT, 'package-lock.json')));
  sourceHash = hash.digest('hex').slice(0, 32);
  return sourceHash;
}

/** Handlers bundled by esbuild in this process with every cache bypassed (PAYMENTS_DR_BUNDLE_NO_CACHE=true). */
export const BUNDLE_ORIGINS = new Map<string, 'esbuild'>();

/** The bundled `index.js` of one handler. */
export function handlerCode(name: HandlerName): string {
  const known = memo.get(name);
  if (known !== undefined) return known;
  if (!isHandlerName(name)) throw new Error(`no handler named ${String(name)} (HANDLERS: ${HANDLERS.join(', ')})`);
  const cacheDir = process.env.PAYMENTS_DR_BUNDLE_CACHE;
  let code: string;
  if (cacheDir) {
    const dir = join(cacheDir, lambdaSourceHash());
    const file = join(dir, `${name}.js`);
    if (existsSync(file)) {
      code = readFileSync(file, 'utf8');
    } else {
      code = bundleHandlerSync(name).code;
      mkdirSync(dir, { recursive: true });
      pruneStaleBundles(cacheDir, dir);
      writeFileSync(`${file}.${process.pid}.tmp`, code);
      // rename is atomic: parallel test files never read a half-written bundle
      renameSync(`${file}.${process.pid}.tmp`, file);
    }
  } else if (process.env.PAYMENTS_DR_BUNDLE_NO_CACHE === 'true') {
    // Straight from esbuild: no disk cache of any kind (bundleHandlerSync keeps one in .bundle-cache/).
    code = buildHandlerBundle(name).code;
    BUNDLE_ORIGINS.set(name, 'esbuild');
  } else {
    code = bundleHandlerSync(name).code;
  }
  memo.set(name, code);
  return code;
}

/** Removes this cache's other hash directories once they are an hour old (sources moved on). */
function pruneStaleBundles(cacheDir: string, keep: string): void {
  const cutoff = Date.now() - 60 * 60 * 1000;
  for (const entry of readdirSync(cacheDir)) {
    const full = join(cacheDir, entry);
    if (full === keep || !/^[0-9a-f]{32}$/.test(entry)) continue;
    try {
      if (statSync(full).mtimeMs < cutoff) rmSync(full, { recursive: true, force: true });
    } catch {
      // another test process pruned it first
    }
  }
}

/** The Lambda code package: `index.js` exporting `handler` (handler setting `index.handler`). */
export function handlerArchive(name: HandlerName): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive({ 'index.js': new pulumi.asset.StringAsset(handlerCode(name)) });
}
