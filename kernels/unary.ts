// Elementwise unary kernels over contiguous arrays: out[i] = f(x[i]) (out may equal x).
// One exported entry point takes the operation code; each case runs its own loop (the code is a
// literal at each call of mapUnary, so the optimizer folds the dispatch out of the loop).
// The tail runs through the same vector function as the body, on a partial vector.

import { at, lanes, loadPartial, storePartial } from './lanes';
import { expVec, logVec, powVec, sigmoidVec, tanhVec } from './simd-math';

// Operation codes; src/backend/kernel-codes.ts mirrors them.
export const UNARY_NEG: i32 = 0;
export const UNARY_ABS: i32 = 1;
export const UNARY_EXP: i32 = 2;
export const UNARY_LOG: i32 = 3;
export const UNARY_SQRT: i32 = 4;
export const UNARY_TANH: i32 = 5;
export const UNARY_SIGMOID: i32 = 6;
export const UNARY_RELU: i32 = 7;
export const UNARY_LEAKY_RELU: i32 = 8; // param: negative slope
export const UNARY_POW_SCALAR: i32 = 9; // param: exponent
export const UNARY_SQUARE: i32 = 10;
export const UNARY_RECIPROCAL: i32 = 11;
export const UNARY_AFFINE: i32 = 12; // out = x·param + param2

@inline
function unaryVec<T>(op: i32, x: v128, param: T, param2: T): v128 {
  switch (op) {
    case UNARY_NEG: return v128.neg<T>(x);
    case UNARY_ABS: return v128.abs<T>(x);
    case UNARY_EXP: return expVec<T>(x);
    case UNARY_LOG: return logVec<T>(x);
    case UNARY_SQRT: return v128.sqrt<T>(x);
    case UNARY_TANH: return tanhVec<T>(x);
    case UNARY_SIGMOID: return sigmoidVec<T>(x);
    // max propagates NaN, so relu(NaN) = NaN.
    case UNARY_RELU: return v128.max<T>(x, v128.splat<T>(0));
    case UNARY_LEAKY_RELU:
      return v128.bitselect(x, v128.mul<T>(x, v128.splat<T>(param)), v128.gt<T>(x, v128.splat<T>(0)));
    case UNARY_POW_SCALAR: return powVec<T>(x, v128.splat<T>(param));
    case UNARY_SQUARE: return v128.mul<T>(x, x);
    case UNARY_RECIPROCAL: return v128.div<T>(v128.splat<T>(1), x);
    case UNARY_AFFINE: return v128.add<T>(v128.mul<T>(x, v128.splat<T>(param)), v128.splat<T>(param2));
    default: return x;
  }
}

@inline
function mapUnary<T>(op: i32, out: usize, x: usize, n: i32, param: T, param2: T): void {
  const L = lanes<T>();
  let i = 0;
  for (; i + L <= n; i += L) {
    v128.store(at<T>(out, i), unaryVec<T>(op, v128.load(at<T>(x, i)), param, param2));
  }
  if (i < n) {
    storePartial<T>(at<T>(out, i), unaryVec<T>(op, loadPartial<T>(at<T>(x, i), n - i), param, param2), n - i);
  }
}

/** out[i] = op(x[i]) for i < n. */
export function unary<T>(op: i32, out: usize, x: usize, n: i32, param: T, param2: T): void {
  switch (op) {
    case UNARY_NEG: mapUnary<T>(UNARY_NEG, out, x, n, param, param2); break;
    case UNARY_ABS: mapUnary<T>(UNARY_ABS, out, x, n, param, param2); break;
    case UNARY_EXP: mapUnary<T>(UNARY_EXP, out, x, n, param, param2); break;
    case UNARY_LOG: mapUnary<T>(UNARY_LOG, out, x, n, param, param2); break;
    case UNARY_SQRT: mapUnary<T>(UNARY_SQRT, out, x, n, param, param2); break;
    case UNARY_TANH: mapUnary<T>(UNARY_TANH, out, x, n, param, param2); break;
    case UNARY_SIGMOID: mapUnary<T>(UNARY_SIGMOID, out, x, n, param, param2); break;
    case UNARY_RELU: mapUnary<T>(UNARY_RELU, out, x, n, param, param2); break;
    case UNARY_LEAKY_RELU: mapUnary<T>(UNARY_LEAKY_RELU, out, x, n, param, param2); break;
    case UNARY_POW_SCALAR: mapUnary<T>(UNARY_POW_SCALAR, out, x, n, param, param2); break;
    case UNARY_SQUARE: mapUnary<T>(UNARY_SQUARE, out, x, n, param, param2); break;
    case UNARY_RECIPROCAL: mapUnary<T>(UNARY_RECIPROCAL, out, x, n, param, param2); break;
    case UNARY_AFFINE: mapUnary<T>(UNARY_AFFINE, out, x, n, param, param2); break;
    default: break;
  }
}
