import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { prometheus, renderLocalConfig } from '../../../scripts/stack/services/prometheus';
import { temporal } from '../../../scripts/stack/services/temporal';
import { startTestApi, type TestApi } from '../../helpers/api';
import { openTestClients, type TestClients } from '../../helpers/clients';
import { exportedSeries, metricNamesIn } from '../../helpers/exported-metrics';
import { pollUntil } from '../../helpers/poll';
import { promtool } from '../../helpers/promtool';
import { spawnEntry, type SpawnedProcess } from '../../helpers/spawn';
import { TEST_ENV, testStackSettings } from '../../helpers/test-env';
import { freePort, startThrowaway, type Throwaway } from '../../helpers/throwaway-service';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * Temporal server families the alerts read. The server emits them only once a schedule has
 * missed a firing, so they are named here rather than read from a live /metrics.
 */
const TEMPORAL_SERVER_SERIES = ['schedule_missed_catchup_window'];

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string; labels?: Record<string, string> }[] }[];
}

describe('Prometheus configuration and alerting rules', function () {
  this.timeout(30000);

  for (const file of ['infra/prometheus.yml', 'infra/prometheus.local.yml']) {
    it(`passes promtool check config for ${file}, rule files included`, async () => {
      const result = await promtool(['check', 'config', file]);
      assert.equal(result.code, 0, result.output);
      assert.match(result.output, /SUCCESS: \d+ rules found/);
    });
  }

  it('passes promtool check rules', async () => {
    const result = await promtool(['check', 'rules', 'infra/alerts.yml']);
    assert.equal(result.code, 0, result.output);
  });

  it('fires the alerts as their promtool unit tests expect', async () => {
    const result = await promtool(['test', 'rules', 'infra/alerts.test.yml']);
    assert.equal(result.code, 0, result.output);
  });

  it('has the rules an operator needs, each with a severity and a summary', () => {
    const { groups } = parseDocument(fs.readFileSync(path.join(ROOT, 'infra/alerts.yml'), 'utf8')).toJS() as RuleFile;
    const alerts = groups.flatMap((group) => group.rules);
    for (const name of ['ApiDown', 'WorkerDown', 'NoWorkers', 'TemporalDown', 'ApiHighErrorRate', 'JobDeadLetterRate', 'JobLatencyP95High', 'SchedulesNotFiring']) {
      assert.ok(alerts.some((rule) => rule.alert === name), `no ${name} alert`);
    }
    for (const rule of alerts) {
      assert.match(rule.labels?.severity ?? '', /^(critical|warning|info)$/, `${rule.alert} has no severity`);
      assert.ok((rule as { annotations?: { summary?: string } }).annotations?.summary, `${rule.alert} has no summary`);
    }
  });

  it('alerts only on metrics that the API, the worker, Temporal or Prometheus export', async () => {
    const { groups } = parseDocument(fs.readFileSync(path.join(ROOT, 'infra/alerts.yml'), 'utf8')).toJS() as RuleFile;
    const { api, worker } = await exportedSeries();
    const known = new Set([...api, ...worker, ...TEMPORAL_SERVER_SERIES, 'up']);
    const unknown = groups
      .flatMap((group) => group.rules)
      .flatMap((rule) => metricNamesIn(rule.expr).filter((name) => !known.has(name)).map((name) => `${rule.alert}: ${name}`));
    assert.deepEqual(unknown, []);
  });
});

describe('the Prometheus that npm start runs', function () {
  this.timeout(180000);
  let clients: TestClients;
  let api: TestApi;
  let worker: SpawnedProcess;
  let temporalServer: Throwaway;
  let server: Throwaway | undefined;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    const [workerPort, temporalMetricsPort] = [await freePort(), await freePort()];
    clients = await openTestClients();
    api = await startTestApi(clients);
    worker = spawnEntry('worker/index.ts', { ...TEST_ENV, LOG_LEVEL: 'info', WORKER_METRICS_PORT: String(workerPort) });
    // A Temporal dev server of its own: the shared one serves its metrics on a port chosen at random.
    temporalServer = await startThrowaway(temporal, (port) => ({
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      TEMPORAL_METRICS_PORT: String(temporalMetricsPort),
    }));
    env = {
      ...temporalServer.env,
      API_HOST: '127.0.0.1',
      API_PORT: new URL(api.url).port,
      WORKER_METRICS_PORT: String(workerPort),
    };
    await worker.waitForOutput(/worker polling/, 90000);
  });

  after(async () => {
    await server?.stop();
    worker?.child.kill('SIGTERM');
    await worker?.exited;
    await temporalServer?.stop();
    await api?.close();
    await clients?.close();
  });

  it('renders a config that promtool accepts, on the ports the processes use', async () => {
    const settings = testStackSettings({ ...env, PROMETHEUS_PORT: '9999' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osint-prometheus-config-'));
    try {
      const file = path.join(dir, 'prometheus.yml');
      fs.writeFileSync(file, renderLocalConfig(settings));
      const result = await promtool(['check', 'config', file]);
      assert.equal(result.code, 0, result.output);
      const rendered = JSON.parse(fs.readFileSync(file, 'utf8').replace(/^#.*\n/, '')) as {
        scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
      };
      const targets = Object.fromEntries(rendered.scrape_configs.map((job) => [job.job_name, job.static_configs[0]?.targets[0]]));
      assert.deepEqual(targets, {
        prometheus: '127.0.0.1:9999',
        api: `127.0.0.1:${env.API_PORT}`,
        worker: `127.0.0.1:${env.WORKER_METRICS_PORT}`,
        temporal: `127.0.0.1:${env.TEMPORAL_METRICS_PORT}`,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scrapes the API, the worker and Temporal, and loads the alerting rules', async () => {
    server = await startThrowaway(prometheus, (port) => ({ ...env, PROMETHEUS_PORT: String(port) }));
    const base = `http://127.0.0.1:${server.env.PROMETHEUS_PORT}`;
    type Target = { labels: { job: string }; health: string; lastError: string };
    // Each target is first scraped at an offset within the 15 s interval.
    const targets = await pollUntil(
      async () => ((await (await fetch(`${base}/api/v1/targets`)).json()) as { data: { activeTargets: Target[] } }).data.activeTargets,
      (active) => active.length === 4 && active.every((target) => target.health === 'up'),
      { tries: 120, intervalMs: 500 },
    );
    const health = Object.fromEntries(targets.map((target) => [target.labels.job, target.health === 'up' ? 'up' : `${target.health}: ${target.lastError}`]));
    assert.deepEqual(health, { prometheus: 'up', api: 'up', worker: 'up', temporal: 'up' });

    const rules = (await (await fetch(`${base}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string }[] }[] } };
    const loaded = rules.data.groups.flatMap((group) => group.rules.map((rule) => rule.name));
    assert.ok(loaded.includes('WorkerDown') && loaded.includes('ApiHighErrorRate'), `rules loaded: ${loaded.join(', ')}`);
  });
});
