import { describe, expect, it } from 'vitest';
import { BUILDS, DTYPES, Harness, expectClose } from '../helpers/kernel-harness.js';

// Every layout path: B a multiple of the lanes (vectorised along b, in tiles: blocks of whole rows
// when a row is shorter than the tile width, with a partial last block when A is not a multiple
// of the rows per tile, and column ranges otherwise, with a partial last range when B is not a
// multiple of the width; the width is 4 KiB for states up to 1 MiB and 512 B above, so the last
// four layouts are larger than 1 MiB; B of one vector walks consecutive rows), B = 1 and 2 (row
// paths), B >= lanes not a multiple of them (along b, with a partial last vector; B = 3 in float32
// takes the plain loop), and other gate sizes (D = 1, 2, 3, 9, 16, 25: in float32 along b when
// B >= lanes, across i when B = 1, plain loops for B = 2, 3; plain loops in float64).
const LAYOUTS: [number, number, number][] = [];
for (const A of [1, 3, 5, 17]) for (const B of [1, 2, 3, 4, 8, 17, 64, 256, 512]) LAYOUTS.push([A, 4, B]);
LAYOUTS.push([3, 9, 5], [2, 9, 4], [5, 1, 3], [1, 4, 1024], [3, 4, 1028], [5, 4, 2056], [67, 4, 2], [129, 4, 1],
  [3, 4, 32772], [4099, 4, 20], [16411, 4, 4], [16411, 4, 2],
  // Gates larger than 4 x 4 (d = 3, 4, 5) and small ones: along b with tails, across i when B = 1.
  [17, 9, 1], [129, 9, 1], [3, 9, 27], [3, 16, 1], [5, 16, 3], [3, 16, 4], [2, 16, 17], [1, 16, 67],
  [3, 25, 5], [3, 25, 1], [3, 3, 1], [5, 2, 1], [3, 2, 5], [3, 9, 6], [3, 4, 6], [3, 1, 1], [4, 9, 2],
  [0, 4, 8], [3, 4, 0], [0, 4, 1]); // empty states: nothing written, dG = 0

describe.each(BUILDS)('gate kernels (%s build)', (build) => {
  const h = new Harness(build, 21);

  describe.each(DTYPES)('%s', (dtype) => {
    const S = h.suffix(dtype);
    const rel = dtype === 'float32' ? 2e-5 : 1e-12;

    // An output buffer between two guard bands of a sentinel value, to catch writes outside it.
    const GUARD = 64;
    const SENTINEL = 12345.5;
    const guarded = (n: number) => {
      const base = h.alloc(dtype, n + 2 * GUARD);
      const first = h.index(dtype, base);
      h.view(dtype).fill(SENTINEL, first, first + n + 2 * GUARD);
      const ptr = base + GUARD * h.bytes(dtype);
      const untouched = (label: string) => {
        const all = h.read(dtype, base, n + 2 * GUARD);
        const bad = [...all.subarray(0, GUARD), ...all.subarray(GUARD + n)].findIndex((v) => v !== SENTINEL);
        expect(bad, `${label}: wrote outside its output`).toBe(-1);
      };
      return { base, ptr, untouched };
    };

    it.each(LAYOUTS)('applyGate, gateGradient and gateBackward match the reference at A=%i D=%i B=%i', (A, D, B) => {
      const n = A * D * B;
      const state = h.random_(dtype, n), gate = h.random_(dtype, D * D), gOut = h.random_(dtype, n);
      // Float32 sums over A·B products: absolute error grows like sqrt(A·B).
      const gradientTolerance = rel * D * Math.sqrt(A * B);
      for (const transposed of [0, 1]) {
        const out = guarded(n), outRef = h.alloc(dtype, n);
        h.k[`applyGate${S}`](out.ptr, state, gate, A, D, B, transposed);
        h.ref[`applyGate${S}`](outRef, state, gate, A, D, B, transposed);
        expectClose(h.read(dtype, out.ptr, n), h.read(dtype, outRef, n), rel, rel * D, `applyGate t=${transposed}`);
        out.untouched(`applyGate t=${transposed}`);
        h.free(out.base, outRef);
      }
      const dG = guarded(D * D), dGRef = h.alloc(dtype, D * D);
      h.k[`gateGradient${S}`](dG.ptr, gOut, state, A, D, B);
      h.ref[`gateGradient${S}`](dGRef, gOut, state, A, D, B);
      expectClose(h.read(dtype, dG.ptr, D * D), h.read(dtype, dGRef, D * D), rel * 4, gradientTolerance, 'gateGradient');
      dG.untouched('gateGradient');
      const dS = guarded(n), dSRef = h.alloc(dtype, n);
      h.view(dtype).fill(NaN, h.index(dtype, dG.ptr), h.index(dtype, dG.ptr) + D * D); // outputs are overwritten
      h.k[`gateBackward${S}`](dS.ptr, dG.ptr, gOut, state, gate, A, D, B);
      h.ref[`gateBackward${S}`](dSRef, dGRef, gOut, state, gate, A, D, B);
      expectClose(h.read(dtype, dS.ptr, n), h.read(dtype, dSRef, n), rel, rel * D, 'gateBackward state');
      expectClose(h.read(dtype, dG.ptr, D * D), h.read(dtype, dGRef, D * D), rel * 4, gradientTolerance, 'gateBackward gate');
      dS.untouched('gateBackward state');
      dG.untouched('gateBackward gate');
      h.free(state, gate, gOut, dG.base, dGRef, dS.base, dSRef);
    });
  });

  it('a gate with the identity leaves the state unchanged', () => {
    const n = 3 * 4 * 8;
    const state = h.random_('float32', n);
    const eye = h.fromValues('float32', [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    const out = h.alloc('float32', n);
    h.k.applyGateF32(out, state, eye, 3, 4, 8, 0);
    expect(Array.from(h.read('float32', out, n))).toEqual(Array.from(h.read('float32', state, n)));
  });
});
