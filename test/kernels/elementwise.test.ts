import { describe, expect, it } from 'vitest';
import { BinaryOp, UnaryOp } from '../../src/backend/kernel-codes.js';
import { AWKWARD_SIZES, BUILDS, DTYPES, Harness, expectClose, type Dtype } from '../helpers/kernel-harness.js';

// Values every unary op must get right besides random ones.
const SPECIAL = [0, -0, 1, -1, 0.5, -0.5, 1e-3, -1e-3, 1e-30, -1e-30, 1e-40, 20, -20, 80, -80, 88.5, 89, -87.5, -103,
  -104.5, 200, -200, 1e30, -1e30, Infinity, -Infinity, NaN, 0.6249, 0.6251, -0.6251, 3.4e38];

// float32 polynomial approximations: a few ulp; float64 uses libm: essentially exact.
function unaryTolerance(dtype: Dtype, op: string): [number, number] {
  if (dtype === 'float64') return [4e-16, 1e-300];
  // Single-rounding ops are exact; the rest (and ops whose float32 parameter is itself rounded)
  // are within a few ulp.
  // affine cancels (x·0.75 - 0.25): its error is relative to the terms (|x| <= 3), not the result.
  if (op === 'affine') return [3e-7, 5e-7];
  return [['neg', 'abs', 'sqrt', 'relu', 'square', 'reciprocal'].includes(op) ? 0 : 3e-7, 1e-38];
}

// Arithmetic and comparisons round once (exact match); fused backward rules and pow round a
// few times in the kernel's precision, and 1 - y² cancels, so their error is bounded relative to
// the operands (|a|, |b| <= 2): [relTol, absTol].
function binaryTolerance(dtype: Dtype, op: string): [number, number] {
  if (!['pow', 'leakyReluBackward', 'tanhBackward', 'sigmoidBackward'].includes(op)) return [0, 0];
  return dtype === 'float32' ? [3e-7, 1e-6] : [4e-16, 4e-15];
}

const UNARY_DOMAIN: Partial<Record<keyof typeof UnaryOp, [number, number]>> = {
  exp: [-90, 90],
  log: [1e-6, 1e6],
  sqrt: [0, 100],
  tanh: [-12, 12],
  sigmoid: [-30, 30],
  powScalar: [0.01, 5],
  reciprocal: [0.1, 10],
};

