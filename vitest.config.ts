import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // compiles the wasm kernels (src/kernels/wasm/generated.ts) when missing or stale
    globalSetup: ['test/setup/build-wasm.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
