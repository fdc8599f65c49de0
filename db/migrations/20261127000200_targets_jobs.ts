import type { Knex } from 'knex';

/** Targets, schedules, jobs and each job's state history. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('targets', (table) => {
    table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    table.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    table.text('type').notNullable();
    table.text('value').notNullable();
    table.text('original_value').notNullable();
    table.uuid('created_by').references('id').inTable('users').onDelete('SET NULL');
    table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
    table.unique(['workspace_id', 'type', 'value']);
    table.index(['workspace_id', 'created_at', 'id']);
  });
  await knex.raw("ALTER TABLE targets ADD CONSTRAINT targets_type_check CHECK (type IN ('email', 'domain'))");

  await knex.schema.createTable('schedules', (table) => {
    table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    table.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    table.uuid('target_id').notNullable().references('id').inTable('targets').onDelete('CASCADE');
    table.text('technique').notNullable();
    table.jsonb('params').notNullable().defaultTo('{}');
    table.text('temporal_schedule_id').notNullable().unique();
    table.jsonb('spec').notNullable();
    table.boolean('paused').notNullable().defaultTo(false);
    table.text('note');
    table.uuid('created_by').references('id').inTable('users').onDelete('SET NULL');
    table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('updated_at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
    table.index(['workspace_id', 'created_at', 'id']);
  });

  await knex.schema.createTable('jobs', (table) => {
    table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    table.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    table.uuid('target_id').notNullable().references('id').inTable('targets').onDelete('CASCADE');
    table.uuid('schedule_id').references('id').inTable('schedules').onDelete('SET NULL');
    table.text('technique').notNullable();
    table.jsonb('params').notNullable().defaultTo('{}');
    table.text('status').notNullable().defaultTo('CREATED');
    table.text('idempotency_key').notNullable().unique();
    table.integer('attempts').notNullable().defaultTo(0);
    table.integer('run_number').notNullable().defaultTo(1);
    table.text('last_error');
    table.timestamp('next_retry_at', { useTz: true, precision: 3 });
    table.uuid('created_by').references('id').inTable('users').onDelete('SET NULL');
    table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('updated_at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('queued_at', { useTz: true, precision: 3 });
    table.timestamp('started_at', { useTz: true, precision: 3 });
    table.timestamp('finished_at', { useTz: true, precision: 3 });
    table.index(['workspace_id', 'created_at', 'id']);
    table.index(['workspace_id', 'status']);
    table.index(['workspace_id', 'target_id']);
  });
  await knex.raw(`ALTER TABLE jobs ADD CONSTRAINT jobs_status_check CHECK (status IN
    ('CREATED', 'QUEUED', 'RUNNING', 'RETRYING', 'SUCCEEDED', 'FAILED', 'DEAD_LETTER', 'CANCELLED'))`);

  await knex.schema.createTable('job_events', (table) => {
    table.bigIncrements('id').primary();
    table.uuid('job_id').notNullable().references('id').inTable('jobs').onDelete('CASCADE');
    table.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    table.text('from_status');
    table.text('to_status').notNullable();
    table.integer('attempt').notNullable().defaultTo(0);
    table.integer('run_number').notNullable().defaultTo(1);
    table.text('error');
    table.timestamp('at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
    table.index(['job_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('job_events');
  await knex.schema.dropTable('jobs');
  await knex.schema.dropTable('schedules');
  await knex.schema.dropTable('targets');
}
