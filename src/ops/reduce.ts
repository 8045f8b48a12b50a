// Reductions over any set of axes: sum, mean, max (gradient to the arg-max), argmax, and the
// central undoing of broadcasting (sumToShape) that the reverse pass applies to every gradient.

import { ArgumentError, ShapeError, formatShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { kernels } from '../backend/engine.js';
import { elementIndex } from '../backend/kernel-module.js';
import { record } from '../autograd/graph.js';
import { normalizeAxes, normalizeAxis, sameShape, sizeOf, type Shape } from '../tensor/shape.js';
import { kernelsFor } from './kernel-set.js';
import { operand } from './operand.js';
import { copyForward, permuteForward, reshape } from './movement.js';

export interface ReduceSaved {
  axes: number[];
  keepdims: boolean;
}

/** Shape after reducing `axes` (kept as 1s with keepdims). */
export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): number[] {
  const reduced = new Set(axes);
  const out: number[] = [];
  shape.forEach((s, d) => {
    if (!reduced.has(d)) out.push(s);
    else if (keepdims) out.push(1);
  });
  return out;
}

// Consecutive reduced axes form one group, reduced by one kernel call over [outer, extent, inner].
function axisGroups(axes: readonly number[]): [number, number][] {
  const groups: [number, number][] = [];
  for (const a of axes) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[1] === a - 1) last[1] = a;
    else groups.push([a, a]);
  }
  return groups;
}

// Sum (or mean) over axes, last group first; each pass shrinks the data.
function sumForward(x: Tensor, axes: number[], keepdims: boolean, mean: boolean, origin: string): Tensor {
  const outShape = reducedShape(x.shape, axes, keepdims);
  if (axes.length === 0) return copyForward(x);
  const k = kernelsFor(x.dtype);
  const extentTotal = sizeOf(axes.map((a) => x.shape[a]!));
  if (x.size === 0 || extentTotal === 0) {
    const out = Tensor.empty(outShape, x.dtype, origin);
    if (out.size > 0) k.fill(out.ptr, mean ? NaN : 0, out.size);
    return out;
  }
  const current = [...x.shape];
  let src = x;
  const groups = axisGroups(axes).reverse();
  groups.forEach(([first, last], i) => {
    const outer = sizeOf(current.slice(0, first));
    const extent = sizeOf(current.slice(first, last + 1));
    const inner = sizeOf(current.slice(last + 1));
    for (let d = first; d <= last; d++) current[d] = 1;
    const isLast = i === groups.length - 1;
    const dst = Tensor.empty(isLast ? outShape : current, x.dtype, origin);
    k.sumAxis(dst.ptr, src.ptr, outer, extent, inner, mean ? 1 / extent : 1);
    if (src !== x) src.dispose();
    src = dst;
  });
  return src;
}

/**
 * Sum over `axes` (all by default); keepdims keeps them as size-1 axes.
 *
 * @example
 * x.sum();          // scalar
 * x.sum(1, true);   // [n, 1]
 */
export function sum(x: Tensor, axes?: number | number[], keepdims = false): Tensor {
  const t = operand('sum', x);
  const ax = normalizeAxes('sum', axes, t.rank);
  return record('sum', [t], sumForward(t, ax, keepdims, false, 'sum'), { axes: ax, keepdims } satisfies ReduceSaved);
}

/**
 * Mean over `axes` (all by default); the mean of nothing is NaN.
 *
 * @example
 * mean(x);                 // scalar
 * mean(images, [2, 3]);    // [N, C, H, W] -> [N, C]
 */
export function mean(x: Tensor, axes?: number | number[], keepdims = false): Tensor {
  const t = operand('mean', x);
  const ax = normalizeAxes('mean', axes, t.rank);
  return record('mean', [t], sumForward(t, ax, keepdims, true, 'mean'), { axes: ax, keepdims } satisfies ReduceSaved);
}

export interface MaxSaved extends ReduceSaved {
  /** Permutation applied before reducing (reduced axes last), or null when none was needed. */
  perm: number[] | null;
  /** The input viewed as [outer, extent, inner]. */
  outer: number;
  extent: number;
  inner: number;
  /** Arg-max along the extent for each (outer, inner), as [outer, 1, inner]. */
  argmax: Int32Array;
}

