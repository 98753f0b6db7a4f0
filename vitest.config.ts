import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // compiles the wasm kernels (src/kernels/wasm/generated.ts) when missing or stale
    globalSetup: ['test/setup/build-wasm.ts'],
    // each test worker, as the Node entry does: the fma kernels allowed on Node 20
    setupFiles: ['test/setup/wasm-features.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
