import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { exportedSeries, metricNamesIn, withGrafanaVariables } from '../../helpers/exported-metrics';
import { promtool } from '../../helpers/promtool';

const ROOT = path.resolve(__dirname, '../../..');
const DASHBOARDS = path.join(ROOT, 'infra/grafana/dashboards');

interface Target {
  expr: string;
  datasource?: { uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; query: { query: string } | string; datasource?: { uid?: string } }[] };
}

function loadDashboards(): [string, Dashboard][] {
  return fs
    .readdirSync(DASHBOARDS)
    .filter((file) => file.endsWith('.json'))
    .map((file) => [file, JSON.parse(fs.readFileSync(path.join(DASHBOARDS, file), 'utf8')) as Dashboard]);
}

/** Every PromQL query of a dashboard, with where it comes from. */
function queriesOf(dashboard: Dashboard): { where: string; expr: string }[] {
  const panels = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: panel.title, expr: target.expr })));
  const variables = dashboard.templating.list.map((variable) => ({
    where: `variable ${variable.name}`,
    expr: typeof variable.query === 'string' ? variable.query : variable.query.query,
  }));
  return [...panels, ...variables];
}

describe('the Grafana dashboard', () => {
  const dashboards = loadDashboards();
  const provisionedUid = (
    parseDocument(fs.readFileSync(path.join(ROOT, 'infra/grafana/provisioning/datasources/prometheus.yml'), 'utf8')).toJS() as {
      datasources: { uid: string }[];
    }
  ).datasources[0]?.uid;

  it('exists, with a stable uid and unique panel ids', () => {
    assert.ok(dashboards.length > 0, 'no dashboard under infra/grafana/dashboards');
    for (const [file, dashboard] of dashboards) {
      assert.ok(dashboard.uid && dashboard.title, file);
      const ids = dashboard.panels.map((panel) => panel.id);
      assert.equal(new Set(ids).size, ids.length, `${file}: duplicate panel ids`);
      for (const panel of dashboard.panels) assert.ok(panel.gridPos.x + panel.gridPos.w <= 24, `${panel.title} is wider than the grid`);
    }
  });

  it('has panels for throughput, latency, states, failures and findings', () => {
    const titles = dashboards.flatMap(([, dashboard]) => dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title.toLowerCase()));
    for (const topic of ['throughput', 'latency', 'states', 'failures', 'findings']) {
      assert.ok(titles.some((title) => title.includes(topic)), `no ${topic} row`);
    }
  });

  it('queries the provisioned Prometheus data source in every panel', () => {
    for (const [, dashboard] of dashboards) {
      for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
        assert.equal(panel.datasource?.uid, provisionedUid, panel.title);
        assert.ok((panel.targets ?? []).length > 0, `${panel.title} has no query`);
        for (const target of panel.targets ?? []) assert.equal(target.datasource?.uid, provisionedUid, panel.title);
      }
    }
  });

  it('uses only metrics the API or the worker exports', async () => {
    const { api, worker } = await exportedSeries();
    // `up` is Prometheus's own record of each scrape.
    const known = new Set([...api, ...worker, 'up']);
    const unknown: string[] = [];
    for (const [, dashboard] of dashboards) {
      for (const query of queriesOf(dashboard)) {
        const names = metricNamesIn(query.expr);
        assert.ok(names.length > 0, `${query.where}: no metric found in ${query.expr}`);
        unknown.push(...names.filter((name) => !known.has(name)).map((name) => `${query.where}: ${name}`));
      }
    }
    assert.deepEqual(unknown, []);
  });

  it('has only queries that parse as PromQL', async () => {
    const exprs = dashboards.flatMap(([, dashboard]) => queriesOf(dashboard).filter((q) => !q.where.startsWith('variable')));
    // promtool parses expressions in rule files: each query becomes a recording rule.
    const rules = { groups: [{ name: 'dashboard', rules: exprs.map((q, i) => ({ record: `dashboard:query_${i}`, expr: withGrafanaVariables(q.expr) })) }] };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'osint-dashboard-')), 'queries.yml');
    fs.writeFileSync(file, JSON.stringify(rules));
    try {
      const result = await promtool(['check', 'rules', file]);
      assert.equal(result.code, 0, result.output);
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});
