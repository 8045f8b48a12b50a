// Reference twin of kernels/gemm.ts: C = alpha·op(A)·op(B) + beta·C, one at a time and batched.
// Plain loops over the same memory, accumulating in float64.

import type { DtypeKernels } from '../../src/backend/kernel-exports.js';
import { elementIndex } from '../../src/backend/kernel-module.js';
import type { DtypeMemory } from './memory.js';

function gemm(memory: DtypeMemory) {
  const { view, bytes } = memory;
  return (transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number): void => {
    const v = view();
    const A = elementIndex(a, bytes), B = elementIndex(b, bytes), C = elementIndex(c, bytes);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const x = transA ? v[A + p * lda + i]! : v[A + i * lda + p]!;
          const y = transB ? v[B + j * ldb + p]! : v[B + p * ldb + j]!;
          s += x * y;
        }
        const old = v[C + i * ldc + j]!;
        v[C + i * ldc + j] = alpha * s + (beta === 0 ? 0 : beta * old);
      }
    }
  };
}

function gemmBatched(memory: DtypeMemory) {
  const { bytes } = memory;
  const single = gemm(memory);
  return (transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, strideA: number, b: number, ldb: number, strideB: number,
    beta: number, c: number, ldc: number, strideC: number, batch: number): void => {
    for (let i = 0; i < batch; i++) {
      single(transA, transB, m, n, k, alpha, a + i * strideA * bytes, lda, b + i * strideB * bytes, ldb,
        beta, c + i * strideC * bytes, ldc);
    }
  };
}

/** The reference factories of kernels/gemm.ts, by family. */
export const gemmReferences: { [K in 'gemm' | 'gemmBatched']: (memory: DtypeMemory) => DtypeKernels[K] } = {
  gemm,
  gemmBatched,
};
