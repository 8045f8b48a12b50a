// 2-D convolution (cross-correlation, like PyTorch) of x [N, C, H, W] with weight [OC, C, KH, KW]
// and an optional bias [OC]; stride, padding and dilation per axis; groups = 1.
//
// Lowering: images are processed in chunks; im2col writes each chunk's receptive fields side by
// side into one column matrix [C·KH·KW, chunk·OH·OW], so one GEMM W·cols gives the chunk's output
// [OC, chunk·OH·OW], which a strided copy puts into NCHW order. The chunk size keeps the column
// matrix under COLUMN_BYTES, so memory stays bounded for large layers.
//
// Backward (its own rule, not a chain of primitives, so nothing of batch size times weight size
// is ever materialised): per chunk, the columns are rebuilt by im2col, dW += dY·colsᵀ accumulates
// across chunks inside the GEMM (beta = 1), and dX = col2im(Wᵀ·dY).

import { ArgumentError, ShapeError, describeValue, formatShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { kernels } from '../backend/engine.js';
import { isGradEnabled, record } from '../autograd/graph.js';
import { sameDtype } from '../tensor/dtype.js';
import { kernelsFor } from './kernel-set.js';
import { runIndependent } from './parallel-kernels.js';
import { stridedCopy } from './movement.js';
import { operand } from './operand.js';
import type { KernelCall } from '../backend/thread-pool.js';
import { directConvApplies, directConvForward, directConvInputGradient, directConvWeightGradient } from './conv-direct.js';

const COLUMN_BYTES = 16 * 2 ** 20;

/** One number for both image axes, or [height, width]. */
export type Pair = number | readonly [number, number];

/** Stride, zero padding and dilation of conv2d (defaults 1, 0, 1). */
export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
}

export interface ConvGeometry {
  N: number; C: number; H: number; W: number;
  OC: number; KH: number; KW: number;
  strideH: number; strideW: number; padH: number; padW: number; dilationH: number; dilationW: number;
  OH: number; OW: number;
}

/** Resolves a number-or-pair option to two non-negative (or positive) integers. */
export function pair(op: string, name: string, value: Pair | undefined, fallback: number, minimum: number): [number, number] {
  const v = value ?? fallback;
  const [a, b] = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : [NaN, NaN];
  if (!Number.isInteger(a) || !Number.isInteger(b) || a! < minimum || b! < minimum) {
    throw new ArgumentError(`${op}: ${name} must be an integer >= ${minimum} or a pair of them, got ${JSON.stringify(value)}`);
  }
  return [a!, b!];
}

function geometry(x: Tensor, weight: Tensor, options: Conv2dOptions): ConvGeometry {
  if (x.rank !== 4) throw new ShapeError(`conv2d: input must be [N, C, H, W], got ${formatShape(x.shape)}`);
  if (weight.rank !== 4) throw new ShapeError(`conv2d: weight must be [OC, C, KH, KW], got ${formatShape(weight.shape)}`);
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [OC, WC, KH, KW] = weight.shape as [number, number, number, number];
  if (WC !== C) throw new ShapeError(`conv2d: input has ${C} channels but the weight ${formatShape(weight.shape)} expects ${WC}`);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ArgumentError(`conv2d: options must be an object such as { stride: 1, padding: 1 }, got ${describeValue(options)}`);
  }
  const [strideH, strideW] = pair('conv2d', 'stride', options.stride, 1, 1);
  const [padH, padW] = pair('conv2d', 'padding', options.padding, 0, 0);
  const [dilationH, dilationW] = pair('conv2d', 'dilation', options.dilation, 1, 1);
  const OH = Math.floor((H + 2 * padH - dilationH * (KH - 1) - 1) / strideH) + 1;
  const OW = Math.floor((W + 2 * padW - dilationW * (KW - 1) - 1) / strideW) + 1;
  if (OH < 1 || OW < 1) {
    throw new ShapeError(`conv2d: a ${KH}x${KW} kernel (dilation ${dilationH},${dilationW}) does not fit the ${H}x${W} input with padding ${padH},${padW}`);
  }
  return { N, C, H, W, OC, KH, KW, strideH, strideW, padH, padW, dilationH, dilationW, OH, OW };
}

