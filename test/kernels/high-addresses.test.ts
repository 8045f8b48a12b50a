// Every kernel on blocks above 2 GiB, each block in turn the last one in memory (ending at byte
// 2^32), against the same call on blocks below 2 GiB: identical results. A kernel that compares
// pointers as signed numbers, runs to an end pointer (2^32 wraps to 0), or reads or writes past a
// block (a trap at the end of memory) fails here. The fillers that push blocks up are never
// written, so they cost address space, not RAM.

import { describe, expect, it } from 'vitest';
import { elementIndex } from '../../src/backend/kernel-module.js';
import { BinaryOp, UnaryOp } from '../../src/backend/kernel-codes.js';
import { BUILDS, DTYPES, Harness, seededRandom, type Dtype } from '../helpers/kernel-harness.js';
import { PROGRAM_WORDS, writeProgram, type CircuitPass } from '../../src/ops/circuit-passes.js';
import type { CircuitStep } from '../../src/ops/circuit.js';

const TWO_GIB = 2 ** 31;
const FOUR_GIB = 2 ** 32;

/** A block a kernel uses: its element count (a multiple of 4, so it ends on a 16-byte boundary) and contents. */
interface Block {
  elements: number;
  /** i32 instead of the case's dtype. */
  int?: boolean;
  /** Initial contents (default: uniform in [-1, 1)). */
  values?: ArrayLike<number>;
}

interface KernelCase {
  name: string;
  blocks: Block[];
  /** Calls the kernel on the blocks at these addresses. */
  run(at: number[]): void;
}

