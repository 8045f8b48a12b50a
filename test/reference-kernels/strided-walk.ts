// Walking a strided index space, as the broadcasting kernels do: the descriptor a kernel reads
// (shape and one stride array per operand, as i32 in memory) and a row-major visit of every index.

import { elementIndex } from '../../src/backend/kernel-module.js';

// Calls visit(outIndex, offsets...) for every multi-index of shape, where each offset is the dot
// product of the index with one stride array. Row-major order, last axis fastest.
export function forEachIndex(shape: number[], strides: number[][], visit: (flat: number, offsets: number[]) => void): void {
  const rank = shape.length;
  const total = shape.reduce((p, s) => p * s, 1);
  const index = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < total; flat++) {
    visit(flat, strides.map((s) => index.reduce((acc, i, d) => acc + i * s[d]!, 0)));
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      if (index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
}

export function readDescriptor(i32: Int32Array, desc: number, rank: number, arrays: number): number[][] {
  const out: number[][] = [];
  for (let a = 0; a < arrays; a++) {
    out.push(Array.from(i32.subarray(elementIndex(desc, 4) + a * rank, elementIndex(desc, 4) + (a + 1) * rank)));
  }
  return out;
}
