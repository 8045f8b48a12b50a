// Conv2d against a direct convolution, and gradients (float64) of convolution and pooling.

import { describe, expect, it } from 'vitest';
import { adaptiveAvgPool2d, avgPool2d, conv2d, gradcheck, maxPool2d, randn, type Tensor } from '../../src/index.js';

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

  it('a batch larger than one column chunk gives the same result (and gradient) as image by image', () => {
    // 16 MiB of columns = 40 images of 1 x 256 x 256 with a 5x5 kernel: 100 images span 3 chunks.
    const x = randn([100, 1, 64, 64], { seed: 4 });
    const w = randn([3, 1, 5, 5], { seed: 5 });
    const whole = conv2d(x, w, null, { padding: 2 }).toArray();
    // Images in the first, a middle and the last (partial) chunk.
    for (const n of [0, 57, 99]) {
      const single = conv2d(x.slice([[n, n + 1]]), w, null, { padding: 2 }).toArray();
      const at = n * 3 * 64 * 64;
      single.forEach((v, i) => expect(whole[at + i]).toBeCloseTo(v, 5));
    }
    // The weight gradient over the whole batch equals the sum over single images.
    const wg = randn([3, 1, 5, 5], { seed: 5, requiresGrad: true });
    conv2d(x, wg, null, { padding: 2 }).sum().backward();
    const total = wg.grad!.toArray();
    const sum = new Float64Array(total.length);
    for (let n = 0; n < 100; n += 33) {
      const wi = randn([3, 1, 5, 5], { seed: 5, requiresGrad: true });
      conv2d(x.slice([[n, Math.min(100, n + 33)]]), wi, null, { padding: 2 }).sum().backward();
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
