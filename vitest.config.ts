import { defineConfig } from 'vitest/config';

// Three tiers: unit (seconds, small C files compiled at test time), kernel (real Debian 6.1
// translation units), qemu (modules loaded into the real kernel). tests/run-tiers.sh runs
// them in that order and prints each tier's wall time.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], testTimeout: 60_000 } },
      { test: { name: 'kernel', include: ['tests/kernel/**/*.test.ts'], testTimeout: 900_000, hookTimeout: 1_800_000, fileParallelism: false } },
      { test: { name: 'qemu', include: ['tests/qemu/**/*.test.ts'], testTimeout: 900_000, hookTimeout: 1_800_000, fileParallelism: false } },
    ],
  },
});
