// Creation functions. Their results are owned by the caller (see src/tensor/lifetime.ts): they
// live until dispose(), the end of an enclosing tidy(), or garbage collection.

import { ArgumentError, OutOfMemoryError, ShapeError, formatShape, optionsObject } from '../errors.js';
import { MAX_MEMORY_BYTES } from '../backend/allocator.js';
import { Tensor, type NestedArray } from '../tensor.js';
import { kernels } from '../backend/engine.js';
import { elementIndex } from '../backend/kernel-module.js';
import { bytesPerElement, parseDtype, type Dtype } from './dtype.js';
import { generatorFor } from './random.js';
import { checkShape, sizeOf, type Shape } from './shape.js';

/** Options of every creation function: the dtype (default float32) and whether the tensor is a leaf that requires gradients. */
export interface CreationOptions {
  dtype?: Dtype;
  /** Make the tensor a leaf whose gradient backward() accumulates. */
  requiresGrad?: boolean;
}

/** Options of the random creation functions: a seed besides the dtype and requiresGrad. */
export interface RandomOptions extends CreationOptions {
  /** Seed of a fresh generator; without it the default generator (see manualSeed) is used. */
  seed?: number;
}

function finish(t: Tensor, options: CreationOptions): Tensor {
  if (options.requiresGrad === true) t.requiresGrad_(true);
  else if (options.requiresGrad !== undefined && options.requiresGrad !== false) {
    throw new ArgumentError(`requiresGrad must be a boolean, got ${String(options.requiresGrad)}`);
  }
  return t;
}

function writeValues(t: Tensor, values: ArrayLike<number>): void {
  const engine = kernels();
  const at = elementIndex(t.ptr, bytesPerElement(t.dtype));
  if (t.dtype === 'float32') engine.f32.set(values, at);
  else engine.f64.set(values, at);
}

/** @internal A tensor filled by calling sample() once per element, in row-major order. */
export function randomTensor(shape: Shape, dtype: Dtype, sample: () => number, origin: string, result: boolean): Tensor {
  const t = Tensor.empty(shape, dtype, origin, result);
  fillInPlace(t, sample);
  return t;
}

// Writes value(i) into element i straight into wasm memory: no JavaScript copy of a tensor that
// may be as large as the memory itself. value() must not allocate tensors (the view would go stale).
function fillInPlace(t: Tensor, value: (i: number) => number): void {
  const engine = kernels();
  const view = t.dtype === 'float32' ? engine.f32 : engine.f64;
  const at = elementIndex(t.ptr, bytesPerElement(t.dtype));
  for (let i = 0; i < t.size; i++) view[at + i] = value(i);
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0]!;
  }
  return shape;
}

function flattenNested(data: NestedArray, shape: number[], out: number[], depth = 0): void {
  if (depth === shape.length) {
    if (typeof data !== 'number') throw new ArgumentError(`tensor: expected a number at depth ${depth}, got ${Array.isArray(data) ? 'an array' : typeof data}`);
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    throw new ShapeError(`tensor: nested arrays are ragged: expected length ${shape[depth]} at depth ${depth}, got ${Array.isArray(data) ? data.length : typeof data}`);
  }
  for (const item of data) flattenNested(item, shape, out, depth + 1);
}

/**
 * A tensor from nested arrays, a number, or a typed array (with options.shape, default 1-D).
 * A Float64Array gives float64 unless a dtype is given; everything else defaults to float32.
 *
 * @example
 * tensor([[1, 2], [3, 4]]);
 * tensor(new Float64Array(6), { shape: [2, 3] });
 */