function cases(h: Harness, dtype: Dtype): KernelCase[] {
  const k = h.k;
  const S = h.suffix(dtype);
  const f = (elements: number, values?: ArrayLike<number>): Block => (values === undefined ? { elements } : { elements, values });
  const ints = (elements: number, limit: number, seed: number): Block => {
    const random = seededRandom(seed);
    return { elements, int: true, values: Int32Array.from({ length: elements }, () => Math.floor(random() * limit)) };
  };
  const zeros = (elements: number) => f(elements, new Float64Array(elements));
  const gate = (A: number, B: number, D = 4): KernelCase[] => [
    { name: `applyGate A=${A} D=${D} B=${B}`, blocks: [f(D * A * B), f(D * D), f(D * A * B)], run: ([out, g, s]) => k[`applyGate${S}`](out!, s!, g!, A, D, B, 0) },
    {
      name: `gateBackward A=${A} D=${D} B=${B}`,
      blocks: [f(D * A * B), f(D * D), f(D * A * B), f(D * A * B), f(D * D)],
      run: ([dS, dG, gOut, s, g]) => k[`gateBackward${S}`](dS!, dG!, gOut!, s!, g!, A, D, B),
    },
  ];
  // A pass of a gate, a relu and a gate on the gathered window [0, 2] of 8 sites (4 columns per
  // row, 8 blocks) and on the contiguous window [2, 7] (4 blocks), forward and backward.
  const pass = (lo: number, hi: number, W: number): KernelCase[] => {
    const sites = 8, n = 2 ** sites;
    const steps: CircuitStep[] = [{ kind: 'gate', gate: 0, site: lo }, { kind: 'activation', activation: 'relu' }, { kind: 'gate', gate: 1, site: lo + 1 }];
    const rowStride = 2 ** (sites - hi - 1);
    const geometry: CircuitPass = {
      steps: [0, 1, 2], lo, hi, rows: 2 ** (hi - lo + 1), width: W, rowStride, chunks: rowStride / W, highStride: 2 ** (sites - lo), blocks: 2 ** lo * (rowStride / W),
    };
    const words = new Int32Array(steps.length * PROGRAM_WORDS);
    writeProgram({ sites, localDim: 2, steps }, geometry, h.bytes(dtype), words, 0);
    const program: Block = { elements: words.length, int: true, values: words };
    const args = [4, geometry.rows, W, rowStride, geometry.chunks, geometry.highStride, 0, geometry.blocks] as const;
    const block = geometry.rows * W;
    return [
      { name: `circuitPass [${lo}, ${hi}]`, blocks: [f(n), f(n), f(32), program, f(2 * block)], run: ([out, x, g, p, s]) => k[`circuitPass${S}`](out!, x!, g!, p!, 3, ...args, s!) },
      {
        name: `circuitPassBackward [${lo}, ${hi}]`,
        blocks: [f(n), zeros(32), f(n), f(n), f(32), program, f(6 * block + 16)],
        run: ([dX, dG, gOut, x, g, p, s]) => k[`circuitPassBackward${S}`](dX!, dG!, gOut!, x!, g!, p!, 3, ...args, s!),
      },
    ];
  };
  const list: KernelCase[] = [
    ...pass(0, 2, 4), ...pass(2, 7, 1),
    { name: 'unary exp', blocks: [f(268), f(268)], run: ([x, out]) => k[`unary${S}`](UnaryOp.exp, out!, x!, 268, 0, 0) },
    { name: 'binaryScalar 2 - a', blocks: [f(268), f(268)], run: ([a, out]) => k[`binaryScalar${S}`](BinaryOp.sub, out!, a!, 268, 2, 1, 0) },
    {
      name: 'binary [4,67] * [67]',
      blocks: [f(268), f(68), f(268)],
      run: ([a, b, out]) => k[`binary${S}`](BinaryOp.mul, out!, a!, b!, 2, h.module.descriptor([4, 67], [67, 1], [0, 1], [0, 0]), 0),
    },
    {
      name: 'select [4,67]',
      blocks: [f(268), f(268), f(268), f(68)],
      run: ([out, cond, a, b]) => k[`select${S}`](out!, cond!, a!, b!, 2, h.module.descriptor([4, 67], [67, 1], [67, 1], [0, 1], [0, 0])),
    },
    { name: 'axpy', blocks: [f(268), f(268)], run: ([x, y]) => k[`axpy${S}`](268, 0.75, x!, y!) },
    { name: 'fill', blocks: [f(268)], run: ([out]) => k[`fill${S}`](out!, 2.5, 268) },
    // out [4, 67] = the transpose of src [67, 4]: by 4x4 register tiles (tile axis 0), and element by element.
    {
      name: 'copyStrided transpose, tiled',
      blocks: [f(268), f(268)],
      run: ([src, out]) => k[`copyStrided${S}`](out!, src!, 2, h.module.descriptor([4, 67], [67, 1], [1, 4], [0, 0]), 0),
    },
    {
      name: 'copyStrided transpose, strided rows',
      blocks: [f(268), f(268)],
      run: ([src, out]) => k[`copyStrided${S}`](out!, src!, 2, h.module.descriptor([4, 67], [67, 1], [1, 4], [0, 0]), -1),
    },
    { name: 'sumAxis inner 1', blocks: [f(268), f(4)], run: ([src, out]) => k[`sumAxis${S}`](out!, src!, 4, 67, 1, 1) },
    { name: 'sumAxis inner 4', blocks: [f(1072), f(16)], run: ([src, out]) => k[`sumAxis${S}`](out!, src!, 4, 67, 4, 0.5) },
    { name: 'maxAxis', blocks: [f(1072), f(16), ints(16, 1, 0)], run: ([src, out, arg]) => k[`maxAxis${S}`](out!, arg!, src!, 4, 67, 4) },
    // C = A·B with m = 68, k = 129, n = 131 (and the transposed layouts), then the narrow-output path (n = 3).
    {
      name: 'gemm',
      blocks: [f(68 * 129), f(16900), f(68 * 131)],
      run: ([a, b, c]) => k[`gemm${S}`](0, 0, 68, 131, 129, 1.5, a!, 129, b!, 131, 0, c!, 131, h.module.gemmWorkspace()),
    },
    {
      name: 'gemm transposed, beta 1',
      blocks: [f(129 * 68), f(16900), f(68 * 131)],
      run: ([a, b, c]) => k[`gemm${S}`](1, 1, 68, 131, 129, 1, a!, 68, b!, 129, 1, c!, 131, h.module.gemmWorkspace()),
    },
    {
      name: 'gemm narrow output',
      blocks: [f(68 * 129), f(388), f(68 * 3)],
      run: ([a, b, c]) => k[`gemm${S}`](0, 0, 68, 3, 129, 1, a!, 129, b!, 3, 0, c!, 3, h.module.gemmWorkspace()),
    },
    {
      name: 'gemmBatched',
      blocks: [f(3 * 12 * 20), f(20 * 8), f(3 * 12 * 8)],
      run: ([a, b, c]) => k[`gemmBatched${S}`](0, 0, 12, 8, 20, 1, a!, 20, 240, b!, 8, 0, 0, c!, 8, 96, 3, h.module.gemmWorkspace()),
    },
    // Gates on every layout path: rows of one value (B = 1), pairs (B = 2), one vector, several, wide tiles.
    ...gate(64, 1), ...gate(32, 2), ...gate(16, 4), ...gate(4, 32), ...gate(1, 1024),
    // 16 x 16 gates (gate-wide.ts; blocks here are whole vectors, so no D = 9): across i (B = 1) and
    // along b, with a partial last vector.
    ...gate(5, 1, 16), ...gate(3, 5, 16), ...gate(2, 17, 16), ...gate(1, 67, 16),
    // im2col/col2im of a [3, 9, 12] image with 3x3 windows: stride 1, padding 1 (9 x 12 outputs), and
    // stride 2 (5 x 6 outputs, columns ld = 32 apart).
    {
      name: 'im2col',
      blocks: [f(324), f(27 * 108)],
      run: ([image, cols]) => k[`im2col${S}`](cols!, 108, image!, 3, 9, 12, 3, 3, 1, 1, 1, 1, 1, 1, 9, 12),
    },
    {
      name: 'im2col stride 2',
      blocks: [f(324), f(27 * 32)],
      run: ([image, cols]) => k[`im2col${S}`](cols!, 32, image!, 3, 9, 12, 3, 3, 2, 2, 1, 1, 1, 1, 5, 6),
    },
    {
      name: 'col2im',
      blocks: [zeros(324), f(27 * 108)],
      run: ([image, cols]) => k[`col2im${S}`](image!, cols!, 108, 3, 9, 12, 3, 3, 1, 1, 1, 1, 1, 1, 9, 12),
    },
    // Direct convolution of 2 images of 2 padded planes of 5 x 7 (plus slack) with 3 x 3 taps into
    // 5 rows of 21 positions (a partial tile), and its weight gradient over 5 vectors per row.
    ...(() => {
      const bytes = h.bytes(dtype);
      const offsets: number[] = [];
      for (let c = 0; c < 2; c++) for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) offsets.push((c * 35 + kh * 7 + kw) * bytes);
      const taps: Block = { elements: 20, int: true, values: [...offsets, 0, 0] };
      const lanes = 16 / bytes;
      return [
        {
          name: 'directConv',
          blocks: [f(212), f(156), f(92), taps],
          run: ([out, input, weight, tapAt]) => k[`directConv${S}`](out!, 105, 21, input!, 70, weight!, 18, 5, 0, 18, tapAt!, 21, 2, 0, h.module.gemmWorkspace()),
        },
        {
          name: 'directConvWeightGrad',
          blocks: [f(92), f(10 * 5 * lanes), f(156), taps],
          run: ([dW, grad, input, tapAt]) => k[`directConvWeightGrad${S}`](dW!, 18, 0, 5, 0, 18, grad!, 5 * 5 * lanes, 5 * lanes, input!, 70, tapAt!, 5, 2),
        },
        { name: 'flipConvWeights', blocks: [f(92), f(92)], run: ([out, w]) => k[`flipConvWeights${S}`](out!, w!, 5, 2, 9) },
      ] satisfies KernelCase[];
    })(),
    // Batch normalisation of [3, 4, 17] (a vector tail per row), statistics as float64 pairs.
    ...(() => {
      const pairs = f((4 * 16) / h.bytes(dtype));
      return [
        {
          name: 'batchNormForward',
          blocks: [f(204), pairs, f(204), f(4), f(4)],
          run: ([y, stats, x, gamma, beta]) => k[`batchNormForward${S}`](y!, stats!, x!, gamma!, beta!, 1e-5, 3, 4, 17, 0, 4),
        },
        {
          name: 'batchNormBackward',
          blocks: [f(204), pairs, f(204), f(204), f(64 / h.bytes(dtype), Float64Array.from({ length: 64 / h.bytes(dtype) }, (_, i) => (i % 2) + 0.5)), f(4)],
          run: ([dx, sums, dy, x, stats, gamma]) => k[`batchNormBackward${S}`](dx!, sums!, dy!, x!, stats!, gamma!, 1e-5, 3, 4, 17, 0, 4),
        },
      ] satisfies KernelCase[];
    })(),
    // Pooling over NC = 4 planes of 8 x 8: 3 x 3 windows, stride 2, padding 1 -> 4 x 4.
    {
      name: 'maxPool2d',
      blocks: [f(256), f(64), ints(64, 1, 0)],
      run: ([x, out, arg]) => k[`maxPool2d${S}`](out!, arg!, x!, 4, 8, 8, 4, 4, 3, 3, 2, 2, 1, 1),
    },
    // 2 x 2 windows at stride 2 of 4 planes of 8 x 10 -> 4 x 5 (four outputs at a time, then one).
    {
      name: 'maxPool2d 2 x 2',
      blocks: [f(320), f(80), ints(80, 1, 6)],
      run: ([x, out, arg]) => k[`maxPool2d${S}`](out!, arg!, x!, 4, 8, 10, 4, 5, 2, 2, 2, 2, 0, 0),
    },
    { name: 'maxPool2dBackward', blocks: [zeros(256), f(64), ints(64, 64, 1)], run: ([dx, dy, arg]) => k[`maxPool2dBackward${S}`](dx!, dy!, arg!, 4, 8, 8, 4, 4) },
    { name: 'avgPool2d', blocks: [f(256), f(64)], run: ([x, out]) => k[`avgPool2d${S}`](out!, x!, 4, 8, 8, 4, 4, 3, 3, 2, 2, 1, 1, 0) },
    { name: 'avgPool2dBackward', blocks: [zeros(256), f(64)], run: ([dx, dy]) => k[`avgPool2dBackward${S}`](dx!, dy!, 4, 8, 8, 4, 4, 3, 3, 2, 2, 1, 1, 1) },
    { name: 'adaptiveAvgPool2d', blocks: [f(256), f(36)], run: ([x, out]) => k[`adaptiveAvgPool2d${S}`](out!, x!, 4, 8, 8, 3, 3) },
    { name: 'adaptiveAvgPool2dBackward', blocks: [zeros(256), f(36)], run: ([dx, dy]) => k[`adaptiveAvgPool2dBackward${S}`](dx!, dy!, 4, 8, 8, 3, 3) },
    {
      name: 'sgdStep (Nesterov momentum)',
      blocks: [f(268), f(268), f(268)],
      run: ([p, g, buf]) => k[`sgdStep${S}`](p!, g!, buf!, 268, 0.1, 0.9, 0, 0.01, 1, 0),
    },
    {
      name: 'adamStep',
      blocks: [f(268), f(268), f(268), f(268, Float64Array.from({ length: 268 }, (_, i) => (i % 7) / 7))],
      run: ([p, g, m, v]) => k[`adamStep${S}`](p!, g!, m!, v!, 268, 0.01, 0.9, 0.999, 1e-8, 0.01, 0, 0.19, 0.0029),
    },
    // [outer 4, axis 67, inner 4] picked by 5 indices; gathered along the axis by [4, 3, 4] indices.
    { name: 'indexSelect', blocks: [f(80), f(1072), ints(8, 67, 2)], run: ([out, src, idx]) => k[`indexSelect${S}`](out!, src!, idx!, 4, 67, 5, 4) },
    { name: 'indexAdd', blocks: [zeros(1072), f(80), ints(8, 67, 3)], run: ([dst, src, idx]) => k[`indexAdd${S}`](dst!, src!, idx!, 4, 67, 5, 4) },
    { name: 'gatherAlong', blocks: [f(48), f(1072), ints(48, 67, 4)], run: ([out, src, idx]) => k[`gatherAlong${S}`](out!, src!, idx!, 4, 67, 3, 4) },
    { name: 'scatterAlongAdd', blocks: [zeros(1072), f(48), ints(48, 67, 5)], run: ([dst, src, idx]) => k[`scatterAlongAdd${S}`](dst!, src!, idx!, 4, 67, 3, 4) },
  ];
  if (dtype === 'float32') {
    list.push({ name: 'castF32ToF64', blocks: [f(268), f(536)], run: ([src, out]) => k.castF32ToF64(out!, src!, 268) });
  } else {
    list.push({ name: 'castF64ToF32', blocks: [f(268), f(134)], run: ([src, out]) => k.castF64ToF32(out!, src!, 268) });
  }
  return list;
}

