/**
 * Stands in for `@aws-sdk/credential-provider-node` inside the Lambda bundles (build.ts aliases it).
 *
 * In Lambda the execution role's credentials are always in the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); the container credential endpoint covers runtimes that
 * serve them over HTTP instead. The rest of the default chain (SSO, INI files, process, IMDS, web
 * identity with its STS/SSO clients) can never apply there and was about 90 KB of every bundle and
 * of every cold start. Sources run through tsx (tests, the sandbox) keep the SDK's full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';

type Init = Parameters<typeof fromEnv>[0] & Parameters<typeof fromHttp>[0];

export const defaultProvider = (init: Init = {}): AwsCredentialIdentityProvider => {
  const fromEnvironment = fromEnv(init);
  return async (props) => {
    try {
      return await fromEnvironment(props);
    } catch (envError) {
      try {
        // Built lazily: fromHttp throws at construction when no container endpoint is configured.
        return await fromHttp(init)(props);
      } catch {
        throw envError;
      }
    }
  };
};
