import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, BUILDS, DTYPES, Harness, epsilon, type Dtype } from '../helpers/kernel-harness.js';

interface Case {
  m: number; n: number; k: number;
  transA: boolean; transB: boolean;
  alpha: number; beta: number;
  pad?: number; // extra elements per row (leading dimension > width)
}

// Runs one GEMM through the kernel and the reference on identical inputs and checks every entry
// against the forward error bound |C - C_ref| <= (k + 2)·2u·(|alpha|·|A||B| + |beta|·|C0|).
function checkGemm(h: Harness, dtype: Dtype, c: Case): void {
  const pad = c.pad ?? 0;
  const [aRows, aCols] = c.transA ? [c.k, c.m] : [c.m, c.k];
  const [bRows, bCols] = c.transB ? [c.n, c.k] : [c.k, c.n];
  const lda = aCols + pad, ldb = bCols + pad, ldc = c.n + pad;
  const a = h.random_(dtype, aRows * lda);
  const b = h.random_(dtype, bRows * ldb);
  const c0 = h.random_(dtype, c.m * ldc);
  const cKernel = h.clone(dtype, c0, c.m * ldc);
  const cRef = h.clone(dtype, c0, c.m * ldc);
  const S = h.suffix(dtype);
  h.k[`gemm${S}`](+c.transA, +c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, cKernel, ldc, h.module.gemmWorkspace());
  h.ref[`gemm${S}`](+c.transA, +c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, cRef, ldc, 0);
  // |A||B| for the error bound.
  const absA = h.fromValues(dtype, h.read(dtype, a, aRows * lda).map(Math.abs));
  const absB = h.fromValues(dtype, h.read(dtype, b, bRows * ldb).map(Math.abs));
  const magnitude = h.alloc(dtype, c.m * ldc);
  h.ref[`gemm${S}`](+c.transA, +c.transB, c.m, c.n, c.k, 1, absA, lda, absB, ldb, 0, magnitude, ldc, 0);
  const got = h.read(dtype, cKernel, c.m * ldc);
  const want = h.read(dtype, cRef, c.m * ldc);
  const mag = h.read(dtype, magnitude, c.m * ldc);
  const before = h.read(dtype, c0, c.m * ldc);
  const gamma = (c.k + 2) * 2 * epsilon(dtype);
  for (let i = 0; i < c.m; i++) {
    for (let j = 0; j < ldc; j++) {
      const at = i * ldc + j;
      if (j >= c.n) {
        // Padding columns must be untouched.
        expect(got[at], `padding C[${i}][${j}] changed`).toBe(before[at]);
        continue;
      }
      const bound = gamma * (Math.abs(c.alpha) * mag[at]! + Math.abs(c.beta) * Math.abs(before[at]!)) + 1e-300;
      const err = Math.abs(got[at]! - want[at]!);
      if (!(err <= bound)) {
        expect.fail(`C[${i}][${j}] ${JSON.stringify(c)}: got ${got[at]}, want ${want[at]}, |err| ${err} > ${bound}`);
      }
    }
  }
  h.free(a, b, c0, cKernel, cRef, absA, absB, magnitude);
}

