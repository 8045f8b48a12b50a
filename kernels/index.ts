// The kernel module's exported ABI. Every export is a pure kernel over byte pointers into this
// module's memory, with sizes and strides in elements; TypeScript (src/backend) owns all
// allocation above heapBase() and validates every call before it gets here.
//
// Addresses: memory reaches 4 GiB (65536 pages), so pointers are usize (unsigned 32-bit) in every
// kernel and are only added to, or compared with other usize values; an element offset may be
// computed in i32 and added as usize (the sum wraps the same way). No pointer goes through a
// signed comparison, a signed shift or a conversion to i64/f64, which would break at 2^31. Loops
// count elements or rows rather than running to an end pointer, which is 2^32 = 0 for a block
// that ends at the top of memory (the one exception, GEMM's micro-kernel, stays inside its
// workspace). test/kernels/high-addresses.test.ts runs every kernel on blocks ending there.

import { axpy } from './axpy';
import { batchNormBackward, batchNormForward } from './batch-norm';
import { binary, binaryScalar } from './binary';
import { copyStrided, fill } from './copy';
import { gemm, gemmBatched, gemmWorkspaceElements } from './gemm';
import { applyGate, gateBackward, gateGradient } from './gate';
import { circuitPass, circuitPassBackward } from './circuit-pass';
import { col2im, im2col } from './conv';
import { directConv, directConvWeightGrad, flipConvWeights } from './conv-direct';

export { directConvTile } from './conv-direct';
import { adamStep, sgdStep } from './optim';
import { adaptiveAvgPool2d, adaptiveAvgPool2dBackward, avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool';
import { gatherAlong, indexAdd, indexSelect, scatterAlongAdd } from './indexing';
import { maxAxis, sumAxis } from './reduce';
import { select } from './select';
import { unary } from './unary';

export { castF32ToF64, castF64ToF32 } from './copy';

/** First byte of linear memory that no static data uses: the allocator starts here. */
export function heapBase(): usize {
  return __heap_base;
}

export function gemmWorkspaceBytes(): i32 {
  return max(gemmWorkspaceElements<f32>() * 4, gemmWorkspaceElements<f64>() * 8);
}

export function gemmF32(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32,
  b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, work: usize,
): void {
  gemm<f32>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work);
}

export function gemmF64(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f64, a: usize, lda: i32,
  b: usize, ldb: i32, beta: f64, c: usize, ldc: i32, work: usize,
): void {
  gemm<f64>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work);
}

export function gemmBatchedF32(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, strideA: i32, b: usize, ldb: i32, strideB: i32,
  beta: f32, c: usize, ldc: i32, strideC: i32, batch: i32, work: usize,
): void {
  gemmBatched<f32>(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch, work);
}

export function gemmBatchedF64(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f64,
  a: usize, lda: i32, strideA: i32, b: usize, ldb: i32, strideB: i32,
  beta: f64, c: usize, ldc: i32, strideC: i32, batch: i32, work: usize,
): void {
  gemmBatched<f64>(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch, work);
}

export function unaryF32(op: i32, out: usize, x: usize, n: i32, param: f32, param2: f32): void {
  unary<f32>(op, out, x, n, param, param2);
}

export function binaryF32(op: i32, out: usize, a: usize, b: usize, rank: i32, desc: usize, param: f32): void {
  binary<f32>(op, out, a, b, rank, desc, param);
}

export function binaryScalarF32(op: i32, out: usize, a: usize, n: i32, s: f32, reversed: bool, param: f32): void {
  binaryScalar<f32>(op, out, a, n, s, reversed, param);
}

export function axpyF32(n: i32, alpha: f32, x: usize, y: usize): void {
  axpy<f32>(n, alpha, x, y);
}

export function copyStridedF32(out: usize, src: usize, rank: i32, desc: usize, tileAxis: i32): void {
  copyStrided<f32>(out, src, rank, desc, tileAxis);
}

export function fillF32(out: usize, value: f32, n: i32): void {
  fill<f32>(out, value, n);
}

export function sumAxisF32(out: usize, src: usize, outer: i32, extent: i32, inner: i32, scale: f32): void {
  sumAxis<f32>(out, src, outer, extent, inner, scale);
}

export function maxAxisF32(out: usize, argOut: usize, src: usize, outer: i32, extent: i32, inner: i32): void {
  maxAxis<f32>(out, argOut, src, outer, extent, inner);
}

export function unaryF64(op: i32, out: usize, x: usize, n: i32, param: f64, param2: f64): void {
  unary<f64>(op, out, x, n, param, param2);
}

export function binaryF64(op: i32, out: usize, a: usize, b: usize, rank: i32, desc: usize, param: f64): void {
  binary<f64>(op, out, a, b, rank, desc, param);
}

