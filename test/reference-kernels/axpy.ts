// Reference twin of kernels/axpy.ts: y += alpha·x.
// Plain loops over the same memory, accumulating in float64.

import type { DtypeKernels } from '../../src/backend/kernel-exports.js';
import { elementIndex } from '../../src/backend/kernel-module.js';
import type { DtypeMemory } from './memory.js';

function axpy(memory: DtypeMemory) {
  const { view, bytes } = memory;
  return (n: number, alpha: number, x: number, y: number): void => {
    const v = view();
    for (let i = 0; i < n; i++) v[elementIndex(y, bytes) + i] = alpha * v[elementIndex(x, bytes) + i]! + v[elementIndex(y, bytes) + i]!;
  };
}

/** The reference factories of kernels/axpy.ts, by family. */
export const axpyReferences: { [K in 'axpy']: (memory: DtypeMemory) => DtypeKernels[K] } = {
  axpy,
};
