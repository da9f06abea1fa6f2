/**
 * The offline policy gate: `npm run gate -- [--program <file or dir>] [--stack <name>] [--policy-pack-config <file>] [--preview]`.
 * `npm run gate -- --help` prints the options (USAGE below).
 *
 * Runs the program under mocks, in its own project directory with its own project name and stack
 * config (default: the DR stack `infra/index.ts` with `Pulumi.dev.yaml`), evaluates every resource and
 * stack policy of the CrossGuard pack on what it declares (the pack's own policy objects, with the
 * committed waivers), prints one line per finding (`level policy-name resource-urn: message`), writes
 * `reports/policy-report.json` and `reports/policy-report.md`, and exits 1 on any mandatory violation,
 * 2 on a usage error, a missing program or stack file, or a program that fails under mocks.
 *
 * Policy configuration is layered as `pulumi preview --policy-pack-config` layers it: each policy's
 * schema defaults, then the settings read from the program's own stack (regions and environment
 * suffix, see `scripts/gate/stackSettings.ts`), then the `--policy-pack-config` file.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { PolicyPackConfig } from '@pulumi/policy';
import { capturePlanDetailed, CaptureError, DEFAULT_PROGRAM, REPO_ROOT, type CapturedPlan } from '../policy-pack/offline/capture';
import { ProjectError } from '../policy-pack/offline/project';
import { evaluatePlan } from '../policy-pack/offline/evaluate';
import { buildPolicies, committedWaivers, initialConfig, mergeConfig } from '../policy-pack/policies';
import { WAIVERS_FILE } from '../policy-pack/lib/waivers';
import { buildReport, findingLine, GateReport, isBlocking, renderMarkdown } from './gate/report';
import { settingsFromStack } from './gate/stackSettings';

export const USAGE = `Usage: npm run gate -- [options]

Runs a Pulumi program under mocks and evaluates the payments DR policy pack on it.
Exit status: 0 no mandatory violation, 1 mandatory violations, 2 usage error / missing file / program failure.

Options:
  --program <file|dir>          program entry file, or project directory (default infra/index.ts)
  --stack <name>                stack whose Pulumi.<name>.yaml (beside the program's Pulumi.yaml) configures it (default dev)
  --config-file <file>          a stack config file instead of Pulumi.<stack>.yaml
  --policy-pack-config <file>   policy configuration, the JSON file \`pulumi preview --policy-pack-config\` takes
                                (e.g. {"regions-alike": {"primaryRegion": "us-west-2", "drRegion": "us-east-1"}}, "all": "advisory")
  --preview                     simulate a first \`pulumi preview\`: computed values stay unknown
  --waivers <file>              waivers file (default policy-pack/waivers.json)
  --report-dir <dir>            where the reports go (default reports/)
  --quiet                       print only findings and the verdict
  --help                        this text`;

export interface GateOptions {
  program: string;
  stack: string;
  /** Whether --stack was given (then its config file must exist). */
  stackExplicit?: boolean;
  configFile?: string;
  /** A `--policy-pack-config` JSON file. */
  policyPackConfig?: string;
  preview: boolean;
  waiversFile: string;
  reportDir: string;
  quiet: boolean;
  help?: boolean;
}

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): GateOptions {
  const options: GateOptions = {
    program: DEFAULT_PROGRAM,
    stack: 'dev',
    preview: false,
    waiversFile: WAIVERS_FILE,
    reportDir: join(REPO_ROOT, 'reports'),
    quiet: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case '--program':
        options.program = resolve(value());
        break;
      case '--stack':
        options.stack = value();
        options.stackExplicit = true;
        break;
      case '--policy-pack-config':
        options.policyPackConfig = resolve(value());
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      case '--config-file':
        options.configFile = resolve(value());
        break;
      case '--preview':
        options.preview = true;
        break;
      case '--waivers':
        options.waiversFile = resolve(value());
        break;
      case '--report-dir':
        options.reportDir = resolve(value());
        break;
      case '--quiet':
        options.quiet = true;
        break;
      default:
        throw new UsageError(`unknown option ${arg} (npm run gate -- --help lists the options)`);
    }
  }
  return options;
}

