// Elementwise operations: unary maps, binary operations with numpy broadcasting, comparisons,
// the fused backward rules of activations, and dtype conversion.

import { Tensor, type TensorLike } from '../tensor.js';
import { kernels } from '../backend/engine.js';
import { BinaryOp, UnaryOp, type BinaryOpName, type UnaryOpName } from '../backend/kernel-codes.js';
import { record, type PrimitiveName } from '../autograd/graph.js';
import { adoptUnrecorded } from '../tensor/lifetime.js';
import { parseDtype, type Dtype } from '../tensor/dtype.js';
import { broadcastShapes, broadcastStrides, mergeAxes } from '../tensor/shape.js';
import { kernelsFor } from './kernel-set.js';
import { checkFinite, operand, operandPair } from './operand.js';

// --- kernels ---------------------------------------------------------------------------------

/** @internal out = f(x), elementwise, not recorded. */
export function unaryForward(op: UnaryOpName, x: Tensor, origin: string, param = 0, param2 = 0): Tensor {
  const out = Tensor.empty(x.shape, x.dtype, origin);
  if (x.size > 0) kernelsFor(x.dtype).unary(UnaryOp[op], out.ptr, x.ptr, x.size, param, param2);
  return out;
}

/** @internal out = a ∘ b with broadcasting, not recorded. */
export function binaryForward(op: BinaryOpName, a: Tensor, b: Tensor, origin: string, param = 0): Tensor {
  const shape = broadcastShapes(origin, a.shape, b.shape);
  const out = Tensor.empty(shape, a.dtype, origin);
  if (out.size === 0) return out;
  const merged = mergeAxes(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
  const desc = kernels().descriptor(merged.shape, merged.strides[0]!, merged.strides[1]!);
  kernelsFor(a.dtype).binary(BinaryOp[op], out.ptr, a.ptr, b.ptr, merged.shape.length, desc, param);
  return out;
}

function unaryPrimitive(op: PrimitiveName & UnaryOpName, x: Tensor, param = 0): Tensor {
  const t = operand(op, x);
  return record(op, [t], unaryForward(op, t, op, param), param);
}

function binaryPrimitive(name: 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow', kernelOp: BinaryOpName, a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb] = operandPair(name, a, b);
  return record(name, [ta, tb], binaryForward(kernelOp, ta, tb, name));
}

// --- unary -------------------------------------------------------------------------------------

/**
 * -x elementwise.
 *
 * @example
 * neg(tensor([1, -2]));   // [-1, 2]
 */
export function neg(x: Tensor): Tensor { return unaryPrimitive('neg', x); }
/**
 * e^x elementwise.
 *
 * @example
 * exp(tensor([0, 1]));   // [1, 2.718...]
 */
export function exp(x: Tensor): Tensor { return unaryPrimitive('exp', x); }
/**
 * Natural logarithm (log 0 = -inf, log of a negative number = NaN).
 *
 * @example
 * log(tensor([1, Math.E]));   // [0, 1]
 */
export function log(x: Tensor): Tensor { return unaryPrimitive('log', x); }
/**
 * √x elementwise (NaN for negative x).
 *
 * @example
 * sqrt(tensor([4, 9]));   // [2, 3]
 */
export function sqrt(x: Tensor): Tensor { return unaryPrimitive('sqrt', x); }
/**
 * |x|; its gradient at 0 is 0.
 *
 * @example
 * abs(tensor([-2, 3]));   // [2, 3]
 */
export function abs(x: Tensor): Tensor { return unaryPrimitive('abs', x); }
/**
 * Hyperbolic tangent elementwise.
 *
 * @example
 * tanh(x).sum().backward();   // x.grad = 1 - tanh(x)²
 */
export function tanh(x: Tensor): Tensor { return unaryPrimitive('tanh', x); }
/**
 * The logistic function 1 / (1 + e^-x) elementwise.
 *
 * @example
 * sigmoid(tensor([0]));   // [0.5]
 */
export function sigmoid(x: Tensor): Tensor { return unaryPrimitive('sigmoid', x); }
/**
 * max(x, 0); its gradient at 0 is 0.
 *
 * @example
 * relu(tensor([-1, 2]));   // [0, 2]
 */
export function relu(x: Tensor): Tensor { return unaryPrimitive('relu', x); }

/**
 * x for x > 0, slope·x otherwise.
 *
 * @example
 * leakyRelu(tensor([-10, 2]), 0.1);   // [-1, 2]
 */
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  return unaryPrimitive('leakyRelu', x, checkFinite('leakyRelu', slope, 'slope'));
}

