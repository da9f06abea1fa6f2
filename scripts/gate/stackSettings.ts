/**
 * The pack settings a program's own stack determines: its regions and environment suffix.
 *
 * `pulumi preview --policy-pack-config` gives a policy pack its configuration; the offline gate also
 * defaults the settings that describe the stack from the stack's own config, so a program whose
 * primary region is us-west-2 is checked against us-west-2 without any pack configuration:
 * - `primaryRegion`: `<project>:primaryRegion`, else `aws:region` (the default provider's region);
 * - `drRegion`: `<project>:drRegion`, else `<project>:secondaryRegion` (a name other programs use);
 * - `environmentSuffix`: `<project>:environmentSuffix`.
 * A `--policy-pack-config` file overrides them; what is still unset keeps the pack's default, and the
 * report says where every value came from.
 */
import type { PolicyPackConfig } from '@pulumi/policy';
import type { PackPolicy } from '../../policy-pack/lib/policy';
import { isRecord } from '../../policy-pack/lib/props';

export const STACK_SETTINGS = ['primaryRegion', 'drRegion', 'environmentSuffix'] as const;
export type StackSetting = (typeof STACK_SETTINGS)[number];

/** Where each setting may come from in a stack's config, first match wins (`<project>` replaced). */
const SOURCES: Record<StackSetting, string[]> = {
  primaryRegion: ['<project>:primaryRegion', 'aws:region'],
  drRegion: ['<project>:drRegion', '<project>:secondaryRegion'],
  environmentSuffix: ['<project>:environmentSuffix'],
};

export interface SettingSource {
  setting: StackSetting;
  /** The value in effect, if any policy has one. */
  value?: string;
  /** `--policy-pack-config`, `stack config <key>`, or `pack default`. */
  source: string;
}

export interface StackSettings {
  /** The layer to put between the schema defaults and the user's policy pack config. */
  config: PolicyPackConfig;
  /** Where each setting came from, for the report. */
  describe(userConfig: PolicyPackConfig, policies: readonly PackPolicy[]): SettingSource[];
}

export function settingsFromStack(project: string, stackConfig: Readonly<Record<string, string>>): StackSettings {
  const found = new Map<StackSetting, { value: string; key: string }>();
  for (const setting of STACK_SETTINGS) {
    for (const pattern of SOURCES[setting]) {
      const key = pattern.replace('<project>', project);
      const value = stackConfig[key];
      if (value !== undefined && value !== '') {
        found.set(setting, { value, key });
        break;
      }
    }
  }
  const layer: Record<string, string> = {};
  for (const [setting, { value }] of found) layer[setting] = value;
  // Every policy gets the layer; the merge keeps only the properties a policy's schema declares.
  const config: PolicyPackConfig = { '*': layer };
  return {
    config,
    describe(userConfig, policies) {
      return STACK_SETTINGS.map((setting): SettingSource => {
        const user = Object.entries(userConfig).find(([, v]) => isRecord(v) && typeof v[setting] === 'string');
        if (user) return { setting, value: String((user[1] as Record<string, unknown>)[setting]), source: `--policy-pack-config (${user[0]})` };
        const stack = found.get(setting);
        if (stack) return { setting, value: stack.value, source: `stack config ${stack.key}` };
        const schema = policies.map((p) => p.configSchema?.properties?.[setting]).find((s) => isRecord(s));
        const fallback = isRecord(schema) && typeof schema.default === 'string' ? schema.default : undefined;
        return {
          setting,
          ...(fallback !== undefined ? { value: fallback } : {}),
          source: fallback !== undefined ? 'pack default' : 'the stack name is used',
        };
      });
    },
  };
}
