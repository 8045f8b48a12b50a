// Reference twin of kernels/batch-norm.ts: per-channel statistics, normalisation and its
// backward with plain loops in float64 (two passes for the variance, as the kernel).

import type { DtypeKernels } from '../../src/backend/kernel-exports.js';
import { elementIndex } from '../../src/backend/kernel-module.js';
import type { DtypeMemory } from './memory.js';

// Calls visit(index) for every element of channel c of x [N, C, S] (element indices).
function forEachInChannel(base: number, N: number, C: number, S: number, c: number, visit: (i: number) => void): void {
  for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) visit(base + (n * C + c) * S + s);
}

function batchNormForward(memory: DtypeMemory) {
  const { view, bytes, views } = memory;
  return (y: number, stats: number, x: number, gamma: number, beta: number, eps: number, N: number, C: number, S: number, first: number, count: number): void => {
    const v = view();
    const M = N * S;
    for (let c = first; c < first + count; c++) {
      let total = 0;
      forEachInChannel(elementIndex(x, bytes), N, C, S, c, (i) => (total += v[i]!));
      const mean = total / M;
      let squares = 0;
      forEachInChannel(elementIndex(x, bytes), N, C, S, c, (i) => (squares += (v[i]! - mean) ** 2));
      const variance = squares / M;
      views.f64[stats / 8 + 2 * c] = mean;
      views.f64[stats / 8 + 2 * c + 1] = variance;
      const g = (gamma === 0 ? 1 : v[elementIndex(gamma, bytes) + c]!) / Math.sqrt(variance + eps);
      const b = beta === 0 ? 0 : v[elementIndex(beta, bytes) + c]!;
      const offset = elementIndex(y, bytes) - elementIndex(x, bytes);
      forEachInChannel(elementIndex(x, bytes), N, C, S, c, (i) => (v[i + offset] = (v[i]! - mean) * g + b));
    }
  };
}

function batchNormBackward(memory: DtypeMemory) {
  const { view, bytes, views } = memory;
  return (dx: number, sums: number, dy: number, x: number, stats: number, gamma: number, eps: number, N: number, C: number, S: number, first: number, count: number): void => {
    const v = view();
    const M = N * S;
    const dyOffset = elementIndex(dy, bytes) - elementIndex(x, bytes);
    for (let c = first; c < first + count; c++) {
      const mean = views.f64[stats / 8 + 2 * c]!;
      const variance = views.f64[stats / 8 + 2 * c + 1]!;
      let s1 = 0, s2 = 0;
      forEachInChannel(elementIndex(x, bytes), N, C, S, c, (i) => {
        s1 += v[i + dyOffset]!;
        s2 += v[i + dyOffset]! * (v[i]! - mean);
      });
      views.f64[sums / 8 + 2 * c] = s1;
      views.f64[sums / 8 + 2 * c + 1] = s2;
      if (dx === 0) continue;
      const g = (gamma === 0 ? 1 : v[elementIndex(gamma, bytes) + c]!) / Math.sqrt(variance + eps);
      const dxOffset = elementIndex(dx, bytes) - elementIndex(x, bytes);
      // dx = g·(dy - s1/M - (x - mean)·s2/(M·(var + eps)))
      forEachInChannel(elementIndex(x, bytes), N, C, S, c, (i) => {
        v[i + dxOffset] = g * (v[i + dyOffset]! - s1 / M - ((v[i]! - mean) * s2) / (M * (variance + eps)));
      });
    }
  };
}

/** The reference factories of kernels/batch-norm.ts, by family. */
export const batchNormReferences: { [K in 'batchNormForward' | 'batchNormBackward']: (memory: DtypeMemory) => DtypeKernels[K] } = {
  batchNormForward,
  batchNormBackward,
};
