// The direct (tap-offset) convolution kernels against their reference twins, at awkward sizes:
// rows that leave a partial MR panel, positions that leave a partial NR tile, channel blocks that
// start past the first tap, accumulation, and weight-gradient groups cut short in rows and taps.

import { describe, expect, it } from 'vitest';
import { BUILDS, DTYPES, Harness, expectClose, type Dtype } from '../helpers/kernel-harness.js';

interface Geometry { channels: number; planeH: number; pitch: number; KH: number; KW: number; dh: number; dw: number }

const GEOMETRIES: Geometry[] = [
  { channels: 1, planeH: 3, pitch: 3, KH: 1, KW: 1, dh: 1, dw: 1 },
  { channels: 3, planeH: 7, pitch: 9, KH: 3, KW: 3, dh: 1, dw: 1 },
  { channels: 5, planeH: 9, pitch: 17, KH: 3, KW: 2, dh: 2, dw: 3 },
  { channels: 2, planeH: 11, pitch: 13, KH: 5, KW: 5, dh: 1, dw: 1 },
];

// Byte offsets of taps (c, kh, kw) into consecutive planes of planeH x pitch.
function tapOffsets(g: Geometry, bytes: number): number[] {
  const offsets: number[] = [];
  for (let c = 0; c < g.channels; c++) for (let kh = 0; kh < g.KH; kh++) for (let kw = 0; kw < g.KW; kw++) {
    offsets.push((c * g.planeH * g.pitch + kh * g.dh * g.pitch + kw * g.dw) * bytes);
  }
  return offsets;
}

function writeInts(h: Harness, values: number[]): number {
  const ptr = h.module.allocator.alloc(4 * Math.max(1, values.length));
  h.module.i32.set(values, ptr / 4);
  return ptr;
}

// Input of `images` images, each `channels` planes plus `slack` elements read past the last one.
function inputOf(h: Harness, dtype: Dtype, g: Geometry, images: number): { ptr: number; inImage: number } {
  const inImage = g.channels * g.planeH * g.pitch + 5;
  return { ptr: h.random_(dtype, images * inImage + 32 + (g.KW - 1) * g.dw), inImage };
}

