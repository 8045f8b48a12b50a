import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, BUILDS, DTYPES, Harness, seededRandom } from '../helpers/kernel-harness.js';
import { elementIndex } from '../../src/backend/kernel-module.js';

describe.each(BUILDS)('index and select kernels (%s build)', (build) => {
  const h = new Harness(build, 3);
  const random = seededRandom(17);

  function indices(count: number, limit: number): number {
    const ptr = h.module.allocator.alloc(Math.max(1, count) * 4);
    h.module.i32.set(Int32Array.from({ length: count }, () => Math.floor(random() * limit)), elementIndex(ptr, 4));
    return ptr;
  }

  describe.each(DTYPES)('%s', (dtype) => {
    const S = h.suffix(dtype);

    it('indexSelect and indexAdd match the reference (repeated indices accumulate)', () => {
      for (const outer of [1, 3]) {
        for (const axisLength of [1, 5, 17]) {
          for (const count of [1, 3, 67]) {
            for (const inner of [1, 5, 129]) {
              const src = h.random_(dtype, outer * axisLength * inner);
              const idx = indices(count, axisLength);
              const out = h.alloc(dtype, outer * count * inner), outRef = h.alloc(dtype, outer * count * inner);
              h.k[`indexSelect${S}`](out, src, idx, outer, axisLength, count, inner);
              h.ref[`indexSelect${S}`](outRef, src, idx, outer, axisLength, count, inner);
              expect(Array.from(h.read(dtype, out, outer * count * inner))).toEqual(Array.from(h.read(dtype, outRef, outer * count * inner)));
              const dst = h.random_(dtype, outer * axisLength * inner);
              const dstRef = h.clone(dtype, dst, outer * axisLength * inner);
              h.k[`indexAdd${S}`](dst, out, idx, outer, axisLength, count, inner);
              h.ref[`indexAdd${S}`](dstRef, out, idx, outer, axisLength, count, inner);
              expect(Array.from(h.read(dtype, dst, outer * axisLength * inner))).toEqual(Array.from(h.read(dtype, dstRef, outer * axisLength * inner)));
              h.free(src, idx, out, outRef, dst, dstRef);
            }
          }
        }
      }
    });

    it('gatherAlong and scatterAlongAdd match the reference', () => {
      for (const outer of [1, 4]) {
        for (const axisLength of [1, 3, 17]) {
          for (const count of [1, 5]) {
            for (const inner of [1, 3, 67]) {
              const n = outer * count * inner;
              const src = h.random_(dtype, outer * axisLength * inner);
              const idx = indices(n, axisLength);
              const out = h.alloc(dtype, n), outRef = h.alloc(dtype, n);
              h.k[`gatherAlong${S}`](out, src, idx, outer, axisLength, count, inner);
              h.ref[`gatherAlong${S}`](outRef, src, idx, outer, axisLength, count, inner);
              expect(Array.from(h.read(dtype, out, n))).toEqual(Array.from(h.read(dtype, outRef, n)));
              const dst = h.random_(dtype, outer * axisLength * inner);
              const dstRef = h.clone(dtype, dst, outer * axisLength * inner);
              h.k[`scatterAlongAdd${S}`](dst, out, idx, outer, axisLength, count, inner);
              h.ref[`scatterAlongAdd${S}`](dstRef, out, idx, outer, axisLength, count, inner);
              expect(Array.from(h.read(dtype, dst, outer * axisLength * inner))).toEqual(Array.from(h.read(dtype, dstRef, outer * axisLength * inner)));
              h.free(src, idx, out, outRef, dst, dstRef);
            }
          }
        }
      }
    });

    it('select (where) matches the reference with broadcasting, NaN counting as true', () => {
      for (const n of AWKWARD_SIZES) {
        // [shape, condStrides, aStrides, bStrides, sizes]
        const layouts: [number[], number[], number[], number[], [number, number, number]][] = [
          [[n], [1], [1], [1], [n, n, n]],
          [[3, n], [n, 1], [0, 1], [0, 0], [3 * n, n, 1]],
          [[n, 4], [1, 0], [4, 1], [1, 0], [n, 4 * n, n]],
        ];
        for (const [shape, sc, sa, sb, [cn, an, bn]] of layouts) {
          const size = shape.reduce((p, s) => p * s, 1);
          const cond = h.fromValues(dtype, Array.from({ length: cn }, (_, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? 1 : NaN)));
          const a = h.random_(dtype, an), b = h.random_(dtype, bn);
          const out = h.alloc(dtype, size), outRef = h.alloc(dtype, size);
          h.k[`select${S}`](out, cond, a, b, shape.length, h.module.descriptor(shape, sc, sa, sb));
          h.ref[`select${S}`](outRef, cond, a, b, shape.length, h.module.descriptor(shape, sc, sa, sb));
          expect(Array.from(h.read(dtype, out, size))).toEqual(Array.from(h.read(dtype, outRef, size)));
          h.free(cond, a, b, out, outRef);
        }
      }
    });
  });
});
