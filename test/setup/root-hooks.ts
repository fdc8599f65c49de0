/**
 * Loaded before every test file: installs the loopback-only network guard, brings up (or
 * reuses) the real stack once for the whole run with the schema migrated, and stops at the end
 * whatever it started.
 */
import { createKnex, migrateToLatest } from '../../db/knex';
import { ensureStack, type RunningStack } from '../../scripts/stack/stack';
import { installNetworkGuard, takeNetworkViolations } from '../helpers/network-guard';
import { testConfig, testStackSettings } from '../helpers/test-env';

installNetworkGuard();

let stack: RunningStack | undefined;

function say(message: string): void {
  process.stdout.write(`  [test stack] ${message}\n`);
}

export async function mochaGlobalSetup(): Promise<void> {
  const started = Date.now();
  stack = await ensureStack({ settings: testStackSettings(), profile: 'test', log: say });
  const knex = createKnex(testConfig().database);
  try {
    await migrateToLatest(knex);
  } finally {
    await knex.destroy();
  }
  say(`ready in ${Date.now() - started} ms`);
}

export async function mochaGlobalTeardown(): Promise<void> {
  if (stack && stack.started.length > 0) say(`stopping ${stack.started.map((proc) => proc.name).join(', ')}`);
  await stack?.stop();
}

export const mochaHooks = {
  /**
   * Fails the test that tried to reach an address off this machine, even if it swallowed the
   * error. Reported through the hook's error slot, so Mocha fails that test, not the whole suite.
   */
  afterEach(this: Mocha.Context): void {
    const violations = takeNetworkViolations();
    if (violations.length === 0) return;
    const hook = this.runnable() as Mocha.Runnable & { error(error: Error): void };
    hook.error(new Error(`this test reached for the network outside loopback:\n  ${violations.join('\n  ')}`));
  },
};
