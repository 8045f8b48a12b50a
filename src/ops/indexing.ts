// Integer indexing: indexSelect (pick slices along an axis), gather (take_along_axis), their
// scatter-add adjoints, where, and one-hot encoding. Indices may be given as an Int32Array, an
// array of numbers, or a tensor of integer values; they are validated before any kernel runs.

import { ArgumentError, ShapeError, formatShape, optionsObject } from '../errors.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { kernels } from '../backend/engine.js';
import { elementIndex } from '../backend/kernel-module.js';
import { record } from '../autograd/graph.js';
import { bytesPerElement, parseDtype, sameDtype, type Dtype } from '../tensor/dtype.js';
import { broadcastShapes, broadcastStrides, mergeAxes, normalizeAxis, sizeOf, type Shape } from '../tensor/shape.js';
import { kernelsFor } from './kernel-set.js';
import { operand, operandPair, scalarTensor } from './operand.js';
import { copyForward } from './movement.js';

/** Integer indices as an Int32Array, an array of numbers, or a tensor of integer values. */
export type IndexInput = Int32Array | readonly number[] | Tensor;

/** Validated indices: values in [0, limit), with the shape they came in. */
export interface Indices {
  values: Int32Array;
  shape: number[];
}

/**
 * Reads and validates indices; negative ones count from the end like numpy, unless `negative` is
 * false (class labels: -1 is an error, not the last class).
 */
export function toIndices(op: string, input: IndexInput, limit: number, negative = true): Indices {
  let raw: ArrayLike<number>;
  let shape: number[];
  if (input instanceof Tensor) {
    raw = operand(op, input, 'indices').toArray();
    shape = [...input.shape];
  } else if (input instanceof Int32Array || Array.isArray(input)) {
    raw = input;
    shape = [input.length];
  } else {
    throw new ArgumentError(`${op}: indices must be an Int32Array, an array of integers or a Tensor`);
  }
  const values = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i]!;
    if (!Number.isInteger(v)) throw new ArgumentError(`${op}: index ${v} at position ${i} is not an integer`);
    if (v < (negative ? -limit : 0) || v >= limit) throw new ArgumentError(`${op}: index ${v} at position ${i} is out of range for an axis of size ${limit}`);
    values[i] = v < 0 ? v + limit : v;
  }
  return { values, shape };
}

// Runs a kernel that reads indices from WebAssembly memory.
function withIndexBuffer<T>(op: string, values: Int32Array, fn: (ptr: number) => T): T {
  const engine = kernels();
  const ptr = engine.allocator.alloc(values.length * 4, op);
  engine.i32.set(values, elementIndex(ptr, 4));
  try {
    return fn(ptr);
  } finally {
    engine.allocator.free(ptr);
  }
}

function zerosOf(shape: Shape, dtype: Dtype, origin: string, result = true): Tensor {
  const out = Tensor.empty(shape, dtype, origin, result);
  if (out.size > 0) kernelsFor(dtype).fill(out.ptr, 0, out.size);
  return out;
}

export interface AxisIndexSaved {
  axis: number;
  indices: Indices;
}

/**
 * Picks slices along an axis: result[..., j, ...] = x[..., indices[j], ...].
 *
 * @example
 * x.indexSelect(0, [2, 0, 2]);   // rows 2, 0, 2
 */
export function indexSelect(x: Tensor, axis: number, indices: IndexInput): Tensor {
  const t = operand('indexSelect', x);
  const a = normalizeAxis('indexSelect', axis, t.rank);
  const idx = toIndices('indexSelect', indices, t.shape[a]!);
  if (idx.shape.length !== 1) throw new ShapeError(`indexSelect: indices must be one-dimensional, got shape ${formatShape(idx.shape)}`);
  const shape = [...t.shape];
  shape[a] = idx.values.length;
  const out = Tensor.empty(shape, t.dtype, 'indexSelect');
  if (out.size > 0) {
    withIndexBuffer('indexSelect', idx.values, (ptr) =>
      kernelsFor(t.dtype).indexSelect(out.ptr, t.ptr, ptr, sizeOf(t.shape.slice(0, a)), t.shape[a]!, idx.values.length, sizeOf(t.shape.slice(a + 1))));
  }
  return record('indexSelect', [t], out, { axis: a, indices: idx } satisfies AxisIndexSaved);
}

/** @internal base + (src scattered along axis at indices, repeated indices summed): the adjoint of indexSelect. */
export function indexAdd(base: Tensor, axis: number, indices: Indices, src: Tensor): Tensor {
  sameDtype('indexAdd', base.dtype, src.dtype);
  const out = copyForward(base);
  if (src.size > 0) {
    withIndexBuffer('indexAdd', indices.values, (ptr) =>
      kernelsFor(base.dtype).indexAdd(out.ptr, src.ptr, ptr, sizeOf(base.shape.slice(0, axis)), base.shape[axis]!, indices.values.length, sizeOf(base.shape.slice(axis + 1))));
  }
  return record('indexAdd', [base, src], out, { axis, indices } satisfies AxisIndexSaved);
}

/**
 * take_along_axis: result[i] = x[i with axis coordinate replaced by indices[i]]. The indices
 * have x's shape except along `axis`.
 *
 * @example
 * gather(tensor([10, 20, 30]), 0, [2, 0]);   // [30, 10]
 * gather(probabilities, 1, tensor([[2], [0]]));   // [2, 1]: entry 2 of row 0, entry 0 of row 1
 */
