// Reference twin of kernels/optim.ts: SGD (momentum, Nesterov, weight decay) and Adam/AdamW steps.
// Plain loops over the same memory, accumulating in float64.

import type { DtypeKernels } from '../../src/backend/kernel-exports.js';
import { elementIndex } from '../../src/backend/kernel-module.js';
import type { DtypeMemory } from './memory.js';

function sgdStep(memory: DtypeMemory) {
  const { view, bytes } = memory;
  return (param: number, grad: number, buffer: number, n: number, lr: number, momentum: number, dampening: number,
    weightDecay: number, nesterov: number, first: number): void => {
    const v = view();
    for (let i = 0; i < n; i++) {
      const p = v[elementIndex(param, bytes) + i]!;
      let d = v[elementIndex(grad, bytes) + i]! + weightDecay * p;
      if (momentum !== 0) {
        const b = first ? d : momentum * v[elementIndex(buffer, bytes) + i]! + (1 - dampening) * d;
        v[elementIndex(buffer, bytes) + i] = b;
        d = nesterov ? d + momentum * b : b;
      }
      v[elementIndex(param, bytes) + i] = p - lr * d;
    }
  };
}

function adamStep(memory: DtypeMemory) {
  const { view, bytes } = memory;
  return (param: number, grad: number, m: number, vs: number, n: number, lr: number, beta1: number, beta2: number,
    eps: number, weightDecay: number, decoupled: number, bias1: number, bias2: number): void => {
    const v = view();
    for (let i = 0; i < n; i++) {
      let p = v[elementIndex(param, bytes) + i]!;
      let g = v[elementIndex(grad, bytes) + i]!;
      if (decoupled) p *= 1 - lr * weightDecay;
      else g += weightDecay * p;
      const mi = beta1 * v[elementIndex(m, bytes) + i]! + (1 - beta1) * g;
      const vi = beta2 * v[elementIndex(vs, bytes) + i]! + (1 - beta2) * g * g;
      v[elementIndex(m, bytes) + i] = mi;
      v[elementIndex(vs, bytes) + i] = vi;
      v[elementIndex(param, bytes) + i] = p - (lr * (mi / bias1)) / (Math.sqrt(vi / bias2) + eps);
    }
  };
}

/** The reference factories of kernels/optim.ts, by family. */
export const optimReferences: { [K in 'sgdStep' | 'adamStep']: (memory: DtypeMemory) => DtypeKernels[K] } = {
  sgdStep,
  adamStep,
};
