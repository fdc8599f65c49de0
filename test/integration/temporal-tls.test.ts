import assert from 'node:assert/strict';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { temporalProbeConnection } from '../../api/readiness';
import { temporalConnectionOptions } from '../../core/temporal-connection';
import { startTlsProxy, type TlsProxy } from '../fixture-servers/tls-proxy';
import { installTestRuntime } from '../helpers/temporal-worker';
import { testConfig } from '../helpers/test-env';

const tls = (name: string) => path.join(__dirname, '../fixtures/tls', name);

describe('connections to Temporal over TLS (the dev server behind a TLS front that requires client certificates)', function () {
  this.timeout(60000);
  let proxy: TlsProxy;
  /** The connection options the processes build from these settings, pointed at the TLS front. */
  const optionsWith = (env: NodeJS.ProcessEnv) => temporalConnectionOptions(testConfig({ TEMPORAL_ADDRESS: proxy.address, ...env }).temporal);
  const mutualTls = { TEMPORAL_TLS_CA_PATH: tls('ca.pem'), TEMPORAL_TLS_CERT_PATH: tls('client.pem'), TEMPORAL_TLS_KEY_PATH: tls('client.key') };

  before(async () => {
    installTestRuntime();
    proxy = await startTlsProxy(Number(testConfig().temporal.address.split(':')[1]));
  });
  after(async () => proxy.close());
  beforeEach(() => {
    proxy.handshakes.length = 0;
  });

  it("lets the API's client and readiness probe reach the namespace with the configured CA and client certificate", async () => {
    const options = optionsWith(mutualTls);
    const { namespace } = testConfig().temporal;
    const connection = await Connection.connect(options);
    const probe = temporalProbeConnection(options);
    try {
      const described = await connection.workflowService.describeNamespace({ namespace });
      assert.equal(described.namespaceInfo?.name, namespace);
      await probe.withDeadline(Date.now() + 5000, () => probe.workflowService.describeNamespace({ namespace }));
    } finally {
      await Promise.all([connection.close(), probe.close()]);
    }
    assert.ok(proxy.handshakes.length >= 2);
    assert.ok(proxy.handshakes.every((handshake) => handshake.authorized && handshake.clientName === 'osint worker'));
  });

  it("lets the worker's native connection in with the same settings", async () => {
    const connection = await NativeConnection.connect(optionsWith({ ...mutualTls, TEMPORAL_TLS_SERVER_NAME: 'localhost' }));
    await connection.close();
    assert.ok(proxy.handshakes.some((handshake) => handshake.authorized && handshake.clientName === 'osint worker'));
  });

  it("refuses the server when TEMPORAL_TLS_SERVER_NAME names a host its certificate does not list, though the address is one it does", async () => {
    // other.test is never resolved: the address stays 127.0.0.1, only the name checked changes.
    const misnamed = optionsWith({ ...mutualTls, TEMPORAL_TLS_SERVER_NAME: 'other.test' });
    await assert.rejects(Connection.connect({ ...misnamed, connectTimeout: 3000 }));
    await assert.rejects(NativeConnection.connect(misnamed), /other\.test/);
  });

  it('is refused with a client certificate of another CA, or none', async () => {
    const stranger = optionsWith({ ...mutualTls, TEMPORAL_TLS_CERT_PATH: tls('other-client.pem'), TEMPORAL_TLS_KEY_PATH: tls('other-client.key') });
    const anonymous = optionsWith({ TEMPORAL_TLS_CA_PATH: tls('ca.pem') });
    for (const options of [stranger, anonymous]) {
      await assert.rejects(Connection.connect({ ...options, connectTimeout: 3000 }));
      await assert.rejects(NativeConnection.connect(options));
    }
    assert.ok(proxy.handshakes.length > 0);
    assert.ok(proxy.handshakes.every((handshake) => !handshake.authorized));
  });

  it("refuses a server whose certificate the configured CA did not sign (the system's roots do not know the test CA)", async () => {
    const systemRoots = optionsWith({ TEMPORAL_TLS_CERT_PATH: tls('client.pem'), TEMPORAL_TLS_KEY_PATH: tls('client.key') });
    await assert.rejects(Connection.connect({ ...systemRoots, connectTimeout: 3000 }));
    await assert.rejects(NativeConnection.connect(systemRoots));
    assert.ok(proxy.handshakes.every((handshake) => !handshake.authorized));
  });
});
