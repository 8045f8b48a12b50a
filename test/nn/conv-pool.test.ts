// Conv2d against a direct convolution, and gradients (float64) of convolution and pooling.

import { describe, expect, it } from 'vitest';
import { adaptiveAvgPool2d, avgPool2d, conv2d, gradcheck, maxPool2d, randn, type Tensor } from '../../src/index.js';
import { expectSameWithAllThreads } from '../helpers/thread-equality.js';
import { directConvApplies } from '../../src/ops/conv-direct.js';
import type { ConvGeometry } from '../../src/ops/conv.js';

// out[n, o, y, x] = b[o] + Σ_{c, i, j} w[o, c, i, j]·in[n, c, y·s - p + i·d, x·s - p + j·d]
function naiveConv(x: Tensor, w: Tensor, b: Tensor | null, s: [number, number], p: [number, number], d: [number, number]): Float64Array {
  const [N, C, H, W] = x.shape as number[];
  const [O, , KH, KW] = w.shape as number[];
  const OH = Math.floor((H! + 2 * p[0] - d[0] * (KH! - 1) - 1) / s[0]) + 1;
  const OW = Math.floor((W! + 2 * p[1] - d[1] * (KW! - 1) - 1) / s[1]) + 1;
  const X = x.toArray(), Wt = w.toArray(), B = b?.toArray();
  const out = new Float64Array(N! * O! * OH * OW);
  for (let n = 0; n < N!; n++) for (let o = 0; o < O!; o++) for (let y = 0; y < OH; y++) for (let xx = 0; xx < OW; xx++) {
    let acc = B ? B[o]! : 0;
    for (let c = 0; c < C!; c++) for (let i = 0; i < KH!; i++) for (let j = 0; j < KW!; j++) {
      const iy = y * s[0] - p[0] + i * d[0];
      const ix = xx * s[1] - p[1] + j * d[1];
      if (iy < 0 || iy >= H! || ix < 0 || ix >= W!) continue;
      acc += Wt[((o * C! + c) * KH! + i) * KW! + j]! * X[((n * C! + c) * H! + iy) * W! + ix]!;
    }
    out[((n * O! + o) * OH + y) * OW + xx] = acc;
  }
  return out;
}

// The adjoints of naiveConv: dX[n, c, iy, ix] += w[o, c, i, j]·r[n, o, y, x] and
// dW[o, c, i, j] += in[n, c, iy, ix]·r[n, o, y, x] over every (n, o, y, x, c, i, j) in the image.
function naiveConvGradients(x: Tensor, w: Tensor, r: Tensor, s: [number, number], p: [number, number], d: [number, number]): [Float64Array, Float64Array] {
  const [N, C, H, W] = x.shape as number[];
  const [O, , KH, KW] = w.shape as number[];
  const [, , OH, OW] = r.shape as number[];
  const X = x.toArray(), Wt = w.toArray(), R = r.toArray();
  const dX = new Float64Array(X.length), dW = new Float64Array(Wt.length);
  for (let n = 0; n < N!; n++) for (let o = 0; o < O!; o++) for (let y = 0; y < OH!; y++) for (let xx = 0; xx < OW!; xx++) {
    const g = R[((n * O! + o) * OH! + y) * OW! + xx]!;
    for (let c = 0; c < C!; c++) for (let i = 0; i < KH!; i++) for (let j = 0; j < KW!; j++) {
      const iy = y * s[0] - p[0] + i * d[0];
      const ix = xx * s[1] - p[1] + j * d[1];
      if (iy < 0 || iy >= H! || ix < 0 || ix >= W!) continue;
      const xi = ((n * C! + c) * H! + iy) * W! + ix, wi = ((o * C! + c) * KH! + i) * KW! + j;
      dX[xi]! += Wt[wi]! * g;
      dW[wi]! += X[xi]! * g;
    }
  }
  return [dX, dW];
}

