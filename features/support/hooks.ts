/**
 * Hooks: route each scenario to its target, keep live drills opt-in, and restore whatever a drill
 * changed — after every scenario (pass, failure or timeout), after the run, and on SIGINT.
 */
import { After, AfterAll, Before, BeforeAll, setDefaultTimeout } from '@cucumber/cucumber';
import { isControlId } from '../../policy-pack/controls';
import { restoreAll, installSignalRestore, pendingRestores } from './safety';
import { closeAllTargets, targetOf } from './targets/pool';
import type { Capability, TargetKind } from './targets/target';
import { DrWorld } from './world';

/** Steps without an explicit timeout are quick checks. Slow steps state their own. */
setDefaultTimeout(30_000);

/** Starting the sandbox or capturing the plan happens in the first Before that needs it. */
const TARGET_OPEN_TIMEOUT_MS = 180_000;

BeforeAll(function () {
  installSignalRestore(closeAllTargets);
});

Before({ timeout: TARGET_OPEN_TIMEOUT_MS }, async function (this: DrWorld, { pickle }) {
  const tags = pickle.tags.map((t) => t.name);
  const capability: Capability | undefined = tags.includes('@runtime') ? 'runtime' : tags.includes('@configuration') ? 'configuration' : undefined;
  if (!capability) throw new Error(`scenario "${pickle.name}" must be tagged @runtime or @configuration`);
  const controls = tags.filter((t) => t.startsWith('@control-')).map((t) => t.slice('@control-'.length));
  if (controls.length === 0) throw new Error(`scenario "${pickle.name}" carries no @control-<id> tag`);
  const unknown = controls.filter((c) => !isControlId(c));
  if (unknown.length > 0) throw new Error(`scenario "${pickle.name}" names controls missing from policy-pack/controls.ts: ${unknown.join(', ')}`);
  const kind: TargetKind = capability === 'runtime' ? this.params.runtimeTarget : this.params.configurationTarget;
  if (tags.includes('@drill') && kind === 'live' && !this.params.allowLiveDrills) {
    return this.skip('failover drills against a live stack run only when asked for (--drills or DR_ALLOW_LIVE_DRILLS=true)');
  }
  // A target without the capability the scenario needs cannot answer it: skipped, never passed.
  const lacking = await this.useTarget(await targetOf(kind, this.params), capability);
  return lacking ? this.skip(lacking) : undefined;
});

/** Always runs, also when a step failed or timed out: undo what a drill changed. */
After({ timeout: 60_000 }, async function (this: DrWorld, { result }) {
  if (pendingRestores() === 0) return;
  const outcomes = await restoreAll();
  this.evidence('restore', { afterScenarioStatus: result?.status ?? 'unknown', outcomes });
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length > 0) {
    throw new Error(`could not restore after the drill: ${failed.map((f) => `${f.description} (${f.error ?? 'unknown'})`).join('; ')}`);
  }
});

AfterAll({ timeout: 120_000 }, async function () {
  const outcomes = await restoreAll();
  await closeAllTargets();
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length > 0) throw new Error(`could not restore: ${failed.map((f) => f.description).join('; ')}`);
});