// The address where the untouched region starts (the harness never frees a block this large).
function topOf(h: Harness): number {
  const probe = h.module.allocator.alloc(2 ** 20);
  h.module.allocator.free(probe);
  return probe;
}

/**
 * Runs a case on freshly initialised blocks: all below 2 GiB ('low'), all above ('high'), or all
 * above with block `placement` as the last block of memory, ending at byte 2^32. Returns every
 * block's contents afterwards and the addresses used; frees everything it allocated.
 */
function runPlaced(h: Harness, dtype: Dtype, c: KernelCase, initial: ArrayLike<number>[], placement: 'low' | 'high' | number): { contents: number[][]; at: number[] } {
  const allocator = h.module.allocator;
  const bytesOf = (b: Block) => b.elements * (b.int === true ? 4 : h.bytes(dtype));
  const fillers = placement === 'low' ? [] : [allocator.alloc(TWO_GIB)];
  const at = c.blocks.map((b, i) => (i === placement ? -1 : allocator.alloc(bytesOf(b))));
  if (typeof placement === 'number') {
    const bytes = bytesOf(c.blocks[placement]!);
    expect(bytes % 16).toBe(0);
    fillers.push(allocator.alloc(FOUR_GIB - bytes - topOf(h)));
    at[placement] = allocator.alloc(bytes);
    expect(at[placement]! + bytes).toBe(FOUR_GIB);
  }
  c.blocks.forEach((b, i) => {
    if (b.int === true) h.module.i32.set(initial[i]!, elementIndex(at[i]!, 4));
    else h.view(dtype).set(initial[i]!, h.index(dtype, at[i]!));
  });
  c.run(at);
  const contents = c.blocks.map((b, i) => (b.int === true ? h.readInts(at[i]!, b.elements) : Array.from(h.read(dtype, at[i]!, b.elements))));
  h.free(...at, ...fillers.reverse());
  return { contents, at };
}

