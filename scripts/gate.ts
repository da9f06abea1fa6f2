/**
 * The offline policy gate: `npm run gate -- [--program <file>] [--stack <name>] [--preview]`.
 *
 * Runs the program under mocks (default: the DR stack `infra/index.ts` with `Pulumi.dev.yaml`),
 * evaluates every resource and stack policy of the CrossGuard pack on what it declares (the pack's
 * own policy objects, with the committed waivers), prints one line per finding
 * (`level policy-name resource-urn-or-name: message`), writes `reports/policy-report.json` and
 * `reports/policy-report.md`, and exits 1 on any mandatory violation (2 on a usage or program error).
 *
 * Options:
 *   --program <file>      Pulumi program to evaluate (default infra/index.ts)
 *   --stack <name>        stack config Pulumi.<name>.yaml (default dev)
 *   --config-file <file>  a stack config file instead of Pulumi.<stack>.yaml
 *   --preview             simulate a first `pulumi preview`: computed values stay unknown
 *   --waivers <file>      waivers file (default policy-pack/waivers.json)
 *   --report-dir <dir>    where the reports go (default reports/)
 *   --quiet               print only findings and the verdict
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { capturePlanDetailed, DEFAULT_PROGRAM, REPO_ROOT } from '../policy-pack/offline/capture';
import { evaluatePlan } from '../policy-pack/offline/evaluate';
import { buildPolicies, committedWaivers, initialConfig } from '../policy-pack/policies';
import { WAIVERS_FILE } from '../policy-pack/lib/waivers';
import { buildReport, findingLine, GateReport, isBlocking, renderMarkdown } from './gate/report';

export interface GateOptions {
  program: string;
  stack: string;
  configFile?: string;
  preview: boolean;
  waiversFile: string;
  reportDir: string;
  quiet: boolean;
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
        throw new UsageError(`unknown option ${arg} (see the header of scripts/gate.ts)`);
    }
  }
  return options;
}

/** Runs the gate and writes its reports; returns the report (the caller decides the exit code). */
export async function runGate(options: GateOptions, log: (line: string) => void = console.log): Promise<GateReport> {
  const now = new Date();
  const waivers = committedWaivers(options.waiversFile);
  const policies = buildPolicies(waivers, () => now);
  const plan = await capturePlanDetailed({ program: options.program, stack: options.stack, configFile: options.configFile, preview: options.preview });
  const evaluation = await evaluatePlan(plan.resources, policies, initialConfig(waivers));
  const report = buildReport(
    {
      program: relative(REPO_ROOT, plan.program) || plan.program,
      stack: options.stack,
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

async function main(): Promise<number> {
  let options: GateOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`gate: ${(error as Error).message}`);
    return 2;
  }
  try {
    const report = await runGate(options);
    return report.findings.some(isBlocking) ? 1 : 0;
  } catch (error) {
    console.error(`gate: ${(error as Error).message}`);
    return 2;
  }
}

if (require.main === module) {
  main().then((code) => process.exit(code));
}