/** @internal The size of chunks of at most `most` items that cover `total` items in as few, equal chunks as possible. */
export function evenChunks(total: number, most: number): number {
  const chunks = Math.max(1, Math.ceil(total / Math.max(1, most)));
  return Math.max(1, Math.ceil(total / chunks));
}

function chunkSize(g: ConvGeometry, bytes: number): number {
  const perImage = g.C * g.KH * g.KW * g.OH * g.OW * bytes;
  return evenChunks(g.N, Math.floor(COLUMN_BYTES / Math.max(1, perImage)));
}

// The im2col (or col2im) calls for images n0 .. n0 + count, between the images of `images` and the
// first count·P columns of cols [CKK, ld] (ld is the allocated row length, chunk·P). The calls
// touch disjoint columns (and images), so they run split across threads.
function windowCalls(kind: 'im2col' | 'col2im', g: ConvGeometry, images: Tensor, cols: Tensor, ld: number, n0: number, count: number): KernelCall[] {
  const bytes = images.dtype === 'float32' ? 4 : 8;
  const name = `${kind}${images.dtype === 'float32' ? 'F32' : 'F64'}`;
  const P = g.OH * g.OW;
  const geometry = [g.C, g.H, g.W, g.KH, g.KW, g.strideH, g.strideW, g.padH, g.padW, g.dilationH, g.dilationW, g.OH, g.OW];
  const calls: KernelCall[] = [];
  for (let i = 0; i < count; i++) {
    const column = cols.ptr + i * P * bytes;
    const image = images.ptr + (n0 + i) * g.C * g.H * g.W * bytes;
    calls.push({ name, args: kind === 'im2col' ? [column, ld, image, ...geometry] : [image, column, ld, ...geometry] });
  }
  return calls;
}

// Fills the first count·P columns of cols [CKK, ld] with the receptive fields of images
// n0 .. n0 + count.
function unfold(g: ConvGeometry, x: Tensor, cols: Tensor, ld: number, n0: number, count: number): void {
  runIndependent(kernels(), windowCalls('im2col', g, x, cols, ld, n0, count));
}

/**
 * 2-D convolution (cross-correlation) with optional bias.
 *
 * @example
 * conv2d(x, w, b, { stride: 1, padding: 2 });   // x [N, 1, 28, 28], w [6, 1, 5, 5] -> [N, 6, 28, 28]
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const t = operand('conv2d', x, 'input');
  const w = operand('conv2d', weight, 'weight');
  sameDtype('conv2d', t.dtype, w.dtype);
  const g = geometry(t, w, options);
  if (bias !== null) {
    operand('conv2d', bias, 'bias');
    sameDtype('conv2d', t.dtype, bias.dtype);
    if (bias.rank !== 1 || bias.shape[0] !== g.OC) throw new ShapeError(`conv2d: bias must be [${g.OC}], got ${formatShape(bias.shape)}`);
  }
  const out = Tensor.empty([g.N, g.OC, g.OH, g.OW], t.dtype, 'conv2d');
  const k = kernelsFor(t.dtype);
  if (directConvApplies(g)) directConvForward(g, t, w, out);
  else lowerThroughColumns(g, t, w, out);
  if (bias !== null && out.size > 0) {
    // out[n, oc, p] += bias[oc]
    const desc = kernels().descriptor([g.N, g.OC, g.OH * g.OW], [g.OC * g.OH * g.OW, g.OH * g.OW, 1], [0, 1, 0]);
    k.binary(0, out.ptr, out.ptr, bias.ptr, 3, desc, 0);
  }
  const inputs = bias === null ? [t, w] : [t, w, bias];
  return record('conv2d', inputs, out, g);
}

// out = conv2d(x, w) through im2col column matrices and one GEMM per chunk of images.
function lowerThroughColumns(g: ConvGeometry, t: Tensor, w: Tensor, out: Tensor): void {
  const k = kernelsFor(t.dtype);
  const bytes = t.dtype === 'float32' ? 4 : 8;
  const P = g.OH * g.OW;
  const CKK = g.C * g.KH * g.KW;
  const chunk = chunkSize(g, bytes);
  const cols = Tensor.empty([CKK, chunk * P], t.dtype, 'conv2d');
  const product = Tensor.empty([g.OC, chunk * P], t.dtype, 'conv2d');
  const work = kernels().gemmWorkspace();
  for (let n0 = 0; n0 < g.N; n0 += chunk) {
    const count = Math.min(chunk, g.N - n0);
    unfold(g, t, cols, chunk * P, n0, count);
    // [OC, CKK] · [CKK, count·P] -> [OC, count·P] (rows of cols are chunk·P apart)
    k.gemm(0, 0, g.OC, count * P, CKK, 1, w.ptr, CKK, cols.ptr, chunk * P, 0, product.ptr, count * P, work);
    // [OC, count, P] -> out[n0 .. n0 + count] as [count, OC, P]
    stridedCopy(out, product, [g.OC, count, P], [count * P, P, 1], 0, [P, g.OC * P, 1], n0 * g.OC * P);
  }
  cols.dispose();
  product.dispose();
}

/** @internal The backward of conv2d: [dX, dW, dBias?]. */
export function conv2dBackward(gradient: Tensor, x: Tensor, weight: Tensor, hasBias: boolean, needs: boolean[], g: ConvGeometry): (Tensor | null)[] {
  if (isGradEnabled()) throw new ArgumentError('backward: createGraph (second-order gradients) is not supported through conv2d');
  const k = kernelsFor(x.dtype);
  const dX = needs[0] ? Tensor.empty(x.shape, x.dtype, 'conv2d gradient') : null;
  const dW = needs[1] ? Tensor.empty(weight.shape, x.dtype, 'conv2d gradient') : null;
  if (dW !== null) k.fill(dW.ptr, 0, dW.size);
  if (directConvApplies(g)) {
    if (dW !== null) directConvWeightGradient(g, x, gradient, dW);
    if (dX !== null) directConvInputGradient(g, gradient, weight, dX);
  } else {
    if (dX !== null) k.fill(dX.ptr, 0, dX.size);
    columnGradients(g, gradient, x, weight, dX, dW);
  }
  let dB: Tensor | null = null;
  if (hasBias && needs[2]) {
    // Σ over n and p of gradient [N, OC, P]: first over p, then over n.
    const perImage = Tensor.empty([g.N, g.OC], x.dtype, 'conv2d gradient');
    k.sumAxis(perImage.ptr, gradient.ptr, g.N * g.OC, g.OH * g.OW, 1, 1);
    dB = Tensor.empty([g.OC], x.dtype, 'conv2d gradient');
    k.sumAxis(dB.ptr, perImage.ptr, 1, g.N, g.OC, 1);
    perImage.dispose();
  }
  return hasBias ? [dX, dW, dB] : [dX, dW];
}