// Seeded initial contents of a case's blocks (the same for every placement).
function initialValues(c: KernelCase): ArrayLike<number>[] {
  const random = seededRandom(c.name.length * 31 + c.blocks.length);
  return c.blocks.map((b) => b.values ?? Float64Array.from({ length: b.elements }, () => 2 * random() - 1));
}

describe.each(BUILDS)('kernels on blocks above 2 GiB, up to the last byte of memory (%s build)', (build) => {
  describe.each(DTYPES)('%s', (dtype) => {
    const h = new Harness(build, 7);
    // The scratch blocks that kernels are handed, allocated once, below the cases' blocks.
    h.module.descriptor();
    h.module.gemmWorkspace();
    it.each(cases(h, dtype).map((c) => [c.name, c] as const))('%s', (_, c) => {
      const initial = initialValues(c);
      const reference = runPlaced(h, dtype, c, initial, 'low');
      expect(Math.max(...reference.at)).toBeLessThan(TWO_GIB);
      const high = runPlaced(h, dtype, c, initial, 'high');
      expect(Math.min(...high.at)).toBeGreaterThanOrEqual(TWO_GIB);
      expect(high.contents).toEqual(reference.contents);
      for (let last = 0; last < c.blocks.length; last++) {
        const placed = runPlaced(h, dtype, c, initial, last);
        expect(Math.min(...placed.at)).toBeGreaterThanOrEqual(TWO_GIB);
        expect(placed.contents, `block ${last} ending at 4 GiB`).toEqual(reference.contents);
      }
      expect(h.module.allocator.stats().freeBytes).toBe(0);
    });

    it('GEMM with its workspace as the last block of memory', () => {
      const top = new Harness(build, 7);
      const bytes = Math.ceil(top.k.gemmWorkspaceBytes() / 16) * 16;
      const filler = top.module.allocator.alloc(FOUR_GIB - bytes - topOf(top));
      expect(top.module.gemmWorkspace() + bytes).toBe(FOUR_GIB);
      top.free(filler); // the cases' blocks go below 2 GiB
      top.module.descriptor();
      const reference = new Map(cases(h, dtype).map((c) => [c.name, c]));
      const gemms = cases(top, dtype).filter((c) => c.name.startsWith('gemm'));
      expect(gemms.length).toBe(4);
      for (const c of gemms) {
        const initial = initialValues(c);
        const want = runPlaced(h, dtype, reference.get(c.name)!, initial, 'low').contents;
        expect(runPlaced(top, dtype, c, initial, 'low').contents, c.name).toEqual(want);
      }
    });
  });
});

