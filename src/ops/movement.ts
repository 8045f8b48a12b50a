// Movement: reshape (a view), permute, expand, slice (with steps), concat, stack, pad. Every
// copy is one call of the strided-copy kernel after the axes were merged.

import { ArgumentError, ShapeError, describeValue, formatShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { kernels } from '../backend/engine.js';
import { record } from '../autograd/graph.js';
import { adoptUnrecorded } from '../tensor/lifetime.js';
import { sameDtype } from '../tensor/dtype.js';
import { contiguousStrides, mergeAxes, normalizeAxes, normalizeAxis, sizeOf, type Shape } from '../tensor/shape.js';
import { kernelsFor } from './kernel-set.js';
import { operand } from './operand.js';

// --- raw helpers (not recorded) ------------------------------------------------------------------

/** @internal A tensor sharing x's storage with another shape of the same size. */
export function reshapeView(x: Tensor, shape: Shape): Tensor {
  x.storage!.retain();
  return new Tensor(x.storage!, shape, x.dtype, 'reshape', true);
}

/**
 * @internal out[i] = src[offset + Σ i_d·srcStrides_d] for every index i of `shape`, written at
 * out + outOffset with outStrides (contiguous when omitted).
 */
export function stridedCopy(
  out: Tensor, src: Tensor, shape: Shape, srcStrides: readonly number[], srcOffset = 0,
  outStrides: readonly number[] = contiguousStrides(shape), outOffset = 0,
): void {
  if (sizeOf(shape) === 0) return;
  const merged = mergeAxes(shape, [outStrides, srcStrides]);
  const [mOut, mSrc] = merged.strides as [number[], number[]];
  const rank = merged.shape.length;
  // A transpose (src's unit-stride axis is not the last one, out's is) goes through the tiled path.
  let tileAxis = -1;
  if (rank >= 2 && mSrc[rank - 1] !== 1 && mOut[rank - 1] === 1) tileAxis = mSrc.indexOf(1);
  const bytes = out.dtype === 'float32' ? 4 : 8;
  kernelsFor(out.dtype).copyStrided(
    out.ptr + outOffset * bytes, src.ptr + srcOffset * bytes, rank,
    kernels().descriptor(merged.shape, mOut, mSrc), tileAxis,
  );
}

/** @internal A copy of x with its own storage (not recorded). */
export function copyForward(x: Tensor): Tensor {
  const out = Tensor.empty(x.shape, x.dtype, 'copy');
  const bytes = x.dtype === 'float32' ? 4 : 8;
  kernels().u8.copyWithin(out.ptr, x.ptr, x.ptr + x.size * bytes);
  return out;
}

/** @internal A contiguous copy of x with its axes permuted (not recorded). */
export function permuteForward(x: Tensor, axes: readonly number[]): Tensor {
  const shape = axes.map((a) => x.shape[a]!);
  const strides = contiguousStrides(x.shape);
  const out = Tensor.empty(shape, x.dtype, 'permute');
  stridedCopy(out, x, shape, axes.map((a) => strides[a]!));
  return out;
}

// --- reshape family ----------------------------------------------------------------------------

function resolveShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) throw new ArgumentError(`${op}: shape must be an array of integers`);
  let inferred = -1;
  let known = 1;
  shape.forEach((s, i) => {
    if (s === -1) {
      if (inferred >= 0) throw new ShapeError(`${op}: only one -1 allowed in ${formatShape(shape)}`);
      inferred = i;
    } else if (!Number.isInteger(s) || s < 0) {
      throw new ShapeError(`${op}: shape entries must be non-negative integers or -1, got ${formatShape(shape)}`);
    } else known *= s;
  });
  const out = [...shape];
  if (inferred >= 0) {
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(`${op}: cannot reshape ${formatShape(x.shape)} (${x.size} elements) to ${formatShape(shape)}`);
    }
    out[inferred] = x.size / known;
  }
  if (sizeOf(out) !== x.size) {
    throw new ShapeError(`${op}: cannot reshape ${formatShape(x.shape)} (${x.size} elements) to ${formatShape(shape)} (${sizeOf(out)} elements)`);
  }
  return out;
}

/**
 * The same elements with another shape (one entry may be -1); shares storage.
 *
 * @example
 * reshape(arange(6), [2, -1]);   // shape [2, 3]
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const t = operand('reshape', x);
  const target = resolveShape('reshape', t, shape);
  return record('reshape', [t], reshapeView(t, target), [...t.shape]);
}

/**
 * Merges axes startAxis..endAxis into one.
 *
 * @example
 * flatten(x, 1);   // [N, C, H, W] -> [N, C·H·W]
 */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  const t = operand('flatten', x);
  if (t.rank === 0) return reshape(t, [1]);
  const s = normalizeAxis('flatten', startAxis, t.rank);
  const e = normalizeAxis('flatten', endAxis, t.rank);
  if (e < s) throw new ArgumentError(`flatten: endAxis ${endAxis} comes before startAxis ${startAxis}`);
  return reshape(t, [...t.shape.slice(0, s), sizeOf(t.shape.slice(s, e + 1)), ...t.shape.slice(e + 1)]);
}

