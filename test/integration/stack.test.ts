import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { startProcess } from '../../scripts/stack/process';
import { postgres } from '../../scripts/stack/services/postgres';
import { ensureStack } from '../../scripts/stack/stack';
import { openTestClients } from '../helpers/clients';
import { testStackSettings } from '../helpers/test-env';
import { startThrowaway } from '../helpers/throwaway-service';

describe('the local stack', function () {
  this.timeout(60000);

  it('stops PostgreSQL at once with a fast shutdown, even with a session still open', async () => {
    const throwaway = await startThrowaway(postgres, (port) => ({ DATABASE_URL: `postgres://osint:osint@127.0.0.1:${port}/osint_stop_check` }));
    const session = new Client({ connectionString: throwaway.env.DATABASE_URL });
    session.on('error', () => undefined);
    await session.connect();
    const log = path.join(testStackSettings().dataDir, 'logs', 'postgres-throwaway.log');
    const offset = fs.statSync(log).size;
    const started = Date.now();
    await throwaway.stop();
    assert.ok(Date.now() - started < 5000, `stopped in ${Date.now() - started} ms`);
    // A smart shutdown would wait for the session, until something killed the server.
    const written = fs.readFileSync(log, 'utf8').slice(offset);
    assert.match(written, /received fast shutdown request/);
    assert.match(written, /database system is shut down/);
    assert.doesNotMatch(written, /killed|smart shutdown/);
    await assert.rejects(session.query('SELECT 1'));
    await session.end().catch(() => undefined);
  });

  it('starts a detached child in a process group of its own, which a Ctrl-C to its parent\'s group does not reach', async () => {
    const child = startProcess('sleeper', 'sleep', ['30'], { sink: { kind: 'console', format: () => '' }, detached: true });
    try {
      const group = Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(child.child.pid)], { encoding: 'utf8' }).trim());
      assert.equal(group, child.child.pid);
      assert.notEqual(group, Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(process.pid)], { encoding: 'utf8' }).trim()));
    } finally {
      await child.stop();
    }
  });

  it('reuses the servers that already answer instead of starting second ones', async () => {
    const stack = await ensureStack({ settings: testStackSettings(), profile: 'test' });
    try {
      assert.deepEqual(stack.started, []);
      assert.deepEqual([...stack.reused].sort(), ['postgres', 'redis', 's3', 'temporal']);
    } finally {
      await stack.stop();
    }
  });

  it('prepares what the platform needs inside a reused server: database, namespace and bucket', async () => {
    const settings = testStackSettings({
      DATABASE_URL: 'postgres://osint:osint@127.0.0.1:5432/osint_prepare_check',
      TEMPORAL_NAMESPACE: 'osint-prepare-check',
      MINIO_BUCKET: 'prepare-check',
    });
    const stack = await ensureStack({ settings, profile: 'test' });
    await stack.stop();
    const clients = await openTestClients({
      DATABASE_URL: settings.postgres.url.toString(),
      TEMPORAL_NAMESPACE: 'osint-prepare-check',
      MINIO_BUCKET: 'prepare-check',
    });
    try {
      await clients.knex.raw('SELECT 1');
      const namespace = await clients.temporal.workflowService.describeNamespace({ namespace: 'osint-prepare-check' });
      assert.equal(namespace.namespaceInfo?.name, 'osint-prepare-check');
      const { customAttributes } = await clients.temporal.operatorService.listSearchAttributes({
        namespace: 'osint-prepare-check',
      });
      assert.ok(customAttributes?.OsintJobStatus, 'search attribute OsintJobStatus registered');
      assert.equal(await clients.s3.bucketExists('prepare-check'), true);
    } finally {
      await clients.close();
    }
  });
});
