/** Polling for tests that wait for something eventually true, then let their assertion report. */
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Reads until `done` holds of the value read, waiting `intervalMs` before each new read and at
 * most `tries` times (so it gives up after about tries × intervalMs), and returns the last value
 * read whether or not `done` held: the caller's assertion says what was wrong.
 */
export async function pollUntil<T>(read: () => T | Promise<T>, done: (value: T) => boolean, options: { tries: number; intervalMs: number }): Promise<T> {
  let value = await read();
  for (let waits = 0; waits < options.tries && !done(value); waits += 1) {
    await sleep(options.intervalMs);
    value = await read();
  }
  return value;
}
