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
    assert.deepEqual(
      ['23505', '23503', '23514', '57014', '42P01'].map((code) => toAppError(pgError(code, 'c')).status),
      [409, 409, 422, 503, 500],
    );
  });
});
