import { defineConfig } from 'vitest/config';

// Suites that measure time (the enumeration suite compares hashing times) run after the others, one at a time, so
// that no other suite shares the machine with them.
const TIMED = ['test/enumeration.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    // Vitest's default on a 2-core machine is one file at a time; most suites wait on a database, a browser or a
    // child process, so four overlap well there (the whole suite used 1.3 cores on average with three).
    maxWorkers: Number(process.env.TEST_WORKERS ?? 4),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Servers under test bind to 127.0.0.1 only; nothing leaves the machine.
    env: { NODE_ENV: 'test' },
    coverage: { provider: 'v8', include: ['src/**/*.ts'], reporter: ['text-summary', 'html'] },
    // `npm test` runs every project, each file once; `npm run test:fast` only the first.
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
          isolate: false,
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**', ...TIMED],
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'timed',
          include: TIMED,
          globalSetup: ['test/helpers/global-setup.ts'],
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
