/**
 * Child-process helper: runs the program under mocks for one stack and config overrides and prints
 * the Route 53 record sets it declares, one JSON line prefixed `RECORDS `.
 *   tsx infra/testing/printRecords.ts <stack> '<json overrides>'
 */
import { join } from 'node:path';
import { REPO_ROOT } from '../settings';
import { ofType, runProgram } from './harness';

process.env.PAYMENTS_DR_BUNDLE_CACHE ??= join(REPO_ROOT, '.bundle-cache');
const [stack = 'dev', overrides = '{}'] = process.argv.slice(2);
runProgram({ stack, overrides: JSON.parse(overrides) as Record<string, string> })
  .then((run) => {
    const records = ofType(run, 'aws:route53/record:Record').map((r) => ({ logicalName: r.name, name: String(r.inputs.name), type: String(r.inputs.type) }));
    process.stdout.write(`RECORDS ${JSON.stringify(records)}\n`);
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
