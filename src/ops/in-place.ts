// In-place updates, for optimizers and for writing into preallocated tensors. A tensor that
// requires gradients may only be changed with grad mode off (inside noGrad), like a parameter
// update; every write bumps the storage version so that the reverse pass detects a tensor that
// changed after an operation saved it.

import { ArgumentError, ShapeError, formatShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { kernels } from '../backend/engine.js';
import { isGradEnabled } from '../autograd/graph.js';
import { sameDtype } from '../tensor/dtype.js';
import { sameShape } from '../tensor/shape.js';
import { kernelsFor } from './kernel-set.js';
import { checkNumber, operand } from './operand.js';
import { BinaryOp } from '../backend/kernel-codes.js';

function target(op: string, x: Tensor): Tensor {
  const t = operand(op, x);
  if (t.requiresGrad && isGradEnabled()) {
    throw new ArgumentError(`${op}: in-place change of a tensor that requires gradients; do it inside noGrad()`);
  }
  return t;
}

// Marks a completed in-place write.
function touch(t: Tensor): void {
  t.storage!.version++;
}

function sameLayout(op: string, t: Tensor, src: Tensor): void {
  sameDtype(op, t.dtype, src.dtype);
  if (!sameShape(t.shape, src.shape)) throw new ShapeError(`${op}: shapes differ: ${formatShape(t.shape)} and ${formatShape(src.shape)}`);
}

export function assign(x: Tensor, src: Tensor): void {
  const s = operand('assign', src, 'source');
  const t = target('assign', x);
  sameLayout('assign', t, s);
  const bytes = t.dtype === 'float32' ? 4 : 8;
  if (s.ptr !== t.ptr) kernels().u8.copyWithin(t.ptr, s.ptr, s.ptr + s.size * bytes);
  touch(t);
}

export function addInPlace(x: Tensor, other: Tensor, alpha: number): void {
  const o = operand('addInPlace', other, 'other');
  const t = target('addInPlace', x);
  sameLayout('addInPlace', t, o);
  kernelsFor(t.dtype).axpy(t.size, checkNumber('addInPlace', alpha, 'alpha'), o.ptr, t.ptr);
  touch(t);
}

export function scaleInPlace(x: Tensor, factor: number): void {
  const t = target('mulInPlace', x);
  kernelsFor(t.dtype).binaryScalar(BinaryOp.mul, t.ptr, t.ptr, t.size, checkNumber('mulInPlace', factor, 'factor'), 0, 0);
  touch(t);
}

export function fillInPlace(x: Tensor, value: number): void {
  const t = target('fill', x);
  kernelsFor(t.dtype).fill(t.ptr, checkNumber('fill', value, 'value'), t.size);
  touch(t);
}
