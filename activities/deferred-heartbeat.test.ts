import assert from 'node:assert/strict';
import { deferredHeartbeat } from './job-activities';

describe('deferred heartbeats', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  function recorder() {
    const started = Date.now();
    const sent: unknown[] = [];
    const times: number[] = [];
    const context = {
      heartbeat: (details?: unknown) => {
        sent.push(details);
        times.push(Date.now() - started);
      },
    };
    return { sent, times, context };
  }

  it('sends nothing for an attempt that ends within the grace period', async () => {
    const { sent, context } = recorder();
    const heartbeat = deferredHeartbeat(context, 100, 40);
    heartbeat.beat({ stage: 'querying' });
    heartbeat.beat({ stage: 'storing' });
    heartbeat.stop();
    await sleep(250);
    assert.deepEqual(sent, []);
  });

  it('sends the latest held heartbeat once the grace period is over, then passes every one through', async () => {
    const { sent, context } = recorder();
    const heartbeat = deferredHeartbeat(context, 50, 1000);
    heartbeat.beat({ stage: 'querying' });
    heartbeat.beat({ stage: 'scanning', done: 1 });
    await sleep(80);
    assert.deepEqual(sent, [{ stage: 'scanning', done: 1 }]);
    heartbeat.beat({ stage: 'scanning', done: 2 });
    assert.deepEqual(sent, [{ stage: 'scanning', done: 1 }, { stage: 'scanning', done: 2 }]);
    heartbeat.stop();
  });

  it('keeps beating at the interval through a silent stretch, repeating the latest progress', async () => {
    const { sent, times, context } = recorder();
    const heartbeat = deferredHeartbeat(context, 50, 40);
    heartbeat.beat({ stage: 'banners', banners_done: 3, banners_total: 9 });
    await sleep(400); // the technique says nothing for ten intervals
    heartbeat.stop();

    assert.ok(sent.length >= 7, `expected a beat every 40 ms after the grace period, got ${sent.length}`);
    assert.ok(sent.every((details) => JSON.stringify(details) === '{"stage":"banners","banners_done":3,"banners_total":9}'));
    assert.ok((times[0] ?? Infinity) < 100, `the first beat came at ${times[0]} ms`);
    const gaps = times.slice(1).map((time, index) => time - (times[index] as number));
    assert.ok(Math.max(...gaps) < 80, `gaps between beats: ${gaps.join(', ')} ms`);
  });

  it('beats even when the technique reported nothing, and repeats a new report from then on', async () => {
    const { sent, context } = recorder();
    const heartbeat = deferredHeartbeat(context, 30, 30);
    await sleep(50);
    assert.deepEqual(sent, [undefined]);
    heartbeat.beat({ stage: 'smtp_probe', address: '127.0.0.2' });
    await sleep(100);
    heartbeat.stop();
    assert.ok(sent.length >= 4, `got ${sent.length} beats`);
    assert.ok(sent.slice(1).every((details) => JSON.stringify(details) === '{"stage":"smtp_probe","address":"127.0.0.2"}'));
  });

  it('stops beating when the attempt is over, even if the technique reports late', async () => {
    const { sent, context } = recorder();
    const heartbeat = deferredHeartbeat(context, 20, 20);
    await sleep(70);
    heartbeat.stop();
    const count = sent.length;
    heartbeat.beat({ stage: 'late' });
    await sleep(100);
    assert.equal(sent.length, count);
  });
});
