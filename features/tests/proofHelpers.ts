/** Helpers of the proof tests: run the suite in-process and read which scenarios failed. */
import type { ISupportCodeLibrary } from '@cucumber/cucumber/api';
import { runVerification, type RunRequest, type RunResult } from '../../scripts/verify/run';
import type { ScenarioStatus } from '../../scripts/verify/summary';

/** Runs the suite quietly, reusing the support code loaded by the previous run of this process. */
export class SuiteRunner {
  private support?: ISupportCodeLibrary;

  async run(request: Omit<RunRequest, 'support' | 'stdout' | 'drills'> & { drills?: boolean }): Promise<RunResult> {
    const result = await runVerification({ drills: false, ...request, stdout: false, support: this.support });
    this.support = result.support;
    return result;
  }
}

/** Scenario names by status, sorted, for exact assertions. */
export function byStatus(result: RunResult, status: ScenarioStatus): string[] {
  return result.summary.scenarios
    .filter((s) => s.status === status)
    .map((s) => s.name)
    .sort();
}

/** The first failure message of a scenario (assertion messages help when a proof test breaks). */
export function failureOf(result: RunResult, name: string): string {
  return result.summary.scenarios.find((s) => s.name === name)?.error ?? '';
}
