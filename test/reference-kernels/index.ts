// Plain TypeScript twins of every kernel: the test oracle, one file per kernel family, mirroring
// kernels/. Each takes the same arguments as its WebAssembly export and works on the same linear
// memory, one element at a time with the obvious loop, accumulating in float64 and rounding to
// float32 on store where the dtype is float32. No SIMD, no blocking, no cleverness: these are
// meant to be read and trusted.

import { DTYPE_KERNEL_NAMES, type DtypeKernels, type KernelExports } from '../../src/backend/kernel-exports.js';
import { axpyReferences } from './axpy.js';
import { batchNormReferences } from './batch-norm.js';
import { binaryReferences } from './binary.js';
import { convReferences } from './conv.js';
import { convDirectReferences } from './conv-direct.js';
import { circuitPassReferences } from './circuit-pass.js';
import { castReferences, copyReferences } from './copy.js';
import { gateReferences } from './gate.js';
import { gemmReferences } from './gemm.js';
import { indexingReferences } from './indexing.js';
import type { DtypeMemory, MemoryViews } from './memory.js';
import { optimReferences } from './optim.js';
import { poolReferences } from './pool.js';
import { reduceReferences } from './reduce.js';
import { selectReferences } from './select.js';
import { unaryReferences } from './unary.js';

export type { MemoryViews } from './memory.js';

/** Every kernel export but the memory and layout queries. */
export type ReferenceKernels = Omit<KernelExports, 'memory' | 'heapBase' | 'gemmWorkspaceBytes' | 'directConvTile'>;

/** One reference factory per kernel family: a family without a twin does not compile. */
const FACTORIES: { [K in keyof DtypeKernels]: (memory: DtypeMemory) => DtypeKernels[K] } = {
  ...gemmReferences, ...unaryReferences, ...binaryReferences, ...axpyReferences, ...copyReferences,
  ...reduceReferences, ...indexingReferences, ...selectReferences, ...gateReferences, ...circuitPassReferences, ...convReferences, ...convDirectReferences,
  ...poolReferences, ...batchNormReferences, ...optimReferences,
};

/** Reference kernels over the views of a kernel module's memory, under the exports' names. */
export function referenceKernels(views: MemoryViews): ReferenceKernels {
  const table: Record<string, unknown> = { ...castReferences(views) };
  const sides: [string, DtypeMemory][] = [
    ['F32', { view: () => views.f32, bytes: 4, views }],
    ['F64', { view: () => views.f64, bytes: 8, views }],
  ];
  for (const [suffix, memory] of sides) {
    for (const name of DTYPE_KERNEL_NAMES) table[`${name}${suffix}`] = FACTORIES[name](memory);
  }
  return table as ReferenceKernels;
}
