/**
 * `npm run verify`: runs the DR verification suite and writes the auditor reports into reports/.
 *
 *   npm run verify                               sandbox (started here) + plan: a failover drill included
 *   npm run verify -- --profile live             a deployed stack (drills excluded)
 *   npm run verify -- --profile live --drills    ... including failover drills
 *
 * Exit status: 0 when every scenario passed, 1 when any failed, 2 on a usage error or a missing
 * precondition (unknown stack, missing program, live without stack outputs or AWS credentials), in
 * which case nothing is written and the last reports stay.
 * See docs/verification.md.
 */
import { formatSummary, REPO_ROOT, runVerification } from './verify/run';
import { parseVerifyArgs, USAGE, UsageError } from './verify/options';
import { checkPreconditions, PreconditionError } from './verify/preconditions';

async function main(): Promise<number> {
  let options;
  try {
    options = parseVerifyArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    checkPreconditions(options, REPO_ROOT);
  } catch (error) {
    if (error instanceof PreconditionError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const result = await runVerification(options);
  process.stdout.write(`\n${formatSummary(result.summary)}\n\nreports:\n${Object.values(result.files).map((f) => `  ${f}`).join('\n')}\n`);
  return result.success ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`verify failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
