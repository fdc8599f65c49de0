/** Command line for migrations: `tsx db/migrate.ts latest|rollback|status`. */
import { loadConfig } from '../core/config';
import { createKnex, migrateToLatest, migrationConfig } from './knex';

async function main(command: string): Promise<void> {
  const config = loadConfig();
  const knex = createKnex(config.database);
  try {
    if (command === 'latest') {
      const applied = await migrateToLatest(knex);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date');
    } else if (command === 'rollback') {
      const [, undone] = (await knex.migrate.rollback(migrationConfig, true)) as [number, string[]];
      console.log(`rolled back: ${undone.join(', ') || 'nothing'}`);
    } else if (command === 'status') {
      const [done, pending] = (await knex.migrate.list(migrationConfig)) as [unknown[], unknown[]];
      console.log(`applied ${done.length}, pending ${pending.length}`);
    } else {
      throw new Error(`unknown command "${command}" (use latest, rollback or status)`);
    }
  } finally {
    await knex.destroy();
  }
}

main(process.argv[2] ?? 'latest').catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