// The geometry conv2d computes for a call (stride and padding as numbers or pairs).
function geometryOfCall(xs: readonly number[], ws: readonly number[], options: { stride?: number | readonly [number, number]; padding?: number | readonly [number, number]; dilation?: number | readonly [number, number] }): ConvGeometry {
  const pairOf = (v: number | readonly [number, number] | undefined, fallback: number): [number, number] => (v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : [v[0], v[1]]);
  const s = pairOf(options.stride, 1), p = pairOf(options.padding, 0), d = pairOf(options.dilation, 1);
  const OH = Math.floor((xs[2]! + 2 * p[0] - d[0] * (ws[2]! - 1) - 1) / s[0]) + 1;
  const OW = Math.floor((xs[3]! + 2 * p[1] - d[1] * (ws[3]! - 1) - 1) / s[1]) + 1;
  return {
    N: xs[0]!, C: xs[1]!, H: xs[2]!, W: xs[3]!, OC: ws[0]!, KH: ws[2]!, KW: ws[3]!,
    strideH: s[0], strideW: s[1], padH: p[0], padW: p[1], dilationH: d[0], dilationW: d[1], OH, OW,
  };
}

describe('conv2d', () => {
  const cases: [number[], number[], [number, number], [number, number], [number, number]][] = [
    [[2, 3, 7, 6], [4, 3, 3, 3], [1, 1], [1, 1], [1, 1]],
    [[1, 1, 28, 28], [6, 1, 5, 5], [1, 1], [2, 2], [1, 1]],
    [[3, 2, 9, 11], [5, 2, 3, 2], [2, 3], [1, 0], [2, 1]],
    [[1, 4, 5, 5], [3, 4, 5, 5], [1, 1], [0, 0], [1, 1]],
    [[5, 1, 1, 17], [2, 1, 1, 5], [1, 2], [0, 2], [1, 1]],
  ];
  it.each(cases)('input %j, weight %j, stride %j, padding %j, dilation %j: matches a direct convolution', (xs, ws, s, p, d) => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = randn(xs, { dtype, seed: 1 });
      const w = randn(ws, { dtype, seed: 2 });
      const b = randn([ws[0]!], { dtype, seed: 3 });
      const got = conv2d(x, w, b, { stride: s, padding: p, dilation: d }).toArray();
      const want = naiveConv(x, w, b, s, p, d);
      const tol = dtype === 'float32' ? 1e-4 : 1e-12;
      want.forEach((v, i) => expect(Math.abs(got[i]! - v), `${dtype} [${i}]`).toBeLessThanOrEqual(tol * (1 + Math.abs(v))));
    }
  });

  // Batches of 100 images that span 3 chunks of at most 16 MiB of buffers: through column
  // matrices (2 x 64 x 64 images, 5 x 5 windows, stride [1, 2]: 400 KiB of columns per image) and
  // by taps (16 channels, 3 x 3, stride 1: 400 KiB of padded input and output per image).
  it.each([
    ['columns', [100, 2, 64, 64], [3, 2, 5, 5], { padding: 2, stride: [1, 2] }, false],
    ['taps', [100, 16, 64, 64], [8, 16, 3, 3], { padding: 1 }, true],
  ] as const)('a batch of several chunks (%s) gives the same result and gradient as image by image', (_, xs, ws, options, byTaps) => {
    const x = randn([...xs], { seed: 4 });
    const w = randn([...ws], { seed: 5 });
    const whole = conv2d(x, w, null, options);
    const [, OC, OH, OW] = whole.shape as number[];
    expect(directConvApplies(geometryOfCall(xs, ws, options))).toBe(byTaps);
    const wholeValues = whole.toArray();
    // Images in the first, a middle and the last chunk.
    for (const n of [0, 57, 99]) {
      const single = conv2d(x.slice([[n, n + 1]]), w, null, options).toArray();
      const at = n * OC! * OH! * OW!;
      single.forEach((v, i) => expect(wholeValues[at + i]).toBeCloseTo(v, 4));
    }
    // The weight gradient over the whole batch equals the sum over slices of it.
    const wg = randn([...ws], { seed: 5, requiresGrad: true });
    conv2d(x, wg, null, options).sum().backward();
    const total = wg.grad!.toArray();
    const sum = new Float64Array(total.length);
    for (let n = 0; n < 100; n += 33) {
      const wi = randn([...ws], { seed: 5, requiresGrad: true });
      conv2d(x.slice([[n, Math.min(100, n + 33)]]), wi, null, options).sum().backward();
      wi.grad!.toArray().forEach((v, i) => (sum[i]! += v));
    }
    total.forEach((v, i) => expect(Math.abs(v - sum[i]!) / (1 + Math.abs(v))).toBeLessThan(1e-4));
  });

  it.each([
    [[2, 2, 5, 5], [3, 2, 3, 3], 1, 1, 1, true],
    [[1, 3, 6, 7], [2, 3, 2, 3], [2, 1], [1, 0], [1, 2], false],
  ] as const)('passes gradcheck in float64 (input, weight, bias): %j %j', (xs, ws, s, p, d, bias) => {
    const x = randn([...xs], { dtype: 'float64', seed: 6, requiresGrad: true });
    const w = randn([...ws], { dtype: 'float64', seed: 7, requiresGrad: true });
    const b = randn([ws[0]], { dtype: 'float64', seed: 8, requiresGrad: true });
    const inputs = bias ? [x, w, b] : [x, w];
    const result = gradcheck((xi, wi, bi) => conv2d(xi!, wi!, bi ?? null, { stride: s, padding: p, dilation: d }), inputs);
    expect(result.ok, JSON.stringify(result.worst)).toBe(true);
  });

  describe('lowering', () => {
    // [input, weight, stride, padding, dilation, by taps?]: the first ones are stride-1 and run
    // by tap offsets on the padded pitch (conv-direct.ts); the others through column matrices.
    const lowerings: [number[], number[], [number, number], [number, number], [number, number], boolean][] = [
      [[2, 3, 9, 13], [5, 3, 3, 3], [1, 1], [1, 1], [1, 1], true],
      // 67 channels of 3 x 3: 603 taps, two channel blocks; 17 output rows (a partial panel).
      [[3, 67, 6, 20], [17, 67, 3, 3], [1, 1], [1, 1], [1, 1], true],
      // No padding (the input gradient pads by the whole window), dilation, a 1 x 1 kernel.
      [[2, 2, 9, 28], [3, 2, 5, 5], [1, 1], [0, 0], [1, 1], true],
      [[2, 3, 7, 22], [4, 3, 3, 3], [1, 1], [1, 2], [1, 2], true],
      [[3, 5, 4, 4], [7, 5, 1, 1], [1, 1], [0, 0], [1, 1], true],
      // Stride 2, and a map so small that the padded pitch would waste more than it saves.
      [[2, 3, 9, 13], [5, 3, 3, 3], [2, 2], [1, 1], [1, 1], false],
      [[2, 4, 4, 4], [3, 4, 3, 3], [1, 1], [1, 1], [1, 1], false],
    ];
    const geometryOf = (xs: number[], ws: number[], stride: [number, number], padding: [number, number], dilation: [number, number]): ConvGeometry =>
      geometryOfCall(xs, ws, { stride, padding, dilation });

    it.each(lowerings)('input %j, weight %j, stride %j, padding %j, dilation %j (by taps: %s): values and gradients match direct loops', (xs, ws, s, p, d, byTaps) => {
      expect(directConvApplies(geometryOf(xs, ws, s, p, d))).toBe(byTaps);
      for (const dtype of ['float32', 'float64'] as const) {
        const x = randn(xs, { dtype, seed: 11, requiresGrad: true });
        const w = randn(ws, { dtype, seed: 12, requiresGrad: true });
        const y = conv2d(x, w, null, { stride: s, padding: p, dilation: d });
        const tol = dtype === 'float32' ? 1e-4 : 1e-12;
        const want = naiveConv(x, w, null, s, p, d);
        y.toArray().forEach((v, i) => expect(Math.abs(v - want[i]!), `${dtype} y[${i}]`).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i]!))));
        // Gradients of Σ y·r: dX and dW from the adjoint loops of naiveConv.
        const r = randn(y.shape, { dtype, seed: 13 });
        y.mul(r).sum().backward();
        const [dX, dW] = naiveConvGradients(x, w, r, s, p, d);
        x.grad!.toArray().forEach((v, i) => expect(Math.abs(v - dX[i]!), `${dtype} dX[${i}]`).toBeLessThanOrEqual(tol * 10 * (1 + Math.abs(dX[i]!))));
        w.grad!.toArray().forEach((v, i) => expect(Math.abs(v - dW[i]!), `${dtype} dW[${i}]`).toBeLessThanOrEqual(tol * 10 * (1 + Math.abs(dW[i]!))));
      }
    });

    it('passes gradcheck in float64 by taps (padding, dilation, bias)', () => {
      expect(directConvApplies(geometryOf([2, 2, 5, 20], [3, 2, 3, 3], [1, 1], [1, 2], [1, 2]))).toBe(true);
      const x = randn([2, 2, 5, 20], { dtype: 'float64', seed: 14, requiresGrad: true });
      const w = randn([3, 2, 3, 3], { dtype: 'float64', seed: 15, requiresGrad: true });
      const b = randn([3], { dtype: 'float64', seed: 16, requiresGrad: true });
      const result = gradcheck((xi, wi, bi) => conv2d(xi!, wi!, bi!, { padding: [1, 2], dilation: [1, 2] }), [x, w, b]);
      expect(result.ok, JSON.stringify(result.worst)).toBe(true);
    });

    // Batches of 7 images (split by images) and of 1 (split by output rows); 10 output channels
    // (the weight gradient split by rows) and 7 (by taps: 3 groups of rows divide unevenly).
    it.each([[7, 10], [1, 10], [7, 7]])('by taps, bitwise the same values and gradients with one thread and with all of them (%i images, %i channels out)', async (N, OC) => {
      const x = randn([N, 8, 16, 18], { seed: 17, requiresGrad: true });
      const w = randn([OC, 8, 3, 3], { seed: 18, requiresGrad: true });
      await expectSameWithAllThreads(() => conv2d(x, w, null, { padding: 1 }), (y) => {
        x.grad = null;
        w.grad = null;
        y.mul(randn(y.shape, { seed: 19 })).sum().backward();
        return [y, x.grad!, w.grad!];
      }, 'the convolution');
    });
  });

  it('no channels in or out: zeros, and zero gradients', () => {
    for (const [C, OC] of [[0, 3], [2, 0]] as const) {
      const x = randn([2, C, 8, 8], { seed: 20, requiresGrad: true });
      const w = randn([OC, C, 3, 3], { seed: 21, requiresGrad: true });
      const b = randn([OC], { seed: 22, requiresGrad: true });
      const y = conv2d(x, w, b, { padding: 1 });
      expect(y.shape).toEqual([2, OC, 8, 8]);
      const bias = b.toArray();
      y.toArray().forEach((v, i) => expect(v).toBe(bias[Math.floor(i / 64) % OC]!));
      y.sum().backward();
      expect(Array.from(x.grad!.toArray()).every((v) => v === 0)).toBe(true);
      expect(w.grad!.shape).toEqual([OC, C, 3, 3]);
    }
  });

  it('rejects mismatched channels and kernels that do not fit', () => {
    expect(() => conv2d(randn([1, 3, 5, 5]), randn([2, 2, 3, 3]))).toThrow(/3 channels/);
    expect(() => conv2d(randn([1, 1, 2, 2]), randn([1, 1, 3, 3]))).toThrow(/does not fit/);
    expect(() => conv2d(randn([1, 1, 5, 5]), randn([1, 1, 3, 3]), null, { stride: 0 })).toThrow(/stride/);
  });
});

