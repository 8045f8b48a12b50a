// The kernels of one dtype with the large calls split across the engine's threads.
//
// Each wrapper takes the kernel's own arguments, and when the call is large enough to repay a
// dispatch (a few microseconds with the workers awake) cuts it into parts that write disjoint
// memory, which the thread pool runs. Every split is exact: each output element is computed by
// the same arithmetic in the same order whatever the cut: elementwise ops and optimizer steps
// (ranges of elements), GEMM (ranges of rows or columns of C: each entry is still one dot product
// over k in KC slices), pooling (ranges of planes), batch normalisation (ranges of channels),
// reductions along an axis (ranges of outer rows), broadcasting binary ops and strided copies (ranges of the first axis). One part per
// thread. (Gate circuits split their passes' blocks themselves, src/ops/circuit.ts.)
//
// Consequently results are bitwise equal with 1, 2 or any number of threads.

import type { KernelModule } from '../backend/kernel-module.js';
import type { KernelCall } from '../backend/thread-pool.js';
import type { DtypeKernels, DtypeSuffix } from '../backend/kernel-exports.js';

// Work below these sizes stays on the calling thread.
const GEMM_SPLIT_FLOPS = 2 ** 19;
const ELEMENTWISE_SPLIT = 2 ** 15;
const POOL_SPLIT = 2 ** 14;
// Element offsets of parts are multiples of this (64 bytes or more: whole cache lines).
const ALIGN_ELEMENTS = 16;
// Column ranges start at multiples of COLUMN_ALIGN, the least multiple of every micro-kernel width
// (12 or 8 float32 columns, 6 or 4 float64), so only the last part has a partial tile. (48, a
// multiple of 16 as well, cut n = 512 into 288 + 224 columns: 1.76x on two threads instead of
// 1.92x; the row of C that two parts share a cache line of costs less. Two column parts per
// thread, for balance, measured slower on VGG-16: each part packs op(A) again.)
const COLUMN_ALIGN = 24;
// Narrowest column range of a column split: wider than the small-n GEMM path (at most 16
// columns), so each part takes the same path as the whole.
const MIN_SPLIT_COLUMNS = 32;

/** Cuts [0, total) into at most `parts` contiguous ranges whose starts are multiples of `align` (no empty ones). */
export function splitRange(total: number, parts: number, align: number): [number, number][] {
  const ranges: [number, number][] = [];
  const step = Math.ceil(total / parts / align) * align;
  for (let p = 0; p < parts; p++) {
    const start = Math.min(total, p * step);
    const end = Math.min(total, start + step);
    if (end > start) ranges.push([start, end]);
  }
  return ranges;
}

/**
 * Runs independent kernel calls (no call writes what another reads or writes), in order within
 * contiguous groups, one group per active thread of `module`.
 *
 * @example
 * runIndependent(kernels(), images.map((ptr) => ({ name: 'im2colF32', args: [...] })));
 */
export function runIndependent(module: KernelModule, calls: readonly KernelCall[]): void {
  const threads = module.pool.active;
  if (calls.length === 0) return;
  module.pool.run(splitRange(calls.length, Math.min(threads, calls.length), 1).map(([start, end]) => calls.slice(start, end)));
}

/**
 * `base` with the calls that are worth it split across `module`'s threads (exact splits) and the
 * gate gradients split by size (see above).
 */
