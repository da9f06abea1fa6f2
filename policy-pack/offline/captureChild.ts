/**
 * Child process of `capture.ts`: runs ONE program under mocks with the one capture harness
 * (`./programRun.ts`) and writes the plan as JSON. A child process isolates a program that is not
 * ours (its module cache, its globals, its unhandled rejections) from the gate.
 * Usage (internal): node --import tsx policy-pack/offline/captureChild.ts <request.json>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { CapturedPlan, CaptureRequest } from './capture';
import { SECRET_PLACEHOLDER } from './mocks';
import { loadProgram, resolveOutputs, startMockRun } from './programRun';

async function main(): Promise<void> {
  const started = Date.now();
  const request = JSON.parse(readFileSync(process.argv[2], 'utf8')) as CaptureRequest;
  // `secure:` values cannot be decrypted offline; the program gets a placeholder, marked secret.
  const config: Record<string, string> = { ...request.config };
  for (const key of request.secureKeys) config[key] = SECRET_PLACEHOLDER;
  // Also where the engine puts it, for a program that reads its config before the SDK is loaded.
  process.env.PULUMI_CONFIG = JSON.stringify(config);
  process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(request.secureKeys);
  // The default provider's region, as the engine configures it: `aws:region`, else AWS_REGION (the
  // provider's documented fallback), else us-east-1 for this offline run (a real preview would fail).
  const defaultRegion = config['aws:region'] ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';

  // Always a dry run, as `pulumi preview` is: an output the mocks do not model stays unknown (never
  // undefined). In resolved mode the mocks fill the attributes AWS computes; in preview mode none.
  const run = await startMockRun({
    project: request.project,
    stack: request.stack,
    config,
    secretKeys: request.secureKeys,
    defaultRegion,
    dryRun: true,
    mocksPreview: request.preview,
  });

  const failures: unknown[] = [];
  process.on('unhandledRejection', (reason) => failures.push(reason));
  const outputs = await resolveOutputs(run.pulumi, await loadProgram(request.program));
  const resources = await run.finish();
  if (failures.length > 0) {
    const first = failures[0];
    throw first instanceof Error ? first : new Error(String(first));
  }

  const plan: CapturedPlan = {
    project: request.project,
    projectDir: request.projectDir,
    ...(request.configFile ? { configFile: request.configFile } : {}),
    stack: request.stack,
    program: request.program,
    preview: request.preview,
    config,
    resources,
    outputs,
    invokes: run.invokes,
    durationMs: Date.now() - started,
  };
  writeFileSync(request.resultFile, JSON.stringify(plan));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