export function tensor(
  data: NestedArray | Float32Array | Float64Array | Int32Array | readonly number[],
  optionsIn: CreationOptions & { shape?: readonly number[] } = {},
): Tensor {
  const options = optionsObject('tensor', optionsIn);
  let values: ArrayLike<number>;
  let shape: number[];
  let dtype: Dtype;
  if (ArrayBuffer.isView(data)) {
    if (!(data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array)) {
      throw new ArgumentError('tensor: typed arrays must be Float32Array, Float64Array or Int32Array');
    }
    values = data;
    shape = options.shape === undefined ? [data.length] : checkShape('tensor', options.shape);
    if (sizeOf(shape) !== data.length) throw new ShapeError(`tensor: shape ${formatShape(shape)} needs ${sizeOf(shape)} elements, the array has ${data.length}`);
    dtype = options.dtype === undefined && data instanceof Float64Array ? 'float64' : parseDtype('tensor', options.dtype);
  } else {
    if (typeof data !== 'number' && !Array.isArray(data)) throw new ArgumentError(`tensor: expected nested arrays of numbers, a number or a typed array, got ${data === null ? 'null' : typeof data}`);
    shape = inferShape(data as NestedArray);
    const flat: number[] = [];
    flattenNested(data as NestedArray, shape, flat);
    values = flat;
    if (options.shape !== undefined) {
      const target = checkShape('tensor', options.shape);
      if (sizeOf(target) !== flat.length) throw new ShapeError(`tensor: shape ${formatShape(target)} needs ${sizeOf(target)} elements, got ${flat.length}`);
      shape = target;
    }
    dtype = parseDtype('tensor', options.dtype);
  }
  const t = Tensor.empty(shape, dtype, 'tensor', false);
  writeValues(t, values);
  return finish(t, options);
}

function filled(op: string, shape: readonly number[], value: number, options: CreationOptions): Tensor {
  const s = checkShape(op, shape);
  if (typeof value !== 'number') throw new ArgumentError(`${op}: value must be a number, got ${typeof value}`);
  const dtype = parseDtype(op, options.dtype);
  const t = Tensor.empty(s, dtype, op, false);
  if (t.size > 0) {
    const k = kernels().kernels;
    if (dtype === 'float32') k.fillF32(t.ptr, value, t.size);
    else k.fillF64(t.ptr, value, t.size);
  }
  return finish(t, options);
}

/**
 * A tensor of one value.
 *
 * @example
 * full([2, 3], 0.5);   // a 2 x 3 tensor of 0.5
 */
export function full(shape: readonly number[], value: number, optionsIn: CreationOptions = {}): Tensor {
  const options = optionsObject('full', optionsIn);
  return filled('full', shape, value, options);
}

/**
 * A tensor of zeros (float32 unless options.dtype says otherwise).
 *
 * @example
 * zeros([2, 3], { dtype: 'float64' });
 */
export function zeros(shape: readonly number[], optionsIn: CreationOptions = {}): Tensor {
  const options = optionsObject('zeros', optionsIn);
  return filled('zeros', shape, 0, options);
}

/**
 * A tensor of ones (float32 unless options.dtype says otherwise).
 *
 * @example
 * ones([4], { requiresGrad: true });
 */
export function ones(shape: readonly number[], optionsIn: CreationOptions = {}): Tensor {
  const options = optionsObject('ones', optionsIn);
  return filled('ones', shape, 1, options);
}

/**
 * start, start + step, ... below end (numpy arange).
 *
 * @example
 * arange(5);            // [0, 1, 2, 3, 4]
 * arange(1, 2, 0.25);   // [1, 1.25, 1.5, 1.75]
 */
