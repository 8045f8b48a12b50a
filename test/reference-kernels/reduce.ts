// Reference twin of kernels/reduce.ts: sums and maxima along an axis.
// Plain loops over the same memory, accumulating in float64.

import type { DtypeKernels } from '../../src/backend/kernel-exports.js';
import { elementIndex } from '../../src/backend/kernel-module.js';
import type { DtypeMemory } from './memory.js';

function sumAxis(memory: DtypeMemory) {
  const { view, bytes } = memory;
  return (out: number, src: number, outer: number, extent: number, inner: number, scale: number): void => {
    const v = view();
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let s = 0;
        for (let r = 0; r < extent; r++) s += v[elementIndex(src, bytes) + (o * extent + r) * inner + i]!;
        v[elementIndex(out, bytes) + o * inner + i] = s * scale;
      }
    }
  };
}

function maxAxis(memory: DtypeMemory) {
  const { view, bytes, views } = memory;
  return (out: number, argOut: number, src: number, outer: number, extent: number, inner: number): void => {
    const v = view();
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let best = -Infinity;
        let bestAt = -1;
        for (let r = 0; r < extent; r++) {
          const x = v[elementIndex(src, bytes) + (o * extent + r) * inner + i]!;
          if (Number.isNaN(x)) {
            best = x;
            bestAt = r;
            break;
          }
          if (bestAt < 0 || x > best) {
            best = x;
            bestAt = r;
          }
        }
        v[elementIndex(out, bytes) + o * inner + i] = best;
        if (argOut !== 0) views.i32[elementIndex(argOut, 4) + o * inner + i] = bestAt;
      }
    }
  };
}

/** The reference factories of kernels/reduce.ts, by family. */
export const reduceReferences: { [K in 'sumAxis' | 'maxAxis']: (memory: DtypeMemory) => DtypeKernels[K] } = {
  sumAxis,
  maxAxis,
};
