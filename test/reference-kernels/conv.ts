// Reference twin of kernels/conv.ts: im2col and col2im.
// Plain loops over the same memory, accumulating in float64.

import type { DtypeKernels } from '../../src/backend/kernel-exports.js';
import { elementIndex } from '../../src/backend/kernel-module.js';
import type { DtypeMemory } from './memory.js';

// The convolution geometry: input position of (o, k) along one axis, or -1 outside.
const inputIndex = (o: number, k: number, stride: number, pad: number, dilation: number, size: number): number => {
  const i = o * stride - pad + k * dilation;
  return i >= 0 && i < size ? i : -1;
};

// Calls visit(column, pixel) for every entry of the column matrix (row (c, kh, kw), column (oh, ow),
// rows ld apart) with the image element it reads, or -1 where the window lies in the padding.
function forEachPatchEntry(
  ld: number, C: number, H: number, W: number, KH: number, KW: number, sH: number, sW: number, pH: number, pW: number,
  dH: number, dW: number, OH: number, OW: number, visit: (column: number, pixel: number) => void,
): void {
  for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
    const row = (c * KH + kh) * KW + kw;
    for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
      const ih = inputIndex(oh, kh, sH, pH, dH, H);
      const iw = inputIndex(ow, kw, sW, pW, dW, W);
      visit(row * ld + oh * OW + ow, ih < 0 || iw < 0 ? -1 : (c * H + ih) * W + iw);
    }
  }
}

function im2col(memory: DtypeMemory) {
  const { view, bytes } = memory;
  return (cols: number, ld: number, image: number, C: number, H: number, W: number, KH: number, KW: number,
    sH: number, sW: number, pH: number, pW: number, dH: number, dW: number, OH: number, OW: number): void => {
    const v = view();
    const colsAt = elementIndex(cols, bytes);
    const imageAt = elementIndex(image, bytes);
    forEachPatchEntry(ld, C, H, W, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW, (column, pixel) => {
      v[colsAt + column] = pixel < 0 ? 0 : v[imageAt + pixel]!;
    });
  };
}

function col2im(memory: DtypeMemory) {
  const { view, bytes } = memory;
  return (image: number, cols: number, ld: number, C: number, H: number, W: number, KH: number, KW: number,
    sH: number, sW: number, pH: number, pW: number, dH: number, dW: number, OH: number, OW: number): void => {
    const v = view();
    const colsAt = elementIndex(cols, bytes);
    const imageAt = elementIndex(image, bytes);
    forEachPatchEntry(ld, C, H, W, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW, (column, pixel) => {
      if (pixel >= 0) v[imageAt + pixel] = v[imageAt + pixel]! + v[colsAt + column]!;
    });
  };
}

/** The reference factories of kernels/conv.ts, by family. */
export const convReferences: { [K in 'im2col' | 'col2im']: (memory: DtypeMemory) => DtypeKernels[K] } = {
  im2col,
  col2im,
};