export function arange(start: number, end?: number, step = 1, optionsIn: CreationOptions = {}): Tensor {
  const options = optionsObject('arange', optionsIn);
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  for (const [name, v] of [['start', lo], ['end', hi], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentError(`arange: ${name} must be a finite number, got ${String(v)}`);
  }
  if (step === 0) throw new ArgumentError('arange: step must not be 0');
  const count = Math.max(0, Math.ceil((hi - lo) / step));
  const bytes = count * bytesPerElement(options.dtype ?? 'float32');
  if (bytes > MAX_MEMORY_BYTES) throw new OutOfMemoryError(`arange: ${count} elements (${bytes} bytes) exceed the ${MAX_MEMORY_BYTES} bytes of WebAssembly memory`);
  const t = Tensor.empty([count], parseDtype('arange', options.dtype), 'arange', false);
  fillInPlace(t, (i) => lo + i * step);
  return finish(t, options);
}

/**
 * The n x m identity (m defaults to n).
 *
 * @example
 * eye(3);      // the 3 x 3 identity
 * eye(2, 3);   // [[1, 0, 0], [0, 1, 0]]
 */
export function eye(n: number, m = n, optionsIn: CreationOptions = {}): Tensor {
  const options = optionsObject('eye', optionsIn);
  const t = zeros(checkShape('eye', [n, m]), { dtype: options.dtype });
  const engine = kernels();
  const view = t.dtype === 'float32' ? engine.f32 : engine.f64;
  const base = elementIndex(t.ptr, bytesPerElement(t.dtype));
  for (let i = 0; i < Math.min(n, m); i++) view[base + i * m + i] = 1;
  return finish(t, options);
}

/**
 * Uniform in [low, high) (default [0, 1)), seeded.
 *
 * @example
 * rand([2, 3], { low: -1, high: 1, seed: 42 });
 */
export function rand(shape: readonly number[], optionsIn: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const options = optionsObject('rand', optionsIn);
  const s = checkShape('rand', shape);
  const generator = generatorFor('rand', options.seed);
  const low = options.low ?? 0;
  const high = options.high ?? 1;
  if (!Number.isFinite(low) || !Number.isFinite(high) || high < low) throw new ArgumentError(`rand: need finite low <= high, got [${low}, ${high})`);
  return finish(randomTensor(s, parseDtype('rand', options.dtype), () => low + (high - low) * generator.uniform(), 'rand', false), options);
}

/**
 * Normal with the given mean and standard deviation (default 0, 1), seeded.
 *
 * @example
 * randn([784, 10], { std: 0.01, seed: 42 });
 */
export function randn(shape: readonly number[], optionsIn: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const options = optionsObject('randn', optionsIn);
  const s = checkShape('randn', shape);
  const generator = generatorFor('randn', options.seed);
  const mean = options.mean ?? 0;
  const std = options.std ?? 1;
  if (!Number.isFinite(mean) || !Number.isFinite(std) || std < 0) throw new ArgumentError(`randn: need a finite mean and std >= 0, got mean ${mean}, std ${std}`);
  return finish(randomTensor(s, parseDtype('randn', options.dtype), () => mean + std * generator.normal(), 'randn', false), options);
}

function likeOptions<T extends CreationOptions>(x: Tensor, options: T): T {
  if (!(x instanceof Tensor)) throw new ArgumentError('*Like: the first argument must be a Tensor');
  return { ...options, dtype: options.dtype ?? x.dtype };
}

/**
 * Zeros of x's shape and dtype (or options.dtype).
 *
 * @example
 * zerosLike(w);   // a zero gradient buffer for w
 */
export function zerosLike(x: Tensor, optionsIn: CreationOptions = {}): Tensor {
  const options = optionsObject('zerosLike', optionsIn);
  const o = likeOptions(x, options);
  return zeros([...x.shape], o);
}
/**
 * Ones of x's shape and dtype (or options.dtype).
 *
 * @example
 * onesLike(y);   // the seed gradient of an elementwise output
 */
export function onesLike(x: Tensor, optionsIn: CreationOptions = {}): Tensor {
  const options = optionsObject('onesLike', optionsIn);
  const o = likeOptions(x, options);
  return ones([...x.shape], o);
}
/**
 * value everywhere, in x's shape and dtype (or options.dtype).
 *
 * @example
 * fullLike(x, 0.5);
 */
export function fullLike(x: Tensor, value: number, optionsIn: CreationOptions = {}): Tensor {
  const options = optionsObject('fullLike', optionsIn);
  const o = likeOptions(x, options);
  return full([...x.shape], value, o);
}
/**
 * Uniform values in [low, high) (default [0, 1)) in x's shape and dtype, seeded.
 *
 * @example
 * randLike(x, { seed: 1 });
 */
export function randLike(x: Tensor, optionsIn: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const options = optionsObject('randLike', optionsIn);
  const o = likeOptions(x, options);
  return rand([...x.shape], o);
}
/**
 * Normal values (mean, std; default 0, 1) in x's shape and dtype, seeded.
 *
 * @example
 * randnLike(w, { std: 0.01, seed: 2 });
 */
export function randnLike(x: Tensor, optionsIn: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const options = optionsObject('randnLike', optionsIn);
  const o = likeOptions(x, options);
  return randn([...x.shape], o);
}
