/**
 * The Temporal dev server (CLI built from the Go module proxy) with its Web UI, our namespace
 * and our custom search attributes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import Long from 'long';
import { temporal as proto } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_NAMES } from '../../../core/domain/temporal';
import { isPortOpen, startProcess, waitUntil } from '../process';
import { temporalMetricsPort, type StackSettings } from '../settings';
import type { ServiceDefinition, StartContext } from './service';

const KEYWORD = proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
const RETENTION_SECONDS = 7 * 24 * 3600;

export const temporal: ServiceDefinition = {
  name: 'temporal',
  address: (settings) => `${settings.temporal.host}:${settings.temporal.port}`,
  isUp: (settings) => isPortOpen(settings.temporal.host, settings.temporal.port),

  async start({ settings, profile, dir, sink, detached }: StartContext) {
    const { host, port, uiPort, namespace } = settings.temporal;
    const args = [
      'server', 'start-dev',
      '--ip', host,
      '--port', String(port),
      '--namespace', namespace,
      '--dynamic-config-value', 'frontend.enableServerVersionCheck=false',
      '--log-level', 'warn',
      ...SEARCH_ATTRIBUTE_NAMES.flatMap((name) => ['--search-attribute', `${name}=Keyword`]),
    ];
    // `npm start` keeps workflow histories across restarts and serves the Web UI and metrics on
    // fixed ports (Prometheus scrapes them); tests run in memory, headless, on whatever ports
    // are free unless TEMPORAL_METRICS_PORT names one.
    if (profile === 'dev') {
      fs.mkdirSync(dir, { recursive: true });
      args.push('--db-filename', path.join(dir, 'temporal.db'), '--ui-port', String(uiPort));
      args.push('--http-port', String(port + 10), '--metrics-port', String(temporalMetricsPort(settings)));
    } else {
      args.push('--headless');
      if (settings.temporal.metricsPort) args.push('--metrics-port', String(settings.temporal.metricsPort));
    }
    const env = { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' };
    const proc = startProcess('temporal', path.join(settings.toolsBin, 'temporal'), args, { env, sink, detached });
    await waitUntil('temporal', () => isPortOpen(host, port), { timeoutMs: 60000, process: proc });
    return proc;
  },

  async prepare(settings: StackSettings) {
    await ensureNamespace(settings);
  },
};

/** Registers the namespace and our search attributes when missing; waits until both are usable. */
export async function ensureNamespace(settings: StackSettings): Promise<void> {
  const { host, port, namespace } = settings.temporal;
  const connection = await Connection.connect({ address: `${host}:${port}` });
  try {
    const exists = await connection.workflowService.describeNamespace({ namespace }).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await connection.workflowService
        .registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(RETENTION_SECONDS) } })
        .catch((error: { code?: number }) => {
          if (error.code !== 6) throw error; // ALREADY_EXISTS: registered concurrently
        });
    }
    await waitUntil(`temporal namespace ${namespace}`, () => hasAttributes(connection, namespace), {
      timeoutMs: 30000,
      intervalMs: 250,
    });
  } finally {
    await connection.close();
  }
}

async function hasAttributes(connection: Connection, namespace: string): Promise<boolean> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTE_NAMES.filter((name) => !customAttributes?.[name]);
  if (missing.length === 0) return true;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])),
  });
  return false;
}