export function parallelKernels(base: DtypeKernels, module: KernelModule, suffix: DtypeSuffix): DtypeKernels {
  const pool = module.pool;
  const bytes = suffix === 'F32' ? 4 : 8;
  const name = (family: keyof DtypeKernels): string => `${family}${suffix}`;
  const run = (parts: KernelCall[][]): void => pool.run(parts);
  // Read at every call: benchmarks and tests change it.
  const threadsNow = (): number => pool.active;

  // A kernel whose argument `countAt` counts independent units (elements, planes, rows), split into
  // ranges of units. `layout(args)` says whether the call is large enough to split and, for each
  // pointer argument, its position and bytes per unit; a null pointer (an unused buffer) stays null.
  type Layout = { split: boolean; steps: readonly (readonly [at: number, bytesPerUnit: number])[] };
  function byUnits<K extends keyof DtypeKernels>(family: K, countAt: number, align: number, layout: (args: number[]) => Layout): DtypeKernels[K] {
    const direct = base[family] as (...args: number[]) => void;
    const exported = name(family);
    return ((...args: number[]) => {
      const threads = threadsNow();
      const units = args[countAt]!;
      const { split, steps } = threads === 1 || units < 2 ? { split: false, steps: [] } : layout(args);
      if (!split) {
        direct(...args);
        return;
      }
      run(splitRange(units, threads, align).map(([start, end]) => {
        const part = args.slice();
        part[countAt] = end - start;
        for (const [at, step] of steps) if (args[at] !== 0) part[at] = args[at]! + start * step;
        return [{ name: exported, args: part }];
      }));
    }) as unknown as DtypeKernels[K];
  }

  // Contiguous elements at the pointers in `pointers` (argument positions).
  const elementwise = <K extends keyof DtypeKernels>(family: K, countAt: number, pointers: readonly number[]): DtypeKernels[K] =>
    byUnits(family, countAt, ALIGN_ELEMENTS, (args) => ({ split: args[countAt]! >= ELEMENTWISE_SPLIT, steps: pointers.map((at) => [at, bytes] as const) }));

  // Pooling over NC planes of H x W inputs and OH x OW outputs: every pooling kernel takes
  // (NC, H, W, OH, OW, ...) right after its pointers, each of which is an 'input' or 'output'
  // plane of values or of i32 indices.
  type PlanePointer = readonly [number, 'input' | 'output', 'value' | 'index'];
  const planes = <K extends keyof DtypeKernels>(family: K, pointers: readonly PlanePointer[]): DtypeKernels[K] =>
    byUnits(family, pointers.length, 1, (args) => {
      const [NC, H, W, OH, OW] = args.slice(pointers.length, pointers.length + 5) as [number, number, number, number, number];
      return {
        split: NC * H * W >= POOL_SPLIT,
        steps: pointers.map(([at, plane, kind]) => [at, (plane === 'input' ? H * W : OH * OW) * (kind === 'index' ? 4 : bytes)] as const),
      };
    });

  // Reductions along an axis (out, [argOut,] src, outer, extent, inner): each of the `outer` rows
  // is its own sum or maximum, so rows split exactly; argOut is i32.
  const alongAxis = <K extends 'sumAxis' | 'maxAxis'>(family: K): DtypeKernels[K] => {
    const outerAt = family === 'maxAxis' ? 3 : 2;
    return byUnits(family, outerAt, 1, (args) => {
      const [outer, extent, inner] = args.slice(outerAt, outerAt + 3) as [number, number, number];
      const out: [number, number] = [0, inner * bytes];
      const src: [number, number] = [outerAt - 1, extent * inner * bytes];
      return { split: outer * extent * inner >= ELEMENTWISE_SPLIT, steps: family === 'maxAxis' ? [out, [1, inner * 4], src] : [out, src] };
    });
  };

  const gemm: DtypeKernels['gemm'] = (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work) => {
    const parts = gemmParts(m, n, k);
    if (parts === null) {
      base.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work);
      return;
    }
    run(parts.map(([byRows, start, end], p) => [gemmPart(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, byRows, start, end, module.gemmWorkspace(p))]));
  };

  // Ranges of rows (byRows) or columns of C, one per thread, for `batch` products of this shape;
  // null when the call stays whole.
  function gemmParts(m: number, n: number, k: number, batch = 1): [boolean, number, number][] | null {
    const threads = threadsNow();
    if (threads === 1 || batch * m * n * k < GEMM_SPLIT_FLOPS) return null;
    // Each part packs the whole of the operand it does not split: split the larger side.
    if (n >= m) {
      const columns = splitRange(n, threads, COLUMN_ALIGN);
      if (columns.length > 1 && columns.every(([s, e]) => e - s >= MIN_SPLIT_COLUMNS)) return columns.map(([s, e]) => [false, s, e]);
    }
    // Row starts at multiples of 12 (both tile heights, 3 and 4): a split makes no edge tile that
    // one thread would compute as a full one (the two round alpha·acc + beta·C differently).
    if (m >= 2 * threads) return splitRange(m, threads, 12).map(([s, e]) => [true, s, e]);
    return null;
  }

  function gemmPart(
    transA: number, transB: number, m: number, n: number, k: number, alpha: number, a: number, lda: number,
    b: number, ldb: number, beta: number, c: number, ldc: number, byRows: boolean, start: number, end: number, work: number,
  ): KernelCall {
    if (byRows) {
      const aPart = transA ? a + start * bytes : a + start * lda * bytes;
      return { name: name('gemm'), args: [transA, transB, end - start, n, k, alpha, aPart, lda, b, ldb, beta, c + start * ldc * bytes, ldc, work] };
    }
    const bPart = transB ? b + start * ldb * bytes : b + start * bytes;
    return { name: name('gemm'), args: [transA, transB, m, end - start, k, alpha, a, lda, bPart, ldb, beta, c + start * bytes, ldc, work] };
  }

  const gemmBatched: DtypeKernels['gemmBatched'] = (transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch, work) => {
    const threads = threadsNow();
    if (threads === 1 || batch * m * n * k < GEMM_SPLIT_FLOPS) {
      base.gemmBatched(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch, work);
      return;
    }
    if (batch >= threads) {
      run(splitRange(batch, threads, 1).map(([start, end], p) => [{
        name: name('gemmBatched'),
        args: [transA, transB, m, n, k, alpha, a + start * strideA * bytes, lda, strideA, b + start * strideB * bytes, ldb, strideB,
          beta, c + start * strideC * bytes, ldc, strideC, end - start, module.gemmWorkspace(p)],
      }]));
      return;
    }
    const parts = gemmParts(m, n, k, batch);
    if (parts === null) {
      base.gemmBatched(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch, work);
      return;
    }
    run(parts.map(([byRows, start, end], p) => {
      const calls: KernelCall[] = [];
      for (let i = 0; i < batch; i++) {
        calls.push(gemmPart(transA, transB, m, n, k, alpha, a + i * strideA * bytes, lda, b + i * strideB * bytes, ldb, beta,
          c + i * strideC * bytes, ldc, byRows, start, end, module.gemmWorkspace(p)));
      }
      return calls;
    }));
  };

  // Ranges of the first axis of a descriptor's shape (shape, strides of two operands, scratch;
  // i32 each, as binary and copyStrided take them), with each part's descriptor written into a
  // block of its own (the kernels write an odometer into theirs, so parts cannot share one);
  // null when the call stays whole.
  interface AxisPart { start: number; descriptor: number }
  function firstAxisParts(rank: number, desc: number): { parts: AxisPart[]; inner: number; strides: [number, number] } | null {
    const threads = threadsNow();
    if (threads === 1 || rank < 1) return null;
    const words = module.i32.subarray(desc >>> 2, (desc >>> 2) + 3 * rank);
    const shape = Array.from(words.subarray(0, rank));
    let size = 1;
    for (const extent of shape) size *= extent;
    if (size < ELEMENTWISE_SPLIT || shape[0]! < 2) return null;
    const first = Array.from(words.subarray(rank, 2 * rank));
    const second = Array.from(words.subarray(2 * rank, 3 * rank));
    const parts = splitRange(shape[0]!, threads, rank === 1 ? ALIGN_ELEMENTS : 1).map(([start, end], p) => ({
      start, descriptor: module.partDescriptor(p, [end - start, ...shape.slice(1)], first, second),
    }));
    return { parts, inner: size / shape[0]!, strides: [first[0]!, second[0]!] };
  }

  // Broadcasting binary ops (out contiguous; a and b strided): ranges of the first axis.
  const binary: DtypeKernels['binary'] = (op, out, a, b, rank, desc, param) => {
    const split = firstAxisParts(rank, desc);
    if (split === null) {
      base.binary(op, out, a, b, rank, desc, param);
      return;
    }
    const [aStride, bStride] = split.strides;
    run(split.parts.map(({ start, descriptor }) => [{
      name: name('binary'),
      args: [op, out + start * split.inner * bytes, a + start * aStride * bytes, b + start * bStride * bytes, rank, descriptor, param],
    }]));
  };

  // Strided copies (out and src strided): ranges of the first axis, unless it is the axis of a
  // blocked transpose.
  const copyStrided: DtypeKernels['copyStrided'] = (out, src, rank, desc, tileAxis) => {
    const split = tileAxis === 0 ? null : firstAxisParts(rank, desc);
    if (split === null) {
      base.copyStrided(out, src, rank, desc, tileAxis);
      return;
    }
    const [outStride, srcStride] = split.strides;
    run(split.parts.map(({ start, descriptor }) => [{
      name: name('copyStrided'), args: [out + start * outStride * bytes, src + start * srcStride * bytes, rank, descriptor, tileAxis],
    }]));
  };

  // Batch normalisation (..., N, C, S, first, count): each channel is its own sums and writes, so
  // ranges of channels split exactly.
  const channels = <K extends 'batchNormForward' | 'batchNormBackward'>(family: K): DtypeKernels[K] => {
    const direct = base[family] as (...args: number[]) => void;
    return ((...args: number[]) => {
      const at = args.length - 5;
      const [N, , S, first, count] = args.slice(at) as [number, number, number, number, number];
      const threads = threadsNow();
      if (threads === 1 || count < 2 || N * S * count < ELEMENTWISE_SPLIT) {
        direct(...args);
        return;
      }
      run(splitRange(count, threads, 1).map(([start, end]) => {
        const part = args.slice();
        part[at + 3] = first + start;
        part[at + 4] = end - start;
        return [{ name: name(family), args: part }];
      }));
    }) as unknown as DtypeKernels[K];
  };

  return {
    ...base,
    batchNormForward: channels('batchNormForward'),
    batchNormBackward: channels('batchNormBackward'),
    gemm,
    gemmBatched,
    binary,
    copyStrided,
    unary: elementwise('unary', 3, [1, 2]),
    binaryScalar: elementwise('binaryScalar', 3, [1, 2]),
    axpy: elementwise('axpy', 0, [2, 3]),
    fill: elementwise('fill', 2, [0]),
    sgdStep: elementwise('sgdStep', 3, [0, 1, 2]),
    adamStep: elementwise('adamStep', 4, [0, 1, 2, 3]),
    sumAxis: alongAxis('sumAxis'),
    maxAxis: alongAxis('maxAxis'),
    maxPool2d: planes('maxPool2d', [[0, 'output', 'value'], [1, 'output', 'index'], [2, 'input', 'value']]),
    maxPool2dBackward: planes('maxPool2dBackward', [[0, 'input', 'value'], [1, 'output', 'value'], [2, 'output', 'index']]),
    avgPool2d: planes('avgPool2d', [[0, 'output', 'value'], [1, 'input', 'value']]),
    avgPool2dBackward: planes('avgPool2dBackward', [[0, 'input', 'value'], [1, 'output', 'value']]),
    adaptiveAvgPool2d: planes('adaptiveAvgPool2d', [[0, 'output', 'value'], [1, 'input', 'value']]),
    adaptiveAvgPool2dBackward: planes('adaptiveAvgPool2dBackward', [[0, 'input', 'value'], [1, 'output', 'value']]),
  };
}
