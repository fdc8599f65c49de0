/** Real clients to the test stack, opened by integration tests and closed after them. */
import { Connection } from '@temporalio/client';
import Redis from 'ioredis';
import type { Knex } from 'knex';
import type { Client as MinioClient } from 'minio';
import type { Config } from '../../core/config';
import { temporalProbeConnection } from '../../api/readiness';
import { createLogger } from '../../core/logger';
import { createS3Client, S3EvidenceStore } from '../../core/storage/s3-evidence-store';
import { createKnex } from '../../db/knex';
import { testConfig } from './test-env';

/** Clients to Postgres, Redis, Temporal and S3, configured like the processes under test. */
export interface TestClients {
  readonly config: Config;
  readonly knex: Knex;
  readonly redis: Redis;
  readonly temporal: Connection;
  /** A connection without retries, for readiness probes. */
  readonly temporalProbe: Connection;
  readonly s3: MinioClient;
  readonly evidenceStore: S3EvidenceStore;
  close(): Promise<void>;
}

/** Opens clients to the test stack (or to the servers named in `overrides`). */
export async function openTestClients(overrides: NodeJS.ProcessEnv = {}): Promise<TestClients> {
  const config = testConfig(overrides);
  const knex = createKnex(config.database, createLogger({ name: 'test', level: 'silent' }));
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined); // tests that stop a server provoke this on purpose
  const temporal = Connection.lazy({ address: config.temporal.address });
  const temporalProbe = temporalProbeConnection({ address: config.temporal.address });
  const s3 = createS3Client(config.storage);
  const evidenceStore = new S3EvidenceStore(s3, config.storage.bucket, config.storage.region);
  return {
    config,
    knex,
    redis,
    temporal,
    temporalProbe,
    s3,
    evidenceStore,
    async close() {
      await Promise.allSettled([knex.destroy(), redis.quit(), temporal.close(), temporalProbe.close()]);
      redis.disconnect();
    },
  };
}

/** Empties every table but the migration bookkeeping, the Redis db and the bucket. */
export async function resetState(clients: TestClients): Promise<void> {
  const { rows } = await clients.knex.raw<{ rows: { tablename: string }[] }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex_migrations%'",
  );
  if (rows.length > 0) {
    const tables = rows.map((row) => `"${row.tablename}"`).join(', ');
    await clients.knex.raw(`TRUNCATE ${tables} RESTART IDENTITY CASCADE`);
  }
  await clients.redis.flushdb();
  const bucket = clients.config.storage.bucket;
  const keys: string[] = [];
  for await (const item of clients.s3.listObjectsV2(bucket, '', true)) {
    if (item.name) keys.push(item.name);
  }
  if (keys.length > 0) await clients.s3.removeObjects(bucket, keys);
}

/** Registers before/after hooks that open the clients and give each test clean state. */
export function useTestClients(): () => TestClients {
  let clients: TestClients | undefined;
  before(async () => {
    clients = await openTestClients();
  });
  beforeEach(async () => {
    await resetState(clients!);
  });
  after(async () => {
    await clients?.close();
  });
  return () => {
    if (!clients) throw new Error('test clients are opened in a before hook');
    return clients;
  };
}
