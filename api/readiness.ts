/**
 * Readiness of the API: whether each dependency answers, checked side by side with a timeout.
 * The answer is kept for a second and shared by concurrent callers, so however many probes,
 * load balancers and replicas ask, the dependencies see at most one check per second per process.
 */
import { Connection } from '@temporalio/client';
import type Redis from 'ioredis';
import type { Knex } from 'knex';
import type { EvidenceStore } from '../core/storage/evidence-store';
import type { TemporalConnectionOptions } from '../core/temporal-connection';

/** The answer of `/readyz`. */
export interface Readiness {
  ok: boolean;
  db: boolean;
  redis: boolean;
  temporal: boolean;
  storage: boolean;
}

/** What readiness checks. */
export interface ReadinessDeps {
  readonly knex: Knex;
  readonly redis: Redis;
  /** A connection without the retry interceptor (see temporalProbeConnection). */
  readonly temporal: Connection;
  readonly temporalNamespace: string;
  readonly evidenceStore: EvidenceStore;
  readonly timeoutMs: number;
  /** How long an answer is reused; READINESS_CACHE_MS unless given (0: every call checks). */
  readonly cacheMs?: number;
}

/** How long a readiness answer is reused. */
export const READINESS_CACHE_MS = 1000;

/**
 * A Temporal connection for probes: without the SDK's retry interceptor, whose retry timers
 * outlive a timed-out probe and throw once the connection is closed; the deadline bounds it.
 */
export function temporalProbeConnection(options: TemporalConnectionOptions): Connection {
  return Connection.lazy({ ...options, interceptors: [] });
}

/** Creates a function that checks every dependency at once (see the module comment on caching). */
export function createReadinessProbe(deps: ReadinessDeps): () => Promise<Readiness> {
  const checks = {
    db: () => deps.knex.raw('SELECT 1'),
    redis: () => deps.redis.ping(),
    temporal: () =>
      deps.temporal.withDeadline(Date.now() + deps.timeoutMs, () =>
        deps.temporal.workflowService.describeNamespace({ namespace: deps.temporalNamespace }),
      ),
    storage: () => deps.evidenceStore.ping(),
  };
  const checkReadiness = async (): Promise<Readiness> => {
    const [db, redis, temporal, storage] = await Promise.all(
      Object.values(checks).map((check) => passes(check, deps.timeoutMs)),
    );
    return { ok: Boolean(db && redis && temporal && storage), db: !!db, redis: !!redis, temporal: !!temporal, storage: !!storage };
  };
  return reuseFor(deps.cacheMs ?? READINESS_CACHE_MS, checkReadiness);
}

/**
 * Wraps `produce` so that callers during a run share it, and its result is reused for `ttlMs`
 * after it settles. `produce` must not reject (each check above turns failures into false).
 */
export function reuseFor<T>(ttlMs: number, produce: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  let last: { value: T; at: number } | undefined;
  return function reused() {
    if (last && Date.now() - last.at < ttlMs) return Promise.resolve(last.value);
    pending ??= produce()
      .then((value) => {
        last = { value, at: Date.now() };
        return value;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

async function passes(check: () => Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([check().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