export function binaryScalarF64(op: i32, out: usize, a: usize, n: i32, s: f64, reversed: bool, param: f64): void {
  binaryScalar<f64>(op, out, a, n, s, reversed, param);
}

export function axpyF64(n: i32, alpha: f64, x: usize, y: usize): void {
  axpy<f64>(n, alpha, x, y);
}

export function copyStridedF64(out: usize, src: usize, rank: i32, desc: usize, tileAxis: i32): void {
  copyStrided<f64>(out, src, rank, desc, tileAxis);
}

export function fillF64(out: usize, value: f64, n: i32): void {
  fill<f64>(out, value, n);
}

export function sumAxisF64(out: usize, src: usize, outer: i32, extent: i32, inner: i32, scale: f64): void {
  sumAxis<f64>(out, src, outer, extent, inner, scale);
}

export function maxAxisF64(out: usize, argOut: usize, src: usize, outer: i32, extent: i32, inner: i32): void {
  maxAxis<f64>(out, argOut, src, outer, extent, inner);
}

export function indexSelectF32(out: usize, src: usize, idx: usize, outer: i32, axisLength: i32, count: i32, inner: i32): void {
  indexSelect<f32>(out, src, idx, outer, axisLength, count, inner);
}

export function indexAddF32(dst: usize, src: usize, idx: usize, outer: i32, axisLength: i32, count: i32, inner: i32): void {
  indexAdd<f32>(dst, src, idx, outer, axisLength, count, inner);
}

export function gatherAlongF32(out: usize, src: usize, idx: usize, outer: i32, axisLength: i32, count: i32, inner: i32): void {
  gatherAlong<f32>(out, src, idx, outer, axisLength, count, inner);
}

export function scatterAlongAddF32(dst: usize, src: usize, idx: usize, outer: i32, axisLength: i32, count: i32, inner: i32): void {
  scatterAlongAdd<f32>(dst, src, idx, outer, axisLength, count, inner);
}

export function selectF32(out: usize, cond: usize, a: usize, b: usize, rank: i32, desc: usize): void {
  select<f32>(out, cond, a, b, rank, desc);
}

export function indexSelectF64(out: usize, src: usize, idx: usize, outer: i32, axisLength: i32, count: i32, inner: i32): void {
  indexSelect<f64>(out, src, idx, outer, axisLength, count, inner);
}

export function indexAddF64(dst: usize, src: usize, idx: usize, outer: i32, axisLength: i32, count: i32, inner: i32): void {
  indexAdd<f64>(dst, src, idx, outer, axisLength, count, inner);
}

export function gatherAlongF64(out: usize, src: usize, idx: usize, outer: i32, axisLength: i32, count: i32, inner: i32): void {
  gatherAlong<f64>(out, src, idx, outer, axisLength, count, inner);
}

export function scatterAlongAddF64(dst: usize, src: usize, idx: usize, outer: i32, axisLength: i32, count: i32, inner: i32): void {
  scatterAlongAdd<f64>(dst, src, idx, outer, axisLength, count, inner);
}

export function selectF64(out: usize, cond: usize, a: usize, b: usize, rank: i32, desc: usize): void {
  select<f64>(out, cond, a, b, rank, desc);
}

export function applyGateF32(out: usize, state: usize, gate: usize, A: i32, D: i32, B: i32, transposed: bool): void {
  applyGate<f32>(out, state, gate, A, D, B, transposed);
}

export function gateGradientF32(dGate: usize, gOut: usize, state: usize, A: i32, D: i32, B: i32): void {
  gateGradient<f32>(dGate, gOut, state, A, D, B);
}

export function gateBackwardF32(dState: usize, dGate: usize, gOut: usize, state: usize, gate: usize, A: i32, D: i32, B: i32): void {
  gateBackward<f32>(dState, dGate, gOut, state, gate, A, D, B);
}

export function applyGateF64(out: usize, state: usize, gate: usize, A: i32, D: i32, B: i32, transposed: bool): void {
  applyGate<f64>(out, state, gate, A, D, B, transposed);
}

export function gateGradientF64(dGate: usize, gOut: usize, state: usize, A: i32, D: i32, B: i32): void {
  gateGradient<f64>(dGate, gOut, state, A, D, B);
}

export function gateBackwardF64(dState: usize, dGate: usize, gOut: usize, state: usize, gate: usize, A: i32, D: i32, B: i32): void {
  gateBackward<f64>(dState, dGate, gOut, state, gate, A, D, B);
}

export function circuitPassF32(
  out: usize, input: usize, gates: usize, program: usize, steps: i32, D: i32,
  R: i32, W: i32, S: i32, chunks: i32, H: i32, first: i32, count: i32, scratch: usize,
): void {
  circuitPass<f32>(out, input, gates, program, steps, D, R, W, S, chunks, H, first, count, scratch);
}

