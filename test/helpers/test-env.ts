/** The test suite's environment, config and stack settings (see scripts/stack/test-environment.ts). */
import { loadConfig, type Config } from '../../core/config';
import { loadStackSettings, type StackSettings } from '../../scripts/stack/settings';
import { testEnvironment } from '../../scripts/stack/test-environment';

/** Environment variables for everything the tests start or configure. */
export const TEST_ENV: NodeJS.ProcessEnv = testEnvironment(process.env);

/** The validated config of the tests, with optional overrides. */
export function testConfig(overrides: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({ ...TEST_ENV, ...overrides });
}

/** The stack settings of the tests, with optional overrides. */
export function testStackSettings(overrides: NodeJS.ProcessEnv = {}): StackSettings {
  return loadStackSettings({ ...TEST_ENV, ...overrides });
}
