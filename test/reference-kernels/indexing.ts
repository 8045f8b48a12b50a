// Reference twin of kernels/indexing.ts: index select/add and gather/scatter along an axis.
// Plain loops over the same memory, accumulating in float64.

import type { DtypeKernels } from '../../src/backend/kernel-exports.js';
import { elementIndex } from '../../src/backend/kernel-module.js';
import type { DtypeMemory } from './memory.js';

function indexSelect(memory: DtypeMemory) {
  const { view, bytes, views } = memory;
  return (out: number, src: number, idx: number, outer: number, axisLength: number, count: number, inner: number): void => {
    const v = view();
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < count; j++) {
        const k = views.i32[elementIndex(idx, 4) + j]!;
        for (let i = 0; i < inner; i++) v[elementIndex(out, bytes) + (o * count + j) * inner + i] = v[elementIndex(src, bytes) + (o * axisLength + k) * inner + i]!;
      }
    }
  };
}

function indexAdd(memory: DtypeMemory) {
  const { view, bytes, views } = memory;
  return (dst: number, src: number, idx: number, outer: number, axisLength: number, count: number, inner: number): void => {
    const v = view();
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < count; j++) {
        const k = views.i32[elementIndex(idx, 4) + j]!;
        for (let i = 0; i < inner; i++) {
          const at = elementIndex(dst, bytes) + (o * axisLength + k) * inner + i;
          v[at] = v[at]! + v[elementIndex(src, bytes) + (o * count + j) * inner + i]!;
        }
      }
    }
  };
}

function gatherAlong(memory: DtypeMemory) {
  const { view, bytes, views } = memory;
  return (out: number, src: number, idx: number, outer: number, axisLength: number, count: number, inner: number): void => {
    const v = view();
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < count; j++) {
        for (let i = 0; i < inner; i++) {
          const flat = (o * count + j) * inner + i;
          v[elementIndex(out, bytes) + flat] = v[elementIndex(src, bytes) + (o * axisLength + views.i32[elementIndex(idx, 4) + flat]!) * inner + i]!;
        }
      }
    }
  };
}

function scatterAlongAdd(memory: DtypeMemory) {
  const { view, bytes, views } = memory;
  return (dst: number, src: number, idx: number, outer: number, axisLength: number, count: number, inner: number): void => {
    const v = view();
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < count; j++) {
        for (let i = 0; i < inner; i++) {
          const flat = (o * count + j) * inner + i;
          const at = elementIndex(dst, bytes) + (o * axisLength + views.i32[elementIndex(idx, 4) + flat]!) * inner + i;
          v[at] = v[at]! + v[elementIndex(src, bytes) + flat]!;
        }
      }
    }
  };
}

/** The reference factories of kernels/indexing.ts, by family. */
export const indexingReferences: { [K in 'indexSelect' | 'indexAdd' | 'gatherAlong' | 'scatterAlongAdd']: (memory: DtypeMemory) => DtypeKernels[K] } = {
  indexSelect,
  indexAdd,
  gatherAlong,
  scatterAlongAdd,
};