/**
 * Removes size-1 axes (all of them, or the given ones, which must have size 1).
 *
 * @example
 * squeeze(zeros([1, 3, 1]));      // shape [3]
 * squeeze(zeros([1, 3, 1]), 0);   // shape [3, 1]
 */
export function squeeze(x: Tensor, axes?: number | number[]): Tensor {
  const t = operand('squeeze', x);
  const drop = axes === undefined ? t.shape.map((s, d) => (s === 1 ? d : -1)).filter((d) => d >= 0) : normalizeAxes('squeeze', axes, t.rank);
  for (const d of drop) {
    if (t.shape[d] !== 1) throw new ShapeError(`squeeze: axis ${d} has size ${t.shape[d]}, not 1 (shape ${formatShape(t.shape)})`);
  }
  return reshape(t, t.shape.filter((_, d) => !drop.includes(d)));
}

/**
 * Inserts a size-1 axis at `axis` (in the result's numbering).
 *
 * @example
 * unsqueeze(zeros([3]), 0);   // shape [1, 3]
 */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const t = operand('unsqueeze', x);
  const a = normalizeAxis('unsqueeze', axis, t.rank + 1);
  return reshape(t, [...t.shape.slice(0, a), 1, ...t.shape.slice(a)]);
}

/**
 * A view that shares x's storage, without gradient history.
 *
 * @example
 * const target = detach(prediction);   // the same values; no gradient flows back through it
 */
export function detach(x: Tensor): Tensor {
  const t = operand('detach', x);
  const out = reshapeView(t, t.shape);
  adoptUnrecorded(out, [t]);
  return out;
}

// --- permute ---------------------------------------------------------------------------------

/**
 * Reorders axes: result axis i is input axis axes[i].
 *
 * @example
 * permute(zeros([2, 3, 4]), [2, 0, 1]);   // shape [4, 2, 3]
 */
export function permute(x: Tensor, axes: readonly number[]): Tensor {
  const t = operand('permute', x);
  if (!Array.isArray(axes) || axes.length !== t.rank) {
    throw new ArgumentError(`permute: expected ${t.rank} axes for shape ${formatShape(t.shape)}, got [${String(axes)}]`);
  }
  const perm = axes.map((a) => normalizeAxis('permute', a, t.rank));
  if (new Set(perm).size !== perm.length) throw new ArgumentError(`permute: [${axes.join(',')}] is not a permutation`);
  const identity = perm.every((a, i) => a === i);
  const out = identity ? reshapeView(t, t.shape) : permuteForward(t, perm);
  return record('permute', [t], out, perm);
}

/**
 * Swaps two axes.
 *
 * @example
 * transpose(zeros([2, 3]));         // shape [3, 2]
 * transpose(zeros([2, 3, 4]), 0, 2);   // shape [4, 3, 2]
 */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  const t = operand('transpose', x);
  if (t.rank < 2) throw new ShapeError(`transpose: needs rank >= 2, got shape ${formatShape(t.shape)}`);
  const a = normalizeAxis('transpose', axis0, t.rank);
  const b = normalizeAxis('transpose', axis1, t.rank);
  const perm = t.shape.map((_, d) => d);
  perm[a] = b;
  perm[b] = a;
  return permute(t, perm);
}

// --- expand ----------------------------------------------------------------------------------

/**
 * Broadcasts x to `shape` (new leading axes, or size-1 axes repeated), materialised.
 *
 * @example
 * expand(tensor([1, 2, 3]), [4, 3]);   // the row repeated 4 times
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const t = operand('expand', x);
  if (!Array.isArray(shape) || shape.length < t.rank || shape.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new ShapeError(`expand: cannot expand ${formatShape(t.shape)} to ${Array.isArray(shape) ? formatShape(shape) : String(shape)}`);
  }
  const lead = shape.length - t.rank;
  const own = contiguousStrides(t.shape);
  const strides = shape.map((s, d) => {
    if (d < lead) return 0;
    const size = t.shape[d - lead]!;
    if (size === s) return own[d - lead]!;
    if (size === 1) return 0;
    throw new ShapeError(`expand: cannot expand ${formatShape(t.shape)} to ${formatShape(shape)} (axis ${d}: ${size} vs ${s})`);
  });
  const out = Tensor.empty(shape, t.dtype, 'expand');
  stridedCopy(out, t, shape, strides);
  return record('expand', [t], out, [...t.shape]);
}

// --- slice -----------------------------------------------------------------------------------

/**
 * One axis of a slice: a number picks one index and drops the axis; [start, end] or
 * [start, end, step] take a range like Python (negative values count from the end, a negative
 * step walks backwards, missing ends are open); null keeps the whole axis.
 */
