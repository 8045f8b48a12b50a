import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Node 20 runs the relaxed-SIMD build only behind this flag; with it, both builds are tested.
    // --expose-gc lets one test show that garbage-collected tensors release their storage.
    execArgv: ['--experimental-wasm-relaxed-simd', '--expose-gc'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
