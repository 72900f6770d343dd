import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources of sibling packages, not their build output.
    alias: [
      { find: /^@kaudit\/core\/testing$/, replacement: src('./packages/core/src/testing/index.ts') },
      { find: /^@kaudit\/core$/, replacement: src('./packages/core/src/index.ts') },
      { find: /^@kaudit\/sinks\/testing$/, replacement: src('./packages/sinks/src/testing/index.ts') },
      { find: /^@kaudit\/sinks$/, replacement: src('./packages/sinks/src/index.ts') },
      { find: /^@kaudit\/server\/testing$/, replacement: src('./packages/server/src/testing/index.ts') },
      { find: /^@kaudit\/server$/, replacement: src('./packages/server/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/**/*.test.ts', 'rules/**/*.test.ts'],
    testTimeout: 30_000,
    // The JSON report lets .ci/run print a plain "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