export function gather(x: Tensor, axis: number, indices: IndexInput): Tensor {
  const t = operand('gather', x);
  const a = normalizeAxis('gather', axis, t.rank);
  if (!(indices instanceof Tensor) && t.rank !== 1) {
    throw new ShapeError(`gather: for a tensor of rank ${t.rank} give the indices as a Tensor of rank ${t.rank}`);
  }
  return gatherIndices(t, a, toIndices('gather', indices, t.shape[a]!));
}

/** @internal gather with validated indices (shape = the result's shape). */
export function gatherIndices(t: Tensor, a: number, idx: Indices): Tensor {
  if (idx.shape.length !== t.rank || idx.shape.some((s, d) => d !== a && s !== t.shape[d])) {
    throw new ShapeError(`gather: indices of shape ${formatShape(idx.shape)} must match ${formatShape(t.shape)} except on axis ${a}`);
  }
  const out = Tensor.empty(idx.shape, t.dtype, 'gather');
  if (out.size > 0) {
    withIndexBuffer('gather', idx.values, (ptr) =>
      kernelsFor(t.dtype).gatherAlong(out.ptr, t.ptr, ptr, sizeOf(t.shape.slice(0, a)), t.shape[a]!, idx.shape[a]!, sizeOf(t.shape.slice(a + 1))));
  }
  return record('gather', [t], out, { axis: a, indices: idx } satisfies AxisIndexSaved);
}

/** @internal base + src scattered along axis (repeated positions summed): the adjoint of gather. */
export function scatterAdd(base: Tensor, axis: number, indices: Indices, src: Tensor): Tensor {
  sameDtype('scatterAdd', base.dtype, src.dtype);
  const out = copyForward(base);
  if (src.size > 0) {
    withIndexBuffer('scatterAdd', indices.values, (ptr) =>
      kernelsFor(base.dtype).scatterAlongAdd(out.ptr, src.ptr, ptr, sizeOf(base.shape.slice(0, axis)), base.shape[axis]!, indices.shape[axis]!, sizeOf(base.shape.slice(axis + 1))));
  }
  return record('scatterAdd', [base, src], out, { axis, indices } satisfies AxisIndexSaved);
}

/** @internal Zeros of a shape (for adjoints). */
export function zerosForGrad(shape: Shape, dtype: Dtype): Tensor {
  return zerosOf(shape, dtype, 'zeros');
}

/**
 * cond ? a : b elementwise with broadcasting; cond is a tensor whose nonzero (and NaN) entries
 * count as true. Differentiable in a and b.
 *
 * @example
 * where(gt(x, 0), x, 0);   // relu(x)
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const c = operand('where', cond, 'condition');
  const [ta, tb] = operandPair('where', a, b);
  sameDtype('where', c.dtype, ta.dtype);
  const shape = broadcastShapes('where', broadcastShapes('where', c.shape, ta.shape), tb.shape);
  const out = Tensor.empty(shape, ta.dtype, 'where');
  if (out.size > 0) {
    const merged = mergeAxes(shape, [broadcastStrides(c.shape, shape), broadcastStrides(ta.shape, shape), broadcastStrides(tb.shape, shape)]);
    const [sc, sa, sb] = merged.strides as [number[], number[], number[]];
    kernelsFor(ta.dtype).select(out.ptr, c.ptr, ta.ptr, tb.ptr, merged.shape.length, kernels().descriptor(merged.shape, sc, sa, sb));
  }
  return record('where', [ta, tb], out, c);
}

/** @internal A rank-0 zero in a dtype. */
export function zeroScalar(dtype: Dtype): Tensor {
  return scalarTensor(0, dtype);
}

/**
 * One-hot rows: result[i, labels[i]] = 1, shape [labels.length, numClasses]. Like the other
 * creation functions, the result is owned by the caller.
 *
 * @example
 * oneHot([2, 0], 3);   // [[0, 0, 1], [1, 0, 0]]
 */
export function oneHot(labels: IndexInput, numClasses: number, optionsIn: { dtype?: Dtype } = {}): Tensor {
  const options = optionsObject('oneHot', optionsIn);
  return oneHotTensor(labels, numClasses, options.dtype, false);
}

/** @internal oneHot as an operation result (released with the step). */
export function oneHotTensor(labels: IndexInput, numClasses: number, dtypeIn: Dtype | undefined, result: boolean): Tensor {
  if (!Number.isInteger(numClasses) || numClasses <= 0) throw new ArgumentError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  const idx = toIndices('oneHot', labels, numClasses);
  if (idx.shape.length !== 1) throw new ShapeError(`oneHot: labels must be one-dimensional, got shape ${formatShape(idx.shape)}`);
  const dtype = parseDtype('oneHot', dtypeIn);
  const out = zerosOf([idx.values.length, numClasses], dtype, 'oneHot', result);
  const engine = kernels();
  const base = elementIndex(out.ptr, bytesPerElement(dtype));
  const view = dtype === 'float32' ? engine.f32 : engine.f64;
  idx.values.forEach((label, i) => {
    view[base + i * numClasses + label] = 1;
  });
  return out;
}
