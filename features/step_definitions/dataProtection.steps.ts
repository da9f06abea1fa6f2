/** Data protection: billing mode and point-in-time recovery of the table, bucket and queue protection. */
import assert from 'node:assert/strict';
import { Given, Then, When } from '@cucumber/cucumber';
import type { DrWorld } from '../support/world';

/** Reading configuration is a handful of API calls per region on live; the plan answers at once. */
const CONFIGURATION_STEP_TIMEOUT_MS = 120_000;

Given('the payments table', function (this: DrWorld) {
  this.state.subject = 'table';
});

Given('the transaction-log buckets', function (this: DrWorld) {
  this.state.subject = 'buckets';
});

Given('the retry and dead-letter queues', function (this: DrWorld) {
  this.state.subject = 'queues';
});

When(/^(?:its|their) configuration is read in each region$/, { timeout: CONFIGURATION_STEP_TIMEOUT_MS }, async function (this: DrWorld) {
  switch (this.state.subject) {
    case 'table':
      this.state.table = await this.configuration.table();
      this.evidence('payments table', this.state.table);
      return;
    case 'buckets':
      this.state.buckets = await this.configuration.buckets();
      this.evidence('transaction-log buckets', this.state.buckets);
      return;
    case 'queues':
      this.state.queues = await this.configuration.queues();
      this.evidence('queues', this.state.queues);
      return;
    default:
      throw new Error('say first what is inspected (Given the payments table / the transaction-log buckets / the retry and dead-letter queues)');
  }
});

Then('it is billed on demand in both regions', function (this: DrWorld) {
  const table = this.state.table;
  assert.ok(table, 'the table was not read in this scenario');
  assert.equal(table.billingMode, 'PAY_PER_REQUEST', `table ${table.name} must use on-demand billing (PAY_PER_REQUEST), it uses ${table.billingMode}`);
  const regions = [table.region, ...table.replicas.map((r) => r.region)];
  for (const region of [this.regions.primaryRegion, this.regions.drRegion]) {
    assert.ok(regions.includes(region), `table ${table.name} must have a replica in ${region}; it is in ${regions.join(', ')}`);
  }
  this.recordChecked('table replicas', regions.length);
});

Then('point-in-time recovery is on in both regions', function (this: DrWorld) {
  const table = this.state.table;
  assert.ok(table, 'the table was not read in this scenario');
  const byRegion: Record<string, boolean> = { [table.region]: table.pointInTimeRecovery };
  for (const replica of table.replicas) byRegion[replica.region] = replica.pointInTimeRecovery;
  this.evidence('point-in-time recovery', { table: table.name, byRegion });
  this.recordChecked('table replicas', Object.keys(byRegion).length);
  for (const region of [this.regions.primaryRegion, this.regions.drRegion]) {
    assert.equal(byRegion[region], true, `point-in-time recovery of ${table.name} must be on in ${region}, it is ${byRegion[region] === undefined ? 'not configured' : 'off'}`);
  }
});

Then('each bucket is versioned, encrypted and closed to the public', function (this: DrWorld) {
  const buckets = this.state.buckets;
  assert.ok(buckets, 'the buckets were not read in this scenario');
  const problems: string[] = [];
  for (const region of [this.regions.primaryRegion, this.regions.drRegion]) {
    const inRegion = buckets.filter((b) => b.region === region);
    if (inRegion.length === 0) problems.push(`no transaction-log bucket in ${region}`);
    for (const b of inRegion) {
      if (!b.versioning) problems.push(`${b.name} (${region}) must be versioned`);
      if (!b.encryption) problems.push(`${b.name} (${region}) must be encrypted at rest`);
      if (!b.publicAccessBlocked) problems.push(`${b.name} (${region}) must block all public access`);
    }
    this.recordChecked('buckets', inRegion.length, region);
  }
  assert.deepEqual(problems, [], problems.join('\n'));
});

Then('each bucket replicates to the bucket of the other region', function (this: DrWorld) {
  const buckets = this.state.buckets;
  assert.ok(buckets, 'the buckets were not read in this scenario');
  const problems: string[] = [];
  for (const region of [this.regions.primaryRegion, this.regions.drRegion]) {
    const source = buckets.find((b) => b.region === region);
    const target = buckets.find((b) => b.region === this.otherRegion(region));
    if (!source || !target) {
      problems.push(`a transaction-log bucket is missing in ${source ? this.otherRegion(region) : region}`);
      continue;
    }
    if (!source.replicatesTo.includes(target.name)) problems.push(`${source.name} must replicate to ${target.name}; it replicates to ${source.replicatesTo.join(', ') || 'nothing'}`);
    this.recordChecked('bucket replication rules', 1, `${source.name} -> ${target.name}`);
  }
  assert.deepEqual(problems, [], problems.join('\n'));
});

Then('every queue is encrypted at rest', function (this: DrWorld) {
  const queues = this.state.queues;
  assert.ok(queues, 'the queues were not read in this scenario');
  const problems: string[] = [];
  for (const region of [this.regions.primaryRegion, this.regions.drRegion]) {
    const inRegion = queues.filter((q) => q.region === region);
    if (inRegion.length === 0) problems.push(`no queue in ${region}`);
    for (const q of inRegion) if (!q.encrypted) problems.push(`${q.name} (${region}) must be encrypted at rest`);
    this.recordChecked('queues', inRegion.length, region);
  }
  assert.deepEqual(problems, [], problems.join('\n'));
});

Then('every retry queue hands what it cannot deliver to a dead-letter queue', function (this: DrWorld) {
  const queues = this.state.queues;
  assert.ok(queues, 'the queues were not read in this scenario');
  const problems: string[] = [];
  for (const region of [this.regions.primaryRegion, this.regions.drRegion]) {
    const inRegion = queues.filter((q) => q.region === region);
    if (!inRegion.some((q) => q.isDeadLetterQueue)) problems.push(`no dead-letter queue in ${region}`);
    const retryQueues = inRegion.filter((x) => !x.isDeadLetterQueue);
    for (const q of retryQueues) if (!q.hasRedrivePolicy) problems.push(`${q.name} (${region}) must have a redrive policy to a dead-letter queue`);
    this.recordChecked('retry queues', retryQueues.length, region);
  }
  assert.deepEqual(problems, [], problems.join('\n'));
});