export function circuitPassBackwardF32(
  dInput: usize, dGates: usize, gradOut: usize, input: usize, gates: usize, program: usize, steps: i32, D: i32,
  R: i32, W: i32, S: i32, chunks: i32, H: i32, first: i32, count: i32, scratch: usize,
): void {
  circuitPassBackward<f32>(dInput, dGates, gradOut, input, gates, program, steps, D, R, W, S, chunks, H, first, count, scratch);
}

export function circuitPassF64(
  out: usize, input: usize, gates: usize, program: usize, steps: i32, D: i32,
  R: i32, W: i32, S: i32, chunks: i32, H: i32, first: i32, count: i32, scratch: usize,
): void {
  circuitPass<f64>(out, input, gates, program, steps, D, R, W, S, chunks, H, first, count, scratch);
}

export function circuitPassBackwardF64(
  dInput: usize, dGates: usize, gradOut: usize, input: usize, gates: usize, program: usize, steps: i32, D: i32,
  R: i32, W: i32, S: i32, chunks: i32, H: i32, first: i32, count: i32, scratch: usize,
): void {
  circuitPassBackward<f64>(dInput, dGates, gradOut, input, gates, program, steps, D, R, W, S, chunks, H, first, count, scratch);
}

export function flipConvWeightsF32(out: usize, w: usize, rows: i32, C: i32, KK: i32): void {
  flipConvWeights<f32>(out, w, rows, C, KK);
}

export function directConvF32(
  out: usize, outImage: i32, outRow: i32, input: usize, inImage: i32,
  weight: usize, ldw: i32, rows: i32, tapFirst: i32, taps: i32, offsets: usize,
  positions: i32, images: i32, accumulate: bool, work: usize,
): void {
  directConv<f32>(out, outImage, outRow, input, inImage, weight, ldw, rows, tapFirst, taps, offsets, positions, images, accumulate, work);
}

export function directConvWeightGradF32(
  dW: usize, ldw: i32, rowFirst: i32, rowCount: i32, tapFirst: i32, tapCount: i32,
  gradOut: usize, gradImage: i32, gradRow: i32, input: usize, inImage: i32, offsets: usize,
  vectors: i32, images: i32,
): void {
  directConvWeightGrad<f32>(dW, ldw, rowFirst, rowCount, tapFirst, tapCount, gradOut, gradImage, gradRow, input, inImage, offsets, vectors, images);
}

export function batchNormForwardF32(y: usize, stats: usize, x: usize, gamma: usize, beta: usize, eps: f64, N: i32, C: i32, S: i32, first: i32, count: i32): void {
  batchNormForward<f32>(y, stats, x, gamma, beta, eps, N, C, S, first, count);
}

export function batchNormBackwardF32(dx: usize, sums: usize, dy: usize, x: usize, stats: usize, gamma: usize, eps: f64, N: i32, C: i32, S: i32, first: i32, count: i32): void {
  batchNormBackward<f32>(dx, sums, dy, x, stats, gamma, eps, N, C, S, first, count);
}

export function im2colF32(cols: usize, ld: i32, image: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32, dilationH: i32, dilationW: i32, OH: i32, OW: i32): void {
  im2col<f32>(cols, ld, image, C, H, W, KH, KW, strideH, strideW, padH, padW, dilationH, dilationW, OH, OW);
}

export function col2imF32(image: usize, cols: usize, ld: i32, C: i32, H: i32, W: i32, KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32, dilationH: i32, dilationW: i32, OH: i32, OW: i32): void {
  col2im<f32>(image, cols, ld, C, H, W, KH, KW, strideH, strideW, padH, padW, dilationH, dilationW, OH, OW);
}

export function maxPool2dF32(out: usize, argmax: usize, x: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32, KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32): void {
  maxPool2d<f32>(out, argmax, x, NC, H, W, OH, OW, KH, KW, strideH, strideW, padH, padW);
}

export function maxPool2dBackwardF32(dx: usize, dy: usize, argmax: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  maxPool2dBackward<f32>(dx, dy, argmax, NC, H, W, OH, OW);
}

export function avgPool2dF32(out: usize, x: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32, KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32, countIncludePad: bool): void {
  avgPool2d<f32>(out, x, NC, H, W, OH, OW, KH, KW, strideH, strideW, padH, padW, countIncludePad);
}

export function avgPool2dBackwardF32(dx: usize, dy: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32, KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32, countIncludePad: bool): void {
  avgPool2dBackward<f32>(dx, dy, NC, H, W, OH, OW, KH, KW, strideH, strideW, padH, padW, countIncludePad);
}

export function adaptiveAvgPool2dF32(out: usize, x: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  adaptiveAvgPool2d<f32>(out, x, NC, H, W, OH, OW);
}

