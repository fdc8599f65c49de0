import assert from 'node:assert/strict';
import { deferredHeartbeat } from './job-activities';

describe('deferred heartbeats', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  function recorder() {
    const sent: unknown[] = [];
    return { sent, context: { heartbeat: (details?: unknown) => void sent.push(details) } };
  }

  it('sends nothing for an attempt that ends within the grace period', async () => {
    const { sent, context } = recorder();
    const heartbeat = deferredHeartbeat(context, 100);
    heartbeat.beat({ stage: 'querying' });
    heartbeat.beat({ stage: 'storing' });
    heartbeat.stop();
    await sleep(150);
    assert.deepEqual(sent, []);
  });

  it('sends the latest held heartbeat once the grace period is over, then passes every one through', async () => {
    const { sent, context } = recorder();
    const heartbeat = deferredHeartbeat(context, 50);
    heartbeat.beat({ stage: 'querying' });
    heartbeat.beat({ stage: 'scanning', done: 1 });
    await sleep(80);
    assert.deepEqual(sent, [{ stage: 'scanning', done: 1 }]);
    heartbeat.beat({ stage: 'scanning', done: 2 });
    assert.deepEqual(sent, [{ stage: 'scanning', done: 1 }, { stage: 'scanning', done: 2 }]);
    heartbeat.stop();
  });
});
