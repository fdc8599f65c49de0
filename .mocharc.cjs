/** Mocha settings: TypeScript through tsx, unit tests beside the code, integration tests in test/. */
module.exports = {
  require: ['tsx/cjs', './test/setup/root-hooks.ts'],
  spec: ['{core,api,db,activities,workflows,worker,scripts}/**/*.test.ts', 'test/**/*.test.ts'],
  extension: ['ts'],
  timeout: 20000,
  exit: true,
  recursive: true,
};
