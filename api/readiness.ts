/** Readiness of the API: whether each dependency answers, checked side by side with a timeout. */
import type { Connection } from '@temporalio/client';
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
  readonly temporal: Connection;
  readonly temporalNamespace: string;
  readonly evidenceStore: EvidenceStore;
  readonly timeoutMs: number;
}

/** Creates a function that checks every dependency at once. */
export function createReadinessProbe(deps: ReadinessDeps): () => Promise<Readiness> {
  const checks = {
    db: () => deps.knex.raw('SELECT 1'),
    redis: () => deps.redis.ping(),
    temporal: () => deps.temporal.workflowService.describeNamespace({ namespace: deps.temporalNamespace }),
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
