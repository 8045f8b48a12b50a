// Reference twin of kernels/copy.ts: strided copies and fills.
// Plain loops over the same memory, accumulating in float64.

import type { DtypeKernels, KernelExports } from '../../src/backend/kernel-exports.js';
import { elementIndex } from '../../src/backend/kernel-module.js';
import type { DtypeMemory, MemoryViews } from './memory.js';
import { forEachIndex, readDescriptor } from './strided-walk.js';

function copyStrided(memory: DtypeMemory) {
  const { view, bytes, views } = memory;
  return (out: number, src: number, rank: number, desc: number): void => {
    const v = view();
    const [shape, so, ss] = readDescriptor(views.i32, desc, rank, 3) as [number[], number[], number[]];
    forEachIndex(shape, [so, ss], (_flat, [oo, os]) => {
      v[elementIndex(out, bytes) + oo!] = v[elementIndex(src, bytes) + os!]!;
    });
  };
}

function fill(memory: DtypeMemory) {
  const { view, bytes } = memory;
  return (out: number, value: number, n: number): void => {
    view().fill(value, elementIndex(out, bytes), elementIndex(out, bytes) + n);
  };
}

/** The reference factories of kernels/copy.ts, by family. */
export const copyReferences: { [K in 'copyStrided' | 'fill']: (memory: DtypeMemory) => DtypeKernels[K] } = {
  copyStrided,
  fill,
};

/** The dtype casts (exported once, not per dtype). */
export function castReferences(views: MemoryViews): Pick<KernelExports, 'castF32ToF64' | 'castF64ToF32'> {
  return {
    castF32ToF64: (out, src, n) => {
      for (let i = 0; i < n; i++) views.f64[elementIndex(out, 8) + i] = views.f32[elementIndex(src, 4) + i]!;
    },
    castF64ToF32: (out, src, n) => {
      for (let i = 0; i < n; i++) views.f32[elementIndex(out, 4) + i] = views.f64[elementIndex(src, 8) + i]!;
    },
  };
}
