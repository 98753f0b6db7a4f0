import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // compiles the wasm kernels (src/kernels/wasm/generated.ts) when missing or stale
    globalSetup: ['test/setup/build-wasm.ts'],
    // each test worker, as the Node entry does: the fma kernels allowed on Node 20
    setupFiles: ['test/setup/wasm-features.ts'],
    // Vitest's default is one worker per core less one: a single worker on a 2-core machine, which
    // then idles while a test waits on the processes it spawns (the CLI, PyTorch). Two workers there
    // took the suite from 410–590 s to 300 s.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
