// Reference twin of kernels/gate.ts: one ADTN gate on neighbouring sites, its gradient and its backward pass.
// Plain loops over the same memory, accumulating in float64.

import type { DtypeKernels } from '../../src/backend/kernel-exports.js';
import { elementIndex } from '../../src/backend/kernel-module.js';
import type { DtypeMemory } from './memory.js';

function applyGate(memory: DtypeMemory) {
  const { view, bytes } = memory;
  return (out: number, state: number, gate: number, A: number, D: number, B: number, transposed: number): void => {
    const v = view();
    const g = (o: number, i: number) => v[elementIndex(gate, bytes) + (transposed ? i * D + o : o * D + i)]!;
    for (let a = 0; a < A; a++) {
      for (let o = 0; o < D; o++) {
        for (let b = 0; b < B; b++) {
          let s = 0;
          for (let i = 0; i < D; i++) s += g(o, i) * v[elementIndex(state, bytes) + (a * D + i) * B + b]!;
          v[elementIndex(out, bytes) + (a * D + o) * B + b] = s;
        }
      }
    }
  };
}

function gateGradient(memory: DtypeMemory) {
  const { view, bytes } = memory;
  return (dGate: number, gOut: number, state: number, A: number, D: number, B: number): void => {
    const v = view();
    for (let o = 0; o < D; o++) {
      for (let i = 0; i < D; i++) {
        let s = 0;
        for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) s += v[elementIndex(gOut, bytes) + (a * D + o) * B + b]! * v[elementIndex(state, bytes) + (a * D + i) * B + b]!;
        v[elementIndex(dGate, bytes) + o * D + i] = s;
      }
    }
  };
}

function gateBackward(memory: DtypeMemory) {
  const apply = applyGate(memory);
  const gradient = gateGradient(memory);
  return (dState: number, dGate: number, gOut: number, state: number, gate: number, A: number, D: number, B: number): void => {
    apply(dState, gOut, gate, A, D, B, 1);
    gradient(dGate, gOut, state, A, D, B);
  };
}

/** The reference factories of kernels/gate.ts, by family. */
export const gateReferences: { [K in 'applyGate' | 'gateGradient' | 'gateBackward']: (memory: DtypeMemory) => DtypeKernels[K] } = {
  applyGate,
  gateGradient,
  gateBackward,
};
