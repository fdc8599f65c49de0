/** Mocha settings: TypeScript through tsx, unit tests beside the code, integration tests in test/. */
// Mocha adds the files named on the command line to `spec`; naming some runs only those.
const named = process.argv.slice(2).some((arg) => /\.test\.ts$/.test(arg));

module.exports = {
  require: ['tsx/cjs', './test/setup/root-hooks.ts'],
  spec: named ? [] : ['{core,api,db,activities,workflows,worker,scripts}/**/*.test.ts', 'test/**/*.test.ts'],
  extension: ['ts'],
  timeout: 20000,
  exit: true,
  recursive: true,
};
