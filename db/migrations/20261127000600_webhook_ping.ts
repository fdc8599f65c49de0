import type { Knex } from 'knex';

/** Deliveries may carry webhook.ping, the test an ADMIN sends to a webhook; no webhook subscribes to it. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_event_check');
  await knex.raw(`ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_event_check
    CHECK (event IN ('job.finished', 'job.dead_lettered', 'findings.changed', 'webhook.ping'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex('webhook_deliveries').where({ event: 'webhook.ping' }).delete();
  await knex.raw('ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_event_check');
  await knex.raw(`ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_event_check
    CHECK (event IN ('job.finished', 'job.dead_lettered', 'findings.changed'))`);
}
