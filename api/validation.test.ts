import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { Nullable, Uuid } from './schemas';
import { compileValidator } from './validation';

const ID = '0F8FAD5B-D9CB-469F-A165-70867728950E';

describe('request validation', () => {
  it('lowercases every UUID the schema types as one, at any depth, and leaves other strings as sent', () => {
    const validate = compileValidator(
      Type.Object({
        target_id: Uuid(),
        schedule_id: Nullable(Uuid()),
        ids: Type.Array(Uuid()),
        nested: Type.Object({ job_id: Uuid() }),
        name: Type.String(),
      }),
      'body',
    );
    const body = { target_id: ID, schedule_id: ID, ids: [ID, ID.toLowerCase()], nested: { job_id: ID }, name: ID };
    assert.deepEqual(validate(body), []);
    assert.deepEqual(body, {
      target_id: ID.toLowerCase(),
      schedule_id: ID.toLowerCase(),
      ids: [ID.toLowerCase(), ID.toLowerCase()],
      nested: { job_id: ID.toLowerCase() },
      name: ID,
    });
  });

  it('lowercases UUIDs of path parameters and query strings, and keeps a null where one is allowed', () => {
    const params = { workspace_id: ID };
    assert.deepEqual(compileValidator(Type.Object({ workspace_id: Uuid() }), 'params')(params), []);
    assert.equal(params.workspace_id, ID.toLowerCase());
    const body = { schedule_id: null };
    assert.deepEqual(compileValidator(Type.Object({ schedule_id: Nullable(Uuid()) }), 'body')(body), []);
    assert.equal(body.schedule_id, null);
  });

  it('names each string and key of a body holding a NUL character, and changes nothing then', () => {
    const validate = compileValidator(Type.Object({ target_id: Uuid(), note: Type.String(), params: Type.Record(Type.String(), Type.Unknown()) }), 'body');
    const body = { target_id: ID, note: 'a\u0000b', params: { list: ['ok', 'x\u0000'], 'k\u0000': 1 } };
    assert.deepEqual(validate(body), [
      { field: 'body.note', message: 'must not contain NUL characters' },
      { field: 'body.params.list.1', message: 'must not contain NUL characters' },
      { field: 'body.params.k\\u0000', message: 'must not contain NUL characters' },
    ]);
    assert.equal(body.target_id, ID, 'an invalid body is not rewritten');
  });

  it('lets NUL-free bodies and NUL in query strings through to their own checks', () => {
    assert.deepEqual(compileValidator(Type.Object({ note: Type.String() }), 'body')({ note: 'plain' }), []);
    assert.deepEqual(compileValidator(Type.Object({ q: Type.String() }), 'query')({ q: 'a\u0000' }), []);
  });
});
