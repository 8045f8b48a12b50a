// Reference twin of kernels/binary.ts: broadcasting binary ops and binary ops with a scalar.
// Plain loops over the same memory, accumulating in float64.

import type { DtypeKernels } from '../../src/backend/kernel-exports.js';
import { elementIndex } from '../../src/backend/kernel-module.js';
import { BinaryOp } from '../../src/backend/kernel-codes.js';
import type { DtypeMemory } from './memory.js';
import { forEachIndex, readDescriptor } from './strided-walk.js';

export function binaryScalarOp(op: number, a: number, b: number, param: number): number {
  switch (op) {
    case BinaryOp.add: return a + b;
    case BinaryOp.sub: return a - b;
    case BinaryOp.mul: return a * b;
    case BinaryOp.div: return a / b;
    case BinaryOp.max: return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b);
    case BinaryOp.min: return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b);
    case BinaryOp.pow: return Math.pow(a, b);
    case BinaryOp.gt: return a > b ? 1 : 0;
    case BinaryOp.ge: return a >= b ? 1 : 0;
    case BinaryOp.lt: return a < b ? 1 : 0;
    case BinaryOp.le: return a <= b ? 1 : 0;
    case BinaryOp.eq: return a === b ? 1 : 0;
    case BinaryOp.ne: return a !== b ? 1 : 0;
    case BinaryOp.reluBackward: return b > 0 ? a : 0;
    case BinaryOp.leakyReluBackward: return b > 0 ? a : a * param;
    case BinaryOp.tanhBackward: return a * (1 - b * b);
    case BinaryOp.sigmoidBackward: return a * b * (1 - b);
    default: throw new Error(`reference binary: unknown op ${op}`);
  }
}

function binary(memory: DtypeMemory) {
  const { view, bytes, views } = memory;
  return (op: number, out: number, a: number, b: number, rank: number, desc: number, param: number): void => {
    const v = view();
    const [shape, sa, sb] = readDescriptor(views.i32, desc, rank, 3) as [number[], number[], number[]];
    forEachIndex(shape, [sa, sb], (flat, [oa, ob]) => {
      v[elementIndex(out, bytes) + flat] = binaryScalarOp(op, v[elementIndex(a, bytes) + oa!]!, v[elementIndex(b, bytes) + ob!]!, param);
    });
  };
}

function binaryScalar(memory: DtypeMemory) {
  const { view, bytes } = memory;
  return (op: number, out: number, a: number, n: number, s: number, reversed: number, param: number): void => {
    const v = view();
    const scalar = v instanceof Float32Array ? Math.fround(s) : s;
    for (let i = 0; i < n; i++) {
      const x = v[elementIndex(a, bytes) + i]!;
      v[elementIndex(out, bytes) + i] = reversed ? binaryScalarOp(op, scalar, x, param) : binaryScalarOp(op, x, scalar, param);
    }
  };
}

/** The reference factories of kernels/binary.ts, by family. */
export const binaryReferences: { [K in 'binary' | 'binaryScalar']: (memory: DtypeMemory) => DtypeKernels[K] } = {
  binary,
  binaryScalar,
};