/** Runs the gate and writes its reports; returns the report (the caller decides the exit code). */
/** Reads a `--policy-pack-config` file (JSON object: policy name → level or settings). */
export function readPolicyPackConfig(file: string): PolicyPackConfig {
  if (!existsSync(file)) throw new ProjectError(`policy pack config file ${file} does not exist (pass --policy-pack-config <file.json>)`);
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new ProjectError(`policy pack config file ${file} is not JSON: ${(error as Error).message}`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new ProjectError(`policy pack config file ${file} must hold a JSON object`);
  return document as PolicyPackConfig;
}

const displayPath = (file: string): string => {
  const rel = relative(REPO_ROOT, file);
  return rel !== '' && !rel.startsWith('..') ? rel : file;
};

/**
 * Runs the gate and writes its reports. `captured`: the program's plan when the caller captured it
 * already with the same options (tests that also verify that plan); default: captured here.
 */
export async function runGate(options: GateOptions, log: (line: string) => void = console.log, captured?: CapturedPlan): Promise<GateReport> {
  const now = new Date();
  const waivers = committedWaivers(options.waiversFile);
  const policies = buildPolicies(waivers, () => now);
  const userConfig = options.policyPackConfig ? readPolicyPackConfig(options.policyPackConfig) : {};
  const unknown = Object.keys(userConfig).filter((k) => k !== 'all' && !policies.some((p) => p.name === k));
  if (unknown.length > 0) throw new ProjectError(`policy pack config ${options.policyPackConfig} names no policy of this pack: ${unknown.join(', ')}`);
  const plan = captured ?? (await capturePlanDetailed({
    program: options.program,
    stack: options.stack,
    stackExplicit: options.stackExplicit,
    configFile: options.configFile,
    preview: options.preview,
  }));
  const fromStack = settingsFromStack(plan.project, plan.config);
  const config = mergeConfig(policies, initialConfig(waivers), fromStack.config, userConfig);
  const evaluation = await evaluatePlan(plan.resources, policies, config);
  const report = buildReport(
    {
      program: displayPath(plan.program),
      project: plan.project,
      projectDir: displayPath(plan.projectDir),
      stack: options.stack,
      ...(plan.configFile ? { configFile: displayPath(plan.configFile) } : {}),
      ...(options.policyPackConfig ? { policyPackConfig: displayPath(options.policyPackConfig) } : {}),
      settings: fromStack.describe(userConfig, policies),
      preview: options.preview,
      generatedAt: now.toISOString(),
      resourceCount: plan.resources.length,
      unmockedInvokes: [...new Set(plan.invokes.filter((i) => !i.mocked).map((i) => i.token))],
    },
    evaluation,
    policies,
    waivers,
    now,
  );
  for (const finding of report.findings) log(findingLine(finding));
  for (const w of report.waived) log(`waived ${w.policy} ${w.urn ?? 'stack'}: ${w.message} (until ${w.waiver.expires}, owner ${w.waiver.owner})`);
  mkdirSync(options.reportDir, { recursive: true });
  writeFileSync(join(options.reportDir, 'policy-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(options.reportDir, 'policy-report.md'), renderMarkdown(report));
  if (!options.quiet) {
    log(
      `policy gate ${report.result.toUpperCase()}: ${report.summary.mandatory} mandatory, ${report.summary.advisory} advisory, ${report.summary.unknown} not checkable until apply, ${report.summary.waived} waived; ${report.resourceCount} resources of ${report.program} with stack ${report.stack}`,
    );
    log(`reports: ${relative(process.cwd(), join(options.reportDir, 'policy-report.md'))}, ${relative(process.cwd(), join(options.reportDir, 'policy-report.json'))}`);
  }
  return report;
}

/** The command: parses `argv`, runs the gate, returns the exit code (0 pass, 1 mandatory violations, 2 cannot run). */
export async function gateMain(argv: readonly string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  let options: GateOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    err(`gate: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    out(USAGE);
    return 0;
  }
  try {
    const report = await runGate(options, out);
    return report.findings.some(isBlocking) ? 1 : 0;
  } catch (error) {
    // A missing file or a failing program: one message, no report written (the last one stays).
    const known = error instanceof ProjectError || error instanceof CaptureError;
    err(`gate: ${known ? (error as Error).message : ((error as Error).stack ?? String(error))}`);
    return 2;
  }
}

if (require.main === module) {
  gateMain(process.argv.slice(2)).then((code) => process.exit(code));
}
