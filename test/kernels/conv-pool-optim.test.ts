import { describe, expect, it } from 'vitest';
import { BUILDS, DTYPES, Harness, expectClose, seededRandom } from '../helpers/kernel-harness.js';

interface Geometry { C: number; H: number; W: number; KH: number; KW: number; sH: number; sW: number; pH: number; pW: number; dH: number; dW: number }

function outputSize(g: Geometry): [number, number] {
  return [
    Math.floor((g.H + 2 * g.pH - g.dH * (g.KH - 1) - 1) / g.sH) + 1,
    Math.floor((g.W + 2 * g.pW - g.dW * (g.KW - 1) - 1) / g.sW) + 1,
  ];
}

const random = seededRandom(4);
const GEOMETRIES: Geometry[] = [
  { C: 1, H: 5, W: 5, KH: 3, KW: 3, sH: 1, sW: 1, pH: 0, pW: 0, dH: 1, dW: 1 },
  { C: 3, H: 17, W: 13, KH: 5, KW: 3, sH: 2, sW: 3, pH: 2, pW: 1, dH: 1, dW: 1 },
  { C: 2, H: 9, W: 11, KH: 3, KW: 3, sH: 1, sW: 2, pH: 3, pW: 3, dH: 2, dW: 3 },
  { C: 4, H: 1, W: 67, KH: 1, KW: 5, sH: 1, sW: 1, pH: 0, pW: 4, dH: 1, dW: 1 },
  { C: 1, H: 6, W: 6, KH: 6, KW: 6, sH: 1, sW: 1, pH: 0, pW: 0, dH: 1, dW: 1 },
  // Stride 1 with output rows as wide as the input (im2col's shifted-plane path): small maps,
  // unequal padding, dilation, one column, windows wider than the map, no rows left inside.
  { C: 2, H: 4, W: 4, KH: 3, KW: 3, sH: 1, sW: 1, pH: 1, pW: 1, dH: 1, dW: 1 },
  { C: 3, H: 2, W: 2, KH: 3, KW: 3, sH: 1, sW: 1, pH: 1, pW: 1, dH: 1, dW: 1 },
  { C: 1, H: 5, W: 7, KH: 3, KW: 5, sH: 1, sW: 1, pH: 0, pW: 2, dH: 1, dW: 1 },
  { C: 2, H: 6, W: 5, KH: 3, KW: 3, sH: 1, sW: 1, pH: 2, pW: 2, dH: 2, dW: 2 },
  { C: 2, H: 3, W: 1, KH: 3, KW: 1, sH: 1, sW: 1, pH: 1, pW: 0, dH: 1, dW: 1 },
  { C: 1, H: 3, W: 2, KH: 1, KW: 5, sH: 1, sW: 1, pH: 0, pW: 2, dH: 1, dW: 1 },
  { C: 2, H: 1, W: 3, KH: 3, KW: 3, sH: 1, sW: 1, pH: 3, pW: 1, dH: 2, dW: 1 },
];
for (let i = 0; i < 10; i++) {
  const K = 1 + Math.floor(random() * 4);
  const d = 1 + Math.floor(random() * 2);
  GEOMETRIES.push({ C: 1 + Math.floor(random() * 3), H: K * d + Math.floor(random() * 9), W: K * d + Math.floor(random() * 9), KH: K, KW: K,
    sH: 1 + Math.floor(random() * 3), sW: 1 + Math.floor(random() * 3), pH: Math.floor(random() * 3), pW: Math.floor(random() * 3), dH: d, dW: d });
}

