import type { Knex } from 'knex';

/**
 * What each job saw, exactly, for job diffs: every link records the run that saw the finding
 * and the hash of the data it saw; each distinct data of a finding is kept once in
 * finding_versions. Webhooks per workspace and their deliveries.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('finding_versions', (table) => {
    table.uuid('finding_id').notNullable().references('id').inTable('findings').onDelete('CASCADE');
    table.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    // sha256 of the data's jsonb text, which PostgreSQL normalizes (key order, whitespace).
    table.binary('data_hash').notNullable();
    table.jsonb('data').notNullable();
    table.timestamp('first_seen_at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
    table.primary(['finding_id', 'data_hash']);
  });

  await knex.schema.alterTable('job_findings', (table) => {
    table.integer('run_number').notNullable().defaultTo(1);
    table.binary('data_hash');
  });
  // Links made before this migration: the latest data of the finding is the best record there is.
  await knex.raw(`INSERT INTO finding_versions (finding_id, workspace_id, data_hash, data)
    SELECT f.id, f.workspace_id, sha256(convert_to(f.data::text, 'UTF8')), f.data FROM findings f
    ON CONFLICT DO NOTHING`);
  await knex.raw(`UPDATE job_findings jf SET data_hash = sha256(convert_to(f.data::text, 'UTF8')), run_number = j.run_number
    FROM findings f, jobs j WHERE f.id = jf.finding_id AND j.id = jf.job_id`);
  await knex.raw('ALTER TABLE job_findings ALTER COLUMN data_hash SET NOT NULL');
  await knex.raw(`ALTER TABLE job_findings ADD CONSTRAINT job_findings_version_fk
    FOREIGN KEY (finding_id, data_hash) REFERENCES finding_versions (finding_id, data_hash) ON DELETE CASCADE`);

  await knex.schema.createTable('webhooks', (table) => {
    table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    table.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    table.text('url').notNullable();
    table.specificType('events', 'text[]').notNullable();
    // AES-256-GCM under a key derived from SECRET_KEY, bound to the row id (core/secret-box.ts).
    table.text('secret_sealed').notNullable();
    table.text('description');
    table.uuid('created_by').references('id').inTable('users').onDelete('SET NULL');
    table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
    table.index(['workspace_id', 'created_at', 'id']);
  });
  await knex.raw(`ALTER TABLE webhooks ADD CONSTRAINT webhooks_events_check CHECK (
    cardinality(events) > 0 AND events <@ ARRAY['job.finished', 'job.dead_lettered', 'findings.changed']::text[])`);

  await knex.schema.createTable('webhook_deliveries', (table) => {
    table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    table.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    table.uuid('webhook_id').notNullable().references('id').inTable('webhooks').onDelete('CASCADE');
    table.text('event').notNullable();
    table.uuid('job_id').references('id').inTable('jobs').onDelete('SET NULL');
    // One delivery per webhook and occurrence (event, job, run): a retried notification adds none.
    table.text('dedupe_key').notNullable();
    // json, not jsonb: the body is sent exactly as it was built, on every attempt.
    table.json('payload').notNullable();
    table.text('status').notNullable().defaultTo('PENDING');
    table.integer('attempts').notNullable().defaultTo(0);
    table.integer('response_status');
    table.text('last_error');
    table.jsonb('attempt_log').notNullable().defaultTo('[]');
    table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('last_attempt_at', { useTz: true, precision: 3 });
    table.timestamp('finished_at', { useTz: true, precision: 3 });
    table.unique(['webhook_id', 'dedupe_key']);
    table.index(['webhook_id', 'created_at', 'id']);
    table.index(['workspace_id']);
  });
  await knex.raw(`ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED'))`);
  await knex.raw(`ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_event_check
    CHECK (event IN ('job.finished', 'job.dead_lettered', 'findings.changed'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_deliveries');
  await knex.schema.dropTable('webhooks');
  await knex.raw('ALTER TABLE job_findings DROP CONSTRAINT job_findings_version_fk');
  await knex.schema.alterTable('job_findings', (table) => {
    table.dropColumn('data_hash');
    table.dropColumn('run_number');
  });
  await knex.schema.dropTable('finding_versions');
}