describe('pooling', () => {
  it('max pooling picks window maxima; gradient goes to the arg-max', () => {
    const x = randn([2, 3, 6, 7], { dtype: 'float64', seed: 9, requiresGrad: true });
    expect(gradcheck((t) => maxPool2d(t, 2), [x]).ok).toBe(true);
    expect(gradcheck((t) => maxPool2d(t, 3, { stride: 2, padding: 1 }), [x]).ok).toBe(true);
    const y = maxPool2d(randn([1, 1, 4, 4], { seed: 1 }), 2);
    expect(y.shape).toEqual([1, 1, 2, 2]);
  });

  it('average and adaptive average pooling pass gradcheck', () => {
    const x = randn([2, 2, 7, 6], { dtype: 'float64', seed: 10, requiresGrad: true });
    expect(gradcheck((t) => avgPool2d(t, 3, { stride: 2, padding: 1 }), [x]).ok).toBe(true);
    expect(gradcheck((t) => avgPool2d(t, 2, { countIncludePad: false, padding: 1 }), [x]).ok).toBe(true);
    expect(gradcheck((t) => adaptiveAvgPool2d(t, [3, 4]), [x]).ok).toBe(true);
    expect(adaptiveAvgPool2d(x, 1).shape).toEqual([2, 2, 1, 1]);
  });

  it('rejects padding larger than half the window', () => {
    expect(() => maxPool2d(randn([1, 1, 4, 4]), 2, { padding: 2 })).toThrow(/half the kernel/);
  });
});
