// The kernel module's exports (kernels/index.ts) as TypeScript sees them: the one place that
// states them. Every kernel family is written once, in DtypeKernels, with its float32 signature;
// the module exports it twice, as <name>F32 and <name>F64 (the float64 export takes the same
// arguments, its scalars as f64), and KernelExports derives both names from it. checkKernelExports
// verifies an instance against this list when the module is instantiated, so a missing or renamed
// export is a clear error at start-up rather than "not a function" inside an op.
//
// Pointers are byte offsets into the module's memory; booleans are passed as 0/1.

import { KernelModuleError } from '../errors.js';

type Ptr = number;
type Bool = number;

/** The kernel families that exist once per dtype (exported as `<name>F32` and `<name>F64`). */
export interface DtypeKernels {
  // GEMM (kernels/gemm.ts)
  gemm(transA: Bool, transB: Bool, m: number, n: number, k: number, alpha: number, a: Ptr, lda: number, b: Ptr, ldb: number, beta: number, c: Ptr, ldc: number, work: Ptr): void;
  gemmBatched(transA: Bool, transB: Bool, m: number, n: number, k: number, alpha: number, a: Ptr, lda: number, strideA: number, b: Ptr, ldb: number, strideB: number, beta: number, c: Ptr, ldc: number, strideC: number, batch: number, work: Ptr): void;
  // Elementwise (unary.ts, binary.ts, axpy.ts)
  unary(op: number, out: Ptr, x: Ptr, n: number, param: number, param2: number): void;
  binary(op: number, out: Ptr, a: Ptr, b: Ptr, rank: number, desc: Ptr, param: number): void;
  binaryScalar(op: number, out: Ptr, a: Ptr, n: number, s: number, reversed: Bool, param: number): void;
  axpy(n: number, alpha: number, x: Ptr, y: Ptr): void;
  // Copies (copy.ts)
  copyStrided(out: Ptr, src: Ptr, rank: number, desc: Ptr, tileAxis: number): void;
  fill(out: Ptr, value: number, n: number): void;
  // Reductions (reduce.ts)
  sumAxis(out: Ptr, src: Ptr, outer: number, extent: number, inner: number, scale: number): void;
  maxAxis(out: Ptr, argOut: Ptr, src: Ptr, outer: number, extent: number, inner: number): void;
  // Indexing and selection (indexing.ts, select.ts)
  indexSelect(out: Ptr, src: Ptr, idx: Ptr, outer: number, axisLength: number, count: number, inner: number): void;
  indexAdd(dst: Ptr, src: Ptr, idx: Ptr, outer: number, axisLength: number, count: number, inner: number): void;
  gatherAlong(out: Ptr, src: Ptr, idx: Ptr, outer: number, axisLength: number, count: number, inner: number): void;
  scatterAlongAdd(dst: Ptr, src: Ptr, idx: Ptr, outer: number, axisLength: number, count: number, inner: number): void;
  select(out: Ptr, cond: Ptr, a: Ptr, b: Ptr, rank: number, desc: Ptr): void;
  // ADTN gates (gate.ts)
  applyGate(out: Ptr, state: Ptr, gate: Ptr, A: number, D: number, B: number, transposed: Bool): void;
  gateGradient(dGate: Ptr, gOut: Ptr, state: Ptr, A: number, D: number, B: number): void;
  gateBackward(dState: Ptr, dGate: Ptr, gOut: Ptr, state: Ptr, gate: Ptr, A: number, D: number, B: number): void;
  // Passes of several gates over blocks of the state (circuit-pass.ts)
  circuitPass(out: Ptr, input: Ptr, gates: Ptr, program: Ptr, steps: number, D: number, R: number, W: number, S: number, chunks: number, H: number, first: number, count: number, scratch: Ptr): void;
  circuitPassBackward(dInput: Ptr, dGates: Ptr, gradOut: Ptr, input: Ptr, gates: Ptr, program: Ptr, steps: number, D: number, R: number, W: number, S: number, chunks: number, H: number, first: number, count: number, scratch: Ptr): void;
  // Convolution and pooling (conv.ts, pool.ts)
  im2col(cols: Ptr, ld: number, image: Ptr, C: number, H: number, W: number, KH: number, KW: number, strideH: number, strideW: number, padH: number, padW: number, dilationH: number, dilationW: number, OH: number, OW: number): void;
  col2im(image: Ptr, cols: Ptr, ld: number, C: number, H: number, W: number, KH: number, KW: number, strideH: number, strideW: number, padH: number, padW: number, dilationH: number, dilationW: number, OH: number, OW: number): void;
  // Direct stride-1 convolution by taps (conv-direct.ts)
  flipConvWeights(out: Ptr, w: Ptr, rows: number, C: number, KK: number): void;
  directConv(out: Ptr, outImage: number, outRow: number, input: Ptr, inImage: number, weight: Ptr, ldw: number, rows: number, tapFirst: number, taps: number, offsets: Ptr, positions: number, images: number, accumulate: Bool, work: Ptr): void;
  directConvWeightGrad(dW: Ptr, ldw: number, rowFirst: number, rowCount: number, tapFirst: number, tapCount: number, gradOut: Ptr, gradImage: number, gradRow: number, input: Ptr, inImage: number, offsets: Ptr, vectors: number, images: number): void;
  maxPool2d(out: Ptr, argmax: Ptr, x: Ptr, NC: number, H: number, W: number, OH: number, OW: number, KH: number, KW: number, strideH: number, strideW: number, padH: number, padW: number): void;
  maxPool2dBackward(dx: Ptr, dy: Ptr, argmax: Ptr, NC: number, H: number, W: number, OH: number, OW: number): void;
  avgPool2d(out: Ptr, x: Ptr, NC: number, H: number, W: number, OH: number, OW: number, KH: number, KW: number, strideH: number, strideW: number, padH: number, padW: number, countIncludePad: Bool): void;
  avgPool2dBackward(dx: Ptr, dy: Ptr, NC: number, H: number, W: number, OH: number, OW: number, KH: number, KW: number, strideH: number, strideW: number, padH: number, padW: number, countIncludePad: Bool): void;
  adaptiveAvgPool2d(out: Ptr, x: Ptr, NC: number, H: number, W: number, OH: number, OW: number): void;
  adaptiveAvgPool2dBackward(dx: Ptr, dy: Ptr, NC: number, H: number, W: number, OH: number, OW: number): void;
  // Batch normalisation in training mode (batch-norm.ts); stats and sums are float64 [C][2]
  batchNormForward(y: Ptr, stats: Ptr, x: Ptr, gamma: Ptr, beta: Ptr, eps: number, N: number, C: number, S: number, first: number, count: number): void;
  batchNormBackward(dx: Ptr, sums: Ptr, dy: Ptr, x: Ptr, stats: Ptr, gamma: Ptr, eps: number, N: number, C: number, S: number, first: number, count: number): void;
  // Optimizer steps (optim.ts)
  sgdStep(param: Ptr, grad: Ptr, buffer: Ptr, n: number, lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: Bool, first: Bool): void;
  adamStep(param: Ptr, grad: Ptr, m: Ptr, v: Ptr, n: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: Bool, bias1: number, bias2: number): void;
}

