/** Alarms: every required alarm exists in each region with the right metric, dimensions, threshold and an action. */
import assert from 'node:assert/strict';
import { Then, When } from '@cucumber/cucumber';
import { findAlarm, requiredAlarms } from '../support/expectations';
import type { AlarmFacts } from '../support/targets/target';
import type { DrWorld } from '../support/world';

/** Listing alarms is one paginated API call per region on live; the plan answers at once. */
const CONFIGURATION_STEP_TIMEOUT_MS = 120_000;

When('the alarms of each region are listed', { timeout: CONFIGURATION_STEP_TIMEOUT_MS }, async function (this: DrWorld) {
  for (const region of [this.regions.primaryRegion, this.regions.drRegion]) {
    this.state.alarmsByRegion.set(region, await this.configuration.alarms(region));
  }
  this.recordChecked('regions whose alarms were listed', this.state.alarmsByRegion.size);
  this.evidence(
    'alarms found',
    Object.fromEntries([...this.state.alarmsByRegion].map(([region, alarms]) => [region, alarms.map((a) => `${a.namespace ?? '?'}/${a.metricName ?? a.metricNames.join('+')} ${a.name}`)])),
  );
});

Then('each region has the {string} alarm', { timeout: CONFIGURATION_STEP_TIMEOUT_MS }, async function (this: DrWorld, kind: string) {
  const checked: Array<Record<string, unknown>> = [];
  const problems: string[] = [];
  // One alarm answers one requirement: two regions never count the same alarm twice.
  const taken = new Set<AlarmFacts>();
  const regions = [this.regions.primaryRegion, this.regions.drRegion];
  for (const region of regions) {
    const resources = await this.configuration.regionalResources(region);
    for (const requirement of requiredAlarms(kind, resources, this.otherRegion(region), this.regions)) {
      const holder = requirement.inRegion ?? region;
      if (!this.state.alarmsByRegion.has(holder)) this.state.alarmsByRegion.set(holder, await this.configuration.alarms(holder));
      const verdict = findAlarm(this.state.alarmsByRegion.get(holder) ?? [], requirement, taken);
      checked.push({ region, heldIn: holder, requirement: requirement.description, alarm: verdict.alarm?.name, threshold: verdict.alarm?.threshold, problem: verdict.problem });
      if (verdict.problem) problems.push(`${region}: ${verdict.problem}`);
      else if (verdict.alarm) {
        taken.add(verdict.alarm);
        this.state.matchedAlarms.push(verdict.alarm);
      }
    }
  }
  this.evidence(`${kind} alarms`, checked);
  this.recordChecked(`${kind} alarm requirements`, checked.length);
  const regionsChecked = new Set(checked.map((c) => c.region));
  assert.deepEqual(
    regions.filter((r) => !regionsChecked.has(r)),
    [],
    `the catalog requires no ${kind} alarm for some region: the expectation table is wrong`,
  );
  assert.deepEqual(problems, [], `${kind} alarms are missing or wrong:\n${problems.join('\n')}`);
});

Then('each of those alarms notifies the on-call', function (this: DrWorld) {
  assert.ok(this.state.matchedAlarms.length > 0, 'no alarm was matched in this scenario');
  const silent = this.state.matchedAlarms.filter((a) => a.alarmActions.length === 0).map((a) => `${a.region}: ${a.name}`);
  this.recordChecked('alarm actions', this.state.matchedAlarms.length);
  this.evidence('alarm actions', this.state.matchedAlarms.map((a) => ({ region: a.region, alarm: a.name, actions: a.alarmActions })));
  assert.deepEqual(silent, [], `these alarms notify nobody (no alarm action):\n${silent.join('\n')}`);
});
