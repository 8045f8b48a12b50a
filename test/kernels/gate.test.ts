import { describe, expect, it } from 'vitest';
import { BUILDS, DTYPES, Harness, expectClose } from '../helpers/kernel-harness.js';

// Every layout path: B a multiple of the lanes (vectorised along b, in tiles: blocks of whole rows
// when a row is shorter than the tile width, with a partial last block when A is not a multiple
// of the rows per tile, and column ranges otherwise, with a partial last range when B is not a
// multiple of the width; the width is 4 KiB for states up to 1 MiB and 512 B above, so the last
// four layouts are larger than 1 MiB; B of one vector walks consecutive rows), B = 1 and 2 (row
// paths), odd B (scalar), and local dimensions other than 2 (D = 9, D = 1).
const LAYOUTS: [number, number, number][] = [];
for (const A of [1, 3, 5, 17]) for (const B of [1, 2, 3, 4, 8, 17, 64, 256, 512]) LAYOUTS.push([A, 4, B]);
LAYOUTS.push([3, 9, 5], [2, 9, 4], [5, 1, 3], [1, 4, 1024], [3, 4, 1028], [5, 4, 2056], [67, 4, 2], [129, 4, 1],
  [3, 4, 32772], [4099, 4, 20], [16411, 4, 4], [16411, 4, 2]);

describe.each(BUILDS)('gate kernels (%s build)', (build) => {
  const h = new Harness(build, 21);

  describe.each(DTYPES)('%s', (dtype) => {
    const S = h.suffix(dtype);
    const rel = dtype === 'float32' ? 2e-5 : 1e-12;

    it.each(LAYOUTS)('applyGate, gateGradient and gateBackward match the reference at A=%i D=%i B=%i', (A, D, B) => {
      const n = A * D * B;
      const state = h.random_(dtype, n), gate = h.random_(dtype, D * D), gOut = h.random_(dtype, n);
      for (const transposed of [0, 1]) {
        const out = h.alloc(dtype, n), outRef = h.alloc(dtype, n);
        h.k[`applyGate${S}`](out, state, gate, A, D, B, transposed);
        h.ref[`applyGate${S}`](outRef, state, gate, A, D, B, transposed);
        expectClose(h.read(dtype, out, n), h.read(dtype, outRef, n), rel, rel * D, `applyGate t=${transposed}`);
        h.free(out, outRef);
      }
      const dG = h.alloc(dtype, D * D), dGRef = h.alloc(dtype, D * D);
      h.k[`gateGradient${S}`](dG, gOut, state, A, D, B);
      h.ref[`gateGradient${S}`](dGRef, gOut, state, A, D, B);
      expectClose(h.read(dtype, dG, D * D), h.read(dtype, dGRef, D * D), rel * 4, rel * A * B, 'gateGradient');
      const dS = h.alloc(dtype, n), dSRef = h.alloc(dtype, n);
      h.view(dtype).fill(NaN, dG / h.bytes(dtype), dG / h.bytes(dtype) + D * D); // outputs are overwritten
      h.k[`gateBackward${S}`](dS, dG, gOut, state, gate, A, D, B);
      h.ref[`gateBackward${S}`](dSRef, dGRef, gOut, state, gate, A, D, B);
      expectClose(h.read(dtype, dS, n), h.read(dtype, dSRef, n), rel, rel * D, 'gateBackward state');
      expectClose(h.read(dtype, dG, D * D), h.read(dtype, dGRef, D * D), rel * 4, rel * A * B, 'gateBackward gate');
      h.free(state, gate, gOut, dG, dGRef, dS, dSRef);
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
