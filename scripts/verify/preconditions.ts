/**
 * What a verification run needs before it starts, checked before anything is written: a run that
 * cannot answer exits 2 with ONE message naming what is missing and how to provide it, and the last
 * reports stay as they were.
 * - every profile: the stack's settings (`Pulumi.<stack>.yaml`), and the program the plan target captures;
 * - live: the stack outputs (DR_STACK_OUTPUTS_FILE, or the Pulumi CLI to run `pulumi stack output --json`)
 *   and AWS credentials for the SDK's default chain
 *   (https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html): environment keys,
 *   a profile (AWS_PROFILE or ~/.aws/credentials / ~/.aws/config), web identity, or container credentials,
 *   and the merchant credential the live target sends payments with (DR_MERCHANT_CREDENTIAL; the API
 *   authorizes every payment request by merchant).
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import type { VerifyOptions } from './options';

export class PreconditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreconditionError';
  }
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, command)));
}

function hasAwsCredentials(env: NodeJS.ProcessEnv): boolean {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return true;
  if (env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return true;
  const home = env.HOME ?? homedir();
  return [env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials'), env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config')].some((f) => existsSync(f));
}

/** Throws PreconditionError listing everything missing (one message), or returns. */
export function checkPreconditions(options: Pick<VerifyOptions, 'profile' | 'stack' | 'program'>, repoRoot: string, env: NodeJS.ProcessEnv = process.env): void {
  const missing: string[] = [];
  const stack = options.stack ?? env.DR_STACK ?? 'dev';
  if (!existsSync(join(repoRoot, `Pulumi.${stack}.yaml`))) {
    const known = readdirSync(repoRoot)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined);
    missing.push(`the stack "${stack}" is unknown: no Pulumi.${stack}.yaml (known stacks: ${known.join(', ') || 'none'}; pass --stack <name> or set DR_STACK)`);
  }
  if (options.program !== undefined && !existsSync(resolve(repoRoot, options.program))) {
    missing.push(`the program ${options.program} does not exist (pass --program <file>)`);
  }
  if (options.profile === 'live') {
    const outputsFile = env.DR_STACK_OUTPUTS_FILE;
    if (outputsFile !== undefined && !existsSync(resolve(repoRoot, outputsFile))) {
      missing.push(`the stack outputs file ${outputsFile} (DR_STACK_OUTPUTS_FILE) does not exist (save it with \`pulumi stack output --json --stack ${stack} > ${outputsFile}\`)`);
    } else if (outputsFile === undefined && !onPath('pulumi', env)) {
      missing.push(`the stack outputs: set DR_STACK_OUTPUTS_FILE to a saved \`pulumi stack output --json --stack ${stack}\`, or install and log in to the Pulumi CLI`);
    }
    if (!hasAwsCredentials(env)) {
      missing.push('AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run where web identity or container credentials are provided');
    }
    if (!env.DR_MERCHANT_CREDENTIAL) {
      missing.push('a merchant credential: set DR_MERCHANT_CREDENTIAL to a credential issued for this stack (npm run credentials -- issue --merchant <id> --table <credentials table>), kept in the CI secret store');
    }
  }
  if (missing.length > 0) {
    throw new PreconditionError(`verify: cannot run the ${options.profile} profile on stack ${stack}; missing: ${missing.join('; ')}. The last reports were left as they were.`);
  }
}
