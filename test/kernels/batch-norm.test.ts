// The fused batch-normalisation kernels against their reference twins at awkward sizes (values per
// channel S of 1, 3, 5, 17, 67, 129 and above a summation block), with and without scale and
// shift, over a range of channels that leaves the others untouched; and the float32 forward on
// data whose mean is far from zero (where a one-pass variance would lose every digit).

import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, BUILDS, DTYPES, Harness, expectClose } from '../helpers/kernel-harness.js';

describe.each(BUILDS)('batch normalisation kernels (%s build)', (build) => {
  const h = new Harness(build, 43);

  describe.each(DTYPES)('%s', (dtype) => {
    const S_ = h.suffix(dtype);
    const tol = dtype === 'float32' ? 2e-5 : 1e-12;
    const pairs = (C: number) => h.module.allocator.alloc(16 * C);
    const readPairs = (ptr: number, C: number) => Array.from(h.module.f64.subarray(ptr / 8, ptr / 8 + 2 * C));

    it.each([...AWKWARD_SIZES, 1029])('S = %i: forward and backward match the reference', (S) => {
      for (const [N, C, affine] of [[1, 1, false], [3, 4, true], [2, 5, false]] as const) {
        if (N * S < 2) continue;
        const size = N * C * S;
        const x = h.random_(dtype, size, -2, 3), dy = h.random_(dtype, size);
        const gamma = affine ? h.random_(dtype, C, 0.5, 1.5) : 0, beta = affine ? h.random_(dtype, C) : 0;
        // Channels [1, C) when there are several: channel 0's outputs must stay as they were.
        const first = C > 1 ? 1 : 0, count = C - first;
        const y = h.random_(dtype, size), yRef = h.clone(dtype, y, size);
        const stats = pairs(C), statsRef = pairs(C);
        h.k[`batchNormForward${S_}`](y, stats, x, gamma, beta, 1e-3, N, C, S, first, count);
        h.ref[`batchNormForward${S_}`](yRef, statsRef, x, gamma, beta, 1e-3, N, C, S, first, count);
        expectClose(h.read(dtype, y, size), h.read(dtype, yRef, size), tol, tol, `forward N ${N} C ${C}`);
        expectClose(readPairs(stats, C).slice(2 * first), readPairs(statsRef, C).slice(2 * first), 1e-6, 1e-6, 'statistics');
        for (const withDx of [true, false]) {
          const dx = h.random_(dtype, size), dxRef = h.clone(dtype, dx, size);
          const sums = pairs(C), sumsRef = pairs(C);
          h.k[`batchNormBackward${S_}`](withDx ? dx : 0, sums, dy, x, statsRef, gamma, 1e-3, N, C, S, first, count);
          h.ref[`batchNormBackward${S_}`](withDx ? dxRef : 0, sumsRef, dy, x, statsRef, gamma, 1e-3, N, C, S, first, count);
          expectClose(h.read(dtype, dx, size), h.read(dtype, dxRef, size), tol * 10, tol * 10, `backward N ${N} C ${C}`);
          expectClose(readPairs(sums, C).slice(2 * first), readPairs(sumsRef, C).slice(2 * first), tol * 10, tol * 10, 'sums');
          h.module.allocator.free(sums);
          h.module.allocator.free(sumsRef);
          h.free(dx, dxRef);
        }
        h.free(x, dy, y, yRef);
        if (affine) h.free(gamma, beta);
        h.module.allocator.free(stats);
        h.module.allocator.free(statsRef);
      }
    });

    it('normalises data whose mean is 10^4 times its spread', () => {
      const [N, C, S] = [8, 2, 67];
      const values = Array.from({ length: N * C * S }, (_, i) => 1e4 + Math.sin(i));
      const x = h.fromValues(dtype, values), y = h.alloc(dtype, N * C * S), stats = pairs(C);
      h.k[`batchNormForward${S_}`](y, stats, x, 0, 0, 0, N, C, S, 0, C);
      const out = h.read(dtype, y, N * C * S);
      for (let c = 0; c < C; c++) {
        let mean = 0, squares = 0;
        for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) mean += out[(n * C + c) * S + s]! / (N * S);
        for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) squares += (out[(n * C + c) * S + s]! - mean) ** 2 / (N * S);
        expect(Math.abs(mean)).toBeLessThan(dtype === 'float32' ? 1e-3 : 1e-9);
        expect(Math.abs(squares - 1)).toBeLessThan(dtype === 'float32' ? 1e-2 : 1e-9);
      }
      h.free(x, y);
      h.module.allocator.free(stats);
    });
  });
});
