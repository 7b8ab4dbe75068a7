import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // The machines are 2 cores; two workers keep CI predictable.
    maxWorkers: 2,
  },
});
