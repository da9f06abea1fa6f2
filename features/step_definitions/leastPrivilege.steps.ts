/** Least privilege: each function's role may do what the function uses, and nothing from a chosen list. */
import assert from 'node:assert/strict';
import { Given, Then, When } from '@cucumber/cucumber';
import { accessExpectations, logicalNameOf, PAYMENT_FUNCTIONS, type PaymentFunction } from '../support/expectations';
import type { AccessRow, DrWorld } from '../support/world';

/** On live every question is one iam:SimulatePrincipalPolicy call. */
const IAM_STEP_TIMEOUT_MS = 300_000;

function asPaymentFunction(name: string): PaymentFunction {
  const fn = PAYMENT_FUNCTIONS.find((f) => f === name);
  if (!fn) throw new Error(`unknown function "${name}" (known: ${PAYMENT_FUNCTIONS.join(', ')})`);
  return fn;
}

Given('the {string} function in each region', { timeout: IAM_STEP_TIMEOUT_MS }, async function (this: DrWorld, name: string) {
  const logicalName = asPaymentFunction(name);
  const perRegion = [];
  for (const region of [this.regions.primaryRegion, this.regions.drRegion]) {
    const resources = await this.configuration.regionalResources(region);
    const fn = resources.functions.find((f) => logicalNameOf(f.name) === logicalName);
    assert.ok(fn, `no ${logicalName} function in ${region}; functions there: ${resources.functions.map((f) => f.name).join(', ') || 'none'}`);
    perRegion.push(fn);
  }
  this.state.functionUnderTest = { logicalName, perRegion };
});

When('IAM evaluates what its role may do', { timeout: IAM_STEP_TIMEOUT_MS }, async function (this: DrWorld) {
  const under = this.state.functionUnderTest;
  assert.ok(under, 'no function chosen in this scenario');
  const access: { mustAllow: AccessRow[]; mustDeny: AccessRow[] } = { mustAllow: [], mustDeny: [] };
  for (const fn of under.perRegion) {
    const own = await this.configuration.regionalResources(fn.region);
    const peer = await this.configuration.regionalResources(this.otherRegion(fn.region));
    const expected = accessExpectations(asPaymentFunction(under.logicalName), own, peer);
    for (const which of ['mustAllow', 'mustDeny'] as const) {
      const answers = await this.configuration.simulate(fn, expected[which]);
      access[which].push(...answers.map((answer) => ({ region: fn.region, role: fn.roleArn, answer })));
    }
  }
  this.state.access = access;
});

function table(rows: AccessRow[]) {
  return rows.map((r) => ({ region: r.region, role: r.role, action: r.answer.action, resource: r.answer.resource, decision: r.answer.decision }));
}

Then('it is allowed everything the function uses', function (this: DrWorld) {
  const rows = this.state.access?.mustAllow;
  assert.ok(rows && rows.length > 0, 'IAM was not asked in this scenario');
  this.evidence('must be allowed', table(rows));
  this.recordChecked('IAM decisions', rows.length);
  const denied = rows.filter((r) => r.answer.decision !== 'allowed');
  assert.deepEqual(
    denied.map((r) => `${r.region}: ${r.answer.action} on ${r.answer.resource} is ${r.answer.decision}`),
    [],
    'the function would fail: its role lacks permissions it uses',
  );
});

Then('it is denied everything on the forbidden list', function (this: DrWorld) {
  const rows = this.state.access?.mustDeny;
  assert.ok(rows && rows.length > 0, 'IAM was not asked in this scenario');
  this.evidence('must be denied', table(rows));
  this.recordChecked('IAM decisions', rows.length);
  const allowed = rows.filter((r) => r.answer.decision === 'allowed');
  assert.deepEqual(
    allowed.map((r) => `${r.region}: ${r.answer.action} on ${r.answer.resource} is allowed`),
    [],
    'the role is broader than least privilege',
  );
});