// dX (zero-filled) += col2im(Wᵀ·dY) and dW += dY·colsᵀ, chunk by chunk of images.
function columnGradients(g: ConvGeometry, gradient: Tensor, x: Tensor, weight: Tensor, dX: Tensor | null, dW: Tensor | null): void {
  const k = kernelsFor(x.dtype);
  const bytes = x.dtype === 'float32' ? 4 : 8;
  const P = g.OH * g.OW;
  const CKK = g.C * g.KH * g.KW;
  const chunk = chunkSize(g, bytes);
  const work = kernels().gemmWorkspace();
  const dy = Tensor.empty([g.OC, chunk * P], x.dtype, 'conv2d gradient');
  const cols = Tensor.empty([CKK, chunk * P], x.dtype, 'conv2d gradient');
  for (let n0 = 0; n0 < g.N; n0 += chunk) {
    const count = Math.min(chunk, g.N - n0);
    // gradient[n0 .. n0 + count] ([count, OC, P]) -> dy [OC, count·P]
    stridedCopy(dy, gradient, [g.OC, count, P], [P, g.OC * P, 1], n0 * g.OC * P, [count * P, P, 1], 0);
    if (dW !== null) {
      unfold(g, x, cols, chunk * P, n0, count);
      // dW [OC, CKK] += dy [OC, count·P] · colsᵀ
      k.gemm(0, 1, g.OC, CKK, count * P, 1, dy.ptr, count * P, cols.ptr, chunk * P, 1, dW.ptr, CKK, work);
    }
    if (dX !== null) {
      // dcols [CKK, count·P] = Wᵀ · dy, then folded back into the images.
      k.gemm(1, 0, CKK, count * P, g.OC, 1, weight.ptr, CKK, dy.ptr, count * P, 0, cols.ptr, chunk * P, work);
      runIndependent(kernels(), windowCalls('col2im', g, dX, cols, chunk * P, n0, count));
    }
  }
  dy.dispose();
  cols.dispose();
}
