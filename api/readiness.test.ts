import assert from 'node:assert/strict';
import { reuseFor } from './readiness';

describe('reuseFor', () => {
  it('shares one run among concurrent callers', async () => {
    let runs = 0;
    const reused = reuseFor(1000, async () => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return runs;
    });
    assert.deepEqual(await Promise.all([reused(), reused(), reused()]), [1, 1, 1]);
    assert.equal(runs, 1);
  });

  it('reuses the answer for the given time, then runs again', async () => {
    let runs = 0;
    const reused = reuseFor(50, async () => (runs += 1));
    assert.equal(await reused(), 1);
    assert.equal(await reused(), 1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(await reused(), 2);
  });

  it('runs every time when the time is 0', async () => {
    let runs = 0;
    const reused = reuseFor(0, async () => (runs += 1));
    await reused();
    await reused();
    assert.equal(runs, 2);
  });
});