/**
 * Every family of DtypeKernels, at run time. A Record over the interface's keys: a family added to
 * the interface and not here (or the other way round) does not compile.
 */
const FAMILIES: Record<keyof DtypeKernels, true> = {
  gemm: true, gemmBatched: true,
  unary: true, binary: true, binaryScalar: true, axpy: true,
  copyStrided: true, fill: true,
  sumAxis: true, maxAxis: true,
  indexSelect: true, indexAdd: true, gatherAlong: true, scatterAlongAdd: true, select: true,
  applyGate: true, gateGradient: true, gateBackward: true, circuitPass: true, circuitPassBackward: true,
  im2col: true, col2im: true, flipConvWeights: true, directConv: true, directConvWeightGrad: true, maxPool2d: true, maxPool2dBackward: true, avgPool2d: true, avgPool2dBackward: true, adaptiveAvgPool2d: true, adaptiveAvgPool2dBackward: true,
  batchNormForward: true, batchNormBackward: true,
  sgdStep: true, adamStep: true,
};
export const DTYPE_KERNEL_NAMES = Object.keys(FAMILIES) as readonly (keyof DtypeKernels)[];

/** The dtype suffixes of the exports: F32 for float32, F64 for float64. */
export type DtypeSuffix = 'F32' | 'F64';

/** Exports that exist once: memory, layout queries and the dtype casts. */
export interface SingleExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): Ptr;
  gemmWorkspaceBytes(): number;
  /** The direct convolution's micro-kernel tile: rows | vectors of columns << 8 (kernels/conv-direct.ts). */
  directConvTile(): number;
  castF32ToF64(out: Ptr, src: Ptr, n: number): void;
  castF64ToF32(out: Ptr, src: Ptr, n: number): void;
}

const SINGLE_FUNCTIONS: Record<Exclude<keyof SingleExports, 'memory'>, true> = {
  heapBase: true, gemmWorkspaceBytes: true, directConvTile: true, castF32ToF64: true, castF64ToF32: true,
};

/** The raw exports: the single ones, and every kernel family under both dtype suffixes. */
export type KernelExports = SingleExports & { [K in keyof DtypeKernels as `${K}${DtypeSuffix}`]: DtypeKernels[K] };

/** Every function the module must export, by name. */
export function expectedKernelFunctions(): string[] {
  return [...Object.keys(SINGLE_FUNCTIONS), ...DTYPE_KERNEL_NAMES.flatMap((name) => [`${name}F32`, `${name}F64`])];
}

/**
 * The instance's exports as KernelExports, after checking that every expected function and the
 * memory are there; otherwise a KernelModuleError naming what is missing.
 */
export function checkKernelExports(exports: WebAssembly.Exports, source: string): KernelExports {
  const missing = expectedKernelFunctions().filter((name) => typeof exports[name] !== 'function');
  if (!(exports.memory instanceof WebAssembly.Memory)) missing.unshift('memory');
  if (missing.length > 0) {
    const s = missing.length === 1 ? '' : 's';
    throw new KernelModuleError(`kernel module (${source}): missing export${s} ${missing.join(', ')}; the build does not match this library (rebuild it with npm run build:wasm)`);
  }
  return exports as unknown as KernelExports;
}
