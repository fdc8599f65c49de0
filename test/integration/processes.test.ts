import assert from 'node:assert/strict';
import { temporal as proto } from '@temporalio/proto';
import { TASK_QUEUE_CLASSES, taskQueueName } from '../../core/domain/temporal';
import { openTestClients, type TestClients } from '../helpers/clients';
import { requestJson } from '../helpers/http';
import { pollUntil } from '../helpers/poll';
import { spawnEntry } from '../helpers/spawn';
import { TEST_ENV } from '../helpers/test-env';
import { freePort } from '../helpers/throwaway-service';

const JSON_LOGS = { ...TEST_ENV, LOG_LEVEL: 'info' };

describe('the API process', function () {
  this.timeout(90000);

  it('refuses to start without SECRET_KEY and names the missing key, without a stack trace', async () => {
    const api = spawnEntry('api/server.ts', { ...JSON_LOGS, SECRET_KEY: '' });
    assert.equal(await api.exited, 1);
    assert.match(api.output(), /SECRET_KEY/);
    assert.doesNotMatch(api.output(), /\n\s+at /);
  });

  it('serves /readyz with every part true, then stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const api = spawnEntry('api/server.ts', { ...JSON_LOGS, API_PORT: String(port) });
    try {
      await api.waitForOutput(/api listening/);
      const ready = await requestJson(`http://127.0.0.1:${port}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(ready.body, { ok: true, db: true, redis: true, temporal: true, storage: true });
      api.child.kill('SIGTERM');
      assert.equal(await api.exited, 0);
      assert.match(api.output(), /api stopped/);
    } finally {
      api.child.kill('SIGKILL');
    }
  });
});

describe('the worker process', function () {
  this.timeout(120000);
  let clients: TestClients;
  before(async () => {
    clients = await openTestClients();
  });
  after(async () => clients.close());

  async function pollerCount(queue: string): Promise<number> {
    const response = await clients.temporal.workflowService.describeTaskQueue({
      namespace: clients.config.temporal.namespace,
      taskQueue: { name: queue },
      taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return response.pollers?.length ?? 0;
  }

  it('polls one task queue per technique class, then stops cleanly on SIGTERM', async () => {
    const worker = spawnEntry('worker/index.ts', JSON_LOGS);
    try {
      await worker.waitForOutput(/worker polling/, 90000);
      const queues = TASK_QUEUE_CLASSES.map((queueClass) => taskQueueName(clients.config.temporal.taskQueue, queueClass));
      for (const queue of queues) {
        const pollers = await pollUntil(() => pollerCount(queue), (count) => count > 0, { tries: 50, intervalMs: 200 });
        assert.ok(pollers > 0, `no worker polls ${queue}`);
      }
      worker.child.kill('SIGTERM');
      assert.equal(await worker.exited, 0);
      assert.match(worker.output(), /worker stopped/);
    } finally {
      worker.child.kill('SIGKILL');
    }
  });
});
