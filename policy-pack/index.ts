/**
 * The CrossGuard policy pack: `pulumi preview --policy-pack policy-pack` (see docs/policy-gate.md).
 *
 * Loading this module starts the analyzer's gRPC server, so only the Pulumi CLI loads it; tests and
 * the offline gate import `./policies` instead.
 */
import { PolicyPack } from '@pulumi/policy';
import { buildPolicies, committedWaivers, initialConfig, PACK_NAME } from './policies';

const waivers = committedWaivers();

new PolicyPack(
  PACK_NAME,
  {
    description: 'Compliance gate of the payments multi-region DR stack (PCI DSS v4.0 mapped; controls in docs/controls.md).',
    displayName: 'Payments DR compliance',
    provider: 'aws',
    enforcementLevel: 'mandatory',
    policies: buildPolicies(waivers),
  },
  initialConfig(waivers),
);
