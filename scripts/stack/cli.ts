/**
 * `npm run stack [-- --test]`: only the servers (no API, no worker), in the foreground until
 * Ctrl-C. With --test it brings up what `npm test` uses, so a developer can keep it running
 * and make repeated test runs start instantly.
 */
import { CORE_SERVICES, ensureStack } from './stack';
import { loadStackSettings } from './settings';
import { testEnvironment } from './test-environment';

async function main(): Promise<void> {
  const forTests = process.argv.includes('--test');
  const env = forTests ? testEnvironment(process.env) : process.env;
  const stack = await ensureStack({
    settings: loadStackSettings(env),
    profile: forTests ? 'test' : 'dev',
    services: CORE_SERVICES,
    log: (message) => console.log(`stack     | ${message}`),
  });
  console.log('stack     | up; Ctrl-C stops what was started here');
  const stop = () => void stack.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
