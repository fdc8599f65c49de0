/**
 * The environment of the test suite: the same servers as `npm start` (or the ones the suite
 * starts), but a database, Redis db, Temporal namespace, task queue and bucket of its own, so a
 * test run never touches a developer's data.
 */
import { loadConfig, type Config } from '../../core/config';
import { loadStackSettings, type StackSettings } from '../../scripts/stack/settings';

function withPath(url: string, pathname: string): string {
  const parsed = new URL(url);
  parsed.pathname = pathname;
  return parsed.toString();
}

const base = process.env;

/** Environment variables for everything the tests start or configure. */
export const TEST_ENV: NodeJS.ProcessEnv = Object.freeze({
  ...base,
  NODE_ENV: 'test',
  LOG_LEVEL: base.TEST_LOG_LEVEL ?? 'silent',
  SECRET_KEY: 'test-secret-key-that-is-long-enough-0123456789',
  DATABASE_URL: withPath(base.DATABASE_URL ?? 'postgres://osint:osint@127.0.0.1:5432/osint', '/osint_test'),
  REDIS_URL: withPath(base.REDIS_URL ?? 'redis://127.0.0.1:6379/0', '/1'),
  TEMPORAL_NAMESPACE: 'osint-test',
  TEMPORAL_TASK_QUEUE: 'osint-test',
  MINIO_BUCKET: 'evidence-test',
  API_PORT: '0',
  WORKER_METRICS_PORT: '0',
});

/** The validated config of the tests, with optional overrides. */
export function testConfig(overrides: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({ ...TEST_ENV, ...overrides });
}

/** The stack settings of the tests, with optional overrides. */
export function testStackSettings(overrides: NodeJS.ProcessEnv = {}): StackSettings {
  return loadStackSettings({ ...TEST_ENV, ...overrides });
}