describe.each(BUILDS)('conv, pooling and optimizer kernels (%s build)', (build) => {
  const h = new Harness(build, 31);

  describe.each(DTYPES)('%s', (dtype) => {
    const S = h.suffix(dtype);

    it.each(GEOMETRIES)('im2col and col2im match the reference for %j', (g) => {
      const [OH, OW] = outputSize(g);
      const args = [g.C, g.H, g.W, g.KH, g.KW, g.sH, g.sW, g.pH, g.pW, g.dH, g.dW, OH, OW] as const;
      const image = h.random_(dtype, g.C * g.H * g.W);
      // Rows 3 columns wider than one image (as when images sit side by side).
      const ld = OH * OW + 3;
      const n = g.C * g.KH * g.KW * ld;
      const cols = h.alloc(dtype, n), colsRef = h.alloc(dtype, n);
      h.view(dtype).fill(NaN, h.index(dtype, cols), h.index(dtype, cols) + n);
      h.view(dtype).fill(NaN, h.index(dtype, colsRef), h.index(dtype, colsRef) + n);
      h.k[`im2col${S}`](cols, ld, image, ...args);
      h.ref[`im2col${S}`](colsRef, ld, image, ...args);
      // Every entry of each row's image part is written; the 3 spare columns are left alone.
      expect(Array.from(h.read(dtype, cols, n)).map(String)).toEqual(Array.from(h.read(dtype, colsRef, n)).map(String));
      const back = h.random_(dtype, g.C * g.H * g.W);
      const backRef = h.clone(dtype, back, g.C * g.H * g.W);
      h.k[`col2im${S}`](back, cols, ld, ...args);
      h.ref[`col2im${S}`](backRef, cols, ld, ...args);
      expectClose(h.read(dtype, back, g.C * g.H * g.W), h.read(dtype, backRef, g.C * g.H * g.W), dtype === 'float32' ? 1e-6 : 1e-14, 1e-6, 'col2im');
      h.free(image, cols, colsRef, back, backRef);
    });

    it.each([[2, 2], [3, 3], [4, 8], [5, 9], [6, 17], [3, 35]])('2 x 2 max pooling at stride 2 of %i x %i planes: first maxima and first NaNs as the reference', (H, W) => {
      const NC = 3;
      const size = NC * H * W;
      const OH = Math.floor(H / 2), OW = Math.floor(W / 2);
      // Small integers (ties in most windows), -Infinity, and NaN in some windows, first or later.
      const random = seededRandom(H * 100 + W);
      const values = Array.from({ length: size }, () => {
        const r = random();
        return r < 0.08 ? NaN : r < 0.12 ? -Infinity : Math.floor(r * 4);
      });
      const x = h.fromValues(dtype, values);
      const out = h.alloc(dtype, NC * OH * OW), outRef = h.alloc(dtype, NC * OH * OW);
      const arg = h.module.allocator.alloc(NC * OH * OW * 4), argRef = h.module.allocator.alloc(NC * OH * OW * 4);
      h.k[`maxPool2d${S}`](out, arg, x, NC, H, W, OH, OW, 2, 2, 2, 2, 0, 0);
      h.ref[`maxPool2d${S}`](outRef, argRef, x, NC, H, W, OH, OW, 2, 2, 2, 2, 0, 0);
      expect(Array.from(h.read(dtype, out, NC * OH * OW)).map(String)).toEqual(Array.from(h.read(dtype, outRef, NC * OH * OW)).map(String));
      expect(h.readInts(arg, NC * OH * OW)).toEqual(h.readInts(argRef, NC * OH * OW));
      h.free(x, out, outRef, arg, argRef);
    });

    it.each(GEOMETRIES.filter((g) => g.pH <= g.KH / 2 && g.pW <= g.KW / 2))('pooling matches the reference for %j', (g) => {
      const geometry = { ...g, dH: 1, dW: 1 };
      const [OH, OW] = outputSize(geometry);
      if (OH < 1 || OW < 1) return;
      const NC = 3;
      const size = NC * g.H * g.W;
      const x = h.random_(dtype, size);
      h.view(dtype)[h.index(dtype, x) + 5] = h.view(dtype)[h.index(dtype, x) + 6]!; // a tie
      const pool = [NC, g.H, g.W, OH, OW, g.KH, g.KW, g.sH, g.sW, g.pH, g.pW] as const;
      const out = h.alloc(dtype, NC * OH * OW), outRef = h.alloc(dtype, NC * OH * OW);
      const arg = h.module.allocator.alloc(NC * OH * OW * 4), argRef = h.module.allocator.alloc(NC * OH * OW * 4);
      h.k[`maxPool2d${S}`](out, arg, x, ...pool);
      h.ref[`maxPool2d${S}`](outRef, argRef, x, ...pool);
      expect(Array.from(h.read(dtype, out, NC * OH * OW))).toEqual(Array.from(h.read(dtype, outRef, NC * OH * OW)));
      expect(h.readInts(arg, NC * OH * OW)).toEqual(h.readInts(argRef, NC * OH * OW));
      const dy = h.random_(dtype, NC * OH * OW);
      const dx = h.random_(dtype, size), dxRef = h.clone(dtype, dx, size);
      h.k[`maxPool2dBackward${S}`](dx, dy, arg, NC, g.H, g.W, OH, OW);
      h.ref[`maxPool2dBackward${S}`](dxRef, dy, arg, NC, g.H, g.W, OH, OW);
      expectClose(h.read(dtype, dx, size), h.read(dtype, dxRef, size), 1e-6, 1e-6, 'maxPool backward');
      for (const include of [0, 1]) {
        h.k[`avgPool2d${S}`](out, x, ...pool, include);
        h.ref[`avgPool2d${S}`](outRef, x, ...pool, include);
        expectClose(h.read(dtype, out, NC * OH * OW), h.read(dtype, outRef, NC * OH * OW), 1e-6, 1e-7, 'avgPool');
        h.k[`avgPool2dBackward${S}`](dx, dy, ...pool, include);
        h.ref[`avgPool2dBackward${S}`](dxRef, dy, ...pool, include);
        expectClose(h.read(dtype, dx, size), h.read(dtype, dxRef, size), 1e-6, 1e-6, 'avgPool backward');
      }
      h.free(x, out, outRef, arg, argRef, dy, dx, dxRef);
    });

    it('adaptive average pooling matches the reference (shrinking and growing)', () => {
      const sizes: [number, number, number, number][] = [[7, 5, 3, 2], [4, 4, 4, 4], [5, 3, 7, 6], [1, 1, 2, 2], [13, 17, 1, 1]];
      for (const [H, W, OH, OW] of sizes) {
        const NC = 2;
        const x = h.random_(dtype, NC * H * W);
        const out = h.alloc(dtype, NC * OH * OW), outRef = h.alloc(dtype, NC * OH * OW);
        h.k[`adaptiveAvgPool2d${S}`](out, x, NC, H, W, OH, OW);
        h.ref[`adaptiveAvgPool2d${S}`](outRef, x, NC, H, W, OH, OW);
        expectClose(h.read(dtype, out, NC * OH * OW), h.read(dtype, outRef, NC * OH * OW), 1e-6, 1e-7, 'adaptive');
        const dy = h.random_(dtype, NC * OH * OW);
        const dx = h.random_(dtype, NC * H * W), dxRef = h.clone(dtype, dx, NC * H * W);
        h.k[`adaptiveAvgPool2dBackward${S}`](dx, dy, NC, H, W, OH, OW);
        h.ref[`adaptiveAvgPool2dBackward${S}`](dxRef, dy, NC, H, W, OH, OW);
        expectClose(h.read(dtype, dx, NC * H * W), h.read(dtype, dxRef, NC * H * W), 1e-6, 1e-6, 'adaptive backward');
        h.free(x, out, outRef, dy, dx, dxRef);
      }
    });

    it('fused SGD and Adam steps match the reference at awkward sizes, every option', () => {
      const rel = dtype === 'float32' ? 3e-6 : 1e-13;
      for (const n of [1, 3, 5, 17, 67, 129]) {
        for (const [momentum, dampening, wd, nesterov, first] of [[0, 0, 0, 0, 0], [0.9, 0, 1e-2, 0, 1], [0.9, 0.1, 1e-2, 0, 0], [0.8, 0, 0, 1, 0]] as const) {
          const p = h.random_(dtype, n), g = h.random_(dtype, n), b = h.random_(dtype, n);
          const pRef = h.clone(dtype, p, n), bRef = h.clone(dtype, b, n);
          h.k[`sgdStep${S}`](p, g, b, n, 0.1, momentum, dampening, wd, nesterov, first);
          h.ref[`sgdStep${S}`](pRef, g, bRef, n, 0.1, momentum, dampening, wd, nesterov, first);
          expectClose(h.read(dtype, p, n), h.read(dtype, pRef, n), rel, rel, 'sgd param');
          expectClose(h.read(dtype, b, n), h.read(dtype, bRef, n), rel, rel, 'sgd buffer');
          h.free(p, g, b, pRef, bRef);
        }
        for (const [wd, decoupled] of [[0, 0], [0.01, 0], [0.05, 1]] as const) {
          const p = h.random_(dtype, n), g = h.random_(dtype, n), m = h.random_(dtype, n), v = h.random_(dtype, n, 0, 1);
          const pRef = h.clone(dtype, p, n), mRef = h.clone(dtype, m, n), vRef = h.clone(dtype, v, n);
          const args = [n, 1e-3, 0.9, 0.999, 1e-8, wd, decoupled, 1 - 0.9 ** 3, 1 - 0.999 ** 3] as const;
          h.k[`adamStep${S}`](p, g, m, v, ...args);
          h.ref[`adamStep${S}`](pRef, g, mRef, vRef, ...args);
          expectClose(h.read(dtype, p, n), h.read(dtype, pRef, n), rel, rel, 'adam param');
          expectClose(h.read(dtype, m, n), h.read(dtype, mRef, n), rel, rel, 'adam m');
          expectClose(h.read(dtype, v, n), h.read(dtype, vRef, n), rel, rel, 'adam v');
          h.free(p, g, m, v, pRef, mRef, vRef);
        }
      }
    });
  });
});
