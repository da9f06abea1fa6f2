/** Command-line options of `npm run verify` (scripts/verify.ts). Pure. */

export type Profile = 'default' | 'sandbox' | 'plan' | 'live';

export interface VerifyOptions {
  profile: Profile;
  /** Allow failover drills against a live stack. */
  drills: boolean;
  stack?: string;
  timeScale?: number;
  /** Extra tag expression, and-ed with the profile's. */
  tags?: string;
  reportsDir: string;
  program?: string;
  help: boolean;
}

export const USAGE = `Usage: npm run verify -- [options]

  --profile <name>     default (sandbox + plan; the default), sandbox, plan or live
  --drills             allow failover drills against a live stack (never needed locally)
  --stack <name>       stack whose settings/outputs apply (default dev, env DR_STACK)
  --time-scale <n>     sandbox time scale in (0, 1] (default 0.05, env DR_TIME_SCALE)
  --tags <expression>  only scenarios matching this tag expression as well
  --program <file>     Pulumi program the plan target captures (default infra/index.ts)
  --reports <dir>      where reports are written (default reports/)

Environment: SANDBOX_CONTROL_URL (use a running sandbox), DR_STACK_OUTPUTS_FILE (live: a saved
\`pulumi stack output --json\`), DR_MERCHANT_CREDENTIAL (live: the merchant credential payments are sent with),
DR_ALLOW_LIVE_DRILLS=true (same as --drills).`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseVerifyArgs(argv: string[]): VerifyOptions {
  const options: VerifyOptions = { profile: 'default', drills: false, reportsDir: 'reports', help: false };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const take = (): string => {
      if (inline !== undefined) return inline;
      const v = value(i, flag);
      i += 1;
      return v;
    };
    switch (flag) {
      case '--profile':
      case '-p': {
        const p = take();
        if (p !== 'default' && p !== 'sandbox' && p !== 'plan' && p !== 'live') throw new UsageError(`--profile must be default, sandbox, plan or live, got ${p}`);
        options.profile = p;
        break;
      }
      case '--drills':
        options.drills = true;
        break;
      case '--stack':
        options.stack = take();
        break;
      case '--time-scale': {
        const raw = take();
        const n = Number(raw);
        if (!Number.isFinite(n) || n <= 0 || n > 1) throw new UsageError(`--time-scale must be a number in (0, 1], got ${raw}`);
        options.timeScale = n;
        break;
      }
      case '--tags':
        options.tags = take();
        break;
      case '--program':
        options.program = take();
        break;
      case '--reports':
        options.reportsDir = take();
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  return options;
}

/** The tag expression of a run: the profile's (drills lifted when asked) and-ed with --tags. */
export function tagExpression(profileTags: string, options: Pick<VerifyOptions, 'profile' | 'drills' | 'tags'>): string {
  let base = profileTags;
  if (options.profile === 'live' && options.drills) base = base.replace(/\bnot @drill\b/, '').trim();
  const parts = [base, options.tags ?? ''].filter((p) => p.trim() !== '');
  return parts.length <= 1 ? (parts[0] ?? '') : parts.map((p) => `(${p})`).join(' and ');
}
