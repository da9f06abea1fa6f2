/**
 * The stack's configuration, read ONCE through `pulumi.Config` and parsed by `resolveSettings`
 * (infra/settings.ts, shared with the sandbox and the verification suite). Every key is
 * documented in Pulumi.yaml.
 *
 * When the Pulumi engine runs the program (`pulumi preview` / `pulumi up`), the settings must also
 * be deployable (`assertDeployable`: a domain chosen, not a reserved one); that SettingsError is
 * thrown here, while the modules are loaded, before any resource is declared. Under
 * `pulumi.runtime.setMocks` (unit tests, the offline gate, the plan target) the committed stack
 * files keep working with their placeholder domain.
 */
import * as pulumi from '@pulumi/pulumi';
import { MockMonitor } from '@pulumi/pulumi/runtime/mocks';
import { PROJECT, programSettings, type StackSettings } from './settings';

/** True when the program runs under `pulumi.runtime.setMocks`, not against the Pulumi engine. */
export function runningUnderMocks(): boolean {
  return pulumi.runtime.getMonitor() instanceof MockMonitor;
}

const config = new pulumi.Config(PROJECT);

/** The typed settings of the stack being deployed. */
export const settings: StackSettings = programSettings((key) => config.get(key), !runningUnderMocks());
