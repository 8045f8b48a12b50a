// Turning user arguments into tensors an operation can use, with errors that name the operation.

import { ArgumentError } from '../errors.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { bytesPerElement, sameDtype, type Dtype } from '../tensor/dtype.js';
import { kernels } from '../backend/engine.js';
import { elementIndex } from '../backend/kernel-module.js';

/** Checks that x is a live Tensor. */
export function operand(op: string, x: unknown, name = 'input'): Tensor {
  if (!(x instanceof Tensor)) {
    throw new ArgumentError(`${op}: ${name} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  }
  if (x.released) throw x.releasedError();
  return x;
}

/** A rank-0 tensor holding a number, in the given dtype (an internal result). */
export function scalarTensor(value: number, dtype: Dtype): Tensor {
  const t = Tensor.empty([], dtype, 'scalar');
  const at = elementIndex(t.ptr, bytesPerElement(dtype));
  if (dtype === 'float32') kernels().f32[at] = value;
  else kernels().f64[at] = value;
  return t;
}

/** Two operands of a binary operation: numbers become scalars of the other operand's dtype. */
export function operandPair(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') {
    throw new ArgumentError(`${op}: at least one operand must be a Tensor, got two numbers`);
  }
  if (typeof a === 'number') {
    const tb = operand(op, b, 'second operand');
    return [scalarTensor(checkNumber(op, a), tb.dtype), tb];
  }
  const ta = operand(op, a, 'first operand');
  if (typeof b === 'number') return [ta, scalarTensor(checkNumber(op, b), ta.dtype)];
  const tb = operand(op, b, 'second operand');
  sameDtype(op, ta.dtype, tb.dtype);
  return [ta, tb];
}

/** A number argument (NaN and infinities are values, so they are allowed). */
export function checkNumber(op: string, value: unknown, name = 'operand'): number {
  if (typeof value !== 'number') throw new ArgumentError(`${op}: ${name} must be a number, got ${typeof value}`);
  return value;
}

/** A finite number argument. */
export function checkFinite(op: string, value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ArgumentError(`${op}: ${name} must be a finite number, got ${String(value)}`);
  }
  return value;
}
