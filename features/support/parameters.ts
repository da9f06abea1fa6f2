/**
 * World parameters: what a run verifies and against which target. Set by the profiles in
 * `cucumber.js` and by `scripts/verify.ts`; environment variables fill in what a pipeline injects.
 */

export type ProfileName = 'default' | 'sandbox' | 'plan' | 'live';

export interface DrParameters {
  /** Profile that chose the targets; reported in the summary. */
  profile: ProfileName;
  /** Target answering `@runtime` scenarios. */
  runtimeTarget: 'sandbox' | 'live';
  /** Target answering `@configuration` scenarios. */
  configurationTarget: 'plan' | 'live';
  /** Pulumi stack whose settings apply (`Pulumi.<stack>.yaml`); default dev. */
  stack: string;
  /** Sandbox time scale (wall-clock seconds per modelled second); default 0.05. */
  timeScale: number;
  /** Failover drills against live must be asked for explicitly; against the sandbox they always may run. */
  allowLiveDrills: boolean;
  /** Pulumi program the plan target captures; default the DR stack `infra/index.ts`. */
  planProgram: string;
  /**
   * A saved capture (`{ resources, outputs }` JSON, see features/support/targets/planTarget.ts)
   * used instead of capturing `planProgram` again; tests capture fixtures in parallel this way.
   */
  planCaptureFile?: string;
  /** Control URL of an already running sandbox (else the suite starts one). */
  sandboxControlUrl?: string;
  /** File holding `pulumi stack output --json` (else the live target runs the command). */
  stackOutputsFile?: string;
}

export const DEFAULT_PARAMETERS: DrParameters = {
  profile: 'default',
  runtimeTarget: 'sandbox',
  configurationTarget: 'plan',
  stack: 'dev',
  timeScale: 0.05,
  allowLiveDrills: false,
  planProgram: 'infra/index.ts',
};

function truthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes'].includes(value.toLowerCase());
}

/**
 * Completes raw world parameters (a JSON object from the profile) with environment overrides and
 * defaults, validating every value. Throws an Error naming the bad parameter.
 */
export function resolveParameters(raw: Partial<Record<keyof DrParameters, unknown>>, env: NodeJS.ProcessEnv = process.env): DrParameters {
  const merged = { ...DEFAULT_PARAMETERS } as DrParameters;
  const profile = raw.profile ?? merged.profile;
  if (profile !== 'default' && profile !== 'sandbox' && profile !== 'plan' && profile !== 'live') {
    throw new Error(`world parameter profile must be default, sandbox, plan or live, got ${String(profile)}`);
  }
  merged.profile = profile;
  const runtime = raw.runtimeTarget ?? (profile === 'live' ? 'live' : 'sandbox');
  if (runtime !== 'sandbox' && runtime !== 'live') throw new Error(`world parameter runtimeTarget must be sandbox or live, got ${String(runtime)}`);
  merged.runtimeTarget = runtime;
  const configuration = raw.configurationTarget ?? (profile === 'live' ? 'live' : 'plan');
  if (configuration !== 'plan' && configuration !== 'live') {
    throw new Error(`world parameter configurationTarget must be plan or live, got ${String(configuration)}`);
  }
  merged.configurationTarget = configuration;

  const stack = env.DR_STACK ?? raw.stack ?? merged.stack;
  if (typeof stack !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(stack)) throw new Error(`stack must be a stack name, got ${String(stack)}`);
  merged.stack = stack;

  const scaleRaw = env.DR_TIME_SCALE ?? raw.timeScale ?? merged.timeScale;
  const timeScale = typeof scaleRaw === 'number' ? scaleRaw : Number(scaleRaw);
  if (!Number.isFinite(timeScale) || timeScale <= 0 || timeScale > 1) {
    throw new Error(`time scale must be a number in (0, 1], got ${String(scaleRaw)}`);
  }
  merged.timeScale = runtime === 'live' ? 1 : timeScale;

  merged.allowLiveDrills = raw.allowLiveDrills === true || truthy(env.DR_ALLOW_LIVE_DRILLS);
  const program = env.DR_PLAN_PROGRAM ?? raw.planProgram ?? merged.planProgram;
  if (typeof program !== 'string' || program === '') throw new Error('planProgram must be a path');
  merged.planProgram = program;

  const captureFile = raw.planCaptureFile;
  if (captureFile !== undefined && captureFile !== '') {
    if (typeof captureFile !== 'string') throw new Error('planCaptureFile must be a path');
    merged.planCaptureFile = captureFile;
  }
  const control = env.SANDBOX_CONTROL_URL ?? raw.sandboxControlUrl;
  if (control !== undefined && control !== '') {
    if (typeof control !== 'string' || !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/.test(control)) {
      throw new Error(`SANDBOX_CONTROL_URL must be a loopback http URL, got ${String(control)}`);
    }
    merged.sandboxControlUrl = control;
  }
  const outputs = env.DR_STACK_OUTPUTS_FILE ?? raw.stackOutputsFile;
  if (outputs !== undefined && outputs !== '') {
    if (typeof outputs !== 'string') throw new Error('stackOutputsFile must be a path');
    merged.stackOutputsFile = outputs;
  }
  return merged;
}
