// Reference twin of kernels/unary.ts: the elementwise unary ops.
// Plain loops over the same memory, accumulating in float64.

import type { DtypeKernels } from '../../src/backend/kernel-exports.js';
import { elementIndex } from '../../src/backend/kernel-module.js';
import { UnaryOp } from '../../src/backend/kernel-codes.js';
import type { DtypeMemory } from './memory.js';

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function unaryScalar(op: number, x: number, param: number, param2: number): number {
  switch (op) {
    case UnaryOp.neg: return -x;
    case UnaryOp.abs: return Math.abs(x);
    case UnaryOp.exp: return Math.exp(x);
    case UnaryOp.log: return Math.log(x);
    case UnaryOp.sqrt: return Math.sqrt(x);
    case UnaryOp.tanh: return Math.tanh(x);
    case UnaryOp.sigmoid: return sigmoid(x);
    case UnaryOp.relu: return Number.isNaN(x) ? x : Math.max(x, 0);
    case UnaryOp.leakyRelu: return x > 0 ? x : x * param;
    case UnaryOp.powScalar: return Math.pow(x, param);
    case UnaryOp.square: return x * x;
    case UnaryOp.reciprocal: return 1 / x;
    case UnaryOp.affine: return x * param + param2;
    default: throw new Error(`reference unary: unknown op ${op}`);
  }
}

function unary(memory: DtypeMemory) {
  const { view, bytes } = memory;
  return (op: number, out: number, x: number, n: number, param: number, param2: number): void => {
    const v = view();
    for (let i = 0; i < n; i++) v[elementIndex(out, bytes) + i] = unaryScalar(op, v[elementIndex(x, bytes) + i]!, param, param2);
  };
}

/** The reference factories of kernels/unary.ts, by family. */
export const unaryReferences: { [K in 'unary']: (memory: DtypeMemory) => DtypeKernels[K] } = {
  unary,
};