/**
 * Maximum over `axes` (all by default). NaN wins. The gradient goes to the first position that
 * attains the maximum.
 *
 * @example
 * max(tensor([[1, 5], [7, 2]]), 1);   // [5, 7]
 */
export function max(x: Tensor, axes?: number | number[], keepdims = false): Tensor {
  const t = operand('max', x);
  const ax = normalizeAxes('max', axes, t.rank);
  const outShape = reducedShape(t.shape, ax, keepdims);
  if (ax.length === 0) return reshape(t, [...t.shape]);
  for (const a of ax) {
    if (t.shape[a] === 0) throw new ArgumentError(`max: cannot reduce axis ${a} of size 0 (shape ${formatShape(t.shape)})`);
  }
  // One contiguous group of reduced axes is read in place as [outer, extent, inner]; otherwise
  // the reduced axes are permuted to the end first.
  const groups = axisGroups(ax);
  let source = t;
  let perm: number[] | null = null;
  let first = ax[0]!;
  let last = ax[ax.length - 1]!;
  if (groups.length > 1) {
    const kept = t.shape.map((_, d) => d).filter((d) => !ax.includes(d));
    perm = [...kept, ...ax];
    source = permuteForward(t, perm);
    first = kept.length;
    last = t.rank - 1;
  }
  const outer = sizeOf(source.shape.slice(0, first));
  const extent = sizeOf(source.shape.slice(first, last + 1));
  const inner = sizeOf(source.shape.slice(last + 1));
  const out = Tensor.empty(outShape, t.dtype, 'max');
  const argmax = new Int32Array(outer * inner);
  if (out.size > 0) {
    const engine = kernels();
    const argPtr = engine.allocator.alloc(argmax.length * 4, 'max');
    kernelsFor(t.dtype).maxAxis(out.ptr, argPtr, source.ptr, outer, extent, inner);
    const at = elementIndex(argPtr, 4);
    argmax.set(engine.i32.subarray(at, at + argmax.length));
    engine.allocator.free(argPtr);
  }
  if (source !== t) source.dispose();
  return record('max', [t], out, { axes: ax, keepdims, perm, outer, extent, inner, argmax } satisfies MaxSaved);
}

/**
 * Index of the maximum along one axis (first on ties, NaN wins); not differentiable.
 *
 * @example
 * argmax(logits, 1);   // Int32Array: the predicted class of each row
 */
export function argmax(x: Tensor, axis: number): Int32Array {
  const t = operand('argmax', x);
  const a = normalizeAxis('argmax', axis, t.rank);
  if (t.shape[a] === 0) throw new ArgumentError(`argmax: cannot reduce axis ${a} of size 0`);
  const outer = sizeOf(t.shape.slice(0, a));
  const extent = t.shape[a]!;
  const inner = sizeOf(t.shape.slice(a + 1));
  const result = new Int32Array(outer * inner);
  if (result.length === 0) return result;
  const engine = kernels();
  const bytes = t.dtype === 'float32' ? 4 : 8;
  const values = engine.allocator.alloc(result.length * bytes, 'argmax');
  try {
    const argPtr = engine.allocator.alloc(result.length * 4, 'argmax');
    kernelsFor(t.dtype).maxAxis(values, argPtr, t.ptr, outer, extent, inner);
    const at = elementIndex(argPtr, 4);
    result.set(engine.i32.subarray(at, at + result.length));
    engine.allocator.free(argPtr);
  } finally {
    engine.allocator.free(values);
  }
  return result;
}

/**
 * Sums a gradient of a broadcast shape back to the shape of the operand that was broadcast:
 * over leading axes that were added, and over axes where the operand had size 1.
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  if (lead < 0) throw new ShapeError(`sumToShape: gradient ${formatShape(g.shape)} has lower rank than ${formatShape(shape)}`);
  const axes: number[] = [];
  for (let d = 0; d < g.rank; d++) {
    if (d < lead || (shape[d - lead] === 1 && g.shape[d] !== 1)) axes.push(d);
  }
  const summed = axes.length > 0 ? sum(g, axes, true) : g;
  return summed.reshape([...shape]);
}
