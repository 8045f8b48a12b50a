// Reference twin of kernels/conv-direct.ts: convolution by tap offsets, its weight gradient and
// the flipped weights of its input gradient. Plain loops over the same memory, accumulating in
// float64.

import type { DtypeKernels } from '../../src/backend/kernel-exports.js';
import { elementIndex } from '../../src/backend/kernel-module.js';
import type { DtypeMemory } from './memory.js';

function directConv(memory: DtypeMemory) {
  const { view, bytes, views } = memory;
  return (out: number, outImage: number, outRow: number, input: number, inImage: number, weight: number, ldw: number,
    rows: number, tapFirst: number, taps: number, offsets: number, positions: number, images: number, accumulate: number): void => {
    const v = view();
    const tapAt = (t: number) => views.i32[offsets / 4 + tapFirst + t]! / bytes;
    for (let n = 0; n < images; n++) {
      const outAt = elementIndex(out, bytes) + n * outImage;
      const inAt = elementIndex(input, bytes) + n * inImage;
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < positions; o++) {
          let sum = 0;
          for (let t = 0; t < taps; t++) sum += v[elementIndex(weight, bytes) + r * ldw + tapFirst + t]! * v[inAt + tapAt(t) + o]!;
          const at = outAt + r * outRow + o;
          v[at] = accumulate ? v[at]! + sum : sum;
        }
      }
    }
  };
}

function directConvWeightGrad(memory: DtypeMemory) {
  const { view, bytes, views } = memory;
  const lanes = 16 / bytes;
  return (dW: number, ldw: number, rowFirst: number, rowCount: number, tapFirst: number, tapCount: number,
    gradOut: number, gradImage: number, gradRow: number, input: number, inImage: number, offsets: number,
    vectors: number, images: number): void => {
    const v = view();
    for (let r = rowFirst; r < rowFirst + rowCount; r++) {
      for (let t = tapFirst; t < tapFirst + tapCount; t++) {
        const tap = views.i32[offsets / 4 + t]! / bytes;
        let sum = 0;
        for (let n = 0; n < images; n++) {
          const g = elementIndex(gradOut, bytes) + n * gradImage + r * gradRow;
          const x = elementIndex(input, bytes) + n * inImage + tap;
          for (let o = 0; o < vectors * lanes; o++) sum += v[g + o]! * v[x + o]!;
        }
        const at = elementIndex(dW, bytes) + r * ldw + t;
        v[at] = v[at]! + sum;
      }
    }
  };
}

function flipConvWeights(memory: DtypeMemory) {
  const { view, bytes } = memory;
  return (out: number, w: number, rows: number, C: number, KK: number): void => {
    const v = view();
    for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) for (let t = 0; t < KK; t++) {
      v[elementIndex(out, bytes) + (c * rows + r) * KK + KK - 1 - t] = v[elementIndex(w, bytes) + (r * C + c) * KK + t]!;
    }
  };
}

/** The reference factories of kernels/conv-direct.ts, by family. */
export const convDirectReferences: { [K in 'directConv' | 'directConvWeightGrad' | 'flipConvWeights']: (memory: DtypeMemory) => DtypeKernels[K] } = {
  directConv,
  directConvWeightGrad,
  flipConvWeights,
};
