/** Replication between the regions: the global table in both directions and the transaction-log buckets. */
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { Given, Then, When } from '@cucumber/cucumber';
import type { DrWorld } from '../support/world';

/** Replication steps poll for at most the scenario's bound; on live that is real time. */
const REPLICATION_STEP_TIMEOUT_MS = 20 * 60_000;

When('a payment is accepted through the {word} region\'s API', async function (this: DrWorld, role: string) {
  const region = this.regionByRole(role);
  const request = this.newPayment(`replication via ${region}`);
  const receipt = await this.runtime.submitPayment(region, request);
  this.evidence(`payment accepted in ${region}`, { region, idempotencyKey: request.idempotencyKey, receipt });
  assert.ok(
    receipt.httpStatus === 201 || receipt.httpStatus === 200,
    `the ${role} region's API (${region}) must accept the payment, it answered ${receipt.httpStatus} ${receipt.errorCode ?? ''}`,
  );
  assert.ok(receipt.transactionId, 'the API must answer with a transactionId');
  const accepted = { request, receipt, region, acceptedAt: Date.now() };
  this.state.payments.push(accepted);
  this.state.lastPayment = accepted;
});

Then(
  'the payment is readable in the {word} region\'s table within {int} seconds',
  { timeout: REPLICATION_STEP_TIMEOUT_MS },
  async function (this: DrWorld, role: string, limitSeconds: number) {
    const payment = this.state.lastPayment;
    assert.ok(payment?.receipt.transactionId, 'no payment was accepted in this scenario');
    const region = this.regionByRole(role);
    const transactionId = payment.receipt.transactionId;
    const found = await this.pollFor(limitSeconds, () => this.runtime.readPayment(region, transactionId));
    const waitedMs = Date.now() - payment.acceptedAt;
    // The sandbox replicates in real time while the wait is bounded at its time scale: stricter than the control.
    const m = this.measure(`replication lag ${payment.region} to ${region}`, found ? found.wallClockMs : waitedMs, { limitSeconds, realTime: true, budget: 'rpo' });
    assert.ok(
      found,
      `payment ${transactionId} accepted in ${payment.region} was not readable in ${region} after ${this.formatSeconds(m)}; it must be within ${limitSeconds} s`,
    );
    assert.equal(found.value.transactionId, transactionId);
    assert.equal(found.value.amount, payment.request.amount, 'the replicated amount must equal the accepted amount');
    assert.equal(found.value.currency, payment.request.currency);
    this.state.replicated = found.value;
    this.recordChecked('payment records', 1, `${transactionId} in ${region}`);
    this.log(`Replicated ${payment.region} -> ${region} in ${this.formatSeconds(m)} (limit ${limitSeconds} s)${this.notExercisedNote(m)}.`);
  },
);

Then('the measured replication lag is attached as evidence', function (this: DrWorld) {
  const lag = this.measurements.find((m) => m.name.startsWith('replication lag'));
  assert.ok(lag, 'no replication lag was measured in this scenario');
  assert.ok(lag.limitSeconds !== undefined && lag.seconds <= lag.limitSeconds, `replication lag ${lag.seconds} s exceeds ${lag.limitSeconds} s`);
});

Given('the transaction-log buckets of both regions', async function (this: DrWorld): Promise<'skipped' | undefined> {
  const limitation = await this.runtime.limitation('object-replication');
  if (limitation) return this.skip(`on the ${this.description.kind} target: ${limitation}`);
  return undefined;
});

When('a transaction-log object is written to the {word} region\'s bucket', async function (this: DrWorld, role: string) {
  const region = this.regionByRole(role);
  const id = randomUUID();
  const key = `transactions/dr-verification/${new Date().toISOString().slice(0, 10)}/${id}.json`;
  const body = JSON.stringify({ kind: 'dr-verification', id, writtenIn: region, at: new Date().toISOString() });
  await this.runtime.writeTransactionLog(region, key, body);
  this.state.transactionLog = { key, body, writtenAt: Date.now(), region };
  this.evidence('transaction log written', { region, key });
});

Then(
  'the same object can be read from the {word} region\'s bucket within {int} {word}',
  { timeout: REPLICATION_STEP_TIMEOUT_MS },
  async function (this: DrWorld, role: string, amount: number, unit: string) {
    const log = this.state.transactionLog;
    assert.ok(log, 'no transaction-log object was written in this scenario');
    const limitSeconds = /^minute/.test(unit) ? amount * 60 : amount;
    const region = this.regionByRole(role);
    const found = await this.pollFor(limitSeconds, () => this.runtime.readTransactionLog(region, log.key));
    const m = this.measure(`object replication ${log.region} to ${region}`, found ? found.wallClockMs : Date.now() - log.writtenAt, { limitSeconds, realTime: true });
    assert.ok(found, `${log.key} written in ${log.region} did not appear in ${region}'s bucket within ${limitSeconds} s (waited ${this.formatSeconds(m)})`);
    assert.equal(found.value, log.body, 'the replicated object must be byte-identical');
    this.recordChecked('transaction-log objects', 1, `${log.key} in ${region}`);
    this.log(`Object replicated ${log.region} -> ${region} in ${this.formatSeconds(m)}.`);
  },
);
