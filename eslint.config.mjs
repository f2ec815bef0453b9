// Lint runs inside `npm test`. Type-aware rules catch floating promises, which in
// workflow and activity code mean lost work.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', '.tools/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        // node:test's describe/it return promises the runner itself awaits.
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }],
      }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // Workflow code is replayed deterministically inside Temporal's sandbox: it may import only
    // the workflow SDK, pure domain modules and activity *types*.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['mongoose', 'nodemailer', 'zod', 'pino', '@temporalio/worker', '@temporalio/client', '@temporalio/activity'], message: 'Workflows must stay deterministic and small: no I/O libraries or zod here.' },
          { group: ['../activities', '../activities/*'], allowTypeImports: true, message: 'Workflows may import activity types only.' },
          { group: ['../db/*', '../mail/*', '../config/*', 'node:*', 'fs', 'path'], message: 'Workflows may import only @temporalio/workflow and src/domain.' },
        ],
      }],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'bin/**/*.js', 'eslint.config.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', require: 'readonly', __dirname: 'readonly', URL: 'readonly' },
    },
    // bin/ is the CommonJS entry point npm links; require() is how it loads the build.
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
);
