import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, BUILDS, DTYPES, Harness, expectClose, seededRandom } from '../helpers/kernel-harness.js';

function contiguousStrides(shape: number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) strides[d] = strides[d + 1]! * shape[d + 1]!;
  return strides;
}

describe.each(BUILDS)('copy and reduce kernels (%s build)', (build) => {
  const h = new Harness(build, 5);
  const random = seededRandom(99);

  describe.each(DTYPES)('%s', (dtype) => {
    const S = h.suffix(dtype);

    it('copyStrided permutes random shapes of rank 1-6 exactly (plain walk and tiled transpose)', () => {
      for (let trial = 0; trial < 60; trial++) {
        const rank = 1 + (trial % 6);
        const shape = Array.from({ length: rank }, () => AWKWARD_SIZES[Math.floor(random() * 4)]!);
        const perm = Array.from({ length: rank }, (_, i) => i).sort(() => random() - 0.5);
        const srcStrides = contiguousStrides(shape);
        const outShape = perm.map((p) => shape[p]!);
        const permutedSrcStrides = perm.map((p) => srcStrides[p]!);
        const outStrides = contiguousStrides(outShape);
        const size = shape.reduce((p, s) => p * s, 1);
        const src = h.random_(dtype, size);
        // The tiled path applies when src's unit-stride axis is not last in out.
        const unitAxis = permutedSrcStrides.indexOf(1);
        const tileAxis = unitAxis >= 0 && unitAxis !== rank - 1 && outShape[unitAxis]! > 1 ? unitAxis : -1;
        for (const axis of new Set([-1, tileAxis])) {
          const out = h.alloc(dtype, size);
          const outRef = h.alloc(dtype, size);
          h.k[`copyStrided${S}`](out, src, rank, h.module.descriptor(outShape, outStrides, permutedSrcStrides), axis);
          h.ref[`copyStrided${S}`](outRef, src, rank, h.module.descriptor(outShape, outStrides, permutedSrcStrides), axis);
          expect(Array.from(h.read(dtype, out, size)), `shape ${shape} perm ${perm} tile ${axis}`).toEqual(Array.from(h.read(dtype, outRef, size)));
          h.free(out, outRef);
        }
        h.free(src);
      }
    });

    it('copyStrided does 2-D transposes at awkward sizes through the tiled path', () => {
      for (const rows of AWKWARD_SIZES) {
        for (const cols of AWKWARD_SIZES) {
          const src = h.random_(dtype, rows * cols);
          const out = h.alloc(dtype, rows * cols);
          // out[c][r] = src[r][c]: out shape [cols, rows]; src strides in out order [1, cols].
          h.k[`copyStrided${S}`](out, src, 2, h.module.descriptor([cols, rows], [rows, 1], [1, cols]), rows > 1 && cols > 1 ? 0 : -1);
          const s = h.read(dtype, src, rows * cols);
          const o = h.read(dtype, out, rows * cols);
          for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expect(o[c * rows + r]).toBe(s[r * cols + c]);
          h.free(src, out);
        }
      }
    });

    it('copyStrided handles slices with steps, broadcast (stride 0) and strided output', () => {
      const src = h.random_(dtype, 10 * 12);
      // src[1:9:3, ::-?] -> rows 1,4,7 and every second column from 1: shape [3, 5]
      const cases: [number[], number[], number[], number][] = [
        [[3, 5], [5, 1], [36, 2], 12 + 1], // slice with steps (offset 13 elements)
        [[4, 7], [7, 1], [0, 1], 0], // broadcast a row
        [[4, 7], [7, 1], [1, 0], 0], // broadcast a column
        [[3, 4], [1, 3], [12, 1], 0], // strided (transposed) output
      ];
      for (const [shape, so, ss, offset] of cases) {
        const size = shape.reduce((p, s) => p * s, 1);
        const out = h.alloc(dtype, size);
        const outRef = h.alloc(dtype, size);
        const srcAt = src + offset * h.bytes(dtype);
        h.k[`copyStrided${S}`](out, srcAt, shape.length, h.module.descriptor(shape, so, ss), -1);
        h.ref[`copyStrided${S}`](outRef, srcAt, shape.length, h.module.descriptor(shape, so, ss), -1);
        expect(Array.from(h.read(dtype, out, size))).toEqual(Array.from(h.read(dtype, outRef, size)));
        h.free(out, outRef);
      }
      h.free(src);
    });

    it('sumAxis matches a float64 reference, including mean scaling and the full reduction', () => {
      for (const outer of [1, 3]) {
        for (const extent of AWKWARD_SIZES) {
          for (const inner of [1, 3, 17]) {
            const n = outer * extent * inner;
            const src = h.random_(dtype, n);
            const out = h.alloc(dtype, outer * inner);
            const outRef = h.alloc('float64', 0);
            h.k[`sumAxis${S}`](out, src, outer, extent, inner, 1 / extent);
            const values = h.read(dtype, src, n);
            const want: number[] = [];
            for (let o = 0; o < outer; o++) {
              for (let i = 0; i < inner; i++) {
                let s = 0;
                for (let r = 0; r < extent; r++) s += values[(o * extent + r) * inner + i]!;
                want.push(s / extent);
              }
            }
            const tol = (dtype === 'float32' ? 2 ** -24 : 2 ** -53) * (extent + 2);
            expectClose(h.read(dtype, out, outer * inner), want, 0, tol, `sum ${outer}x${extent}x${inner}`);
            h.free(src, out, outRef);
          }
        }
      }
    });

    it('sumAxis over a million float32 elements stays accurate (blocked accumulation)', () => {
      const n = 1 << 20;
      const src = h.alloc(dtype, n);
      h.view(dtype).fill(0.1, h.index(dtype, src), h.index(dtype, src) + n);
      const out = h.alloc(dtype, 1);
      h.k[`sumAxis${S}`](out, src, 1, n, 1, 1);
      const exact = n * (dtype === 'float32' ? Math.fround(0.1) : 0.1);
      // Naive float32 accumulation is off by ~1%; blocked summation by < 1e-5.
      expect(Math.abs(h.read(dtype, out, 1)[0]! - exact) / exact).toBeLessThan(dtype === 'float32' ? 1e-5 : 1e-13);
      h.free(src, out);
    });

    it('maxAxis returns the maximum and the first index attaining it; NaN wins', () => {
      for (const outer of [1, 2]) {
        for (const extent of AWKWARD_SIZES) {
          for (const inner of [1, 5]) {
            const n = outer * extent * inner;
            const src = h.random_(dtype, n);
            // Duplicate a value to create ties.
            const v = h.view(dtype);
            v[h.index(dtype, src) + n - 1] = v[h.index(dtype, src)]!;
            const out = h.alloc(dtype, outer * inner), arg = h.module.allocator.alloc(4 * outer * inner);
            const outRef = h.alloc(dtype, outer * inner), argRef = h.module.allocator.alloc(4 * outer * inner);
            h.k[`maxAxis${S}`](out, arg, src, outer, extent, inner);
            h.ref[`maxAxis${S}`](outRef, argRef, src, outer, extent, inner);
            expect(Array.from(h.read(dtype, out, outer * inner))).toEqual(Array.from(h.read(dtype, outRef, outer * inner)));
            expect(h.readInts(arg, outer * inner)).toEqual(h.readInts(argRef, outer * inner));
            h.free(src, out, arg, outRef, argRef);
          }
        }
      }
      for (const inner of [1, 4]) {
        const values = [1, NaN, 3, NaN, 5, 2, 8, 1].flatMap((x) => new Array(inner).fill(x));
        const src = h.fromValues(dtype, values);
        const out = h.alloc(dtype, inner), arg = h.module.allocator.alloc(4 * inner);
        h.k[`maxAxis${S}`](out, arg, src, 1, 8, inner);
        expect(Number.isNaN(h.read(dtype, out, inner)[0])).toBe(true);
        expect(h.readInts(arg, 1)).toEqual([1]);
        h.k[`maxAxis${S}`](out, 0, src, 1, 1, inner); // extent 1, no argmax output
        expect(h.read(dtype, out, inner)[0]).toBe(1);
        h.free(src, out, arg);
      }
    });
  });
});
