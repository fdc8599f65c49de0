/**
 * The environment of the test suite: the same servers as `npm start` (or the ones the suite
 * starts), but a database, Redis db, Temporal namespace, task queue and bucket of its own, so a
 * test run never touches a developer's data.
 */

function withPath(url: string, pathname: string): string {
  const parsed = new URL(url);
  parsed.pathname = pathname;
  return parsed.toString();
}

const LANE = /^[a-z0-9]{1,12}$/;

/**
 * The optional `TEST_LANE` (a short lowercase name) gives a run a database, Redis db,
 * namespace, task queue and bucket of its own, so two test runs can share one stack.
 */
function laneOf(base: NodeJS.ProcessEnv): { suffix: string; redisDb: number } {
  const lane = base.TEST_LANE;
  if (!lane) return { suffix: '', redisDb: 1 };
  if (!LANE.test(lane)) throw new Error(`TEST_LANE must be 1-12 lowercase letters or digits, got ${JSON.stringify(lane)}`);
  const hash = [...lane].reduce((sum, char) => sum + char.charCodeAt(0), 0);
  return { suffix: `_${lane}`, redisDb: 2 + (hash % 14) };
}

/** Environment variables for everything the tests start or configure, derived from `base`. */
export function testEnvironment(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { suffix, redisDb } = laneOf(base);
  const dashed = suffix.replace('_', '-');
  return Object.freeze({
    ...base,
    NODE_ENV: 'test',
    LOG_LEVEL: base.TEST_LOG_LEVEL ?? 'silent',
    SECRET_KEY: 'test-secret-key-that-is-long-enough-0123456789',
    DATABASE_URL: withPath(base.DATABASE_URL ?? 'postgres://osint:osint@127.0.0.1:5432/osint', `/osint_test${suffix}`),
    REDIS_URL: withPath(base.REDIS_URL ?? 'redis://127.0.0.1:6379/0', `/${redisDb}`),
    TEMPORAL_NAMESPACE: `osint-test${dashed}`,
    TEMPORAL_TASK_QUEUE: `osint-test${dashed}`,
    MINIO_BUCKET: `evidence-test${dashed}`,
    // Login throttling at a pace tests can afford.
    LOGIN_SLOWDOWN_AFTER: '3',
    LOGIN_SLOWDOWN_STEP_MS: '100',
    LOGIN_SLOWDOWN_MAX_MS: '400',
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '6',
    // Schedules firing every few seconds, so their tests see several firings quickly.
    SCHEDULE_MIN_INTERVAL_SECONDS: '1',
    // Webhook retries in milliseconds, so retry and backoff tests take a moment.
    WEBHOOK_MAX_ATTEMPTS: '4',
    WEBHOOK_RETRY_INITIAL_MS: '50',
    WEBHOOK_RETRY_BACKOFF: '2',
    WEBHOOK_RETRY_MAX_INTERVAL_MS: '200',
    WEBHOOK_TIMEOUT_MS: '2000',
    API_PORT: '0',
    WORKER_METRICS_PORT: '0',
  });
}
