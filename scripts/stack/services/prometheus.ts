/**
 * Prometheus from the Debian packages, scraping the local API, worker and Temporal dev server,
 * with the alerting rules of infra/alerts.yml loaded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { isPortOpen, startProcess, waitUntil } from '../process';
import { temporalMetricsPort, type StackSettings } from '../settings';
import type { ServiceDefinition, StartContext } from './service';

const INFRA = path.resolve(__dirname, '../../../infra');
const CONFIG_FILE = path.join(INFRA, 'prometheus.local.yml');

interface ScrapeConfig {
  job_name: string;
  static_configs?: { targets: string[] }[];
}

/**
 * infra/prometheus.local.yml with each job's target on the port the settings name (a job whose
 * process serves no metrics is dropped) and the rule files as absolute paths, since the rendered
 * file lives elsewhere.
 */
export function renderLocalConfig(settings: StackSettings): string {
  const document = parseDocument(fs.readFileSync(CONFIG_FILE, 'utf8'));
  const config = document.toJS() as { rule_files?: string[]; scrape_configs: ScrapeConfig[] };
  const apiHost = settings.api.host === '0.0.0.0' ? '127.0.0.1' : settings.api.host;
  const targets: Record<string, string | undefined> = {
    prometheus: `127.0.0.1:${settings.prometheus.port}`,
    api: settings.api.port ? `${apiHost}:${settings.api.port}` : undefined,
    worker: settings.workerMetricsPort ? `127.0.0.1:${settings.workerMetricsPort}` : undefined,
    temporal: `${settings.temporal.host}:${temporalMetricsPort(settings)}`,
  };
  config.rule_files = (config.rule_files ?? []).map((file) => path.resolve(INFRA, file));
  config.scrape_configs = config.scrape_configs.flatMap((job) => {
    if (!(job.job_name in targets)) return [job];
    const target = targets[job.job_name];
    return target ? [{ ...job, static_configs: [{ targets: [target] }] }] : [];
  });
  return `# Rendered by scripts/stack/services/prometheus.ts from ${CONFIG_FILE}\n${JSON.stringify(config, null, 2)}\n`;
}

export const prometheus: ServiceDefinition = {
  name: 'prometheus',
  address: (settings) => `127.0.0.1:${settings.prometheus.port}`,
  isUp: (settings) => isPortOpen('127.0.0.1', settings.prometheus.port),

  async start({ settings, dir, sink, detached }: StartContext) {
    // JSON is YAML: the rendered file needs no YAML writer.
    const configFile = path.join(dir, 'prometheus.yml');
    fs.writeFileSync(configFile, renderLocalConfig(settings));
    const args = [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dir}`,
      `--web.listen-address=127.0.0.1:${settings.prometheus.port}`,
      '--log.level=warn',
    ];
    const proc = startProcess('prometheus', 'prometheus', args, { sink, detached });
    await waitUntil('prometheus', () => prometheusReady(settings), { timeoutMs: 20000, process: proc });
    return proc;
  },
};

/** True once Prometheus has loaded its config and answers queries. */
async function prometheusReady(settings: StackSettings): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${settings.prometheus.port}/-/ready`);
  return response.ok;
}
