/**
 * A Pulumi project as the CLI finds it: the directory holding `Pulumi.yaml` (searched upwards from the
 * program, as `pulumi` searches upwards from its working directory), the project name, the entry file
 * (`main`, else `index.ts`/`index.js`), and the one reader of `Pulumi.<stack>.yaml`.
 *
 * Pulumi's rules followed here (https://www.pulumi.com/docs/iac/concepts/projects/project-file/ and
 * https://www.pulumi.com/docs/iac/concepts/config/):
 * - a stack's config lives in `Pulumi.<stack>.yaml` beside `Pulumi.yaml`, keys `namespace:key`
 *   (a bare key belongs to the project's namespace);
 * - project-level `config:` entries of `Pulumi.yaml` may carry a `default` (or `value`), which a stack
 *   value overrides;
 * - `secure:` values are ciphertext, only the CLI with the stack's secrets provider can read them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import * as yaml from 'js-yaml';

type Json = Record<string, unknown>;

/** Raised for anything the user must fix (missing file, unknown stack); the CLIs exit 2 with its message. */
export class ProjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectError';
  }
}

export interface PulumiProject {
  /** Directory of `Pulumi.yaml`; the directory of the program when it has none. The program runs here. */
  dir: string;
  /** `name:` of `Pulumi.yaml`; without one, the directory's name (as `pulumi new` names projects). */
  name: string;
  /** Absolute path of the entry file. */
  program: string;
  /** Whether a `Pulumi.yaml` was found. */
  hasProjectFile: boolean;
  /** Project-level config defaults from `Pulumi.yaml` (`namespace:key` → string). */
  defaults: Record<string, string>;
  /** Stacks with a `Pulumi.<stack>.yaml` beside `Pulumi.yaml`. */
  stacks: string[];
}

export interface StackConfig {
  /** The file read, if any. */
  file?: string;
  /** `namespace:key` → value as a string (objects and lists as JSON, as `pulumi config get` prints them). */
  values: Record<string, string>;
  /** Keys whose value is a `secure:` ciphertext (not in `values`). */
  secureKeys: string[];
}

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function loadYaml(file: string): Json {
  let document: unknown;
  try {
    document = yaml.load(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ProjectError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return isRecord(document) ? document : {};
}

const asString = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** Finds the directory holding Pulumi.yaml, from `start` upwards; undefined when there is none. */
export function findProjectDir(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'Pulumi.yaml')) || existsSync(join(dir, 'Pulumi.yml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function entryOf(dir: string, main: unknown): string {
  const base = typeof main === 'string' && main !== '' ? resolve(dir, main) : dir;
  if (existsSync(base) && statSync(base).isFile()) return base;
  for (const candidate of ['index.ts', 'index.js']) if (existsSync(join(base, candidate))) return join(base, candidate);
  throw new ProjectError(`no program in ${base} (expected index.ts or index.js, or a file given with --program)`);
}

/**
 * The project of `programPath` (a file, or a project directory). Throws ProjectError when it does not exist.
 */
export function loadProject(programPath: string, cwd = process.cwd()): PulumiProject {
  const target = isAbsolute(programPath) ? programPath : resolve(cwd, programPath);
  if (!existsSync(target)) throw new ProjectError(`program ${target} does not exist (pass --program <file or project directory>)`);
  const isDir = statSync(target).isDirectory();
  const dir = findProjectDir(isDir ? target : dirname(target));
  const projectFile = dir === undefined ? undefined : [join(dir, 'Pulumi.yaml'), join(dir, 'Pulumi.yml')].find((f) => existsSync(f));
  const document = projectFile ? loadYaml(projectFile) : {};
  const projectDir = dir ?? (isDir ? target : dirname(target));
  const name = typeof document.name === 'string' && document.name !== '' ? document.name : basename(projectDir).replace(/[^A-Za-z0-9_.-]/g, '-');
  const program = isDir ? entryOf(target === projectDir ? projectDir : target, target === projectDir ? document.main : undefined) : target;
  const defaults: Record<string, string> = {};
  if (isRecord(document.config)) {
    for (const [key, entry] of Object.entries(document.config)) {
      const value = isRecord(entry) ? (entry.value ?? entry.default) : entry;
      if (value === undefined || value === null) continue;
      defaults[key.includes(':') ? key : `${name}:${key}`] = asString(value);
    }
  }
  const stacks = readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
  return { dir: projectDir, name, program, hasProjectFile: projectFile !== undefined, defaults, stacks };
}

/**
 * The one reader of a stack's config file (`Pulumi.<stack>.yaml`): `namespace:key` → string, over the
 * project's defaults. Bare keys are put in `project`'s namespace.
 */
export function readStackConfig(file: string, project: string, defaults: Record<string, string> = {}): StackConfig {
  if (!existsSync(file)) throw new ProjectError(`stack config file ${file} does not exist`);
  const document = loadYaml(file);
  const values: Record<string, string> = { ...defaults };
  const secureKeys: string[] = [];
  for (const [rawKey, value] of Object.entries(isRecord(document.config) ? document.config : {})) {
    const key = rawKey.includes(':') ? rawKey : `${project}:${rawKey}`;
    if (isRecord(value) && 'secure' in value) {
      secureKeys.push(key);
      delete values[key];
      continue;
    }
    values[key] = asString(value);
  }
  return { file, values, secureKeys };
}

/**
 * The config a program runs with: `configFile` if given, else `Pulumi.<stack>.yaml` of the project.
 * A stack named explicitly must have its file; the default stack may have none (a new stack), and then
 * only the project's defaults apply.
 */
export function stackConfigOf(project: PulumiProject, stack: string, options: { configFile?: string; stackExplicit?: boolean } = {}): StackConfig {
  if (options.configFile) return readStackConfig(options.configFile, project.name, project.defaults);
  const file = join(project.dir, `Pulumi.${stack}.yaml`);
  if (existsSync(file)) return readStackConfig(file, project.name, project.defaults);
  if (options.stackExplicit) {
    const known = project.stacks.length > 0 ? `stacks with a config file: ${project.stacks.join(', ')}` : 'the project has no stack config files';
    throw new ProjectError(`stack "${stack}" has no config file ${file} (${known}); pass --stack <name> or --config-file <file>`);
  }
  return { values: { ...project.defaults }, secureKeys: [] };
}
