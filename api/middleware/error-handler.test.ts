import assert from 'node:assert/strict';
import { toAppError } from './error-handler';

/** What node-postgres throws for a failed statement: a code, and for constraints their name. */
const pgError = (code: string, constraint?: string) => Object.assign(new Error('statement failed'), { code, constraint });

describe('mapping database errors to the error shape', () => {
  it('answers 422, not 500, for text PostgreSQL cannot store, whichever way it refused it', () => {
    for (const code of ['22021', '22P05']) {
      const error = toAppError(pgError(code));
      assert.equal(error.status, 422, code);
      assert.equal(error.code, 'validation_failed');
    }
  });

  it('keeps conflicts, broken references, rule violations and timeouts apart, and anything else a 500', () => {
    const expected: [string, number, string][] = [
      ['23505', 409, 'This already exists'],
      ['23503', 409, 'This refers to something that does not exist or is still in use'],
      ['23514', 422, 'c: violates a rule of the data model'],
      ['57014', 503, 'The database took longer than this API allows; narrow the request (filters, longer search words) and try again'],
      ['42P01', 500, 'Internal server error'],
    ];
    assert.deepEqual(
      expected.map(([code]) => {
        const error = toAppError(pgError(code, 'c'));
        return [code, error.status, error.message];
      }),
      expected,
    );
  });
});
