import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from './config';
import { temporalConnectionOptions } from './temporal-connection';

const SECRET = 'x'.repeat(40);

describe('loadConfig', () => {
  it('fills every default when only SECRET_KEY is given', () => {
    const config = loadConfig({ SECRET_KEY: SECRET });
    assert.equal(config.api.port, 8000);
    assert.equal(config.database.url, 'postgres://osint:osint@127.0.0.1:5432/osint');
    assert.equal(config.storage.endPoint, '127.0.0.1');
    assert.equal(config.storage.port, 9000);
    assert.equal(config.storage.useSSL, false);
    assert.equal(config.temporal.namespace, 'osint');
    assert.equal(config.api.statementTimeoutMs, 15000);
    assert.equal(config.api.accessCacheTtlMs, 30000);
  });

  it('converts numbers and booleans from their string form', () => {
    const config = loadConfig({ SECRET_KEY: SECRET, API_PORT: '9100', MINIO_USE_SSL: 'true' });
    assert.equal(config.api.port, 9100);
    assert.equal(config.storage.useSSL, true);
  });

  it('refuses to load without SECRET_KEY', () => {
    assert.throws(() => loadConfig({}), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.ok(error.problems.some((problem) => problem.startsWith('SECRET_KEY')));
      return true;
    });
  });

  it('reports every bad key at once', () => {
    assert.throws(
      () => loadConfig({ SECRET_KEY: 'short', API_PORT: 'eighty', REDIS_URL: 'http://nope', LOG_LEVEL: 'loud' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const keys = new Set(error.problems.map((problem) => problem.split(':')[0]));
        assert.deepEqual([...keys].sort(), ['API_PORT', 'LOG_LEVEL', 'REDIS_URL', 'SECRET_KEY']);
        return true;
      },
    );
  });

  it('never echoes a secret value in its error message', () => {
    assert.throws(() => loadConfig({ SECRET_KEY: 'hunter2-too-short' }), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.ok(!error.message.includes('hunter2'));
      return true;
    });
  });

  it('masks the password of a database or Redis URL it refuses, and still shows the rest', () => {
    const env = { SECRET_KEY: 'k'.repeat(40), DATABASE_URL: 'postgresql+psycopg://osint:hunter2@db:5432/osint', REDIS_URL: 'http://:s3cr3t@cache:6379/0' };
    assert.throws(() => loadConfig(env), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.ok(!error.message.includes('hunter2') && !error.message.includes('s3cr3t'), error.message);
      assert.match(error.message, /DATABASE_URL: .*postgresql\+psycopg:\/\/osint:\*\*\*@db:5432\/osint/);
      assert.match(error.message, /REDIS_URL: .*http:\/\/:\*\*\*@cache:6379\/0/);
      return true;
    });
  });

  it('takes resolvers as IP addresses with an optional port, and names each that is not', () => {
    const base = { SECRET_KEY: 'k'.repeat(40) };
    assert.deepEqual(loadConfig({ ...base, DNS_SERVERS: '1.1.1.1,9.9.9.9:5353,::1,[2606:4700:4700::1111]:53' }).techniques.dns.servers, [
      '1.1.1.1',
      '9.9.9.9:5353',
      '::1',
      '[2606:4700:4700::1111]:53',
    ]);
    assert.throws(() => loadConfig({ ...base, DNS_SERVERS: '1.1.1.1,dns.google:53,1.1.1.1:99999,[::1' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(
        error.problems.map((problem) => problem.split(' is not')[0]),
        ['DNS_SERVERS: "dns.google:53"', 'DNS_SERVERS: "1.1.1.1:99999"', 'DNS_SERVERS: "[::1"'],
      );
      return true;
    });
  });

  it('refuses JOB_RETRY_OVERRIDES that is valid JSON but not an object', () => {
    for (const value of ['null', '[]', '3', '"port_scan"']) {
      assert.throws(() => loadConfig({ SECRET_KEY: 'k'.repeat(40), JOB_RETRY_OVERRIDES: value }), (error: unknown) => {
        assert.ok(error instanceof ConfigError, value);
        assert.match(error.message, /JOB_RETRY_OVERRIDES: must be a JSON object/);
        return true;
      });
    }
  });

  it('returns a frozen object', () => {
    const config = loadConfig({ SECRET_KEY: SECRET });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.storage));
  });

  describe('Temporal TLS and API key', () => {
    const tls = (name: string) => path.join(__dirname, '../test/fixtures/tls', name);
    const problemsOf = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig({ SECRET_KEY: SECRET, ...env });
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.problems;
      }
      return assert.fail('the config loaded');
    };

    it('connects in plain text when nothing is set', () => {
      const config = loadConfig({ SECRET_KEY: SECRET });
      assert.deepEqual(config.temporal.connection, {});
      assert.deepEqual(temporalConnectionOptions(config.temporal), { address: '127.0.0.1:7233' });
    });

    it('reads the CA, the client certificate and key, and the server name into the connection options', () => {
      const config = loadConfig({
        SECRET_KEY: SECRET,
        TEMPORAL_ADDRESS: 'temporal.example.test:7233',
        TEMPORAL_TLS_CA_PATH: tls('ca.pem'),
        TEMPORAL_TLS_CERT_PATH: tls('client.pem'),
        TEMPORAL_TLS_KEY_PATH: tls('client.key'),
        TEMPORAL_TLS_SERVER_NAME: 'localhost',
      });
      const options = temporalConnectionOptions(config.temporal);
      assert.equal(options.address, 'temporal.example.test:7233');
      assert.equal(Buffer.from(options.tls!.serverRootCACertificate!).toString(), fs.readFileSync(tls('ca.pem'), 'utf8'));
      assert.equal(Buffer.from(options.tls!.clientCertPair!.crt).toString(), fs.readFileSync(tls('client.pem'), 'utf8'));
      assert.equal(Buffer.from(options.tls!.clientCertPair!.key).toString(), fs.readFileSync(tls('client.key'), 'utf8'));
      assert.equal(options.tls!.serverNameOverride, 'localhost');
      assert.equal(options.apiKey, undefined);
    });

    it('turns TLS on with the system roots for an API key alone, and never echoes the key', () => {
      const options = temporalConnectionOptions(loadConfig({ SECRET_KEY: SECRET, TEMPORAL_API_KEY: 'tmprl-key-value' }).temporal);
      assert.deepEqual(options, { address: '127.0.0.1:7233', tls: {}, apiKey: 'tmprl-key-value' });
      assert.deepEqual(temporalConnectionOptions(loadConfig({ SECRET_KEY: SECRET, TEMPORAL_TLS: 'true' }).temporal).tls, {});
      const problems = problemsOf({ TEMPORAL_API_KEY: 'tmprl-key-value', TEMPORAL_TLS: 'maybe' });
      assert.ok(problems.some((problem) => problem.startsWith('TEMPORAL_TLS:')));
      assert.ok(!problems.join('\n').includes('tmprl-key-value'));
    });

    it('refuses a certificate without its key, and files it cannot read or that are not PEM, naming each', () => {
      assert.deepEqual(problemsOf({ TEMPORAL_TLS_CERT_PATH: tls('client.pem') }), ['TEMPORAL_TLS_CERT_PATH, TEMPORAL_TLS_KEY_PATH: a client certificate needs both']);
      const problems = problemsOf({ TEMPORAL_TLS_CA_PATH: tls('missing.pem'), TEMPORAL_TLS_CERT_PATH: __filename, TEMPORAL_TLS_KEY_PATH: tls('client.key') });
      assert.deepEqual(problems, [
        `TEMPORAL_TLS_CA_PATH: cannot read ${tls('missing.pem')} (ENOENT)`,
        `TEMPORAL_TLS_CERT_PATH: ${__filename} is not a PEM file`,
      ]);
    });
  });
});