export type SliceRange = number | null | readonly [number | null, (number | null)?, (number | null)?];

export interface SliceSpec {
  inputShape: number[];
  starts: number[];
  steps: number[];
  counts: number[];
  /** Axes picked by a single index (dropped from the result). */
  dropped: number[];
}

function resolveSlice(x: Tensor, ranges: readonly SliceRange[]): SliceSpec {
  if (!Array.isArray(ranges) || ranges.length > x.rank) {
    throw new ArgumentError(`slice: expected at most ${x.rank} ranges for shape ${formatShape(x.shape)}, got ${Array.isArray(ranges) ? ranges.length : String(ranges)}`);
  }
  const spec: SliceSpec = { inputShape: [...x.shape], starts: [], steps: [], counts: [], dropped: [] };
  x.shape.forEach((size, d) => {
    const r = ranges[d] ?? null;
    if (r !== null && typeof r !== 'number' && !Array.isArray(r)) {
      throw new ArgumentError(`slice: range ${d} must be null, an index or [start, end, step], got ${describeValue(r)}`);
    }
    if (typeof r === 'number') {
      if (!Number.isInteger(r) || r < -size || r >= size) throw new ArgumentError(`slice: index ${r} is out of range for axis ${d} of size ${size}`);
      spec.starts.push(r < 0 ? r + size : r);
      spec.steps.push(1);
      spec.counts.push(1);
      spec.dropped.push(d);
      return;
    }
    const [startIn, endIn, stepIn] = r === null ? [null, null, null] : r;
    const step = stepIn ?? 1;
    if (!Number.isInteger(step) || step === 0) throw new ArgumentError(`slice: step must be a non-zero integer, got ${String(stepIn)} on axis ${d}`);
    for (const v of [startIn, endIn]) {
      if (v !== null && v !== undefined && !Number.isInteger(v)) throw new ArgumentError(`slice: bounds must be integers, got ${v} on axis ${d}`);
    }
    // Python's slice.indices().
    const clamp = (v: number | null | undefined, lo: number, hi: number, open: number): number => {
      if (v === null || v === undefined) return open;
      const w = v < 0 ? v + size : v;
      return Math.min(Math.max(w, lo), hi);
    };
    const start = step > 0 ? clamp(startIn, 0, size, 0) : clamp(startIn, -1, size - 1, size - 1);
    const end = step > 0 ? clamp(endIn, 0, size, size) : clamp(endIn, -1, size - 1, -1);
    const count = step > 0 ? Math.max(0, Math.ceil((end - start) / step)) : Math.max(0, Math.ceil((start - end) / -step));
    spec.starts.push(count > 0 ? start : 0);
    spec.steps.push(step);
    spec.counts.push(count);
  });
  return spec;
}

function specOffsetAndStrides(spec: SliceSpec): { offset: number; strides: number[] } {
  const own = contiguousStrides(spec.inputShape);
  return {
    offset: spec.starts.reduce((acc, s, d) => acc + s * own[d]!, 0),
    strides: spec.steps.map((s, d) => s * own[d]!),
  };
}

function resultShape(spec: SliceSpec): number[] {
  return spec.counts.filter((_, d) => !spec.dropped.includes(d));
}

/** @internal slice by a resolved spec, recorded. */
export function sliceBySpec(t: Tensor, spec: SliceSpec): Tensor {
  const out = Tensor.empty(resultShape(spec), t.dtype, 'slice');
  const { offset, strides } = specOffsetAndStrides(spec);
  stridedCopy(out, t, spec.counts, strides, offset);
  return record('slice', [t], out, spec);
}

/**
 * A copy of a sub-range of x, numpy style.
 *
 * @example
 * x.slice([[1, 5, 2], null, -1]);   // rows 1,3; all columns; last entry of axis 2 (dropped)
 */
export function slice(x: Tensor, ranges: readonly SliceRange[]): Tensor {
  const t = operand('slice', x);
  return sliceBySpec(t, resolveSlice(t, ranges));
}

/** @internal The adjoint of slice: zeros of the input shape with g written at the sliced positions. */
export function sliceScatter(g: Tensor, spec: SliceSpec): Tensor {
  const t = operand('sliceScatter', g);
  const out = Tensor.empty(spec.inputShape, t.dtype, 'sliceScatter');
  if (out.size > 0) kernelsFor(t.dtype).fill(out.ptr, 0, out.size);
  const { offset, strides } = specOffsetAndStrides(spec);
  stridedCopy(out, t, spec.counts, contiguousStrides(spec.counts), 0, strides, offset);
  return record('sliceScatter', [t], out, spec);
}

