/**
 * bench/pipeline: 1,000 dns_lookup jobs created, enqueued and run to SUCCEEDED through the real
 * API and worker processes (against the loopback DNS fixture), side by side with 1,000 bare
 * workflows running one no-op activity on the same Temporal server with the same worker
 * settings, in the same run. Two rounds by default, ours and bare alternating. Prints jobs per
 * second and p50/p95 of enqueue-to-finished for both, the ratio, and the CPU time per job of
 * every process.
 *
 *   npm run bench:pipeline      (BENCH_JOBS=200 BENCH_ROUNDS=1 for a quicker run)
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../../core/config';
import { createKnex, migrateToLatest } from '../../db/knex';
import { startProcess, waitUntil } from '../../scripts/stack/process';
import { loadStackSettings } from '../../scripts/stack/settings';
import { ensureStack } from '../../scripts/stack/stack';
import { testEnvironment } from '../../scripts/stack/test-environment';
import { startDnsServer } from '../../test/fixture-servers/dns-server';
import { cpuSnapshot, type ProcessGroup } from '../lib/cpu';
import { ms, percentile, printTable } from '../lib/measure';

const ROOT = path.resolve(__dirname, '../..');
const JOBS = Number(process.env.BENCH_JOBS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONCURRENCY = 50;

/** One measured run: its wall time, each job's enqueue-to-done latency, and CPU seconds by process group. */
interface Measured {
  readonly seconds: number;
  readonly latencies: number[];
  readonly cpuSeconds: Map<string, number>;
}

/** Keeps webpack's report of the bare workflow's bundle out of the benchmark's output. */
const quietLogger = new DefaultLogger('WARN');
const API_PORT = 18090;

function say(line: string): void {
  console.log(`bench     | ${line}`);
}

