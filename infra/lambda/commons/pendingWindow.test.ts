/**
 * The pending window against s3rver behind the S3 conditional-request emulation
 * (localaws/s3Front.ts): opening, extending without moving `openSince`, starting afresh once a
 * cached copy could see it closed, concurrent writers never shortening it, and the cached view
 * reading at most once per period and counting an unreadable window as closed.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { S3Client } from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS, startS3, type S3Handle } from '../../../localaws/engines';
import { startS3Front, type S3Front } from '../../../localaws/s3Front';
import { CachedWindow, PendingWindow, type WindowState } from './pendingWindow';

const BUCKET = 'windows';
const T = 5_000;
const CACHE = 3_000;
let s3: S3Handle;
let front: S3Front;
let client: S3Client;
let n = 0;
let now = Date.parse('2026-11-30T12:00:00Z');
const clock = () => now;

/** A window of its own per test (its own prefix), on the fake clock. */
const fresh = () => new PendingWindow(client, BUCKET, `window-${n}.json`, clock);

describe('pending window', () => {
  before(async () => {
    s3 = await startS3([BUCKET]);
    front = await startS3Front(s3.endpoint);
    client = new S3Client({ endpoint: front.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    client.destroy();
    await front.close();
    await s3.close();
  });
  beforeEach(() => {
    n++;
  });

  it('is absent until opened; opening stores when it opened and until when', async () => {
    const w = fresh();
    assert.equal(await w.read(T), undefined);
    const opened = await w.open(now + 60_000, CACHE, T);
    assert.deepEqual([opened.state, opened.started], [{ openSince: now, openUntil: now + 60_000 }, true]);
    assert.deepEqual(JSON.parse(await s3.getText(BUCKET, w.key)), { openSince: now, openUntil: now + 60_000 });
  });

  it('extending an open window keeps when it opened; a shorter request changes nothing', async () => {
    const w = fresh();
    const opened = now;
    await w.open(now + 60_000, CACHE, T);
    now += 10_000;
    const extended = await w.open(now + 60_000, CACHE, T);
    assert.deepEqual([extended.state, extended.started], [{ openSince: opened, openUntil: now + 60_000 }, false]);
    assert.deepEqual(await w.open(now + 1_000, CACHE, T), { state: { openSince: opened, openUntil: now + 60_000 }, started: false, answeredAt: now }, 'never shortened');
  });

  it('a window that a cached copy could already see closed starts afresh', async () => {
    const w = fresh();
    await w.open(now + 60_000, CACHE, T);
    now += 60_000 - CACHE + 1; // ends within the cache age
    const again = await w.open(now + 60_000, CACHE, T);
    assert.deepEqual([again.state, again.started], [{ openSince: now, openUntil: now + 60_000 }, true]);
  });

  it('concurrent writers: every open returns a window at least as long as it asked, and the stored one is the longest', async () => {
    const w = fresh();
    const asks = [10_000, 50_000, 20_000, 40_000, 30_000].map((d) => now + d);
    const results = await Promise.allSettled(asks.map((until) => new PendingWindow(client, BUCKET, `window-${n}.json`, clock).open(until, CACHE, T)));
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') assert.ok(r.value.state.openUntil >= asks[i]!);
      else assert.equal((r.reason as Error).name, 'ConditionalRequestConflict', 'a writer that kept losing says so');
    });
    const stored = (await w.read(T))!.state;
    const granted = results.flatMap((r, i) => (r.status === 'fulfilled' ? [asks[i]!] : []));
    assert.ok(stored.openUntil >= Math.max(...granted), 'no granted extension was lost');
  });

  describe('cached view', () => {
    function counting(state: () => WindowState | undefined, fail = false) {
      const calls = { reads: 0, errors: 0 };
      const view = new CachedWindow(
        {
          read: async () => {
            calls.reads++;
            if (fail) throw new Error('s3 down');
            const s = state();
            return s === undefined ? undefined : { state: s, etag: '"e"' };
          },
        },
        CACHE,
        T,
        () => calls.errors++,
        clock,
      );
      return { view, calls };
    }

    it('reads at most once per period, shares one read among concurrent callers, and sees the window open and close', async () => {
      let state: WindowState | undefined;
      const { view, calls } = counting(() => state);
      assert.deepEqual(await Promise.all([view.isOpen(), view.isOpen(), view.isOpen()]), [false, false, false]);
      assert.equal(calls.reads, 1);
      state = { openSince: now, openUntil: now + 10_000 };
      assert.equal(await view.isOpen(), false, 'a copy younger than the period is used as it is');
      now += CACHE + 1;
      assert.equal(await view.isOpen(), true);
      assert.equal(calls.reads, 2);
      now += 10_000;
      assert.equal(await view.isOpen(), false, 'a copy whose window ended says closed');
    });

    it('counts an unreadable window as closed and retries only after the period', async () => {
      const { view, calls } = counting(() => ({ openSince: now, openUntil: now + 10_000 }), true);
      assert.equal(await view.isOpen(), false);
      assert.equal(await view.isOpen(), false);
      assert.deepEqual(calls, { reads: 1, errors: 1 });
    });

    it('reads the stored window through S3', async () => {
      const w = fresh();
      const view = new CachedWindow(w, CACHE, T, undefined, clock);
      assert.equal(await view.isOpen(), false);
      await w.open(now + 60_000, CACHE, T);
      now += CACHE + 1;
      assert.equal(await view.isOpen(), true);
    });
  });
});
