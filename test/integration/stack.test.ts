import assert from 'node:assert/strict';
import { ensureStack } from '../../scripts/stack/stack';
import { openTestClients } from '../helpers/clients';
import { testStackSettings } from '../helpers/test-env';

describe('the local stack', function () {
  this.timeout(60000);

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
