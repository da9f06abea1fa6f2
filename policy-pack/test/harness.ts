/**
 * Test harness: builds validation inputs for policies without running a program, and evaluates
 * them through the gate's own evaluator (so unit tests exercise exactly the gate's code path:
 * unknown-checking proxy, notApplicable, stack resources with property dependencies).
 */
import type { PackPolicy } from '../lib/policy';
import { UNKNOWN } from '../offline/capture';
import type { PlannedResource } from '../offline/capture';
import { evaluatePlan, Finding } from '../offline/evaluate';

export { UNKNOWN };

export interface TestResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
  protect?: boolean;
  retainOnDelete?: boolean;
  /** For each property, the logical names of the resources its value came from. */
  dependsOn?: Record<string, string[]>;
}

export const urnOf = (type: string, name: string, stack = 'dev'): string => `urn:pulumi:${stack}::payments-dr::${type}::${name}`;

export function plan(resources: readonly TestResource[], stack = 'dev'): PlannedResource[] {
  const urnByName = new Map(resources.map((r) => [r.name, urnOf(r.type, r.name, stack)]));
  return resources.map((r) => {
    const propertyDependencies: Record<string, string[]> = {};
    for (const [prop, names] of Object.entries(r.dependsOn ?? {})) {
      propertyDependencies[prop] = names.map((n) => {
        const urn = urnByName.get(n);
        if (!urn) throw new Error(`test resource ${r.name} depends on unknown resource ${n}`);
        return urn;
      });
    }
    return {
      urn: urnOf(r.type, r.name, stack),
      type: r.type,
      name: r.name,
      custom: true,
      inputs: r.props,
      outputs: r.props,
      options: {
        protect: r.protect ?? false,
        retainOnDelete: r.retainOnDelete ?? false,
        deleteBeforeReplace: false,
        ignoreChanges: [],
        additionalSecretOutputs: [],
      },
      dependencies: [...new Set(Object.values(propertyDependencies).flat())],
      propertyDependencies,
    };
  });
}

/** Every finding of one policy on the given resources. */
export async function findings(policy: PackPolicy, resources: TestResource | readonly TestResource[], config?: Record<string, unknown>, stack = 'dev'): Promise<Finding[]> {
  const list = Array.isArray(resources) ? resources : [resources as TestResource];
  const result = await evaluatePlan(plan(list, stack), [policy], config ? { [policy.name]: config } : {});
  return result.findings;
}

/** The messages of the violations (not the unknowns) of one policy. */
export async function violations(policy: PackPolicy, resources: TestResource | readonly TestResource[], config?: Record<string, unknown>, stack?: string): Promise<string[]> {
  return (await findings(policy, resources, config, stack)).filter((f) => f.kind === 'violation').map((f) => f.message);
}

/** `[resource name, message]` pairs of the violations, for stack policies. */
export async function violationsOn(policy: PackPolicy, resources: readonly TestResource[], config?: Record<string, unknown>): Promise<Array<[string, string]>> {
  return (await findings(policy, resources, config)).filter((f) => f.kind === 'violation').map((f) => [f.resource ?? 'stack', f.message]);
}

/** Deep-copies a factory result and applies one change. */
export function withChange<T>(value: T, change: (copy: T) => void): T {
  const copy = structuredClone(value);
  change(copy);
  return copy;
}
