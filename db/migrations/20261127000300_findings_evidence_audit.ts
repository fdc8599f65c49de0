import type { Knex } from 'knex';

/** Findings (deduplicated by fingerprint, searchable), which job saw which, evidence, audit trail. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('findings', (table) => {
    table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    table.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    table.uuid('target_id').references('id').inTable('targets').onDelete('SET NULL');
    table.text('technique').notNullable();
    table.text('finding_type').notNullable();
    table.text('subject').notNullable();
    table.jsonb('data').notNullable().defaultTo('{}');
    table.text('fingerprint').notNullable();
    table.timestamp('first_seen_at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('last_seen_at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
    table.integer('seen_count').notNullable().defaultTo(1);
    table.unique(['workspace_id', 'fingerprint']);
    table.index(['workspace_id', 'last_seen_at', 'id']);
    table.index(['workspace_id', 'finding_type', 'last_seen_at']);
    table.index(['workspace_id', 'target_id', 'last_seen_at']);
    table.index(['workspace_id', 'first_seen_at']);
  });
  // Full-text search over the subject (weight A) and every string, number and key of the data (B).
  await knex.raw(`ALTER TABLE findings ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, subject), 'A') ||
    setweight(jsonb_to_tsvector('simple'::regconfig, data, '["string", "numeric", "key"]'), 'B')
  ) STORED`);
  await knex.raw('CREATE INDEX findings_search_gin ON findings USING gin (search)');
  await knex.raw('CREATE INDEX findings_subject_trgm ON findings USING gin (subject gin_trgm_ops)');

  await knex.schema.createTable('job_findings', (table) => {
    table.uuid('job_id').notNullable().references('id').inTable('jobs').onDelete('CASCADE');
    table.uuid('finding_id').notNullable().references('id').inTable('findings').onDelete('CASCADE');
    table.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    table.timestamp('seen_at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
    table.primary(['job_id', 'finding_id']);
    table.index(['finding_id']);
  });

  await knex.schema.createTable('evidence', (table) => {
    table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    table.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    table.uuid('job_id').notNullable().references('id').inTable('jobs').onDelete('CASCADE');
    table.integer('run_number').notNullable().defaultTo(1);
    table.integer('attempt').notNullable().defaultTo(1);
    table.text('object_key').notNullable();
    table.text('content_type').notNullable();
    table.bigInteger('size_bytes').notNullable();
    table.text('sha256').notNullable();
    table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
    // One row per content per run: a retried activity storing the same bytes adds nothing.
    table.unique(['job_id', 'run_number', 'sha256']);
    table.index(['workspace_id', 'created_at', 'id']);
  });

  await knex.schema.createTable('audit_logs', (table) => {
    table.bigIncrements('id').primary();
    // Audit rows outlive what they describe, so deletions upstream only clear the reference.
    table.uuid('workspace_id').references('id').inTable('workspaces').onDelete('SET NULL');
    table.uuid('actor_id').references('id').inTable('users').onDelete('SET NULL');
    table.text('action').notNullable();
    table.text('entity_type').notNullable();
    table.text('entity_id');
    table.text('ip');
    table.jsonb('details').notNullable().defaultTo('{}');
    table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
    table.index(['workspace_id', 'id']);
    table.index(['workspace_id', 'action', 'id']);
    table.index(['workspace_id', 'actor_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_logs');
  await knex.schema.dropTable('evidence');
  await knex.schema.dropTable('job_findings');
  await knex.schema.dropTable('findings');
}