/** Runs `task` over `items` with at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await task(items[next++]!);
  }));
}

async function main(): Promise<void> {
  const dns = await startDnsServer({ zone: [{ name: 'bench.test', type: 'A', data: '127.0.0.1', ttl: 60 }] });
  const base = testEnvironment(process.env);
  const database = new URL(base.DATABASE_URL!);
  database.pathname = '/osint_bench_pipeline';
  const queue = `bench-${randomUUID().slice(0, 8)}`;
  const env: NodeJS.ProcessEnv = {
    ...base,
    DATABASE_URL: database.toString(),
    API_PORT: String(API_PORT),
    LOG_LEVEL: 'warn',
    TEMPORAL_TASK_QUEUE: queue,
    DNS_SERVERS: dns.address,
    TECHNIQUE_RATE_LIMITS: '',
    WORKER_METRICS_PORT: '0',
  };
  const stack = await ensureStack({ settings: loadStackSettings(env), profile: 'test', log: say });
  const config = loadConfig(env);
  const knex = createKnex({ ...config.database, poolMax: 4 });
  await migrateToLatest(knex);
  await knex.raw('TRUNCATE users, workspaces CASCADE');
  const spawnTs = (name: string, entry: string) =>
    startProcess(name, process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, entry)], { env, cwd: ROOT, sink: { kind: 'console' } });
  const api = spawnTs('api', 'api/server.ts');
  const worker = spawnTs('worker', 'worker/index.ts');
  const connection = await Connection.connect({ address: config.temporal.address });
  const groups: ProcessGroup[] = [
    { name: 'temporal server', command: 'temporal' },
    { name: 'postgres', command: 'postgres' },
    { name: 'api', pids: () => [api.child.pid ?? 0] },
    { name: 'worker', pids: () => [worker.child.pid ?? 0] },
    { name: 'bench (client, DNS fixture, bare worker)', pids: () => [process.pid] },
    { name: 'versitygw (S3)', command: 'versitygw' },
    { name: 'redis', command: 'redis-server' },
  ];
  try {
    const url = `http://127.0.0.1:${API_PORT}`;
    await waitUntil('api', () => fetch(`${url}/healthz`).then((response) => response.ok), { timeoutMs: 60000, process: api });
    const call = async <T>(method: string, route: string, token?: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${url}${route}`, {
        method,
        headers: { ...(token && { Authorization: `Bearer ${token}` }), ...(body !== undefined && { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (response.status >= 300) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const { access_token: token } = await call<{ access_token: string }>('POST', '/auth/register', undefined, { email: 'pipeline@example.test', password: 'benchmark passphrase' });
    const workspace = await call<{ id: string }>('POST', '/workspaces', token, { name: 'pipeline' });
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const bareQueue = `${queue}-bare`;
    const native = await NativeConnection.connect({ address: config.temporal.address });
    const bareBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./bare-workflow'), logger: quietLogger });

    /** Our jobs of one round: created through the API (not timed), then enqueued and run to SUCCEEDED. */
    const runOurs = async (round: number): Promise<Measured> => {
      say(`round ${round}: creating ${JOBS} targets and jobs`);
      const jobIds: string[] = [];
      await pool(Array.from({ length: JOBS }, (_, index) => index), CONCURRENCY, async (index) => {
        // A target per job (the fixture answers NXDOMAIN for all but bench.test, which is a result too).
        const target = await call<{ id: string }>('POST', `/workspaces/${workspace.id}/targets/domain`, token, { value: `host-${round}-${index}.bench.test` });
        const job = await call<{ id: string }>('POST', `/workspaces/${workspace.id}/jobs`, token, { target_id: target.id, technique: 'dns_lookup' });
        jobIds.push(job.id);
      });
      say(`round ${round}: enqueueing and running our jobs`);
      const enqueuedAt = new Map<string, number>();
      const cpu = cpuSnapshot(groups);
      const started = Date.now();
      await pool(jobIds, CONCURRENCY, async (id) => {
        enqueuedAt.set(id, Date.now());
        await call('POST', `/workspaces/${workspace.id}/jobs/${id}/enqueue`, token);
      });
      await waitUntil('all jobs finished', async () => Number((await knex('jobs').whereNot('status', 'SUCCEEDED').count({ n: '*' }).first())?.n) === 0, {
        timeoutMs: 30 * 60000,
        intervalMs: 500,
      });
      const cpuSeconds = cpu();
      const rows: { id: string; finished_at: Date }[] = await knex('jobs').whereIn('id', jobIds).select('id', 'finished_at');
      const finished = Math.max(...rows.map((row) => row.finished_at.getTime()));
      return { seconds: (finished - started) / 1000, latencies: rows.map((row) => row.finished_at.getTime() - enqueuedAt.get(row.id)!), cpuSeconds };
    };

    /** Bare workflows of one round, measured as ours are: started 50 at a time, each timed from start to completion. */
    const runBare = async (round: number): Promise<Measured> => {
      say(`round ${round}: running ${JOBS} bare workflows`);
      const bareWorker = await Worker.create({
        connection: native,
        namespace: config.temporal.namespace,
        taskQueue: bareQueue,
        workflowBundle: bareBundle,
        activities: { noop: async () => undefined },
        maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
      });
      const latencies: number[] = [];
      const cpu = cpuSnapshot(groups);
      const started = Date.now();
      await bareWorker.runUntil(
        (async () => {
          const runs: Promise<void>[] = [];
          await pool(Array.from({ length: JOBS }, (_, index) => index), CONCURRENCY, async () => {
            const begun = Date.now();
            const handle = await client.workflow.start('bareWorkflow', { workflowId: randomUUID(), taskQueue: bareQueue });
            runs.push(handle.result().then(() => void latencies.push(Date.now() - begun)));
          });
          await Promise.all(runs);
        })(),
      );
      return { seconds: (Date.now() - started) / 1000, latencies, cpuSeconds: cpu() };
    };

    // Rounds alternate ours and bare, so neither always runs on the fresher server.
    const ours: Measured[] = [];
    const bare: Measured[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      ours.push(await runOurs(round));
      bare.push(await runBare(round));
    }
    await native.close();

    const rate = (runs: readonly Measured[]) => (JOBS * runs.length) / runs.reduce((sum, run) => sum + run.seconds, 0);
    const row = (name: string, runs: readonly Measured[]) => {
      const latencies = runs.flatMap((run) => run.latencies);
      return [name, rate(runs).toFixed(1), runs.map((run) => (JOBS / run.seconds).toFixed(1)).join(' / '), ms(percentile(latencies, 0.5)), ms(percentile(latencies, 0.95))];
    };
    console.log('');
    console.log(`pipeline: ${JOBS} jobs per round, ${ROUNDS} rounds (ours and bare alternating), ${CONCURRENCY} enqueued at a time; times in ms`);
    printTable(
      ['run', 'jobs/s', 'jobs/s by round', 'p50 enqueue→done', 'p95 enqueue→done'],
      [row('ours: API + worker, dns_lookup', ours), row('bare workflow, one no-op activity', bare)],
    );
    const perJob = (runs: readonly Measured[], name?: string) =>
      (runs.reduce((sum, run) => sum + (name ? run.cpuSeconds.get(name)! : [...run.cpuSeconds.values()].reduce((a, b) => a + b, 0)), 0) * 1000) /
      (JOBS * runs.length);
    console.log('');
    console.log('where the time goes: CPU ms per job by process');
    printTable(
      ['process', 'ours', 'bare'],
      [...groups.map((group) => [group.name, perJob(ours, group.name).toFixed(2), perJob(bare, group.name).toFixed(2)]), ['total', perJob(ours).toFixed(2), perJob(bare).toFixed(2)]],
    );
    const ratio = rate(ours) / rate(bare);
    const byRound = ours.map((run, index) => (bare[index]!.seconds / run.seconds).toFixed(2)).join(' / ');
    console.log(`\nthroughput ratio ours/bare: ${ratio.toFixed(2)} (by round ${byRound}; goal ≥ 0.7: ${ratio >= 0.7 ? 'MET' : 'MISSED'})`);
  } finally {
    await connection.close();
    await Promise.all([api.stop(), worker.stop()]);
    await knex.destroy();
    await dns.close();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