/** x^p for a number p (the kernel has fast paths for p = 2, 0.5, -1 and 1). */
export function powScalar(x: Tensor, p: number): Tensor {
  const t = operand('pow', x);
  const exponent = checkFinite('pow', p, 'exponent');
  let out: Tensor;
  if (exponent === 2) out = unaryForward('square', t, 'pow');
  else if (exponent === 0.5) out = unaryForward('sqrt', t, 'pow');
  else if (exponent === -1) out = unaryForward('reciprocal', t, 'pow');
  else if (exponent === 1) out = unaryForward('affine', t, 'pow', 1, 0);
  else out = unaryForward('powScalar', t, 'pow', exponent);
  return record('powScalar', [t], out, exponent);
}

/**
 * x² elementwise (powScalar(x, 2)).
 *
 * @example
 * square(tensor([-3]));   // [9]
 */
export function square(x: Tensor): Tensor { return powScalar(x, 2); }

// --- binary ----------------------------------------------------------------------------------

/**
 * a + b with numpy broadcasting; either operand may be a number.
 *
 * @example
 * add(x, 1);                                 // x + 1
 * add(randn([4, 3]), tensor([1, 2, 3]));     // adds [1, 2, 3] to every row
 */
export function add(a: TensorLike, b: TensorLike): Tensor { return binaryPrimitive('add', 'add', a, b); }
/**
 * a - b with numpy broadcasting; either operand may be a number.
 *
 * @example
 * sub(x, x.mean());   // centred
 */
export function sub(a: TensorLike, b: TensorLike): Tensor { return binaryPrimitive('sub', 'sub', a, b); }
/**
 * a · b elementwise with numpy broadcasting; either operand may be a number.
 *
 * @example
 * mul(randn([4, 3]), tensor([1, 2, 3]));   // scales the columns
 */
export function mul(a: TensorLike, b: TensorLike): Tensor { return binaryPrimitive('mul', 'mul', a, b); }
/**
 * a / b elementwise with numpy broadcasting; either operand may be a number.
 *
 * @example
 * div(x, x.sum());   // normalised
 */
export function div(a: TensorLike, b: TensorLike): Tensor { return binaryPrimitive('div', 'div', a, b); }
/**
 * Elementwise maximum (NaN propagates); at ties the gradient goes to a.
 *
 * @example
 * maximum(tensor([1, 5]), tensor([3, 2]));   // [3, 5]
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor { return binaryPrimitive('maximum', 'max', a, b); }
/**
 * Elementwise minimum (NaN propagates); at ties the gradient goes to a.
 *
 * @example
 * minimum(x, 1);   // x clipped from above at 1
 */
export function minimum(a: TensorLike, b: TensorLike): Tensor { return binaryPrimitive('minimum', 'min', a, b); }

/**
 * a^b elementwise; with a number exponent this is powScalar.
 *
 * @example
 * pow(tensor([2, 3]), 2);   // [4, 9]
 * pow(2, tensor([0, 3]));   // [1, 8]
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  if (typeof b === 'number' && typeof a !== 'number') return powScalar(a, b);
  return binaryPrimitive('pow', 'pow', a, b);
}

// --- comparisons (not differentiable: 1 where true, 0 elsewhere) -------------------------------

function compare(op: BinaryOpName, a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb] = operandPair(op, a, b);
  // Not differentiable, so never recorded: the result joins its inputs' lineage here.
  const out = binaryForward(op, ta, tb, op);
  adoptUnrecorded(out, [ta, tb]);
  return out;
}

/**
 * a > b elementwise with broadcasting, as 1 where true and 0 elsewhere (not differentiable).
 *
 * @example
 * gt(tensor([1, 2, 3]), 2);   // [0, 0, 1]
 */