describe.each(BUILDS)('elementwise kernels (%s build)', (build) => {
  const h = new Harness(build, 11);

  describe.each(DTYPES)('%s', (dtype) => {
    const S = h.suffix(dtype);
    const round = (values: number[]) => (dtype === 'float32' ? values.map(Math.fround) : values);

    it.each(Object.keys(UnaryOp) as (keyof typeof UnaryOp)[])('unary %s matches the reference at awkward sizes and special values', (name) => {
      const op = UnaryOp[name];
      const [lo, hi] = UNARY_DOMAIN[name] ?? [-3, 3];
      const [param, param2] = name === 'powScalar' ? [2.5, 0] : name === 'leakyRelu' ? [0.01, 0] : [0.75, -0.25];
      const [rel, abs] = unaryTolerance(dtype, name);
      for (const n of [...AWKWARD_SIZES, 1000]) {
        const x = h.random_(dtype, n, lo, hi);
        const out = h.alloc(dtype, n);
        const outRef = h.alloc(dtype, n);
        h.k[`unary${S}`](op, out, x, n, param, param2);
        h.ref[`unary${S}`](op, outRef, x, n, param, param2);
        expectClose(h.read(dtype, out, n), round(Array.from(h.read(dtype, outRef, n))), rel, abs, `${name} n=${n}`);
        h.free(x, out, outRef);
      }
      // Special values, in place (out == x).
      const specials = round(dtype === 'float32' ? SPECIAL : SPECIAL.map((v) => (v === 3.4e38 ? 1.7e308 : v)));
      const x = h.fromValues(dtype, specials);
      const outRef = h.alloc(dtype, specials.length);
      h.ref[`unary${S}`](op, outRef, x, specials.length, param, param2);
      h.k[`unary${S}`](op, x, x, specials.length, param, param2);
      const want = round(Array.from(h.read(dtype, outRef, specials.length)));
      // Subnormal results of exp are allowed to flush within a few ulp of the smallest normal.
      expectClose(h.read(dtype, x, specials.length), want, rel, dtype === 'float32' ? 1e-44 : 1e-307, `${name} specials`);
      h.free(x, outRef);
    });

    it.each(Object.keys(BinaryOp) as (keyof typeof BinaryOp)[])('binary %s matches the reference: contiguous, broadcast and strided', (name) => {
      const op = BinaryOp[name];
      const positive = name === 'pow';
      const [lo, hi] = positive ? [0.1, 3] : [-2, 2];
      const [rel, abs] = binaryTolerance(dtype, name);
      // [shape, aStrides, bStrides, aSize, bSize]
      const layouts: [number[], number[], number[], number, number][] = [];
      for (const n of AWKWARD_SIZES) {
        layouts.push([[n], [1], [1], n, n]); // same shape
        layouts.push([[n], [1], [0], n, 1]); // b scalar
        layouts.push([[n], [0], [1], 1, n]); // a scalar
        layouts.push([[3, n], [n, 1], [0, 1], 3 * n, n]); // b row vector broadcast over rows
        layouts.push([[n, 5], [5, 1], [1, 0], n * 5, n]); // b column vector broadcast over columns
        layouts.push([[n, 3], [1, n], [3, 1], 3 * n, 3 * n]); // a transposed (strided inner loop)
        layouts.push([[2, 3, n], [3 * n, n, 1], [0, 1, 0], 6 * n, 3]); // rank 3, b broadcast on two axes
      }
      layouts.push([[], [], [], 1, 1]); // rank 0
      for (const [shape, sa, sb, aSize, bSize] of layouts) {
        const size = shape.reduce((p, s) => p * s, 1);
        const a = h.random_(dtype, aSize, lo, hi);
        const b = h.random_(dtype, bSize, lo, hi);
        // Exercise ties for comparisons and max/min.
        if (aSize === bSize) h.view(dtype).copyWithin(h.index(dtype, a), h.index(dtype, b), h.index(dtype, b) + 1);
        const out = h.alloc(dtype, size);
        const outRef = h.alloc(dtype, size);
        const desc = h.module.descriptor(shape, sa, sb);
        h.k[`binary${S}`](op, out, a, b, shape.length, desc, 0.05);
        const descRef = h.module.descriptor(shape, sa, sb);
        h.ref[`binary${S}`](op, outRef, a, b, shape.length, descRef, 0.05);
        expectClose(h.read(dtype, out, size), round(Array.from(h.read(dtype, outRef, size))), rel, abs, `${name} ${JSON.stringify([shape, sa, sb])}`);
        h.free(a, b, out, outRef);
      }
    });

    it('binary ops propagate NaN like numpy (max/min included)', () => {
      const a = h.fromValues(dtype, [NaN, 1, NaN, 2, 3]);
      const b = h.fromValues(dtype, [1, NaN, NaN, 5, -1]);
      const out = h.alloc(dtype, 5);
      for (const op of [BinaryOp.max, BinaryOp.min, BinaryOp.add]) {
        h.k[`binary${S}`](op, out, a, b, 1, h.module.descriptor([5], [1], [1]), 0);
        const got = h.read(dtype, out, 5);
        expect(Number.isNaN(got[0]) && Number.isNaN(got[1]) && Number.isNaN(got[2])).toBe(true);
      }
      h.free(a, b, out);
    });

    it('binaryScalar matches the reference, both operand orders', () => {
      for (const name of Object.keys(BinaryOp) as (keyof typeof BinaryOp)[]) {
        for (const n of AWKWARD_SIZES) {
          for (const reversed of [0, 1]) {
            const a = h.random_(dtype, n, name === 'pow' ? 0.1 : -2, 2);
            const out = h.alloc(dtype, n);
            const outRef = h.alloc(dtype, n);
            h.k[`binaryScalar${S}`](BinaryOp[name], out, a, n, 1.25, reversed, 0.1);
            h.ref[`binaryScalar${S}`](BinaryOp[name], outRef, a, n, 1.25, reversed, 0.1);
            const [rel, abs] = binaryTolerance(dtype, name);
            expectClose(h.read(dtype, out, n), round(Array.from(h.read(dtype, outRef, n))), rel, abs, `${name} reversed=${reversed}`);
            h.free(a, out, outRef);
          }
        }
      }
    });

    it('axpy and fill match the reference', () => {
      for (const n of [...AWKWARD_SIZES, 0]) {
        const x = h.random_(dtype, n);
        const y = h.random_(dtype, n);
        const yRef = h.clone(dtype, y, n);
        h.k[`axpy${S}`](n, -0.75, x, y);
        h.ref[`axpy${S}`](n, -0.75, x, yRef);
        expectClose(h.read(dtype, y, n), round(Array.from(h.read(dtype, yRef, n))), 2 ** -22, 1e-7, `axpy n=${n}`);
        h.k[`fill${S}`](y, 2.5, n);
        expect(Array.from(h.read(dtype, y, n))).toEqual(new Array(n).fill(2.5));
        h.free(x, y, yRef);
      }
    });
  });

  it('casts between float32 and float64', () => {
    for (const n of AWKWARD_SIZES) {
      const x32 = h.random_('float32', n, -1e3, 1e3);
      const x64 = h.alloc('float64', n);
      h.k.castF32ToF64(x64, x32, n);
      expect(Array.from(h.read('float64', x64, n))).toEqual(Array.from(h.read('float32', x32, n)));
      const y64 = h.fromValues('float64', [...Array.from(h.read('float64', x64, n)).map((v) => v / 3), ].slice(0, n));
      const y32 = h.alloc('float32', n);
      h.k.castF64ToF32(y32, y64, n);
      expect(Array.from(h.read('float32', y32, n))).toEqual(Array.from(h.read('float64', y64, n)).map(Math.fround));
      h.free(x32, x64, y64, y32);
    }
    const big = h.fromValues('float64', [1e300, -1e300, NaN]);
    const small = h.alloc('float32', 3);
    h.k.castF64ToF32(small, big, 3);
    const got = h.read('float32', small, 3);
    expect([got[0], got[1]]).toEqual([Infinity, -Infinity]);
    expect(Number.isNaN(got[2])).toBe(true);
  });
});