describe.each(BUILDS)('direct convolution kernels (%s build)', (build) => {
  const h = new Harness(build, 41);

  describe.each(DTYPES)('%s', (dtype) => {
    const S = h.suffix(dtype);
    const bytes = h.bytes(dtype);
    const tol = dtype === 'float32' ? 1e-5 : 1e-13;

    it.each(GEOMETRIES)('directConv matches the reference for %j', (g) => {
      const taps = g.channels * g.KH * g.KW;
      const offsets = writeInts(h, tapOffsets(g, bytes));
      const maxPositions = (g.planeH - (g.KH - 1) * g.dh) * g.pitch;
      for (const rows of [1, 2, 3, 4, 5, 17]) {
        // 24: whole tiles only (NR is 4, 6, 8 or 12), no partial one.
        for (const positions of new Set([1, 3, 5, 17, 24, Math.min(67, maxPositions), maxPositions])) {
          if (positions > maxPositions) continue;
          const images = 2;
          const input = inputOf(h, dtype, g, images);
          const ldw = taps + 2;
          const weight = h.random_(dtype, rows * ldw);
          const outRow = positions + 3;
          const outImage = rows * outRow + 5;
          // A block of taps starting past the first channel (when there are several), then the rest
          // added on top: the two calls of a blocked convolution.
          const split = g.channels > 1 ? g.KH * g.KW : taps;
          const out = h.alloc(dtype, images * outImage), outRef = h.alloc(dtype, images * outImage);
          h.view(dtype).fill(NaN, h.index(dtype, out), h.index(dtype, out) + images * outImage);
          h.view(dtype).fill(NaN, h.index(dtype, outRef), h.index(dtype, outRef) + images * outImage);
          for (const [first, count, accumulate] of [[split, taps - split, 0], [0, split, 1]] as const) {
            if (count === 0) continue;
            const args = [outImage, outRow, input.ptr, input.inImage, weight, ldw, rows, first, count, offsets, positions, images, accumulate] as const;
            h.k[`directConv${S}`](out, ...args, h.module.gemmWorkspace());
            h.ref[`directConv${S}`](outRef, ...args, 0);
          }
          const got = h.read(dtype, out, images * outImage), want = h.read(dtype, outRef, images * outImage);
          // Only positions < positions of rows < rows are written: the spare entries stay NaN.
          expect(Array.from(got).map((v) => Number.isNaN(v))).toEqual(Array.from(want).map((v) => Number.isNaN(v)));
          expectClose(got.map((v) => (Number.isNaN(v) ? 0 : v)), want.map((v) => (Number.isNaN(v) ? 0 : v)), tol, tol, `rows ${rows} positions ${positions}`);
          h.free(input.ptr, weight, out, outRef);
        }
      }
      h.module.allocator.free(offsets);
    });

    it.each(GEOMETRIES)('directConvWeightGrad matches the reference for %j', (g) => {
      const taps = g.channels * g.KH * g.KW;
      const offsets = writeInts(h, tapOffsets(g, bytes));
      const lanes = 16 / bytes;
      const maxVectors = Math.floor(((g.planeH - (g.KH - 1) * g.dh) * g.pitch) / lanes);
      const images = 3;
      const input = inputOf(h, dtype, g, images);
      for (const rows of [1, 2, 4, 5]) {
        for (const vectors of new Set([1, 3, Math.max(1, maxVectors)])) {
          const gradRow = vectors * lanes + 2;
          const gradImage = rows * gradRow + 3;
          const grad = h.random_(dtype, images * gradImage);
          const ldw = taps + 1;
          const dW = h.random_(dtype, rows * ldw);
          const dWRef = h.clone(dtype, dW, rows * ldw);
          // Ranges of rows and taps as threads get them (groups of 3 cut short at both ends).
          const rowCuts = rows > 2 ? [[0, 2], [2, rows - 2]] : [[0, rows]];
          const tapCuts = taps > 4 ? [[0, 4], [4, taps - 4]] : [[0, taps]];
          for (const [r0, rc] of rowCuts) for (const [t0, tc] of tapCuts) {
            const args = [ldw, r0!, rc!, t0!, tc!, grad, gradImage, gradRow, input.ptr, input.inImage, offsets, vectors, images] as const;
            h.k[`directConvWeightGrad${S}`](dW, ...args);
            h.ref[`directConvWeightGrad${S}`](dWRef, ...args);
          }
          expectClose(h.read(dtype, dW, rows * ldw), h.read(dtype, dWRef, rows * ldw), tol * 10, tol * 10, `rows ${rows} vectors ${vectors}`);
          h.free(grad, dW, dWRef);
        }
      }
      h.free(input.ptr);
      h.module.allocator.free(offsets);
    });

    it('flipConvWeights transposes channels and turns each window by 180 degrees', () => {
      for (const [rows, C, KK] of [[1, 1, 1], [3, 5, 9], [17, 2, 25]] as const) {
        const w = h.random_(dtype, rows * C * KK);
        const out = h.alloc(dtype, rows * C * KK), outRef = h.alloc(dtype, rows * C * KK);
        h.k[`flipConvWeights${S}`](out, w, rows, C, KK);
        h.ref[`flipConvWeights${S}`](outRef, w, rows, C, KK);
        expect(h.read(dtype, out, rows * C * KK)).toEqual(h.read(dtype, outRef, rows * C * KK));
        const W = h.read(dtype, w, rows * C * KK), flipped = h.read(dtype, out, rows * C * KK);
        expect(flipped[((C - 1) * rows + 0) * KK + KK - 1]).toBe(W[(0 * C + C - 1) * KK]);
        h.free(w, out, outRef);
      }
    });
  });
});