export function gt(a: TensorLike, b: TensorLike): Tensor { return compare('gt', a, b); }
/**
 * a >= b elementwise with broadcasting, as 1 where true and 0 elsewhere (not differentiable).
 *
 * @example
 * ge(tensor([1, 2, 3]), 2);   // [0, 1, 1]
 */
export function ge(a: TensorLike, b: TensorLike): Tensor { return compare('ge', a, b); }
/**
 * a < b elementwise with broadcasting, as 1 where true and 0 elsewhere (not differentiable).
 *
 * @example
 * lt(tensor([1, 2, 3]), 2);   // [1, 0, 0]
 */
export function lt(a: TensorLike, b: TensorLike): Tensor { return compare('lt', a, b); }
/**
 * a <= b elementwise with broadcasting, as 1 where true and 0 elsewhere (not differentiable).
 *
 * @example
 * le(abs(x), 1);   // a mask of |x| <= 1
 */
export function le(a: TensorLike, b: TensorLike): Tensor { return compare('le', a, b); }
/**
 * a === b elementwise with broadcasting, as 1 where true and 0 elsewhere (not differentiable).
 *
 * @example
 * eq(tensor([1, 2]), tensor([1, 3]));   // [1, 0]
 */
export function eq(a: TensorLike, b: TensorLike): Tensor { return compare('eq', a, b); }
/**
 * a !== b elementwise with broadcasting, as 1 where true and 0 elsewhere (not differentiable).
 *
 * @example
 * ne(tensor([1, 2]), 1);   // [0, 1]
 */
export function ne(a: TensorLike, b: TensorLike): Tensor { return compare('ne', a, b); }

// --- fused activation backward rules (primitives themselves, so they can be differentiated) ------

/** @internal grad·[x > 0] */
export function reluBackward(g: Tensor, x: Tensor): Tensor {
  return record('reluBackward', [g, x], binaryForward('reluBackward', g, x, 'reluBackward'));
}

/** @internal grad·(x > 0 ? 1 : slope) */
export function leakyReluBackward(g: Tensor, x: Tensor, slope: number): Tensor {
  return record('leakyReluBackward', [g, x], binaryForward('leakyReluBackward', g, x, 'leakyReluBackward', slope), slope);
}

/** @internal grad·(1 - y²) */
export function tanhBackward(g: Tensor, y: Tensor): Tensor {
  return record('tanhBackward', [g, y], binaryForward('tanhBackward', g, y, 'tanhBackward'));
}

/** @internal grad·y·(1 - y) */
export function sigmoidBackward(g: Tensor, y: Tensor): Tensor {
  return record('sigmoidBackward', [g, y], binaryForward('sigmoidBackward', g, y, 'sigmoidBackward'));
}

// --- dtype ---------------------------------------------------------------------------------------

/**
 * A copy converted to another dtype (float64 -> float32 rounds to nearest); differentiable.
 *
 * @example
 * astype(x, 'float64');   // a float64 copy of x
 */
export function astype(x: Tensor, dtype: Dtype): Tensor {
  const t = operand('astype', x);
  const target = parseDtype('astype', dtype);
  const out = Tensor.empty(t.shape, target, 'astype');
  if (t.size > 0) {
    const k = kernels().kernels;
    if (t.dtype === target) kernels().u8.copyWithin(out.ptr, t.ptr, t.ptr + t.size * (target === 'float32' ? 4 : 8));
    else if (target === 'float64') k.castF32ToF64(out.ptr, t.ptr, t.size);
    else k.castF64ToF32(out.ptr, t.ptr, t.size);
  }
  return record('astype', [t], out);
}

/**
 * A copy with its own storage; differentiable (the gradient passes through).
 *
 * @example
 * const y = clone(x);   // own storage: x.dispose() leaves y usable
 */
export function clone(x: Tensor): Tensor {
  const t = operand('clone', x);
  return astype(t, t.dtype);
}
