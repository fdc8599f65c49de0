/** The knex instance of a process, and the migration settings shared by every caller. */
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { Config } from '../core/config';
import type { Logger } from '../core/logger';

/** Migration files are TypeScript under tsx and JavaScript once compiled. */
const MIGRATION_EXTENSION = path.extname(__filename) === '.ts' ? '.ts' : '.js';

/** Settings for knex's migrator, pointing at db/migrations. */
export const migrationConfig: Knex.MigratorConfig = {
  directory: path.join(__dirname, 'migrations'),
  loadExtensions: [MIGRATION_EXTENSION],
  tableName: 'knex_migrations',
};

/**
 * Creates a pooled knex instance for Postgres; its warnings go to `logger` when one is given.
 * With `statementTimeoutMs`, Postgres cancels any statement of the pool that runs longer (the
 * API's pool: one heavy request cannot hold a connection for long).
 */
export function createKnex(settings: Config['database'], logger?: Logger, options: { statementTimeoutMs?: number } = {}): Knex {
  const log = logger?.child({ component: 'knex' });
  return knexFactory({
    client: 'pg',
    connection: {
      connectionString: settings.url,
      application_name: 'osint-platform',
      ...(options.statementTimeoutMs && { statement_timeout: options.statementTimeoutMs }),
    },
    pool: { min: 0, max: settings.poolMax },
    acquireConnectionTimeout: 10000,
    migrations: migrationConfig,
    ...(log && {
      log: {
        warn: (message: unknown) => log.warn({ detail: String(message) }, 'knex warning'),
        error: (message: unknown) => log.error({ detail: String(message) }, 'knex error'),
        deprecate: (method: string, alternative: string) => log.warn({ method, alternative }, 'knex deprecation'),
        debug: (message: unknown) => log.debug({ detail: message }, 'knex debug'),
      },
    }),
  });
}

/** Brings the schema to the latest migration; returns the names of the migrations applied. */
export async function migrateToLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(migrationConfig)) as [number, string[]];
  return applied;
}