export function adaptiveAvgPool2dBackwardF32(dx: usize, dy: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  adaptiveAvgPool2dBackward<f32>(dx, dy, NC, H, W, OH, OW);
}

export function sgdStepF32(param: usize, grad: usize, buffer: usize, n: i32, lr: f32, momentum: f32, dampening: f32, weightDecay: f32, nesterov: bool, first: bool): void {
  sgdStep<f32>(param, grad, buffer, n, lr, momentum, dampening, weightDecay, nesterov, first);
}

export function adamStepF32(param: usize, grad: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32, eps: f32, weightDecay: f32, decoupled: bool, bias1: f32, bias2: f32): void {
  adamStep<f32>(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, decoupled, bias1, bias2);
}

export function flipConvWeightsF64(out: usize, w: usize, rows: i32, C: i32, KK: i32): void {
  flipConvWeights<f64>(out, w, rows, C, KK);
}

export function directConvF64(
  out: usize, outImage: i32, outRow: i32, input: usize, inImage: i32,
  weight: usize, ldw: i32, rows: i32, tapFirst: i32, taps: i32, offsets: usize,
  positions: i32, images: i32, accumulate: bool, work: usize,
): void {
  directConv<f64>(out, outImage, outRow, input, inImage, weight, ldw, rows, tapFirst, taps, offsets, positions, images, accumulate, work);
}

export function directConvWeightGradF64(
  dW: usize, ldw: i32, rowFirst: i32, rowCount: i32, tapFirst: i32, tapCount: i32,
  gradOut: usize, gradImage: i32, gradRow: i32, input: usize, inImage: i32, offsets: usize,
  vectors: i32, images: i32,
): void {
  directConvWeightGrad<f64>(dW, ldw, rowFirst, rowCount, tapFirst, tapCount, gradOut, gradImage, gradRow, input, inImage, offsets, vectors, images);
}

export function batchNormForwardF64(y: usize, stats: usize, x: usize, gamma: usize, beta: usize, eps: f64, N: i32, C: i32, S: i32, first: i32, count: i32): void {
  batchNormForward<f64>(y, stats, x, gamma, beta, eps, N, C, S, first, count);
}

export function batchNormBackwardF64(dx: usize, sums: usize, dy: usize, x: usize, stats: usize, gamma: usize, eps: f64, N: i32, C: i32, S: i32, first: i32, count: i32): void {
  batchNormBackward<f64>(dx, sums, dy, x, stats, gamma, eps, N, C, S, first, count);
}

export function im2colF64(cols: usize, ld: i32, image: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32, dilationH: i32, dilationW: i32, OH: i32, OW: i32): void {
  im2col<f64>(cols, ld, image, C, H, W, KH, KW, strideH, strideW, padH, padW, dilationH, dilationW, OH, OW);
}

export function col2imF64(image: usize, cols: usize, ld: i32, C: i32, H: i32, W: i32, KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32, dilationH: i32, dilationW: i32, OH: i32, OW: i32): void {
  col2im<f64>(image, cols, ld, C, H, W, KH, KW, strideH, strideW, padH, padW, dilationH, dilationW, OH, OW);
}

export function maxPool2dF64(out: usize, argmax: usize, x: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32, KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32): void {
  maxPool2d<f64>(out, argmax, x, NC, H, W, OH, OW, KH, KW, strideH, strideW, padH, padW);
}

export function maxPool2dBackwardF64(dx: usize, dy: usize, argmax: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  maxPool2dBackward<f64>(dx, dy, argmax, NC, H, W, OH, OW);
}

export function avgPool2dF64(out: usize, x: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32, KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32, countIncludePad: bool): void {
  avgPool2d<f64>(out, x, NC, H, W, OH, OW, KH, KW, strideH, strideW, padH, padW, countIncludePad);
}

export function avgPool2dBackwardF64(dx: usize, dy: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32, KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32, countIncludePad: bool): void {
  avgPool2dBackward<f64>(dx, dy, NC, H, W, OH, OW, KH, KW, strideH, strideW, padH, padW, countIncludePad);
}

export function adaptiveAvgPool2dF64(out: usize, x: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  adaptiveAvgPool2d<f64>(out, x, NC, H, W, OH, OW);
}

export function adaptiveAvgPool2dBackwardF64(dx: usize, dy: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  adaptiveAvgPool2dBackward<f64>(dx, dy, NC, H, W, OH, OW);
}

export function sgdStepF64(param: usize, grad: usize, buffer: usize, n: i32, lr: f64, momentum: f64, dampening: f64, weightDecay: f64, nesterov: bool, first: bool): void {
  sgdStep<f64>(param, grad, buffer, n, lr, momentum, dampening, weightDecay, nesterov, first);
}

export function adamStepF64(param: usize, grad: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, decoupled: bool, bias1: f64, bias2: f64): void {
  adamStep<f64>(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, decoupled, bias1, bias2);
}
