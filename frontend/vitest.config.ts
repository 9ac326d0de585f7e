import { defineConfig } from 'vitest/config'

// Unit tests cover the pure data transforms only (`*-data.ts`); browser tests live in e2e/
// and run with `npm run e2e` against the real server.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
})
