// Lint, including the import rules of docs/architecture (ARCHITECTURE.md "What may import what"):
// protocol imports nothing of ours; query and analysis import only protocol; sdk imports protocol;
// server imports any package, never web; web reaches the server only through sdk; nothing imports an app.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const appImports = [
  { group: ['@sightline/server', '@sightline/server/*', '@sightline/web', '@sightline/web/*'], message: 'Nothing imports an app.' },
  { group: ['**/apps/*', '**/apps/**'], message: 'Nothing imports an app.' },
];
const onlyProtocol = [
  ...appImports,
  { group: ['@sightline/query', '@sightline/analysis', '@sightline/sdk', '@sightline/*/*'], message: 'This package may import only @sightline/protocol.' },
  { group: ['**/packages/*/src/**', '../../*/src/**'], message: 'Import another package by its name, not by path.' },
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', '.bench/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['packages/protocol/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...appImports, { group: ['@sightline/*'], message: 'protocol imports nothing of ours.' }] }],
    },
  },
  {
    files: ['packages/query/**', 'packages/analysis/**', 'packages/sdk/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: onlyProtocol }] },
  },
  {
    files: ['packages/*/src/**'],
    ignores: ['packages/sdk/src/**'],
    rules: {
      // Pure packages: no I/O, no environment.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only apps/server/src/config.ts reads the environment.' }],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'Pure packages do no I/O.' }],
    },
  },
  {
    // The SDK is the one package that talks to the network (fetch, WebSocket); it runs in browsers
    // too, so it reads no environment and imports no Node built-in.
    files: ['packages/sdk/src/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'The SDK takes its settings as options.' }],
      'no-restricted-imports': ['error', { patterns: [...onlyProtocol, { group: ['node:*'], message: 'The SDK runs in browsers too: no Node built-ins.' }] }],
    },
  },
  {
    files: ['packages/query/src/**', 'packages/protocol/src/**', 'packages/analysis/src/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...onlyProtocol, { group: ['node:fs', 'node:fs/*', 'node:net', 'node:http', 'node:child_process', '@duckdb/*', 'pg', 'ioredis', 'fastify'], message: 'Pure packages do no I/O.' }] }],
    },
  },
  {
    // The web app runs in browsers and reaches the server only through the SDK (and its protocol types).
    files: ['apps/web/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        ...appImports,
        { group: ['@sightline/query', '@sightline/analysis', '@sightline/*/*', '**/server/src/**', '**/server/dist/**'], message: 'The web app reaches the server only through @sightline/sdk.' },
        { group: ['**/packages/*/src/**'], message: 'Import a package by its name, not by path.' },
      ] }],
    },
  },
  {
    files: ['apps/web/src/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        ...appImports,
        { group: ['@sightline/query', '@sightline/analysis', '@sightline/*/*', '**/server/src/**', '**/server/dist/**'], message: 'The web app reaches the server only through @sightline/sdk.' },
        { group: ['**/packages/*/src/**'], message: 'Import a package by its name, not by path.' },
        { group: ['node:*'], message: 'The web app runs in browsers: no Node built-ins.' },
      ] }],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'The web app reaches the server only through @sightline/sdk.' }],
    },
  },
  {
    files: ['apps/server/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@sightline/web', '@sightline/web/*', '**/apps/web/**'], message: 'The server never imports web.' }, { group: ['**/packages/*/src/**'], message: 'Import a package by its name, not by path.' }] }],
    },
  },
  {
    files: ['apps/server/src/**'],
    ignores: ['apps/server/src/config.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only apps/server/src/config.ts reads the environment.' }],
    },
  },
);
