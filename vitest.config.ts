import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Servers under test bind to 127.0.0.1 only; nothing leaves the machine.
    env: { NODE_ENV: 'test' },
  },
});
