/**
 * The pending-marker protocol against s3rver behind the S3 conditional-request emulation
 * (localaws/s3Front.ts): one owner per key, same-request replays adopt, another request
 * learns the owner, and a withdrawal never removes a marker another request relies on.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS, startS3, type S3Handle } from '../../../localaws/engines';
import { startS3Front, type S3Front } from '../../../localaws/s3Front';
import { newPaymentItem } from './payment';
import { PendingMarkers } from './pendingMarkers';

const BUCKET = 'markers';
const T = 5_000;
let s3: S3Handle;
let front: S3Front;
let markers: PendingMarkers;
let n = 0;

/** A client of the emulated S3 (conditional requests honoured), one attempt per call. */
function viaFront(): S3Client {
  return new S3Client({ endpoint: front.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
}

function item(amount = 1000, key = `key-${n}`) {
  return newPaymentItem({ request: { merchantId: 'm-1', amount, currency: 'USD' }, idempotencyKey: key, region: 'us-east-1', now: new Date('2026-01-01T00:00:00Z') });
}

describe('pending markers', () => {
  before(async () => {
    s3 = await startS3([BUCKET]);
    front = await startS3Front(s3.endpoint);
    markers = new PendingMarkers(viaFront(), BUCKET, 'pending/');
  });
  after(async () => {
    await front.close();
    await s3.close();
  });
  beforeEach(() => {
    n++;
  });

  it('the first claim creates the marker and returns its ETag', async () => {
    const a = item();
    const claim = await markers.claim(a, T);
    assert.equal(claim.outcome, 'created');
    assert.ok(claim.outcome === 'created' && claim.etag.length > 0);
    assert.deepEqual(await markers.get(a.transactionId, T), a);
  });

  it('another request for the key learns the owner and changes nothing', async () => {
    const a = item(1000);
    await markers.claim(a, T);
    const b = item(900_000);
    const claim = await markers.claim(b, T);
    assert.equal(claim.outcome, 'exists');
    assert.deepEqual(claim.outcome === 'exists' && claim.existing, a);
    assert.deepEqual(await markers.get(a.transactionId, T), a);
  });

  it('a same-request replay adopts the marker, and the creator can then no longer withdraw it', async () => {
    const a = item();
    const created = await markers.claim(a, T);
    assert.equal(created.outcome, 'created');
    const replay = await markers.claim({ ...a, createdAt: '2026-01-01T00:00:01Z' }, T);
    assert.equal(replay.outcome, 'adopted');
    assert.deepEqual(replay.outcome === 'adopted' && replay.existing, a, 'the replay answers the original item');
    assert.equal(await markers.withdraw(a.transactionId, created.outcome === 'created' ? created.etag : '', T), 'kept');
    assert.deepEqual(await markers.get(a.transactionId, T), a, 'the marker the replay relies on is still there');
  });

  it('the creator withdraws its own marker when nobody adopted it, and a later claim creates afresh', async () => {
    const a = item();
    const created = await markers.claim(a, T);
    assert.equal(await markers.withdraw(a.transactionId, created.outcome === 'created' ? created.etag : '', T), 'withdrawn');
    assert.equal(await markers.get(a.transactionId, T), undefined);
    // The emulation answers 404 (s3rver keeps no versions); a versioned bucket answers 412 once a
    // delete marker is current (conditional deletes doc): either way nothing is removed.
    assert.ok(['absent', 'kept'].includes(await markers.withdraw(a.transactionId, created.outcome === 'created' ? created.etag : '', T)));
    const b = item(900_000);
    assert.equal((await markers.claim(b, T)).outcome, 'created', 'a withdrawn marker holds nothing');
  });

  it('many concurrent replays of one request all hold the marker: none runs out of attempts on the others\' adoptions', async () => {
    const a = item();
    await markers.claim(a, T);
    const claims = await Promise.allSettled(Array.from({ length: 12 }, () => markers.claim(a, T)));
    assert.deepEqual(claims.map((c) => (c.status === 'fulfilled' ? c.value.outcome : (c.reason as Error).name)), Array(12).fill('adopted'));
  });

  it('concurrent claims of one key: exactly one creates, the same request adopts, another body learns the owner', async () => {
    const a = item(1000);
    const b = item(900_000);
    const requests = [a, a, b, a];
    const claims = await Promise.all(requests.map((r) => markers.claim(r, T)));
    assert.equal(claims.filter((c) => c.outcome === 'created').length, 1);
    const owner = (await markers.get(a.transactionId, T))!;
    claims.forEach((c, i) => {
      const mine = requests[i]!.requestHash === owner.requestHash;
      if (c.outcome === 'created') return assert.ok(mine, 'the creator owns the marker');
      assert.equal(c.existing.requestHash, owner.requestHash, 'every other claim answers the owner');
      assert.equal(c.outcome, mine ? 'adopted' : 'exists');
    });
  });

  it('align moves a same-request marker to an earlier accepted attempt only; clear removes this request\'s marker and no other body\'s', async () => {
    const a = item();
    const earlier = { ...a, createdAt: '2025-12-31T23:59:59.000Z' };
    const later = { ...a, createdAt: '2026-01-01T00:00:05.000Z' };
    await markers.claim(a, T);
    assert.equal(await markers.align(a.transactionId, later, T), 'unchanged', 'never to a later attempt');
    assert.equal(await markers.align(a.transactionId, earlier, T), 'aligned');
    assert.deepEqual(await markers.get(a.transactionId, T), earlier);
    assert.equal(await markers.clear(a.transactionId, item(900_000).requestHash, T), 'kept', 'another body\'s hash clears nothing');
    assert.equal(await markers.clear(a.transactionId, a.requestHash, T), 'withdrawn');
    assert.equal(await markers.get(a.transactionId, T), undefined);
  });

  describe('a conditional write whose answer was lost (the SDK retries a 500; the retry meets the write)', () => {
    /** The SDK's standard retries, as the functions' clients have (maxAttempts 2). */
    const retrying = () => new PendingMarkers(new S3Client({ endpoint: front.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_CREDENTIALS, maxAttempts: 2 }), BUCKET, 'pending/');
    const loseNextPut = () => {
      front.faults.match = (req) => req.method === 'PUT';
      front.faults.fault = { kind: 'lose-response', times: 1 };
    };
    afterEach(() => front.faults.reset());

    it('a create is still recognised as this request\'s own: created, and its ETag withdraws it', async () => {
      const a = item();
      loseNextPut();
      const claim = await retrying().claim(a, T);
      assert.equal(claim.outcome, 'created');
      assert.equal(await markers.withdraw(a.transactionId, claim.outcome === 'created' ? claim.etag : '', T), 'withdrawn');
    });

    it('an adoption stays an adoption: the creator\'s withdrawal keeps the marker', async () => {
      const a = item();
      const created = await markers.claim(a, T);
      loseNextPut();
      assert.equal((await retrying().claim(a, T)).outcome, 'adopted');
      assert.equal(await markers.withdraw(a.transactionId, created.outcome === 'created' ? created.etag : '', T), 'kept');
    });

    it('the emulation still evaluates the condition of a request whose answer it loses', async () => {
      const a = item(1000);
      await markers.claim(a, T);
      loseNextPut();
      await assert.rejects(viaFront().send(new PutObjectCommand({ Bucket: BUCKET, Key: markers.keyFor(a.transactionId), Body: 'x', IfNoneMatch: '*' })));
      assert.deepEqual(await markers.get(a.transactionId, T), a, 'the refused write changed nothing');
    });
  });

  describe('the S3 conditional-request emulation follows S3', () => {
    const key = () => `pending/raw-${n}.json`;
    const client = () => s3.client;
    it('PUT If-Match on a missing key answers 404 NoSuchKey; with another ETag 412', async () => {
      const c = viaFront();
      await assert.rejects(c.send(new PutObjectCommand({ Bucket: BUCKET, Key: key(), Body: 'x', IfMatch: '"abc"' })), (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 404);
      await client().send(new PutObjectCommand({ Bucket: BUCKET, Key: key(), Body: 'x' }));
      await assert.rejects(c.send(new PutObjectCommand({ Bucket: BUCKET, Key: key(), Body: 'y', IfMatch: '"abc"' })), (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 412);
      assert.equal(await s3.getText(BUCKET, key()), 'x');
    });
    it('DELETE If-Match with another ETag answers 412 and keeps the object; with its ETag deletes it', async () => {
      const c = viaFront();
      const put = await client().send(new PutObjectCommand({ Bucket: BUCKET, Key: key(), Body: 'x' }));
      await assert.rejects(c.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key(), IfMatch: '"abc"' })), (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 412);
      assert.equal(await s3.getText(BUCKET, key()), 'x');
      await c.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key(), IfMatch: put.ETag }));
      assert.deepEqual(await s3.list(BUCKET, key()), []);
    });
  });
});