describe.each(BUILDS)('reference twins above 2 GiB (%s build)', (build) => {
  it.each(DTYPES)('%s: descriptor, arg-max and index reads agree with the kernels', (dtype) => {
    const h = new Harness(build, 48);
    h.module.allocator.alloc(TWO_GIB);
    const S = h.suffix(dtype);
    const n = 67;
    const a = h.random_(dtype, 3 * n);
    const b = h.random_(dtype, n);
    expect(Math.min(a, b)).toBeGreaterThanOrEqual(TWO_GIB);
    // Broadcast binary through the descriptor: [3, n] + [n].
    const out = h.alloc(dtype, 3 * n);
    const outRef = h.alloc(dtype, 3 * n);
    const desc = h.module.descriptor([3, n], [n, 1], [0, 1], [0, 0]);
    expect(desc).toBeGreaterThanOrEqual(TWO_GIB);
    h.k[`binary${S}`](BinaryOp.add, out, a, b, 2, desc, 0);
    h.ref[`binary${S}`](BinaryOp.add, outRef, a, b, 2, h.module.descriptor([3, n], [n, 1], [0, 1], [0, 0]), 0);
    expect(h.read(dtype, out, 3 * n)).toEqual(h.read(dtype, outRef, 3 * n));
    // Arg-max to i32 memory.
    const arg = h.module.allocator.alloc(4 * n);
    const argRef = h.module.allocator.alloc(4 * n);
    h.k[`maxAxis${S}`](out, arg, a, 1, 3, n);
    h.ref[`maxAxis${S}`](outRef, argRef, a, 1, 3, n);
    expect(h.readInts(arg, n)).toEqual(h.readInts(argRef, n));
    expect(new Set(h.readInts(arg, n))).toEqual(new Set([0, 1, 2]));
    // Index-driven gather along the axis of a [3, n] array.
    const idx = h.module.allocator.alloc(4 * 3 * n);
    h.module.i32.set(Int32Array.from({ length: 3 * n }, (_, i) => (i * 7) % n), elementIndex(idx, 4));
    h.k[`gatherAlong${S}`](out, a, idx, 3, n, n, 1);
    h.ref[`gatherAlong${S}`](outRef, a, idx, 3, n, n, 1);
    expect(h.read(dtype, out, 3 * n)).toEqual(h.read(dtype, outRef, 3 * n));
    expect(h.read(dtype, out, 1)[0]).toBe(h.read(dtype, a, 1)[0]);
  });
});
