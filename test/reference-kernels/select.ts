// Reference twin of kernels/select.ts: where(cond, a, b) with broadcasting.
// Plain loops over the same memory, accumulating in float64.

import type { DtypeKernels } from '../../src/backend/kernel-exports.js';
import { elementIndex } from '../../src/backend/kernel-module.js';
import type { DtypeMemory } from './memory.js';
import { forEachIndex, readDescriptor } from './strided-walk.js';

function select(memory: DtypeMemory) {
  const { view, bytes, views } = memory;
  return (out: number, cond: number, a: number, b: number, rank: number, desc: number): void => {
    const v = view();
    const [shape, sc, sa, sb] = readDescriptor(views.i32, desc, rank, 4) as [number[], number[], number[], number[]];
    forEachIndex(shape, [sc, sa, sb], (flat, [oc, oa, ob]) => {
      v[elementIndex(out, bytes) + flat] = v[elementIndex(cond, bytes) + oc!] !== 0 ? v[elementIndex(a, bytes) + oa!]! : v[elementIndex(b, bytes) + ob!]!;
    });
  };
}

/** The reference factories of kernels/select.ts, by family. */
export const selectReferences: { [K in 'select']: (memory: DtypeMemory) => DtypeKernels[K] } = {
  select,
};