/** @internal A slice along one axis [start, start + length), as a spec. */
export function axisRangeSpec(shape: Shape, axis: number, start: number, length: number): SliceSpec {
  return {
    inputShape: [...shape],
    starts: shape.map((_, d) => (d === axis ? start : 0)),
    steps: shape.map(() => 1),
    counts: shape.map((s, d) => (d === axis ? length : s)),
    dropped: [],
  };
}

// --- concat, stack, pad ------------------------------------------------------------------------

/**
 * Joins tensors along an existing axis.
 *
 * @example
 * concat([zeros([2, 3]), ones([4, 3])]);      // shape [6, 3]
 * concat([zeros([2, 3]), ones([2, 1])], 1);   // shape [2, 4]
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ArgumentError('concat: expected a non-empty array of tensors');
  const ts = tensors.map((x, i) => operand('concat', x, `tensor ${i}`));
  const first = ts[0]!;
  const a = normalizeAxis('concat', axis, first.rank);
  for (const t of ts) {
    sameDtype('concat', first.dtype, t.dtype);
    if (t.rank !== first.rank || t.shape.some((s, d) => d !== a && s !== first.shape[d])) {
      throw new ShapeError(`concat: shapes ${ts.map((x) => formatShape(x.shape)).join(', ')} differ outside axis ${a}`);
    }
  }
  const sizes = ts.map((t) => t.shape[a]!);
  const shape = [...first.shape];
  shape[a] = sizes.reduce((p, s) => p + s, 0);
  const out = Tensor.empty(shape, first.dtype, 'concat');
  const outStrides = contiguousStrides(shape);
  let offset = 0;
  for (const t of ts) {
    stridedCopy(out, t, t.shape, contiguousStrides(t.shape), 0, outStrides, offset * outStrides[a]!);
    offset += t.shape[a]!;
  }
  return record('concat', ts, out, { axis: a, sizes } satisfies ConcatSaved);
}

/**
 * Joins tensors of one shape along a new axis.
 *
 * @example
 * stack([zeros([3]), ones([3])]);      // shape [2, 3]
 * stack([zeros([3]), ones([3])], 1);   // shape [3, 2]
 */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ArgumentError('stack: expected a non-empty array of tensors');
  const first = operand('stack', tensors[0], 'tensor 0');
  const a = normalizeAxis('stack', axis, first.rank + 1);
  tensors.forEach((x, i) => {
    const t = operand('stack', x, `tensor ${i}`);
    if (t.rank !== first.rank || t.shape.some((s, d) => s !== first.shape[d])) {
      throw new ShapeError(`stack: tensor ${i} has shape ${formatShape(t.shape)}, expected ${formatShape(first.shape)}`);
    }
  });
  return concat(tensors.map((t) => unsqueeze(t, a)), a);
}

export interface ConcatSaved {
  axis: number;
  /** Each input's extent along the axis. */
  sizes: number[];
}

export interface PadSaved {
  widths: [number, number][];
}

/**
 * Pads with a constant: widths[d] = [before, after] for each leading axis d (missing trailing
 * axes get no padding).
 *
 * @example
 * pad(images, [[0, 0], [0, 0], [2, 2], [2, 2]]);   // [N, C, 28, 28] -> [N, C, 32, 32]
 */
export function pad(x: Tensor, widths: readonly (readonly [number, number])[], value = 0): Tensor {
  const t = operand('pad', x);
  if (!Array.isArray(widths) || widths.length > t.rank) {
    throw new ArgumentError(`pad: expected at most ${t.rank} [before, after] pairs for shape ${formatShape(t.shape)}`);
  }
  const w: [number, number][] = t.shape.map((_, d) => {
    const pair = widths[d] ?? [0, 0];
    if (!Array.isArray(pair) || pair.length !== 2 || pair.some((p) => !Number.isInteger(p) || p < 0)) {
      throw new ArgumentError(`pad: widths on axis ${d} must be two non-negative integers, got ${JSON.stringify(pair)}`);
    }
    return [pair[0], pair[1]];
  });
  if (typeof value !== 'number') throw new ArgumentError(`pad: value must be a number, got ${typeof value}`);
  const shape = t.shape.map((s, d) => s + w[d]![0] + w[d]![1]);
  const out = Tensor.empty(shape, t.dtype, 'pad');
  if (out.size > 0) kernelsFor(t.dtype).fill(out.ptr, value, out.size);
  const outStrides = contiguousStrides(shape);
  const offset = w.reduce((acc, [before], d) => acc + before * outStrides[d]!, 0);
  stridedCopy(out, t, t.shape, contiguousStrides(t.shape), 0, outStrides, offset);
  return record('pad', [t], out, { widths: w } satisfies PadSaved);
}
