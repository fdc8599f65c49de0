import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { MembershipCache } from '../../../api/auth/membership-cache';
import { createLogger } from '../../../core/logger';
import type { MembershipAccess } from '../../../db/repositories/workspaces';
import { createWorkspaceCast, type Actor, type WorkspaceCast } from '../../helpers/actors';
import { startTestApi, type TestApi } from '../../helpers/api';
import { useTestClients } from '../../helpers/clients';

const silent = createLogger({ name: 'test', level: 'silent' });
const MEMBER: MembershipAccess = { user_id: 'u1', email: 'member@example.test', role: 'ANALYST' };

/** Calls `request` until it answers `status`; answers how long that took (fails after `withinMs`). */
async function untilStatus(request: () => Promise<{ status: number }>, status: number, withinMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const answered = (await request()).status;
    if (answered === status) return Date.now() - started;
    if (Date.now() - started > withinMs) assert.fail(`still ${answered} after ${withinMs} ms, expected ${status}`);
    await sleep(10);
  }
}

describe('membership cache', function () {
  this.timeout(30000);
  const clients = useTestClients();
  const caches: MembershipCache[] = [];
  /** A started cache with time to live `ttlMs`, listening on `subscriber` (a connection of its own by default). */
  const openCache = async (ttlMs = 30000, subscriber = clients().redis.duplicate()) => {
    const cache = new MembershipCache({ publisher: clients().redis, subscriber, ttlMs, logger: silent });
    caches.push(cache);
    await cache.start();
    return cache;
  };
  /** A loader that counts its reads and answers `access`. */
  const counting = (access: MembershipAccess | undefined) => {
    const loader = async () => {
      loader.reads += 1;
      return access;
    };
    loader.reads = 0;
    return loader;
  };
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((cache) => cache.close()));
  });

  it('reuses a membership it has read, but never the absence of one', async () => {
    const cache = await openCache();
    const member = counting(MEMBER);
    const stranger = counting({ ...MEMBER, role: null });
    for (let index = 0; index < 3; index += 1) {
      assert.deepEqual(await cache.lookup('u1', 'w1', member), MEMBER);
      assert.equal((await cache.lookup('u2', 'w1', stranger))?.role, null);
    }
    assert.equal(member.reads, 1);
    assert.equal(stranger.reads, 3);
  });

  it('drops its memberships when another process announces a change', async () => {
    const [reader, writer] = [await openCache(), await openCache()];
    const member = counting(MEMBER);
    await reader.lookup('u1', 'w1', member);
    await writer.changed('w1');
    // The announcement travels through Redis; the reader drops its entries when it arrives.
    const started = Date.now();
    while (member.reads < 2) {
      assert.ok(Date.now() - started < 2000, 'the change never reached the other process');
      await sleep(5);
      await reader.lookup('u1', 'w1', member);
    }
  });

  it('does not keep a read that was in flight when a change was announced', async () => {
    const cache = await openCache();
    let release!: () => void;
    const slow = Object.assign(
      async () => {
        slow.reads += 1;
        if (slow.reads === 1) await new Promise<void>((resolve) => (release = resolve));
        return MEMBER;
      },
      { reads: 0 },
    );
    const inFlight = cache.lookup('u1', 'w1', slow);
    await sleep(5);
    await cache.changed('w1');
    release();
    assert.deepEqual(await inFlight, MEMBER);
    await cache.lookup('u1', 'w1', slow);
    assert.equal(slow.reads, 2, 'the read that raced the change was kept');
  });

  it('reads every membership again while its subscription is down, and reuses them once it is back', async () => {
    const subscriber = clients().redis.duplicate();
    const cache = await openCache(30000, subscriber);
    const member = counting(MEMBER);
    await cache.lookup('u1', 'w1', member);
    assert.equal(cache.isLive, true);
    const closed = once(subscriber, 'close');
    subscriber.disconnect(true); // drops the connection; ioredis reconnects after its retry delay
    await closed;
    assert.equal(cache.isLive, false);
    await cache.lookup('u1', 'w1', member);
    await cache.lookup('u1', 'w1', member);
    assert.equal(member.reads, 3);
    const started = Date.now();
    while (!cache.isLive) {
      assert.ok(Date.now() - started < 5000, 'never subscribed again');
      await sleep(10);
    }
    await cache.lookup('u1', 'w1', member);
    await cache.lookup('u1', 'w1', member);
    assert.equal(member.reads, 4);
  });

  it('expires a membership after its time to live, and keeps nothing when that is 0', async () => {
    const short = await openCache(50);
    const off = await openCache(0);
    const member = counting(MEMBER);
    await short.lookup('u1', 'w1', member);
    await short.lookup('u1', 'w1', member);
    await sleep(80);
    await short.lookup('u1', 'w1', member);
    assert.equal(member.reads, 2);
    const uncached = counting(MEMBER);
    await off.lookup('u1', 'w1', uncached);
    await off.lookup('u1', 'w1', uncached);
    assert.equal(off.isLive, false);
    assert.equal(uncached.reads, 2);
  });

  describe('across two API processes', () => {
    let first: TestApi;
    let second: TestApi;
    let cast: WorkspaceCast;
    /** `actor`'s calls through the second API. */
    const viaSecond = (actor: Actor) => (method: string, path: string, body?: unknown) =>
      fetch(`${second.url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${actor.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    before(async () => {
      [first, second] = await Promise.all([startTestApi(clients()), startTestApi(clients())]);
    });
    beforeEach(async () => {
      cast = await createWorkspaceCast(first.url, 'cache');
    });
    after(async () => Promise.all([first.close(), second.close()]));

    it('refuses a member removed through one process in the other at once (404)', async () => {
      const viewer = viaSecond(cast.viewer);
      assert.equal((await viewer('GET', `/workspaces/${cast.workspaceId}/findings`)).status, 200);
      assert.equal((await cast.admin.call('DELETE', `/workspaces/${cast.workspaceId}/members/${cast.viewer.id}`)).status, 204);
      const tookMs = await untilStatus(() => viewer('GET', `/workspaces/${cast.workspaceId}/findings`), 404, 1000);
      assert.ok(tookMs < 1000);
    });

    it('refuses a write to a member demoted through one process in the other at once (403)', async () => {
      const analyst = viaSecond(cast.analyst);
      const added = await analyst('POST', `/workspaces/${cast.workspaceId}/targets/domain`, { value: 'before.example.test' });
      assert.equal(added.status, 201);
      const demoted = await cast.admin.call('PATCH', `/workspaces/${cast.workspaceId}/members/${cast.analyst.id}`, { role: 'VIEWER' });
      assert.equal(demoted.status, 200);
      // Adding the same target again changes nothing when it still passes, so it can be retried.
      await untilStatus(() => analyst('POST', `/workspaces/${cast.workspaceId}/targets/domain`, { value: 'before.example.test' }), 403, 1000);
      assert.equal((await analyst('POST', `/workspaces/${cast.workspaceId}/targets/domain`, { value: 'after.example.test' })).status, 403);
      const targets = await clients().knex('targets').where({ workspace_id: cast.workspaceId }).pluck('value');
      assert.deepEqual(targets, ['before.example.test']);
    });
  });
});
