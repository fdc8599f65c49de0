// Lint rules for the whole codebase; workflows get a fence that keeps them deterministic.
import { builtinModules } from 'node:module';
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];
const ioModules = ['pg', 'knex', 'objection', 'ioredis', 'minio', 'koa', '@koa/*', 'pino', 'prom-client',
  '@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'workflow-bundle.js'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } } },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O
    // clients, and of the project only core/domain (plus type-only imports of activities).
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: nodeBuiltins.map((name) => ({ name, message: 'Workflows must not use Node built-ins; do it in an activity.' })),
        patterns: [
          { group: ioModules, message: 'Workflows must not do I/O; do it in an activity.' },
          { group: ['../activities', '../activities/*'], allowTypeImports: true, message: 'Workflows may import activity types only.' },
          { group: ['../api/*', '../db/*', '../worker/*', '../core/*', '!../core/domain', '!../core/domain/*'],
            message: 'Workflows may import only core/domain from the project.' },
        ],
      }],
    },
  },
);
