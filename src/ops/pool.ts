// 2-D pooling of x [N, C, H, W]: max (gradient to the first arg-max of each window), average
// (countIncludePad: padding counts as zeros in the divisor, PyTorch's default) and adaptive average
// (PyTorch's window rule). Kernel size, stride and padding are per axis; the stride defaults to
// the kernel size; padding is at most half the kernel, so every window sees the image.

import { ArgumentError, ShapeError, formatShape, optionsObject } from '../errors.js';
import { Tensor } from '../tensor.js';
import { isGradEnabled, record } from '../autograd/graph.js';
import { kernelsFor } from './kernel-set.js';
import { pair, type Pair } from './conv.js';
import { operand } from './operand.js';

/** Stride and zero padding of a pooling window. */
export interface PoolOptions {
  /** Default: the kernel size. */
  stride?: Pair;
  padding?: Pair;
}

export interface PoolGeometry {
  NC: number; H: number; W: number; OH: number; OW: number;
  KH: number; KW: number; strideH: number; strideW: number; padH: number; padW: number;
}

function poolGeometry(op: string, x: Tensor, kernel: Pair, options: PoolOptions): PoolGeometry {
  if (x.rank !== 4) throw new ShapeError(`${op}: input must be [N, C, H, W], got ${formatShape(x.shape)}`);
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [KH, KW] = pair(op, 'kernel size', kernel, 1, 1);
  const [strideH, strideW] = pair(op, 'stride', options.stride ?? [KH, KW], 1, 1);
  const [padH, padW] = pair(op, 'padding', options.padding, 0, 0);
  if (2 * padH > KH || 2 * padW > KW) throw new ArgumentError(`${op}: padding ${padH},${padW} must be at most half the kernel ${KH}x${KW}`);
  const OH = Math.floor((H + 2 * padH - KH) / strideH) + 1;
  const OW = Math.floor((W + 2 * padW - KW) / strideW) + 1;
  if (OH < 1 || OW < 1) throw new ShapeError(`${op}: a ${KH}x${KW} window does not fit the ${H}x${W} input with padding ${padH},${padW}`);
  return { NC: N * C, H, W, OH, OW, KH, KW, strideH, strideW, padH, padW };
}

function outputShape(x: Tensor, g: PoolGeometry): number[] {
  return [x.shape[0]!, x.shape[1]!, g.OH, g.OW];
}

export interface AvgPoolSaved {
  geometry: PoolGeometry;
  /** Whether padded positions count in the average. */
  include: boolean;
}

export interface MaxPoolSaved {
  geometry: PoolGeometry;
  /** Arg-max positions (i32 bits in a float32 block), released with the graph. */
  argmax: Tensor;
  release(): void;
}

/**
 * Max pooling; NaN wins.
 *
 * @example
 * maxPool2d(x, 2);   // [N, C, H, W] -> [N, C, H/2, W/2]
 */
export function maxPool2d(x: Tensor, kernel: Pair, optionsIn: PoolOptions = {}): Tensor {
  const options = optionsObject('maxPool2d', optionsIn);
  const t = operand('maxPool2d', x);
  const g = poolGeometry('maxPool2d', t, kernel, options);
  const out = Tensor.empty(outputShape(t, g), t.dtype, 'maxPool2d');
  const argmax = Tensor.empty([out.size], 'float32', 'maxPool2d');
  kernelsFor(t.dtype).maxPool2d(out.ptr, argmax.ptr, t.ptr, g.NC, g.H, g.W, g.OH, g.OW, g.KH, g.KW, g.strideH, g.strideW, g.padH, g.padW);
  const saved: MaxPoolSaved = { geometry: g, argmax, release: () => argmax.dispose() };
  const result = record('maxPool2d', [t], out, saved);
  if (result.node === null) argmax.dispose();
  return result;
}

/**
 * Average pooling.
 *
 * @example
 * avgPool2d(x, 3, { stride: 2, padding: 1 });   // [N, C, 32, 32] -> [N, C, 16, 16]
 */
export function avgPool2d(x: Tensor, kernel: Pair, optionsIn: PoolOptions & { countIncludePad?: boolean } = {}): Tensor {
  const options = optionsObject('avgPool2d', optionsIn);
  const t = operand('avgPool2d', x);
  const g = poolGeometry('avgPool2d', t, kernel, options);
  const include = options.countIncludePad ?? true;
  const out = Tensor.empty(outputShape(t, g), t.dtype, 'avgPool2d');
  kernelsFor(t.dtype).avgPool2d(out.ptr, t.ptr, g.NC, g.H, g.W, g.OH, g.OW, g.KH, g.KW, g.strideH, g.strideW, g.padH, g.padW, +include);
  return record('avgPool2d', [t], out, { geometry: g, include } satisfies AvgPoolSaved);
}

/**
 * Adaptive average pooling to an output size (a number means a square).
 *
 * @example
 * adaptiveAvgPool2d(x, 1);   // global average: [N, C, H, W] -> [N, C, 1, 1]
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  const t = operand('adaptiveAvgPool2d', x);
  if (t.rank !== 4) throw new ShapeError(`adaptiveAvgPool2d: input must be [N, C, H, W], got ${formatShape(t.shape)}`);
  const [OH, OW] = pair('adaptiveAvgPool2d', 'output size', outputSize, 1, 1);
  const [N, C, H, W] = t.shape as [number, number, number, number];
  if (H < 1 || W < 1) throw new ShapeError(`adaptiveAvgPool2d: empty input ${formatShape(t.shape)}`);
  const g: PoolGeometry = { NC: N * C, H, W, OH, OW, KH: 0, KW: 0, strideH: 0, strideW: 0, padH: 0, padW: 0 };
  const out = Tensor.empty([N, C, OH, OW], t.dtype, 'adaptiveAvgPool2d');
  kernelsFor(t.dtype).adaptiveAvgPool2d(out.ptr, t.ptr, g.NC, H, W, OH, OW);
  return record('adaptiveAvgPool2d', [t], out, g);
}

function gradientInput(x: Tensor): Tensor {
  if (isGradEnabled()) throw new ArgumentError('backward: createGraph (second-order gradients) is not supported through pooling');
  const dx = Tensor.empty(x.shape, x.dtype, 'pool gradient');
  kernelsFor(x.dtype).fill(dx.ptr, 0, dx.size);
  return dx;
}

/** @internal Backward rules of the pooling primitives. */
export function maxPool2dBackward(gradient: Tensor, x: Tensor, saved: MaxPoolSaved): Tensor {
  const { geometry: g, argmax } = saved;
  const dx = gradientInput(x);
  kernelsFor(x.dtype).maxPool2dBackward(dx.ptr, gradient.ptr, argmax.ptr, g.NC, g.H, g.W, g.OH, g.OW);
  return dx;
}

export function avgPool2dBackward(gradient: Tensor, x: Tensor, saved: AvgPoolSaved): Tensor {
  const { geometry: g, include } = saved;
  const dx = gradientInput(x);
  kernelsFor(x.dtype).avgPool2dBackward(dx.ptr, gradient.ptr, g.NC, g.H, g.W, g.OH, g.OW, g.KH, g.KW, g.strideH, g.strideW, g.padH, g.padW, +include);
  return dx;
}

export function adaptiveAvgPool2dBackward(gradient: Tensor, x: Tensor, g: PoolGeometry): Tensor {
  const dx = gradientInput(x);
  kernelsFor(x.dtype).adaptiveAvgPool2dBackward(dx.ptr, gradient.ptr, g.NC, g.H, g.W, g.OH, g.OW);
  return dx;
}
