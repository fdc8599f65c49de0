import assert from 'node:assert/strict';
import { createLogger, redactSecrets } from './logger';

function capture(): { lines: () => Record<string, unknown>[]; destination: { write(line: string): void } } {
  const written: string[] = [];
  return {
    destination: { write: (line: string) => void written.push(line) },
    lines: () => written.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('the logger', () => {
  it('writes one JSON object per line with a level name and an ISO time', () => {
    const out = capture();
    createLogger({ name: 'api', level: 'info', destination: out.destination }).info({ request_id: 'r1' }, 'request');
    const [line] = out.lines();
    assert.equal(line?.level, 'info');
    assert.equal(line?.name, 'api');
    assert.equal(line?.request_id, 'r1');
    assert.match(String(line?.time), /^\d{4}-\d\d-\d\dT/);
  });

  it('redacts secret-named keys at any depth, in arrays, and in child bindings', () => {
    const out = capture();
    const logger = createLogger({ name: 'api', level: 'info', destination: out.destination });
    logger.child({ token: 'child-token' }).info(
      {
        password: 'top-password',
        body: { email: 'ada@example.org', password: 'body-password' },
        req: { headers: { Authorization: 'Bearer abc.def', cookie: 'sid=1' } },
        deep: { a: { b: { access_token: 'deep-token' } } },
        items: [{ secret: 'item-secret' }],
      },
      'login',
    );
    const text = JSON.stringify(out.lines());
    for (const secret of ['child-token', 'top-password', 'body-password', 'abc.def', 'sid=1', 'deep-token', 'item-secret']) {
      assert.ok(!text.includes(secret), `${secret} was logged`);
    }
    assert.ok(text.includes('ada@example.org'), 'other fields are kept');
  });

  it('returns objects without secrets unchanged, without copying them', () => {
    const object = { method: 'GET', route: '/workspaces/:workspace_id', nested: { status: 200 } };
    assert.equal(redactSecrets(object), object);
  });
});
