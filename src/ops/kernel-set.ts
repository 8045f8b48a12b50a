// The kernels of one dtype, looked up once: ops call kernelsFor(dtype).binary(...) instead of
// choosing between the F32 and F64 exports at every call. The set is DtypeKernels itself: every
// family in kernel-exports.ts, under its name without the dtype suffix, with large calls split
// across the engine's threads (parallel-kernels.ts).

import { kernels } from '../backend/engine.js';
import { DTYPE_KERNEL_NAMES, type DtypeKernels, type DtypeSuffix, type KernelExports } from '../backend/kernel-exports.js';
import type { Dtype } from '../tensor/dtype.js';
import { parallelKernels } from './parallel-kernels.js';

export type KernelSet = DtypeKernels;

const cache = new WeakMap<KernelExports, Record<Dtype, KernelSet>>();

/** The exports of one dtype under their family names, unsplit (each runs on the calling thread). */
export function exportedKernels(exports: KernelExports, suffix: DtypeSuffix): KernelSet {
  const set: Partial<Record<keyof DtypeKernels, unknown>> = {};
  for (const name of DTYPE_KERNEL_NAMES) set[name] = exports[`${name}${suffix}`];
  return set as KernelSet;
}

export function kernelsFor(dtype: Dtype): KernelSet {
  const module = kernels();
  const exports = module.kernels;
  let sets = cache.get(exports);
  if (sets === undefined) {
    sets = {
      float32: parallelKernels(exportedKernels(exports, 'F32'), module, 'F32'),
      float64: parallelKernels(exportedKernels(exports, 'F64'), module, 'F64'),
    };
    cache.set(exports, sets);
  }
  return sets[dtype];
}
