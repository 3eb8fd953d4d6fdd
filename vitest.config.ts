import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Servers under test bind to 127.0.0.1 only; nothing leaves the machine.
    env: { NODE_ENV: 'test' },
    coverage: { provider: 'v8', include: ['src/**/*.ts'], reporter: ['text-summary', 'html'] },
    // `npm test` runs both projects, each file once; `npm run test:fast` only the first.
    projects: [
      {
        extends: true,
        // Pure tests: rules and pipeline steps with in-memory collaborators, no database, server or process.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'src/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**'],
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
    ],
  },
});
