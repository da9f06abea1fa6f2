import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs, UsageError } from '../../scripts/gate';
import { buildReport, findingLine, renderMarkdown } from '../../scripts/gate/report';
import type { Evaluation } from '../offline/evaluate';
import { BASE_POLICIES } from '../policies';
import type { Waiver } from '../lib/waivers';

const NOW = new Date('2026-11-29T12:00:00Z');
const urn = 'urn:pulumi:dev::payments-dr::aws:s3/bucket:Bucket::txlog-dev-us-east-2';
const applied: Waiver = { policy: 'lambda-tracing-active', resource: 'fn-dev', justification: 'Tracing rollout tracked in CHG-2201', owner: 'payments-team', expires: '2026-12-31' };
const expired: Waiver = { policy: 'apigateway-domain-tls12', resource: 'domain-dev', justification: 'Legacy client migration CHG-1999', owner: 'edge-team', expires: '2026-01-31' };
const unused: Waiver = { policy: 'sqs-queue-encrypted', resource: 'gone-dev', justification: 'Queue deleted in CHG-1042 last month', owner: 'payments-team', expires: '2026-12-31' };

const evaluation: Evaluation = {
  findings: [
    { policy: 's3-bucket-tls-only', control: 'SEC-02', level: 'mandatory', severity: 'high', kind: 'violation', urn, resource: 'txlog-dev-us-east-2', type: 'aws:s3/bucket:Bucket', message: 'S3 bucket must deny requests without TLS (no aws.s3.BucketPolicy refers to it).' },
    { policy: 'route53-failover-pair', control: 'DR-03', level: 'advisory', severity: 'critical', kind: 'unknown', message: "cannot be checked until apply: string value at .aliases.0.name can't be known during preview" },
  ],
  waived: [{ policy: 'lambda-tracing-active', control: 'OPS-03', urn: 'urn:x::fn-dev', resource: 'fn-dev', message: 'Lambda function must enable active tracing (tracingConfig.mode Active), got PassThrough.', waiver: applied }],
  coverage: [],
};

describe('gate report', () => {
  const report = buildReport({ program: 'infra/index.ts', stack: 'dev', preview: false, generatedAt: NOW.toISOString(), resourceCount: 3, unmockedInvokes: [] }, evaluation, BASE_POLICIES, [applied, expired, unused], NOW);
  it('prints one line per finding: level policy-name resource-urn-or-name: message', () => {
    assert.equal(findingLine(evaluation.findings[0]), `mandatory s3-bucket-tls-only ${urn}: S3 bucket must deny requests without TLS (no aws.s3.BucketPolicy refers to it).`);
    assert.equal(findingLine(evaluation.findings[1]), "advisory route53-failover-pair stack: cannot be checked until apply: string value at .aliases.0.name can't be known during preview");
  });
  it('fails on a mandatory violation, counts unknowns apart, and gives each waiver a status', () => {
    assert.equal(report.result, 'fail');
    assert.deepEqual(report.summary, { mandatory: 1, advisory: 0, unknown: 1, waived: 1, expiredWaivers: 1, unusedWaivers: 1 });
    assert.deepEqual(report.waivers.map((w) => [w.policy, w.status]), [['lambda-tracing-active', 'applied'], ['apigateway-domain-tls12', 'expired'], ['sqs-queue-encrypted', 'unused']]);
    assert.equal(report.controls.find((c) => c.id === 'SEC-02')?.status, 'fail');
    assert.equal(report.controls.find((c) => c.id === 'DR-03')?.status, 'advisory');
    assert.equal(report.controls.find((c) => c.id === 'OPS-03')?.status, 'pass');
  });
  it('renders Markdown grouped by control, waivers shown', () => {
    const md = renderMarkdown(report);
    assert.match(md, /^# Policy gate report: FAIL$/m);
    assert.match(md, /^\| SEC-02 \| Encryption in transit \| \*\*FAIL\*\* \| 4\.2\.1 \| `s3-bucket-tls-only`, `apigateway-domain-tls12` \|$/m);
    // Nothing of their kind in the program: never "pass".
    assert.match(md, /^\| CAP-01 \| Elastic capacity \| not applicable \| 12\.10\.1 \| `dynamodb-on-demand-billing` \|$/m);
    assert.equal(report.controls.find((c) => c.id === 'CAP-01')?.status, 'not applicable');
    // Each finding carries its remediation, in the JSON and in the Markdown.
    assert.match(report.findings[0].remediation, /^Add an aws\.s3\.BucketPolicy with a statement/);
    assert.match(md, /^\| mandatory \| `s3-bucket-tls-only` \| [^|]+ \| S3 bucket must deny requests without TLS [^|]+ \| Add an aws\.s3\.BucketPolicy with a statement/m);
    assert.match(md, /^### OPS-03 Supported and traceable runtime$/m);
    assert.match(md, /^\| waived until 2026-12-31 \(payments-team\) \| `lambda-tracing-active` \| fn-dev \| .* Justification: Tracing rollout tracked in CHG-2201 \| \|$/m);
    assert.match(md, /^\| `apigateway-domain-tls12` \| domain-dev \| edge-team \| 2026-01-31 \| expired \| Legacy client migration CHG-1999 \|$/m);
  });
});

describe('gate command line', () => {
  it('defaults to the DR stack with Pulumi.dev.yaml', () => {
    const options = parseArgs([]);
    assert.match(options.program, /infra[/\\]index\.ts$/);
    assert.equal(options.stack, 'dev');
    assert.equal(options.preview, false);
  });
  it('reads --program, --stack, --preview', () => {
    const options = parseArgs(['--program', 'policy-pack/fixtures/compliant.ts', '--stack', 'staging', '--preview']);
    assert.match(options.program, /policy-pack[/\\]fixtures[/\\]compliant\.ts$/);
    assert.equal(options.stack, 'staging');
    assert.equal(options.preview, true);
  });
  it('rejects unknown options and missing values', () => {
    assert.throws(() => parseArgs(['--stak', 'dev']), new UsageError('unknown option --stak (npm run gate -- --help lists the options)'));
    assert.throws(() => parseArgs(['--program']), new UsageError('--program needs a value'));
  });
});
