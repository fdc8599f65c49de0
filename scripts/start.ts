/**
 * `npm start`: brings up the local stack (reusing what already runs), applies migrations,
 * starts the API and the worker, prints the URLs and stays in the foreground with readable
 * logs. Ctrl-C stops the API and worker gracefully, then every service it started.
 */
import path from 'node:path';
import { prettyFactory } from 'pino-pretty';
import { loadConfig } from '../core/config';
import { createKnex, migrateToLatest } from '../db/knex';
import { localEnvironment } from './env-file';
import { startProcess, waitUntil, type ManagedProcess } from './stack/process';
import { CORE_SERVICES, ensureStack, OPTIONAL_SERVICES } from './stack/stack';
import { loadStackSettings } from './stack/settings';
import { commandExists } from './stack/tools';

const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

async function main(): Promise<void> {
  const { env, generated } = localEnvironment(process.env);
  if (generated) say('generated a SECRET_KEY into .env.local');
  const config = loadConfig(env);
  const settings = loadStackSettings(env);
  const withPrometheus = commandExists('prometheus');
  const services = [...CORE_SERVICES, ...(withPrometheus ? OPTIONAL_SERVICES : [])];
  // Every child in a process group of its own: Ctrl-C reaches only this process, which stops the
  // API and the worker first, then the servers they were still using.
  const stack = await ensureStack({ settings, profile: 'dev', services, sinkFor: consoleSink, log: say, detached: true });

  const knex = createKnex(config.database);
  const applied = await migrateToLatest(knex).finally(() => knex.destroy());
  say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema up to date');

  const pretty = prettyFactory({ colorize: process.stdout.isTTY, singleLine: true, ignore: 'pid,hostname,name' });
  const processSink = { kind: 'console' as const, format: (line: string) => (line.startsWith('{') ? pretty(line).trimEnd() : line) };
  const apps: ManagedProcess[] = [
    startProcess('api', TSX, [path.join(ROOT, 'api/server.ts')], { env, sink: processSink, detached: true }),
    startProcess('worker', TSX, [path.join(ROOT, 'worker/index.ts')], { env, sink: processSink, detached: true }),
  ];
  const apiUrl = `http://${config.api.host}:${config.api.port}`;
  await waitUntil('api', () => fetch(`${apiUrl}/healthz`).then((response) => response.ok), {
    timeoutMs: 60000,
    process: apps[0],
  });

  say('');
  say(`API            ${apiUrl}   (readiness: ${apiUrl}/readyz)`);
  say(`Temporal UI    http://${settings.temporal.host}:${settings.temporal.uiPort}/namespaces/${config.temporal.namespace}`);
  say(`Temporal gRPC  ${config.temporal.address}   namespace ${config.temporal.namespace}`);
  say(`PostgreSQL     ${settings.postgres.host}:${settings.postgres.port}`);
  say(`Redis          ${settings.redis.host}:${settings.redis.port}`);
  say(`S3 storage     http://${settings.s3.host}:${settings.s3.port}   bucket ${settings.s3.bucket}`);
  if (withPrometheus) say(`Prometheus     http://127.0.0.1:${settings.prometheus.port}   (scrapes the API, the worker and Temporal; alerts loaded)`);
  if (config.worker.metricsPort) say(`Worker metrics http://${config.worker.metricsHost}:${config.worker.metricsPort}/metrics`);
  say('Press Ctrl-C to stop everything started here.');

  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    say(`stopping (${reason})...`);
    await Promise.all(apps.map((app) => app.stop('SIGTERM', 30000)));
    await stack.stop();
    say('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('Ctrl-C'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // The terminal closed: the children, in groups of their own, would otherwise run on.
  process.on('SIGHUP', () => void stop('the terminal closed'));
  for (const app of apps) {
    void app.exited.then((code) => void stop(`${app.name} exited with ${code}`));
  }
}

/** Lines of the dev server that only say a peer went away (they flood the console on Ctrl-C). */
const TEMPORAL_NOISE = /network dial error|Failed to poll for task|error reading from server/;

function consoleSink(name: string) {
  const format = name === 'temporal' ? (line: string) => (TEMPORAL_NOISE.test(line) ? '' : line.slice(0, 300)) : undefined;
  return { kind: 'console' as const, format };
}

function say(message: string): void {
  process.stdout.write(`${'start'.padEnd(10)}| ${message}\n`);
}

main().catch((error: unknown) => {
  say(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