describe.each(BUILDS)('gemm (%s build)', (build) => {
  const h = new Harness(build, 7);

  describe.each(DTYPES)('%s', (dtype) => {
    it('matches the reference at awkward sizes, every transpose', () => {
      for (const m of AWKWARD_SIZES) {
        for (const n of AWKWARD_SIZES) {
          for (const k of [1, 5, 17, 67]) {
            for (const transA of [false, true]) {
              for (const transB of [false, true]) {
                checkGemm(h, dtype, { m, n, k, transA, transB, alpha: 1, beta: 0 });
              }
            }
          }
        }
      }
    });

    it('narrow outputs (n = 1..17, the small-n path and its edge) at awkward m and k', () => {
      for (let n = 1; n <= 17; n++) {
        for (const m of [1, 3, 5, 17]) {
          for (const k of [1, 3, 67]) {
            for (const transA of [false, true]) {
              checkGemm(h, dtype, { m, n, k, transA, transB: n % 2 === 0, alpha: 1.5, beta: n % 3 === 0 ? 0 : -0.5, pad: n % 4 });
            }
          }
        }
      }
    });

    it('handles alpha, beta and leading dimensions larger than the width', () => {
      for (const [alpha, beta] of [[2.5, 0], [1, 1], [-0.5, 2], [0, 3], [1, -1]] as const) {
        checkGemm(h, dtype, { m: 17, n: 67, k: 5, transA: false, transB: true, alpha, beta, pad: 3 });
        checkGemm(h, dtype, { m: 129, n: 3, k: 67, transA: true, transB: false, alpha, beta, pad: 1 });
      }
    });

    it('crosses every cache-block boundary (MC 64, KC 512, NC 256/512)', () => {
      checkGemm(h, dtype, { m: 131, n: 521, k: 515, transA: false, transB: false, alpha: 1, beta: 0.5 });
      checkGemm(h, dtype, { m: 67, n: 300, k: 1030, transA: true, transB: true, alpha: -1, beta: 0 });
    });

    it('with beta = 0 never reads C (NaN in C does not leak)', () => {
      const S = h.suffix(dtype);
      const a = h.random_(dtype, 5 * 3), b = h.random_(dtype, 3 * 9);
      const c = h.fromValues(dtype, new Array(5 * 9).fill(NaN));
      h.k[`gemm${S}`](0, 0, 5, 9, 3, 1, a, 3, b, 9, 0, c, 9, h.module.gemmWorkspace());
      expect(h.read(dtype, c, 45).every(Number.isFinite)).toBe(true);
      h.free(a, b, c);
    });

    it('with k = 0 scales C by beta, and m = 0 or n = 0 writes nothing', () => {
      const S = h.suffix(dtype);
      const c = h.fromValues(dtype, [1, 2, 3, 4]);
      h.k[`gemm${S}`](0, 0, 2, 2, 0, 1, 0, 1, 0, 1, 3, c, 2, h.module.gemmWorkspace());
      expect(Array.from(h.read(dtype, c, 4))).toEqual([3, 6, 9, 12]);
      h.k[`gemm${S}`](0, 0, 0, 2, 5, 1, 0, 1, 0, 1, 0, c, 2, h.module.gemmWorkspace());
      h.k[`gemm${S}`](0, 0, 2, 0, 5, 1, 0, 1, 0, 1, 0, c, 2, h.module.gemmWorkspace());
      expect(Array.from(h.read(dtype, c, 4))).toEqual([3, 6, 9, 12]);
      h.free(c);
    });

    it('batched GEMM matches per-matrix GEMM, including a broadcast operand (stride 0)', () => {
      const S = h.suffix(dtype);
      const [m, n, k, batch] = [5, 17, 3, 4];
      for (const strideB of [k * n, 0]) {
        const a = h.random_(dtype, batch * m * k);
        const b = h.random_(dtype, batch * k * n);
        const cKernel = h.alloc(dtype, batch * m * n);
        const cRef = h.alloc(dtype, batch * m * n);
        h.k[`gemmBatched${S}`](0, 0, m, n, k, 1, a, k, m * k, b, n, strideB, 0, cKernel, n, m * n, batch, h.module.gemmWorkspace());
        h.ref[`gemmBatched${S}`](0, 0, m, n, k, 1, a, k, m * k, b, n, strideB, 0, cRef, n, m * n, batch, 0);
        const got = h.read(dtype, cKernel, batch * m * n);
        const want = h.read(dtype, cRef, batch * m * n);
        for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(20 * epsilon(dtype) * k);
        h.free(a, b, cKernel, cRef);
      }
    });
  });
});
