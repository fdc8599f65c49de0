import type { Knex } from 'knex';

/**
 * A schedule's jobs, newest first: read on every GET of a schedule, and by the foreign key's
 * ON DELETE SET NULL when a schedule is deleted (which would otherwise scan every job).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('jobs', (table) => {
    table.index(['schedule_id', 'created_at', 'id'], 'jobs_schedule_id_created_at_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('jobs', (table) => {
    table.dropIndex(['schedule_id', 'created_at', 'id'], 'jobs_schedule_id_created_at_index');
  });
}
