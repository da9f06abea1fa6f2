/**
 * The auditor's page answers on its first screen (before "Evidence per control"): verdict per control
 * with its PCI DSS requirements and scenarios, per scenario the target and its time scale, the gate's
 * verdict beside it, and the run's stack, profile, commit, start and finish; every figure says its clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GateReport } from '../gate/report';
import { describeFigure, renderAuditorHtml, renderJunit } from './auditor';
import { requirementsByControl } from './run';
import type { ScenarioSummary, VerificationSummary } from './summary';

const sandbox = { kind: 'sandbox', summary: 'local two-region sandbox at time scale 0.05', stack: 'dev', account: 'local', regions: { primaryRegion: 'us-east-1', drRegion: 'us-east-2' }, timeScale: 0.05, capability: 'runtime' };
const plan = { ...sandbox, kind: 'plan', summary: 'planned resources under mocks', account: 'mock', timeScale: 1, capability: 'configuration' };

const scenario = (name: string, controls: string[], status: ScenarioSummary['status'], answeredBy = sandbox): ScenarioSummary => ({
  name,
  feature: 'Failover',
  uri: 'features/failover.feature',
  tags: controls.map((c) => `@control-${c}`),
  controls,
  status,
  answeredBy,
  measurements: [],
  checked: status === 'passed' ? [{ kind: 'payment records', count: 3 }] : [],
});

function summary(): VerificationSummary {
  const failover = scenario('The DR region serves payments within the RTO when the primary becomes unhealthy', ['DR-03', 'DR-04'], 'passed');
  failover.measurements = [
    {
      name: 'failover time',
      wallClockMs: 6150,
      seconds: 123,
      clock: 'modelled',
      limitSeconds: 900,
      budgetSeconds: 150,
      timeScale: 0.05,
      judgedAgainst: {
        budget: 'rto',
        exercised: ['detectionSeconds'],
        notExercised: [{ term: 'dnsCacheSeconds', why: 'the sandbox has no DNS resolvers, so no answer is cached for the TTL' }],
      },
    },
  ];
  return {
    schema: 'payments-dr/verification-summary@2',
    result: 'failed',
    profile: 'default',
    stack: 'dev',
    account: 'local, mock',
    regions: { primaryRegion: 'us-east-1', drRegion: 'us-east-2' },
    commit: 'abc1234',
    startedAt: '2026-11-30T10:00:00.000Z',
    finishedAt: '2026-11-30T10:02:00.000Z',
    durationSeconds: 120,
    tagExpression: '',
    timeScale: { sandbox: 0.05, plan: 1 },
    targets: { sandbox: { summary: sandbox.summary, account: 'local', scenarios: 1 }, plan: { summary: plan.summary, account: 'mock', scenarios: 1 } },
    counts: { passed: 1, 'not-applicable': 0, failed: 1, skipped: 0, undefined: 0, pending: 0, ambiguous: 0, unknown: 0 },
    controls: [
      { id: 'DR-03', title: 'Automatic DNS failover', verdict: 'passed', scenarios: [] },
      { id: 'DR-04', title: 'Regional parity', verdict: 'passed', scenarios: [] },
      { id: 'SEC-03', title: 'Least privilege', verdict: 'failed', scenarios: [] },
      { id: 'SEC-02', title: 'Encryption in transit', verdict: 'not-verified-here', scenarios: [] },
    ],
    scenarios: [failover, { ...scenario('The createPayment function may do what it needs', ['SEC-03'], 'failed', plan), error: 'denied dynamodb:PutItem' }],
  };
}

const gate = {
  program: 'infra/index.ts',
  stack: 'dev',
  generatedAt: '2026-11-30T09:59:00.000Z',
  result: 'fail',
  findings: [{ policy: 'apigateway-domain-tls12', control: 'SEC-02', level: 'mandatory', kind: 'violation', resource: 'api-domain', message: 'API Gateway custom domain must enforce TLS 1.2', remediation: 'Set securityPolicy TLS_1_2' }],
  controls: [
    { id: 'SEC-02', title: 'Encryption in transit', status: 'fail', pci: ['4.2.1'], policies: [{ name: 'apigateway-domain-tls12', checked: 2, mandatory: 1, advisory: 0, waived: 0 }] },
    { id: 'CAP-01', title: 'Elastic capacity', status: 'not applicable', pci: ['12.10.1'], policies: [{ name: 'dynamodb-on-demand-billing', checked: 0, mandatory: 0, advisory: 0, waived: 0 }] },
  ],
} as unknown as GateReport;

describe('the auditor page', () => {
  const html = renderAuditorHtml({ summary: summary(), gate, requirements: requirementsByControl(), detailsFile: 'verification-details.html' });
  const firstScreen = html.slice(0, html.indexOf('<h2>Evidence per control</h2>'));

  it('states stack, profile, commit, start and finish in UTC', () => {
    assert.match(firstScreen, /Stack <b>dev<\/b> · profile <b>default<\/b> · commit <code>abc1234<\/code> · started 2026-11-30T10:00:00\.000Z · finished 2026-11-30T10:02:00\.000Z \(UTC\)/);
  });
  it('lists every control of the catalog with its PCI DSS requirements and runtime and gate verdicts', () => {
    assert.equal((firstScreen.match(/<tr class="v-/g) ?? []).length, 17);
    assert.match(firstScreen, /<td><a href="#SEC-03">SEC-03<\/a><\/td><td>Least privilege<\/td><td>7\.2\.1<\/td>\s*<td class="verdict">FAILED<\/td><td class="verdict">gate not run<\/td>/);
    assert.match(firstScreen, /<td><a href="#SEC-02">SEC-02<\/a><\/td><td>Encryption in transit<\/td><td>4\.2\.1<\/td>\s*<td class="verdict">not verified here<\/td><td class="verdict">fail<\/td>/);
    assert.match(firstScreen, /<td><a href="#CAP-01">CAP-01<\/a><\/td>.*?<td class="verdict">not verified here<\/td><td class="verdict">not applicable<\/td>/s);
  });
  it('names per scenario the target that answered and its time scale', () => {
    assert.match(firstScreen, /<li>The DR region serves payments within the RTO when the primary becomes unhealthy — <b>passed<\/b>, sandbox at time scale 0\.05, checked 3 payment records<\/li>/);
    assert.match(firstScreen, /<li>The createPayment function may do what it needs — <b>failed<\/b>, plan \(real time\), checked nothing<\/li>/);
  });
  it('joins, per control, the gate findings with remediation and the runtime evidence', () => {
    const sec02 = html.slice(html.indexOf('<section id="SEC-02">'), html.indexOf('</section>', html.indexOf('<section id="SEC-02">')));
    assert.match(sec02, /<td>API Gateway custom domain must enforce TLS 1\.2<\/td><td>Set securityPolicy TLS_1_2<\/td>/);
    assert.match(sec02, /No scenario of this run evidences this control: not verified here\./);
  });
  it('every figure says its clock, the budget terms judged and those not exercised', () => {
    assert.equal(
      describeFigure(summary().scenarios[0].measurements[0]),
      'failover time: 123.0 s modelled at time scale 0.05 (6.150 s wall-clock) (limit 900 s, stack budget 150 s); judged against the RTO budget terms detectionSeconds; not exercised on this target: dnsCacheSeconds (the sandbox has no DNS resolvers, so no answer is cached for the TTL); so it does not prove the stack\'s RTO budget',
    );
  });
  it('a real-time figure on a scaled target says it was not scaled, and a figure with no budget term says so', () => {
    assert.equal(
      describeFigure({ name: 'replication lag', wallClockMs: 1203, seconds: 1.203, clock: 'real-time', limitSeconds: 30, timeScale: 0.05 }),
      "replication lag: 1.203 s real time (not scaled; the wait was bounded at time scale 0.05) (limit 30 s); judged against its limit only, no term of the stack's budget",
    );
    assert.equal(describeFigure({ name: 'replication lag', wallClockMs: 900, seconds: 0.9, clock: 'real-time', timeScale: 1 }), "replication lag: 0.900 s real time; judged against its limit only, no term of the stack's budget");
  });
  it('a figure whose target exercised every term of its budget claims no gap', () => {
    const live = describeFigure({
      name: 'failover time',
      wallClockMs: 130_000,
      seconds: 130,
      clock: 'real-time',
      timeScale: 1,
      judgedAgainst: { budget: 'rto', exercised: ['detectionSeconds', 'propagationSeconds', 'dnsCacheSeconds'], notExercised: [] },
    });
    assert.equal(live, 'failover time: 130.000 s real time; judged against the RTO budget terms detectionSeconds, propagationSeconds, dnsCacheSeconds');
  });
});

describe('JUnit', () => {
  const xml = renderJunit(summary());
  it('names each testcase after its scenario and the target that answered', () => {
    assert.match(xml, /<testcase classname="Failover" name="The DR region serves payments within the RTO when the primary becomes unhealthy \[sandbox at time scale 0\.05\]">/);
    assert.match(xml, /<testcase classname="Failover" name="The createPayment function may do what it needs \[plan \(real time\)\]">.*<failure message="denied dynamodb:PutItem"/);
    assert.doesNotMatch(xml, /#\d+\.\d+|<function>/);
  });
});
