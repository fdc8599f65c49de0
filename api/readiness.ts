/** Readiness of the API: whether each dependency answers, checked side by side with a timeout. */
import { Connection } from '@temporalio/client';
import type Redis from 'ioredis';
import type { Knex } from 'knex';
import type { EvidenceStore } from '../core/storage/evidence-store';

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
}

/**
 * A Temporal connection for probes: without the SDK's retry interceptor, whose retry timers
 * outlive a timed-out probe and throw once the connection is closed; the deadline bounds it.
 */
export function temporalProbeConnection(address: string): Connection {
  return Connection.lazy({ address, interceptors: [] });
}

/** Creates a function that checks every dependency at once. */
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
  return async function checkReadiness() {
    const [db, redis, temporal, storage] = await Promise.all(
      Object.values(checks).map((check) => passes(check, deps.timeoutMs)),
    );
    return { ok: Boolean(db && redis && temporal && storage), db: !!db, redis: !!redis, temporal: !!temporal, storage: !!storage };
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
