// Tensor: a shape, a dtype, and contiguous row-major storage in WebAssembly memory, plus what
// automatic differentiation needs (requiresGrad, grad, and the node of the operation that made
// it). Every operation exists as a function (src/ops) and as a method here.

import { ArgumentError, OutOfMemoryError, ReleasedTensorError, describeValue, formatShape } from './errors.js';
import { kernels } from './backend/engine.js';
import { elementIndex } from './backend/kernel-module.js';
import { bytesPerElement, type Dtype } from './tensor/dtype.js';
import { Hold, demoteToResult, release, track } from './tensor/lifetime.js';
import { sizeOf, type Shape } from './tensor/shape.js';
import { Storage } from './tensor/storage.js';
import type { Node } from './autograd/graph.js';
import { runBackward, type BackwardOptions } from './autograd/backward.js';
import * as elementwise from './ops/elementwise.js';
import * as reduce from './ops/reduce.js';
import * as movement from './ops/movement.js';
import * as indexing from './ops/indexing.js';
import * as linalg from './ops/matmul.js';
import * as composite from './ops/composite.js';
import * as inPlace from './ops/in-place.js';

/** An operand of elementwise operations: a tensor, or a number broadcast against the other operand. */
export type TensorLike = Tensor | number;
/** Nested arrays of numbers, as tensor() takes them: [[1, 2], [3, 4]] is a 2 x 2 tensor. */
export type NestedArray = number | NestedArray[];

