// Reference twin of kernels/pool.ts: max, average and adaptive average pooling and their backward passes.
// Plain loops over the same memory, accumulating in float64.

import type { DtypeKernels } from '../../src/backend/kernel-exports.js';
import { elementIndex } from '../../src/backend/kernel-module.js';
import type { DtypeMemory } from './memory.js';

// The in-image part of a pooling window along one axis.
const windowRange = (o: number, stride: number, pad: number, kernel: number, size: number): [number, number] =>
  [Math.max(o * stride - pad, 0), Math.min(o * stride - pad + kernel, size)];

function maxPool2d(memory: DtypeMemory) {
  const { view, bytes, views } = memory;
  return (out: number, argmax: number, x: number, NC: number, H: number, W: number, OH: number, OW: number,
    KH: number, KW: number, sH: number, sW: number, pH: number, pW: number): void => {
    const v = view();
    for (let p = 0; p < NC; p++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
      const [h0, h1] = windowRange(oh, sH, pH, KH, H);
      const [w0, w1] = windowRange(ow, sW, pW, KW, W);
      let best = -Infinity;
      let bestAt = -1;
      for (let ih = h0; ih < h1 && !Number.isNaN(best); ih++) for (let iw = w0; iw < w1; iw++) {
        const value = v[elementIndex(x, bytes) + (p * H + ih) * W + iw]!;
        if (bestAt < 0 || value > best || (Number.isNaN(value) && !Number.isNaN(best))) {
          best = value;
          bestAt = ih * W + iw;
          if (Number.isNaN(value)) break;
        }
      }
      const o = (p * OH + oh) * OW + ow;
      v[elementIndex(out, bytes) + o] = best;
      views.i32[elementIndex(argmax, 4) + o] = bestAt;
    }
  };
}

function maxPool2dBackward(memory: DtypeMemory) {
  const { view, bytes, views } = memory;
  return (dx: number, dy: number, argmax: number, NC: number, H: number, W: number, OH: number, OW: number): void => {
    const v = view();
    for (let p = 0; p < NC; p++) for (let q = 0; q < OH * OW; q++) {
      const o = p * OH * OW + q;
      const at = elementIndex(dx, bytes) + p * H * W + views.i32[elementIndex(argmax, 4) + o]!;
      v[at] = v[at]! + v[elementIndex(dy, bytes) + o]!;
    }
  };
}

function avgPool2d(memory: DtypeMemory, backward: boolean) {
  const { view, bytes } = memory;
  return (a: number, b: number, NC: number, H: number, W: number, OH: number, OW: number,
    KH: number, KW: number, sH: number, sW: number, pH: number, pW: number, countIncludePad: number): void => {
    const v = view();
    for (let p = 0; p < NC; p++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
      const [h0, h1] = windowRange(oh, sH, pH, KH, H);
      const [w0, w1] = windowRange(ow, sW, pW, KW, W);
      const divisor = countIncludePad ? KH * KW : (h1 - h0) * (w1 - w0);
      const o = (p * OH + oh) * OW + ow;
      if (backward) {
        // a = dx, b = dy
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) {
          const at = elementIndex(a, bytes) + (p * H + ih) * W + iw;
          v[at] = v[at]! + v[elementIndex(b, bytes) + o]! / divisor;
        }
      } else {
        // a = out, b = x
        let sum = 0;
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) sum += v[elementIndex(b, bytes) + (p * H + ih) * W + iw]!;
        v[elementIndex(a, bytes) + o] = sum / divisor;
      }
    }
  };
}

function adaptiveAvgPool2d(memory: DtypeMemory, backward: boolean) {
  const { view, bytes } = memory;
  return (a: number, b: number, NC: number, H: number, W: number, OH: number, OW: number): void => {
    const v = view();
    for (let p = 0; p < NC; p++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
      const h0 = Math.floor((oh * H) / OH), h1 = Math.ceil(((oh + 1) * H) / OH);
      const w0 = Math.floor((ow * W) / OW), w1 = Math.ceil(((ow + 1) * W) / OW);
      const count = (h1 - h0) * (w1 - w0);
      const o = (p * OH + oh) * OW + ow;
      if (backward) {
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) {
          const at = elementIndex(a, bytes) + (p * H + ih) * W + iw;
          v[at] = v[at]! + v[elementIndex(b, bytes) + o]! / count;
        }
      } else {
        let sum = 0;
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) sum += v[elementIndex(b, bytes) + (p * H + ih) * W + iw]!;
        v[elementIndex(a, bytes) + o] = sum / count;
      }
    }
  };
}

/** The reference factories of kernels/pool.ts, by family. */
export const poolReferences: { [K in 'maxPool2d' | 'maxPool2dBackward' | 'avgPool2d' | 'avgPool2dBackward' | 'adaptiveAvgPool2d' | 'adaptiveAvgPool2dBackward']: (memory: DtypeMemory) => DtypeKernels[K] } = {
  maxPool2d,
  maxPool2dBackward,
  avgPool2d: (memory) => avgPool2d(memory, false),
  avgPool2dBackward: (memory) => avgPool2d(memory, true),
  adaptiveAvgPool2d: (memory) => adaptiveAvgPool2d(memory, false),
  adaptiveAvgPool2dBackward: (memory) => adaptiveAvgPool2d(memory, true),
};
