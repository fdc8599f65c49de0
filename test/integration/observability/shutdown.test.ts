import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createPoliteness } from '../../../activities/rate-limit';
import { requestJson } from '../../helpers/http';
import { spawnEntry } from '../../helpers/spawn';
import { TEST_ENV } from '../../helpers/test-env';
import { freePort } from '../../helpers/throwaway-service';
import { startWorkerHarness, type WorkerHarness } from '../../helpers/worker-harness';

describe('the API process on SIGTERM', function () {
  this.timeout(90000);

  it('finishes the request in flight, refuses new connections, then exits 0', async () => {
    const port = await freePort();
    // After one failed login, the next attempt is held for 2 s before it is answered.
    const api = spawnEntry('api/server.ts', {
      ...TEST_ENV,
      LOG_LEVEL: 'info',
      API_PORT: String(port),
      LOGIN_SLOWDOWN_AFTER: '1',
      LOGIN_SLOWDOWN_STEP_MS: '2000',
      LOGIN_SLOWDOWN_MAX_MS: '2000',
    });
    try {
      await api.waitForOutput(/api listening/);
      const url = `http://127.0.0.1:${port}`;
      const email = `shutdown-${randomUUID().slice(0, 8)}@example.test`;
      const post = (path: string, body: unknown) =>
        requestJson<{ access_token?: string }>(`${url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal((await post('/auth/register', { email, password: 'correct horse battery staple' })).status, 201);
      assert.equal((await post('/auth/login', { email, password: 'not the password' })).status, 401);

      const started = Date.now();
      const inFlight = post('/auth/login', { email, password: 'correct horse battery staple' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      api.child.kill('SIGTERM');
      await api.waitForOutput(/api shutting down/);
      await assert.rejects(fetch(`${url}/healthz`), 'a new connection was accepted after SIGTERM');

      const answered = await inFlight;
      assert.equal(answered.status, 200);
      assert.ok(answered.body.access_token, 'the login completed, audit row and all');
      assert.ok(Date.now() - started >= 1900, 'the slowed login was really in flight');
      assert.equal(await api.exited, 0);
      assert.match(api.output(), /api stopped/);
    } finally {
      api.child.kill('SIGKILL');
    }
  });
});

describe('a worker stopped with SIGTERM during a running job', function () {
  this.timeout(180000);
  let harness: WorkerHarness;

  before(async () => {
    harness = await startWorkerHarness({
      // One dns_lookup token every 10 s, shared through Redis: an attempt can be made to wait.
      TECHNIQUE_RATE_LIMITS: 'dns_lookup=6/m',
      WORKER_SHUTDOWN_GRACE_MS: '500',
      JOB_RETRY_OVERRIDES: JSON.stringify({
        dns_lookup: { max_attempts: 3, initial_ms: 200, backoff: 1, max_interval_ms: 200, heartbeat_timeout_ms: 3000 },
      }),
    });
  });

  after(async () => harness?.close());

  it('exits cleanly, and the job finishes once a worker is back', async () => {
    const { clients } = harness;
    const first = await harness.startWorker();
    // Take the next token, so the job's first attempt waits about 10 s for its own.
    await createPoliteness(clients.redis, clients.config.techniques).waitForTechniqueSlot('dns_lookup');
    const job = await harness.enqueueDnsJob();
    await harness.waitForStatus(job.id, ['RUNNING']);

    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
    assert.match(first.output(), /worker stopped/);
    const meanwhile = await harness.waitForStatus(job.id, ['RUNNING', 'RETRYING']);
    assert.equal(meanwhile.attempts, 1, 'the job did not finish without a worker');

    await harness.startWorker();
    const done = await harness.waitForStatus(job.id, ['SUCCEEDED', 'FAILED', 'DEAD_LETTER'], 60000);
    assert.equal(done.status, 'SUCCEEDED', done.last_error ?? '');
    const history = (await harness.events(job.id)).map((event) => `${event.to_status}#${event.attempt}`);
    assert.deepEqual(history.slice(-2), ['RUNNING#2', 'SUCCEEDED#2'], history.join(' → '));
  });
});