/**
 * An n-dimensional array of float32 or float64 values in WebAssembly memory, with reverse-mode
 * autodiff: operations on tensors that require gradients are recorded, and backward() computes the
 * gradients of their leaves. Storage is released by dispose(), the end of an enclosing tidy(), the
 * lifetime rules for operation results, or garbage collection (README "Memory").
 *
 * @example
 * const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * w.matmul(tensor([1, 1])).square().sum().backward();
 * w.grad!.toArray();   // Float32Array [6, 6, 14, 14]
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: Dtype;
  readonly size: number;
  /** @internal This tensor's claim on its storage, which the lifetime rules keep (not the tensor). */
  readonly hold: Hold;
  /** Whether operations on this tensor are recorded for backward(). */
  requiresGrad = false;
  /** @internal The operation that produced this tensor, if it was recorded. */
  node: Node | null = null;
  /** @internal Whether backward() stores this non-leaf tensor's gradient. */
  retainsGrad = false;
  /** @internal What made this tensor, for messages. */
  readonly origin: string;
  private gradient: Tensor | null = null;

  /** @internal The storage, or null once released. */
  get storage(): Storage | null {
    return this.hold.storage;
  }

  /** @internal Exempt from automatic release of results (see keep()). */
  get kept(): boolean {
    return this.hold.kept;
  }

  set kept(value: boolean) {
    this.hold.kept = value;
  }

  /** @internal Use the creation functions (tensor, zeros, randn, ...) or operations. */
  constructor(storage: Storage, shape: Shape, dtype: Dtype, origin: string, result: boolean) {
    this.hold = new Hold(storage);
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this.origin = origin;
    track(this, result);
  }

  /** @internal A fresh uninitialised result tensor; OutOfMemoryError names `origin` and the tensor. */
  static empty(shape: Shape, dtype: Dtype, origin: string, result = true): Tensor {
    const bytes = sizeOf(shape) * bytesPerElement(dtype);
    let storage: Storage;
    try {
      storage = Storage.allocate(bytes);
    } catch (error) {
      if (!(error instanceof OutOfMemoryError)) throw error;
      throw new OutOfMemoryError(`${origin}: no room for a ${formatShape(shape)} ${dtype} tensor (${bytes} bytes): ${error.message}`);
    }
    return new Tensor(storage, shape, dtype, origin, result);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** @internal Byte offset of the first element in WebAssembly memory; throws if released. */
  get ptr(): number {
    if (this.storage === null) throw this.releasedError();
    return this.storage.ptr;
  }

  /** Whether this tensor's storage has been released. */
  get released(): boolean {
    return this.storage === null;
  }

  /** A leaf is a tensor no recorded operation produced (inputs and parameters). */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /** The gradient accumulated by backward(), or null. */
  get grad(): Tensor | null {
    return this.gradient;
  }

  set grad(value: Tensor | null) {
    if (value !== null && !(value instanceof Tensor)) throw new ArgumentError('grad: expected a Tensor or null');
    if (value !== null && (value.dtype !== this.dtype || value.size !== this.size || value.rank !== this.rank)) {
      throw new ArgumentError(`grad: expected a ${this.dtype} tensor of shape ${formatShape(this.shape)}, got ${value.dtype} ${formatShape(value.shape)}`);
    }
    // The old gradient stops being owned by this tensor: it is released like a result.
    if (this.gradient !== null && this.gradient !== value) demoteToResult(this.gradient, this);
    if (value !== null) value.kept = true;
    this.gradient = value;
  }

  /** @internal */
  releasedError(): ReleasedTensorError {
    return new ReleasedTensorError(
      `tensor ${formatShape(this.shape)} ${this.dtype} (from ${this.origin}) was released: it was disposed, left a tidy() ` +
        'scope, or is an operation result from two backward() calls ago; call keep() on results you want to hold longer',
    );
  }

  // --- read-out --------------------------------------------------------------------------

  /** A copy of the elements as a typed array of the tensor's dtype. */
  toArray(): Float32Array | Float64Array {
    const k = kernels();
    const start = elementIndex(this.ptr, bytesPerElement(this.dtype));
    return this.dtype === 'float32' ? k.f32.slice(start, start + this.size) : k.f64.slice(start, start + this.size);
  }

  /** The elements as nested JavaScript arrays (a number for a rank-0 tensor). */
  toNested(): NestedArray {
    const data = this.toArray();
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === this.rank) return data[offset]!;
      const stride = sizeOf(this.shape.slice(axis + 1));
      return Array.from({ length: this.shape[axis]! }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /** The single element of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ArgumentError(`item: expected a tensor with one element, got shape ${formatShape(this.shape)}`);
    const at = elementIndex(this.ptr, bytesPerElement(this.dtype));
    return this.dtype === 'float32' ? kernels().f32[at]! : kernels().f64[at]!;
  }

  toString(): string {
    return this.released
      ? `Tensor(${formatShape(this.shape)}, ${this.dtype}, released)`
      : `Tensor(${formatShape(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // --- lifetime and autograd --------------------------------------------------------------

  /** Releases this tensor's storage now. Using it afterwards throws ReleasedTensorError. */
  dispose(): void {
    release(this);
  }

  /** Exempts this tensor from the automatic release of results; returns it. */
  keep(): this {
    this.kept = true;
    return this;
  }

  /**
   * Marks a leaf tensor as a parameter whose gradient backward() accumulates. A tensor that
   * requires gradients is owned by its creator (it is never released automatically).
   */
  requiresGrad_(value = true): this {
    if (!this.isLeaf && !value) throw new ArgumentError('requiresGrad_: only leaf tensors can stop requiring gradients; use detach()');
    this.requiresGrad = value;
    if (value) this.kept = true;
    return this;
  }

  /** Asks backward() to store the gradient of this non-leaf tensor in .grad. */
  retainGrad(): this {
    if (!this.requiresGrad) throw new ArgumentError('retainGrad: the tensor does not require gradients');
    this.retainsGrad = true;
    return this;
  }

  /**
   * Computes gradients of this tensor with respect to every leaf that requires them, and adds
   * them to their .grad. Without an explicit gradient the tensor must have one element.
   *
   * @example
   * const w = randn([3, 3], { requiresGrad: true });
   * w.mul(w).sum().backward();   // w.grad = 2·w
   */
  backward(gradient?: Tensor, options: BackwardOptions = {}): void {
    if (gradient !== undefined && !(gradient instanceof Tensor)) {
      throw new ArgumentError(`backward: the gradient must be a Tensor of shape ${formatShape(this.shape)}, got ${describeValue(gradient)}`);
    }
    if (typeof options !== 'object' || options === null) throw new ArgumentError(`backward: options must be an object such as { retainGraph: true }, got ${describeValue(options)}`);
    runBackward(this, gradient, options);
  }

  /** Sets .grad to null (the old gradient is then released like a result). */
  zeroGrad(): void {
    this.grad = null;
  }

  // --- elementwise -------------------------------------------------------------------------

  add(other: TensorLike): Tensor { return elementwise.add(this, other); }
  sub(other: TensorLike): Tensor { return elementwise.sub(this, other); }
  mul(other: TensorLike): Tensor { return elementwise.mul(this, other); }
  div(other: TensorLike): Tensor { return elementwise.div(this, other); }
  pow(exponent: TensorLike): Tensor { return elementwise.pow(this, exponent); }
  maximum(other: TensorLike): Tensor { return elementwise.maximum(this, other); }
  minimum(other: TensorLike): Tensor { return elementwise.minimum(this, other); }
  neg(): Tensor { return elementwise.neg(this); }
  exp(): Tensor { return elementwise.exp(this); }
  log(): Tensor { return elementwise.log(this); }
  sqrt(): Tensor { return elementwise.sqrt(this); }
  abs(): Tensor { return elementwise.abs(this); }
  tanh(): Tensor { return elementwise.tanh(this); }
  sigmoid(): Tensor { return elementwise.sigmoid(this); }
  relu(): Tensor { return elementwise.relu(this); }
  leakyRelu(slope = 0.01): Tensor { return elementwise.leakyRelu(this, slope); }
  square(): Tensor { return elementwise.square(this); }
  gt(other: TensorLike): Tensor { return elementwise.gt(this, other); }
  ge(other: TensorLike): Tensor { return elementwise.ge(this, other); }
  lt(other: TensorLike): Tensor { return elementwise.lt(this, other); }
  le(other: TensorLike): Tensor { return elementwise.le(this, other); }
  eq(other: TensorLike): Tensor { return elementwise.eq(this, other); }
  ne(other: TensorLike): Tensor { return elementwise.ne(this, other); }
  astype(dtype: Dtype): Tensor { return elementwise.astype(this, dtype); }
  clone(): Tensor { return elementwise.clone(this); }
  /** A tensor sharing this one's storage, cut off from the graph (requiresGrad false). */
  detach(): Tensor { return movement.detach(this); }

  // --- reductions --------------------------------------------------------------------------

  sum(axes?: number | number[], keepdims = false): Tensor { return reduce.sum(this, axes, keepdims); }
  mean(axes?: number | number[], keepdims = false): Tensor { return reduce.mean(this, axes, keepdims); }
  max(axes?: number | number[], keepdims = false): Tensor { return reduce.max(this, axes, keepdims); }
  min(axes?: number | number[], keepdims = false): Tensor { return composite.min(this, axes, keepdims); }
  argmax(axis: number): Int32Array { return reduce.argmax(this, axis); }
  logsumexp(axes?: number | number[], keepdims = false): Tensor { return composite.logsumexp(this, axes, keepdims); }
  softmax(axis = -1): Tensor { return composite.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return composite.logSoftmax(this, axis); }

  // --- movement ----------------------------------------------------------------------------

  reshape(shape: readonly number[]): Tensor { return movement.reshape(this, shape); }
  flatten(startAxis = 0, endAxis = -1): Tensor { return movement.flatten(this, startAxis, endAxis); }
  squeeze(axes?: number | number[]): Tensor { return movement.squeeze(this, axes); }
  unsqueeze(axis: number): Tensor { return movement.unsqueeze(this, axis); }
  permute(axes: readonly number[]): Tensor { return movement.permute(this, axes); }
  transpose(axis0 = -2, axis1 = -1): Tensor { return movement.transpose(this, axis0, axis1); }
  /** The transpose of a matrix, or of the last two axes of a batch. */
  get mT(): Tensor { return movement.transpose(this, -2, -1); }
  expand(shape: readonly number[]): Tensor { return movement.expand(this, shape); }
  broadcastTo(shape: readonly number[]): Tensor { return movement.expand(this, shape); }
  slice(ranges: readonly movement.SliceRange[]): Tensor { return movement.slice(this, ranges); }
  pad(widths: readonly (readonly [number, number])[], value = 0): Tensor { return movement.pad(this, widths, value); }
  indexSelect(axis: number, indices: indexing.IndexInput): Tensor { return indexing.indexSelect(this, axis, indices); }
  gather(axis: number, indices: indexing.IndexInput | Tensor): Tensor { return indexing.gather(this, axis, indices); }
  matmul(other: Tensor): Tensor { return linalg.matmul(this, other); }

  // --- in place (optimizers; under noGrad for tensors that require gradients) ----------------

  /** this := src (same shape and dtype); returns this. */
  assign(src: Tensor): this { inPlace.assign(this, src); return this; }
  /** this := this + alpha·other; returns this. */
  addInPlace(other: Tensor, alpha = 1): this { inPlace.addInPlace(this, other, alpha); return this; }
  /** this := this·factor; returns this. */
  mulInPlace(factor: number): this { inPlace.scaleInPlace(this, factor); return this; }
  /** Every element := value; returns this. */
  fill(value: number): this { inPlace.fillInPlace(this, value); return this; }
}
