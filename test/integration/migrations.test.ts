import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { createKnex, migrateToLatest, migrationConfig } from '../../db/knex';
import { openTestClients, type TestClients } from '../helpers/clients';
import { testConfig } from '../helpers/test-env';

const DATABASE = `osint_migrations_${process.pid}`;

describe('the migrations', function () {
  this.timeout(60000);
  let admin: TestClients;
  let knex: Knex;

  before(async () => {
    admin = await openTestClients();
    await admin.knex.raw(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await admin.knex.raw(`CREATE DATABASE ${DATABASE}`);
    const url = new URL(testConfig().database.url);
    url.pathname = `/${DATABASE}`;
    knex = createKnex({ url: url.toString(), poolMax: 2 });
  });

  after(async () => {
    await knex.destroy();
    await admin.knex.raw(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await admin.close();
  });

  async function tables(): Promise<string[]> {
    const { rows } = await knex.raw<{ rows: { tablename: string }[] }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex_migrations%' ORDER BY 1",
    );
    return rows.map((row) => row.tablename);
  }

  it('go up, all the way down and up again', async () => {
    const applied = await migrateToLatest(knex);
    assert.ok(applied.length >= 4);
    const expected = [
      'audit_logs', 'evidence', 'finding_versions', 'findings', 'job_events', 'job_findings', 'jobs', 'schedules', 'targets',
      'users', 'webhook_deliveries', 'webhooks', 'workspace_members', 'workspaces',
    ];
    assert.deepEqual(await tables(), expected);
    await knex.migrate.rollback(migrationConfig, true);
    assert.deepEqual(await tables(), []);
    await migrateToLatest(knex);
    assert.deepEqual(await tables(), expected);
  });

  it('keep the invariants in the database: unique keys and explicit onDelete on every foreign key', async () => {
    await migrateToLatest(knex);
    const { rows: unique } = await knex.raw<{ rows: { name: string; columns: string }[] }>(`
      SELECT c.conrelid::regclass::text || '(' || string_agg(a.attname, ',' ORDER BY k.n) || ')' AS columns, c.conname AS name
      FROM pg_constraint c CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY k(attnum, n)
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
      WHERE c.contype = 'u' GROUP BY c.conrelid, c.conname`);
    const keys = unique.map((row) => row.columns);
    for (const key of ['jobs(idempotency_key)', 'findings(workspace_id,fingerprint)', 'targets(workspace_id,type,value)']) {
      assert.ok(keys.includes(key), `${key} is unique (found ${keys.join('; ')})`);
    }
    const { rows: foreignKeys } = await knex.raw<{ rows: { name: string; on_delete: string }[] }>(
      "SELECT conname AS name, confdeltype AS on_delete FROM pg_constraint WHERE contype = 'f'",
    );
    assert.ok(foreignKeys.length >= 15);
    const implicit = foreignKeys.filter((row) => !['c', 'n', 'r'].includes(row.on_delete)).map((row) => row.name);
    assert.deepEqual(implicit, [], 'every foreign key says CASCADE, SET NULL or RESTRICT');
  });
});
