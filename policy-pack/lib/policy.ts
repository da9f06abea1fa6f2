/**
 * Shared shapes of this pack's policies: every policy carries the metadata auditors need
 * (severity, the PCI DSS v4.0 requirement it serves, remediation steps and its control).
 */
import type {
  EnforcementLevel,
  PolicyComplianceFramework,
  PolicyConfigSchema,
  ResourceValidation,
  ResourceValidationPolicy,
  Severity,
  StackValidation,
  StackValidationPolicy,
} from '@pulumi/policy';
import { ControlId, controlTag, isControlId } from '../controls';

/** Metadata every policy of this pack must declare (the framework makes it optional). */
interface PackMetadata {
  name: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  severity: Severity;
  framework: PolicyComplianceFramework;
  remediationSteps: string;
  tags: string[];
  configSchema?: PolicyConfigSchema;
  /**
   * Stack policies: the resource types the policy checks (`aws:*` = every AWS resource). The gate
   * counts them so that a control with nothing to check reads "not applicable", never "pass".
   */
  subjects?: readonly string[];
}

export type PackResourcePolicy = ResourceValidationPolicy & PackMetadata & { validateResource: ResourceValidation };
export type PackStackPolicy = StackValidationPolicy & PackMetadata & { validateStack: StackValidation };
export type PackPolicy = PackResourcePolicy | PackStackPolicy;

export function isStackPolicy(policy: PackPolicy): policy is PackStackPolicy {
  return 'validateStack' in policy && typeof policy.validateStack === 'function';
}

/** PCI DSS v4.0 requirement `reference`, with the requirement's wording summarised in `specification`. */
export function pciDss(reference: string, specification: string): PolicyComplianceFramework {
  return { name: 'PCI DSS', version: '4.0', reference, specification };
}

/** The tags of a policy: its control, then its domain. */
export function tags(control: ControlId, domain: string): string[] {
  return [controlTag(control), `domain:${domain}`];
}

/** The control a policy belongs to (from its `control:` tag). */
export function controlOf(policy: { name: string; tags?: string[] }): ControlId {
  const found = (policy.tags ?? []).filter((t) => t.startsWith('control:')).map((t) => t.slice('control:'.length));
  if (found.length !== 1 || !isControlId(found[0])) {
    throw new Error(`policy ${policy.name} must carry exactly one known control tag, got ${JSON.stringify(policy.tags ?? [])}`);
  }
  return found[0];
}
