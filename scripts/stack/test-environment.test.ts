import assert from 'node:assert/strict';
import { testEnvironment } from './test-environment';

describe('test environment', () => {
  it('keeps the test data apart from the developer data of the same servers', () => {
    const env = testEnvironment({ DATABASE_URL: 'postgres://osint:osint@127.0.0.1:5432/osint', REDIS_URL: 'redis://127.0.0.1:6379/0' });
    assert.equal(new URL(env.DATABASE_URL!).pathname, '/osint_test');
    assert.equal(new URL(env.REDIS_URL!).pathname, '/1');
    assert.equal(env.TEMPORAL_NAMESPACE, 'osint-test');
    assert.equal(env.MINIO_BUCKET, 'evidence-test');
  });

  it('gives a run with TEST_LANE a database, Redis db, namespace, task queue and bucket of its own', () => {
    const main = testEnvironment({});
    const lane = testEnvironment({ TEST_LANE: 'b' });
    assert.equal(new URL(lane.DATABASE_URL!).pathname, '/osint_test_b');
    assert.notEqual(lane.REDIS_URL, main.REDIS_URL);
    assert.notEqual(new URL(lane.REDIS_URL!).pathname, '/0');
    assert.equal(lane.TEMPORAL_NAMESPACE, 'osint-test-b');
    assert.equal(lane.TEMPORAL_TASK_QUEUE, 'osint-test-b');
    assert.equal(lane.MINIO_BUCKET, 'evidence-test-b');
  });

  it('refuses a lane name that could not name a database or bucket', () => {
    assert.throws(() => testEnvironment({ TEST_LANE: 'Bad Lane' }), /TEST_LANE must be/);
  });
});
