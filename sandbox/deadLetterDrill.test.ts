/**
 * The dead-letter drill end to end on the sandbox, with the REAL handlers and the operator's
 * command (`npm run dlq`, called in process): payments that cannot be committed within their retry
 * budget land in the dead-letter queue (never silently parked: the DLQ alarm's condition,
 * ApproximateNumberOfMessagesVisible >= 1, holds), are listed with transaction ids and reasons and
 * no payment bodies, are redriven with one StartMessageMoveTask, and end committed exactly once.
 * While they wait in the DLQ their keys stay guarded: the retry processors keep their regions'
 * pending windows open for the DLQ's retention, so another body under a parked key is refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DLQ_RETENTION_SECONDS, PENDING_WINDOW_KEY } from '../contract';
import { runDlq } from '../scripts/dlq';
import { SandboxControlClient } from './controlClient';
import { merchantHeaders } from './merchants';
import { startSandbox, type SandboxHandle } from './sandbox';
import { createPayment, getPayment, waitFor, waitForPayment } from './testkit';

/** 180 s visibility timeout x 5 receives runs as 1.8 s x 5. */
const TIME_SCALE = 0.01;

describe('dead-letter drill (sandbox, real handlers, npm run dlq)', { timeout: 120_000 }, () => {
  let sandbox: SandboxHandle;
  let control: SandboxControlClient;
  let auth: Record<string, string>;
  let regions: string[];
  const sqs = new Map<string, SQSClient>();

  before(async () => {
    sandbox = await startSandbox({ timeScale: TIME_SCALE });
    control = new SandboxControlClient(sandbox.endpoints.control);
    auth = merchantHeaders(sandbox.endpoints);
    regions = Object.keys(sandbox.endpoints.regions);
    for (const r of regions) sqs.set(r, new SQSClient({ region: r, endpoint: sandbox.endpoints.regions[r].sqs, credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } }));
  });
  after(async () => {
    for (const c of sqs.values()) c.destroy();
    await sandbox?.stop();
  });

  const dlqDepth = async (region: string): Promise<number> => {
    const out = await sqs.get(region)!.send(new GetQueueAttributesCommand({ QueueUrl: sandbox.endpoints.regions[region].deadLetterQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
  };
  const dlq = async (...args: string[]): Promise<{ code: number; lines: string[] }> => {
    const lines: string[] = [];
    const code = await runDlq([...args, '--sandbox', sandbox.endpoints.control], (l) => lines.push(l));
    return { code, lines };
  };

  it('parks payments that exhaust their retries, alarms, lists them, and one redrive commits each exactly once', async (t) => {
    const [primary] = regions.filter((r) => sandbox.endpoints.regions[r].role === 'primary');
    const api = sandbox.endpoints.regions[primary].api;
    // Prepare: neither replica accepts writes, so payments are queued (202) in both regions.
    for (const region of regions) await control.injectFault({ fault: 'throttling', region });
    const accepted = [];
    const keys: string[] = [];
    for (let i = 0; i < 3; i++) {
      // A 503 means nothing was accepted: the client retries with the same Idempotency-Key.
      const key = `drill-${i}-${Date.now()}`;
      keys.push(key);
      let res = await createPayment(api, auth, key, { amount: 1000 + i });
      for (let attempt = 1; res.status === 503 && attempt < 5; attempt++) res = await createPayment(api, auth, key, { amount: 1000 + i });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      accepted.push(res.body);
    }
    // Act 1: the retry processors fail every attempt; after maxReceiveCount the DLQs keep them.
    const parkedAt = Date.now();
    for (const region of regions) await waitFor(`${region} DLQ holds the payments`, async () => ((await dlqDepth(region)) >= accepted.length ? true : undefined), 60_000, 100);
    t.diagnostic(`parked in both DLQs after ${(Date.now() - parkedAt) / TIME_SCALE / 1000} modelled s (time scale ${TIME_SCALE})`);
    // The DLQ alarm's condition (ApproximateNumberOfMessagesVisible >= 1 over a 1-minute period).
    assert.ok((await dlqDepth(primary)) >= 1);

    // Act 2: list them (transaction ids and reasons, no payment bodies).
    const listed = await dlq('list', '--region', primary, '--json');
    assert.equal(listed.code, 0, listed.lines.join('\n'));
    const report = JSON.parse(listed.lines[0]) as { count: number; entries: { transactionId: string; reason: string }[] };
    assert.deepEqual(report.entries.map((e) => e.transactionId).sort(), accepted.map((p) => p.transactionId).sort());
    assert.ok(report.entries.every((e) => e.reason === 'NOT_COMMITTED'), listed.lines[0]);
    assert.ok(!listed.lines[0].includes('"amount"') && !listed.lines[0].includes('sandbox test'), 'no payment fields in the listing');
    assert.equal(await dlqDepth(primary), accepted.length, 'listing leaves every message in the DLQ, visible');

    // While parked, with DynamoDB writing again: both regions' pending windows stay open for the
    // DLQ's retention, and another body under a parked key is refused in either region.
    await control.clearFaults();
    for (const region of regions) {
      const { s3, bucket } = sandbox.endpoints.regions[region];
      const s3Client = new S3Client({ region, endpoint: s3, forcePathStyle: true, credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } });
      const out = await s3Client.send(new GetObjectCommand({ Bucket: bucket, Key: PENDING_WINDOW_KEY }));
      const window = JSON.parse(await out.Body!.transformToString()) as { openUntil: number };
      s3Client.destroy();
      assert.ok(window.openUntil > Date.now() + DLQ_RETENTION_SECONDS * 1000 - 3_600_000, `${region}'s window open for the DLQ's retention: ${JSON.stringify(window)}`);
      const reused = await createPayment(sandbox.endpoints.regions[region].api, auth, keys[0], { amount: 999_999 });
      assert.equal(reused.status, 422, `another body under a parked key in ${region}: ${JSON.stringify(reused.body)}`);
    }

    // Act 3: the region recovers; one command redrives the primary's DLQ.
    const redrive = await dlq('redrive', '--region', primary, '--wait');
    assert.equal(redrive.code, 0, redrive.lines.join('\n'));
    assert.match(redrive.lines[0], /aws sqs start-message-move-task --source-arn arn:aws:sqs:/);
    assert.match(redrive.lines[1], new RegExp(`redrive COMPLETED: ${accepted.length} of ${accepted.length} moved`));

    // Assess: each payment is committed, once, with what was accepted.
    for (const p of accepted) {
      const committed = await waitForPayment(api, auth, p.transactionId, 30_000, 'COMMITTED');
      assert.deepEqual({ ...committed, status: 'PENDING' }, p);
    }
    // The other region's DLQ copy is now a duplicate: listed as already committed, and its redrive changes nothing.
    const [secondary] = regions.filter((r) => r !== primary);
    const second = JSON.parse((await dlq('list', '--region', secondary, '--json')).lines[0]) as { entries: { reason: string }[] };
    assert.deepEqual([...new Set(second.entries.map((e) => e.reason))], ['ALREADY_COMMITTED']);
    assert.equal((await dlq('redrive', '--region', secondary, '--wait')).code, 0);
    await waitFor('secondary retry queue drained', async () => ((await dlqDepth(secondary)) === 0 ? true : undefined), 30_000, 100);
    for (const p of accepted) {
      const read = await getPayment(sandbox.endpoints.regions[secondary].api, auth, p.transactionId);
      assert.deepEqual([read.status, read.body.amount, read.body.status], [200, p.amount, 'COMMITTED']);
    }
    assert.equal((await dlq('status', '--region', primary)).lines[0], `latest redrive COMPLETED: ${accepted.length} of ${accepted.length} moved`);
  });
});
