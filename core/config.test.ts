import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config';

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

  it('returns a frozen object', () => {
    const config = loadConfig({ SECRET_KEY: SECRET });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.storage));
  });
});
