/**
 * The verification targets by capability: each target implements exactly the questions its
 * capabilities answer, and a scenario routed to a target without the capability it needs is given
 * a reason to skip, never an answer.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LiveTarget } from '../support/targets/liveTarget';
import { PlanTarget } from '../support/targets/planTarget';
import { SandboxTarget } from '../support/targets/sandboxTarget';
import { capabilityGap, hasCapability, type TargetBase } from '../support/targets/target';

const RUNTIME_QUESTIONS = ['submitPayment', 'submitPaymentViaFailover', 'readPayment', 'writeTransactionLog', 'readTransactionLog', 'observeFailover', 'limitation', 'makeUnhealthy'];
const CONFIGURATION_QUESTIONS = ['alarms', 'table', 'buckets', 'queues', 'regionalResources', 'simulate'];

const targets: Array<[string, TargetBase]> = [
  ['sandbox', new SandboxTarget({ stack: 'dev', timeScale: 0.05 })],
  ['plan', new PlanTarget({ program: 'infra/index.ts', stack: 'dev' })],
  ['live', new LiveTarget({ stack: 'dev' })],
];

/** Whether an instance answers `method` (own class or its prototype chain). */
const answers = (target: TargetBase, method: string): boolean => typeof (target as unknown as Record<string, unknown>)[method] === 'function';

describe('verification targets by capability', () => {
  it('the sandbox runs the stack, the plan reads configuration, live does both', () => {
    assert.deepEqual(
      targets.map(([name, t]) => [name, [...t.capabilities]]),
      [
        ['sandbox', ['runtime']],
        ['plan', ['configuration']],
        ['live', ['runtime', 'configuration']],
      ],
    );
  });

  for (const [name, target] of targets) {
    it(`the ${name} target implements exactly the questions of its capabilities`, () => {
      for (const q of RUNTIME_QUESTIONS) assert.equal(answers(target, q), hasCapability(target, 'runtime'), `${name}.${q}`);
      for (const q of CONFIGURATION_QUESTIONS) assert.equal(answers(target, q), hasCapability(target, 'configuration'), `${name}.${q}`);
    });
  }

  it('a scenario routed to a target without its capability gets the reason to skip, naming what answers it', () => {
    const [, sandbox] = targets[0];
    const [, plan] = targets[1];
    assert.equal(capabilityGap(sandbox, 'runtime'), undefined);
    assert.equal(
      capabilityGap(plan, 'runtime'),
      'the plan target has no runtime capability (it answers configuration questions); route @runtime scenarios to sandbox or live',
    );
    assert.match(capabilityGap(sandbox, 'configuration') ?? '', /the sandbox target has no configuration capability .* route @configuration scenarios to plan or live/);
  });

  it('no target imports a sibling target', () => {
    const dir = join(__dirname, '..', 'support', 'targets');
    const siblings = ['liveTarget', 'planTarget', 'sandboxTarget'];
    for (const file of siblings) {
      const source = readFileSync(join(dir, `${file}.ts`), 'utf8');
      const imported = [...source.matchAll(/from '\.\/([A-Za-z]+)'/g)].map((m) => m[1]);
      assert.deepEqual(imported.filter((m) => siblings.includes(m)), [], `${file}.ts imports a sibling target`);
    }
    assert.ok(readdirSync(dir).includes('facts.ts'), 'shared facts live in their own module');
  });
});
