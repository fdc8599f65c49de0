/** Prometheus from the Debian packages, scraping the local API, worker and Temporal. */
import path from 'node:path';
import { isPortOpen, startProcess, waitUntil } from '../process';
import type { ServiceDefinition, StartContext } from './service';

const CONFIG_FILE = path.resolve(__dirname, '../../../infra/prometheus.local.yml');

export const prometheus: ServiceDefinition = {
  name: 'prometheus',
  address: (settings) => `127.0.0.1:${settings.prometheus.port}`,
  isUp: (settings) => isPortOpen('127.0.0.1', settings.prometheus.port),

  async start({ settings, dir, sink }: StartContext) {
    const args = [
      `--config.file=${CONFIG_FILE}`,
      `--storage.tsdb.path=${dir}`,
      `--web.listen-address=127.0.0.1:${settings.prometheus.port}`,
      '--log.level=warn',
    ];
    const proc = startProcess('prometheus', 'prometheus', args, { sink });
    await waitUntil('prometheus', () => isPortOpen('127.0.0.1', settings.prometheus.port), {
      timeoutMs: 20000,
      process: proc,
    });
    return proc;
  },
};
