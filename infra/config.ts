/**
 * The stack's configuration, read ONCE through `pulumi.Config` and parsed by `resolveSettings`
 * (infra/settings.ts, shared with the sandbox and the verification suite). Every key is
 * documented in Pulumi.yaml.
 */
import * as pulumi from '@pulumi/pulumi';
import { PROJECT, resolveSettings, type StackSettings } from './settings';

const config = new pulumi.Config(PROJECT);

/** The typed settings of the stack being deployed. */
export const settings: StackSettings = resolveSettings((key) => config.get(key));
