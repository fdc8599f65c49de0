import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { openTestClients, type TestClients } from '../test/helpers/clients';
import { createPoliteness, parseRate, type PolitenessSettings } from './rate-limit';

const SETTINGS: PolitenessSettings = {
  rateLimits: { dns_lookup: '20/s', whois_lookup: '1/s', port_scan: '0/s' },
  whoisPerDomainRate: '10/s',
  smtpPerDomainRate: '30/m',
};

async function elapsed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

describe('the politeness limiter', function () {
  this.timeout(15000);
  let clients: TestClients;
  let second: Redis;
  let prefix: string;

  before(async () => {
    clients = await openTestClients();
    second = clients.redis.duplicate();
  });

  beforeEach(() => {
    prefix = `test-politeness:${randomUUID()}:`;
  });

  after(async () => {
    const keys = await clients.redis.keys('test-politeness:*');
    if (keys.length > 0) await clients.redis.del(...keys);
    second.disconnect();
    await clients.close();
  });

  it('reads rates as N/s or N/m, with 0 meaning no limit', () => {
    assert.deepEqual(parseRate('20/s'), { tokens: 20, periodMs: 1000 });
    assert.deepEqual(parseRate('30/m'), { tokens: 30, periodMs: 60000 });
    assert.equal(parseRate('0/s'), null);
    assert.equal(parseRate('fast'), undefined);
  });

  it('refuses a malformed rate when it is built, naming the setting', () => {
    assert.throws(
      () => createPoliteness(clients.redis, { ...SETTINGS, rateLimits: { dns_lookup: 'lots' } }),
      /TECHNIQUE_RATE_LIMITS dns_lookup: "lots"/,
    );
  });

  it('spaces 21 calls at 20/s over about one second', async () => {
    const politeness = createPoliteness(clients.redis, SETTINGS, { keyPrefix: prefix });

    const took = await elapsed(async () => {
      for (let call = 0; call < 21; call += 1) await politeness.waitForTechniqueSlot('dns_lookup');
    });

    assert.ok(took >= 950 && took < 1400, `took ${took.toFixed(0)} ms`);
  });

  it('queues concurrent callers instead of failing them, and reports each wait', async () => {
    const politeness = createPoliteness(clients.redis, SETTINGS, { keyPrefix: prefix });

    const waits = await Promise.all(Array.from({ length: 5 }, () => politeness.waitForDomainSlot('whois', 'example.com')));

    assert.deepEqual([...waits].sort((a, b) => a - b).map((ms) => Math.round(ms / 100)), [0, 1, 2, 3, 4]);
  });

  it('shares one budget between two workers on separate Redis connections', async () => {
    const first = createPoliteness(clients.redis, SETTINGS, { keyPrefix: prefix });
    const other = createPoliteness(second, SETTINGS, { keyPrefix: prefix });

    const took = await elapsed(() =>
      Promise.all(Array.from({ length: 21 }, (_, call) => (call % 2 === 0 ? first : other).waitForTechniqueSlot('dns_lookup'))),
    );

    assert.ok(took >= 950 && took < 1400, `took ${took.toFixed(0)} ms`);
  });

  it('keeps separate budgets per domain and per kind', async () => {
    const politeness = createPoliteness(clients.redis, SETTINGS, { keyPrefix: prefix });
    await politeness.waitForDomainSlot('smtp', 'example.com');

    const waits = await Promise.all([
      politeness.waitForDomainSlot('whois', 'example.com'),
      politeness.waitForDomainSlot('whois', 'example.org'),
      politeness.waitForDomainSlot('smtp', 'example.net'),
      politeness.waitForTechniqueSlot('whois_lookup'),
    ]);

    assert.deepEqual(waits, [0, 0, 0, 0]);
    // The same domain in other letters shares its bucket: 30/m leaves it two seconds to wait.
    await assert.rejects(politeness.waitForDomainSlot('smtp', 'EXAMPLE.com', AbortSignal.timeout(50)));
  });

  it('lets a technique without a limit through at once', async () => {
    const politeness = createPoliteness(clients.redis, SETTINGS, { keyPrefix: prefix });

    const waits = await Promise.all(Array.from({ length: 50 }, () => politeness.waitForTechniqueSlot('port_scan')));
    const unlisted = await politeness.waitForTechniqueSlot('email_verify');

    assert.ok(waits.every((ms) => ms === 0));
    assert.equal(unlisted, 0);
  });

  it('stops waiting as soon as the caller aborts, with the abort reason', async () => {
    const politeness = createPoliteness(clients.redis, SETTINGS, { keyPrefix: prefix });
    await politeness.waitForTechniqueSlot('whois_lookup');
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    setTimeout(() => controller.abort(reason), 100);

    const started = performance.now();
    await assert.rejects(politeness.waitForTechniqueSlot('whois_lookup', controller.signal), (error) => error === reason);

    assert.ok(performance.now() - started < 400);
  });
});
