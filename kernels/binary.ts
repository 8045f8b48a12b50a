// Elementwise binary kernels: out = a ∘ b with numpy broadcasting expressed through strides.
// out is contiguous with shape `shape`; a and b are read with per-axis element strides (0 on a
// broadcast axis). TypeScript merges axes first, so the last axis is as long as possible and the
// inner loop is one of: both contiguous, one side a broadcast scalar, or a general strided walk.
// The operation code is a literal at every call of the inner loops, so its dispatch folds away.
//
// Besides arithmetic, comparisons (1 or 0) and the fused backward rules of relu, leaky relu, tanh
// and sigmoid are binary ops here: (a = upstream gradient, b = forward input or output).
//
// desc (i32, caller-provided): shape[rank], aStrides[rank], bStrides[rank], then rank i32 of
// scratch for the odometer.

import { at, lanes, loadPartial, storePartial } from './lanes';
import { powVec } from './simd-math';

// Operation codes; src/backend/kernel-codes.ts mirrors them.
export const BINARY_ADD: i32 = 0;
export const BINARY_SUB: i32 = 1;
export const BINARY_MUL: i32 = 2;
export const BINARY_DIV: i32 = 3;
export const BINARY_MAX: i32 = 4;
export const BINARY_MIN: i32 = 5;
export const BINARY_POW: i32 = 6;
export const BINARY_GT: i32 = 7;
export const BINARY_GE: i32 = 8;
export const BINARY_LT: i32 = 9;
export const BINARY_LE: i32 = 10;
export const BINARY_EQ: i32 = 11;
export const BINARY_NE: i32 = 12;
export const BINARY_RELU_BACKWARD: i32 = 13;
export const BINARY_LEAKY_RELU_BACKWARD: i32 = 14;
export const BINARY_TANH_BACKWARD: i32 = 15;
export const BINARY_SIGMOID_BACKWARD: i32 = 16;

@inline
function binaryVec<T>(op: i32, a: v128, b: v128, param: T): v128 {
  switch (op) {
    case BINARY_ADD: return v128.add<T>(a, b);
    case BINARY_SUB: return v128.sub<T>(a, b);
    case BINARY_MUL: return v128.mul<T>(a, b);
    case BINARY_DIV: return v128.div<T>(a, b);
    // max/min propagate NaN, like numpy.maximum/minimum.
    case BINARY_MAX: return v128.max<T>(a, b);
    case BINARY_MIN: return v128.min<T>(a, b);
    case BINARY_POW: return powVec<T>(a, b);
    case BINARY_GT: return v128.and(v128.gt<T>(a, b), v128.splat<T>(1));
    case BINARY_GE: return v128.and(v128.ge<T>(a, b), v128.splat<T>(1));
    case BINARY_LT: return v128.and(v128.lt<T>(a, b), v128.splat<T>(1));
    case BINARY_LE: return v128.and(v128.le<T>(a, b), v128.splat<T>(1));
    case BINARY_EQ: return v128.and(v128.eq<T>(a, b), v128.splat<T>(1));
    case BINARY_NE: return v128.and(v128.ne<T>(a, b), v128.splat<T>(1));
    // d relu(x) = g · [x > 0]
    case BINARY_RELU_BACKWARD: return v128.and(a, v128.gt<T>(b, v128.splat<T>(0)));
    // d leaky(x) = g · (x > 0 ? 1 : slope)
    case BINARY_LEAKY_RELU_BACKWARD:
      return v128.bitselect(a, v128.mul<T>(a, v128.splat<T>(param)), v128.gt<T>(b, v128.splat<T>(0)));
    // d tanh = g · (1 - y²), y = tanh(x)
    case BINARY_TANH_BACKWARD: return v128.mul<T>(a, v128.sub<T>(v128.splat<T>(1), v128.mul<T>(b, b)));
    // d sigmoid = g · y · (1 - y), y = sigmoid(x)
    case BINARY_SIGMOID_BACKWARD: return v128.mul<T>(v128.mul<T>(a, b), v128.sub<T>(v128.splat<T>(1), b));
    default: return a;
  }
}

// a and b contiguous.
@inline
function mapVV<T>(op: i32, out: usize, a: usize, b: usize, n: i32, param: T): void {
  const L = lanes<T>();
  let i = 0;
  for (; i + L <= n; i += L) {
    v128.store(at<T>(out, i), binaryVec<T>(op, v128.load(at<T>(a, i)), v128.load(at<T>(b, i)), param));
  }
  if (i < n) {
    const r = binaryVec<T>(op, loadPartial<T>(at<T>(a, i), n - i), loadPartial<T>(at<T>(b, i), n - i), param);
    storePartial<T>(at<T>(out, i), r, n - i);
  }
}

// a contiguous, b one value.
@inline
function mapVS<T>(op: i32, out: usize, a: usize, s: T, n: i32, param: T): void {
  const L = lanes<T>();
  const vb = v128.splat<T>(s);
  let i = 0;
  for (; i + L <= n; i += L) {
    v128.store(at<T>(out, i), binaryVec<T>(op, v128.load(at<T>(a, i)), vb, param));
  }
  if (i < n) {
    storePartial<T>(at<T>(out, i), binaryVec<T>(op, loadPartial<T>(at<T>(a, i), n - i), vb, param), n - i);
  }
}

// a one value, b contiguous.
@inline
function mapSV<T>(op: i32, out: usize, s: T, b: usize, n: i32, param: T): void {
  const L = lanes<T>();
  const va = v128.splat<T>(s);
  let i = 0;
  for (; i + L <= n; i += L) {
    v128.store(at<T>(out, i), binaryVec<T>(op, va, v128.load(at<T>(b, i)), param));
  }
  if (i < n) {
    storePartial<T>(at<T>(out, i), binaryVec<T>(op, va, loadPartial<T>(at<T>(b, i), n - i), param), n - i);
  }
}

// General strides, one element at a time through lane 0.
@inline
function mapStrided<T>(op: i32, out: usize, a: usize, sa: i32, b: usize, sb: i32, n: i32, param: T): void {
  for (let i = 0; i < n; i++) {
    const r = binaryVec<T>(op, v128.splat<T>(load<T>(at<T>(a, <usize>(i * sa)))), v128.splat<T>(load<T>(at<T>(b, <usize>(i * sb)))), param);
    storePartial<T>(at<T>(out, i), r, 1);
  }
}

@inline
function row<T>(op: i32, out: usize, a: usize, sa: i32, b: usize, sb: i32, n: i32, param: T): void {
  if (sa == 1 && sb == 1) mapVV<T>(op, out, a, b, n, param);
  else if (sa == 1 && sb == 0) mapVS<T>(op, out, a, load<T>(b), n, param);
  else if (sa == 0 && sb == 1) mapSV<T>(op, out, load<T>(a), b, n, param);
  else mapStrided<T>(op, out, a, sa, b, sb, n, param);
}

@inline
function broadcastLoop<T>(op: i32, out: usize, a: usize, b: usize, rank: i32, desc: usize, param: T): void {
  if (rank == 0) {
    row<T>(op, out, a, 1, b, 1, 1, param);
    return;
  }
  const shape = desc;
  const aStrides = desc + (<usize>rank << 2);
  const bStrides = desc + (<usize>rank << 3);
  const counter = desc + (<usize>(3 * rank) << 2);
  const last = rank - 1;
  const inner = load<i32>(shape + (<usize>last << 2));
  const sa = load<i32>(aStrides + (<usize>last << 2));
  const sb = load<i32>(bStrides + (<usize>last << 2));
  let rows = 1;
  for (let d = 0; d < last; d++) {
    rows *= load<i32>(shape + (<usize>d << 2));
    store<i32>(counter + (<usize>d << 2), 0);
  }
  let offA: isize = 0, offB: isize = 0;
  let o = out;
  const rowBytes = <usize>inner * sizeof<T>();
  for (let r = 0; r < rows; r++) {
    row<T>(op, o, a + offA * sizeof<T>(), sa, b + offB * sizeof<T>(), sb, inner, param);
    o += rowBytes;
    // Odometer over the outer axes, last outer axis fastest.
    for (let d = last - 1; d >= 0; d--) {
      const dOff = <usize>d << 2;
      const count = load<i32>(counter + dOff) + 1;
      offA += load<i32>(aStrides + dOff);
      offB += load<i32>(bStrides + dOff);
      if (count < load<i32>(shape + dOff)) {
        store<i32>(counter + dOff, count);
        break;
      }
      offA -= <isize>load<i32>(aStrides + dOff) * count;
      offB -= <isize>load<i32>(bStrides + dOff) * count;
      store<i32>(counter + dOff, 0);
    }
  }
}

/** out = a ∘ b with broadcasting strides (see the file comment for desc); `param` feeds leaky relu. */
export function binary<T>(op: i32, out: usize, a: usize, b: usize, rank: i32, desc: usize, param: T): void {
  switch (op) {
    case BINARY_ADD: broadcastLoop<T>(BINARY_ADD, out, a, b, rank, desc, param); break;
    case BINARY_SUB: broadcastLoop<T>(BINARY_SUB, out, a, b, rank, desc, param); break;
    case BINARY_MUL: broadcastLoop<T>(BINARY_MUL, out, a, b, rank, desc, param); break;
    case BINARY_DIV: broadcastLoop<T>(BINARY_DIV, out, a, b, rank, desc, param); break;
    case BINARY_MAX: broadcastLoop<T>(BINARY_MAX, out, a, b, rank, desc, param); break;
    case BINARY_MIN: broadcastLoop<T>(BINARY_MIN, out, a, b, rank, desc, param); break;
    case BINARY_POW: broadcastLoop<T>(BINARY_POW, out, a, b, rank, desc, param); break;
    case BINARY_GT: broadcastLoop<T>(BINARY_GT, out, a, b, rank, desc, param); break;
    case BINARY_GE: broadcastLoop<T>(BINARY_GE, out, a, b, rank, desc, param); break;
    case BINARY_LT: broadcastLoop<T>(BINARY_LT, out, a, b, rank, desc, param); break;
    case BINARY_LE: broadcastLoop<T>(BINARY_LE, out, a, b, rank, desc, param); break;
    case BINARY_EQ: broadcastLoop<T>(BINARY_EQ, out, a, b, rank, desc, param); break;
    case BINARY_NE: broadcastLoop<T>(BINARY_NE, out, a, b, rank, desc, param); break;
    case BINARY_RELU_BACKWARD: broadcastLoop<T>(BINARY_RELU_BACKWARD, out, a, b, rank, desc, param); break;
    case BINARY_LEAKY_RELU_BACKWARD: broadcastLoop<T>(BINARY_LEAKY_RELU_BACKWARD, out, a, b, rank, desc, param); break;
    case BINARY_TANH_BACKWARD: broadcastLoop<T>(BINARY_TANH_BACKWARD, out, a, b, rank, desc, param); break;
    case BINARY_SIGMOID_BACKWARD: broadcastLoop<T>(BINARY_SIGMOID_BACKWARD, out, a, b, rank, desc, param); break;
    default: break;
  }
}

/** out = a ∘ s (or s ∘ a when `reversed`) for a contiguous a of n elements and a scalar s. */
export function binaryScalar<T>(op: i32, out: usize, a: usize, n: i32, s: T, reversed: bool, param: T): void {
  switch (op) {
    case BINARY_ADD:
      if (reversed) mapSV<T>(BINARY_ADD, out, s, a, n, param); else mapVS<T>(BINARY_ADD, out, a, s, n, param);
      break;
    case BINARY_SUB:
      if (reversed) mapSV<T>(BINARY_SUB, out, s, a, n, param); else mapVS<T>(BINARY_SUB, out, a, s, n, param);
      break;
    case BINARY_MUL:
      if (reversed) mapSV<T>(BINARY_MUL, out, s, a, n, param); else mapVS<T>(BINARY_MUL, out, a, s, n, param);
      break;
    case BINARY_DIV:
      if (reversed) mapSV<T>(BINARY_DIV, out, s, a, n, param); else mapVS<T>(BINARY_DIV, out, a, s, n, param);
      break;
    case BINARY_MAX:
      if (reversed) mapSV<T>(BINARY_MAX, out, s, a, n, param); else mapVS<T>(BINARY_MAX, out, a, s, n, param);
      break;
    case BINARY_MIN:
      if (reversed) mapSV<T>(BINARY_MIN, out, s, a, n, param); else mapVS<T>(BINARY_MIN, out, a, s, n, param);
      break;
    case BINARY_POW:
      if (reversed) mapSV<T>(BINARY_POW, out, s, a, n, param); else mapVS<T>(BINARY_POW, out, a, s, n, param);
      break;
    case BINARY_GT:
      if (reversed) mapSV<T>(BINARY_GT, out, s, a, n, param); else mapVS<T>(BINARY_GT, out, a, s, n, param);
      break;
    case BINARY_GE:
      if (reversed) mapSV<T>(BINARY_GE, out, s, a, n, param); else mapVS<T>(BINARY_GE, out, a, s, n, param);
      break;
    case BINARY_LT:
      if (reversed) mapSV<T>(BINARY_LT, out, s, a, n, param); else mapVS<T>(BINARY_LT, out, a, s, n, param);
      break;
    case BINARY_LE:
      if (reversed) mapSV<T>(BINARY_LE, out, s, a, n, param); else mapVS<T>(BINARY_LE, out, a, s, n, param);
      break;
    case BINARY_EQ:
      if (reversed) mapSV<T>(BINARY_EQ, out, s, a, n, param); else mapVS<T>(BINARY_EQ, out, a, s, n, param);
      break;
    case BINARY_NE:
      if (reversed) mapSV<T>(BINARY_NE, out, s, a, n, param); else mapVS<T>(BINARY_NE, out, a, s, n, param);
      break;
    case BINARY_RELU_BACKWARD:
      if (reversed) mapSV<T>(BINARY_RELU_BACKWARD, out, s, a, n, param); else mapVS<T>(BINARY_RELU_BACKWARD, out, a, s, n, param);
      break;
    case BINARY_LEAKY_RELU_BACKWARD:
      if (reversed) mapSV<T>(BINARY_LEAKY_RELU_BACKWARD, out, s, a, n, param); else mapVS<T>(BINARY_LEAKY_RELU_BACKWARD, out, a, s, n, param);
      break;
    case BINARY_TANH_BACKWARD:
      if (reversed) mapSV<T>(BINARY_TANH_BACKWARD, out, s, a, n, param); else mapVS<T>(BINARY_TANH_BACKWARD, out, a, s, n, param);
      break;
    case BINARY_SIGMOID_BACKWARD:
      if (reversed) mapSV<T>(BINARY_SIGMOID_BACKWARD, out, s, a, n, param); else mapVS<T>(BINARY_SIGMOID_BACKWARD, out, a, s, n, param);
      break;
    default: break;
  }
}

/**
 * out = g ∘ y for contiguous g, y of n elements, where ∘ is one of the activations' backward
 * rules (relu, leaky relu, tanh, sigmoid; y the activation's output). Other codes copy g.
 */
export function activationBackward<T>(op: i32, out: usize, g: usize, y: usize, n: i32, param: T): void {
  switch (op) {
    case BINARY_RELU_BACKWARD: mapVV<T>(BINARY_RELU_BACKWARD, out, g, y, n, param); break;
    case BINARY_LEAKY_RELU_BACKWARD: mapVV<T>(BINARY_LEAKY_RELU_BACKWARD, out, g, y, n, param); break;
    case BINARY_TANH_BACKWARD: mapVV<T>(BINARY_TANH_BACKWARD, out, g, y, n, param); break;
    case BINARY_SIGMOID_BACKWARD: mapVV<T>(BINARY_SIGMOID_BACKWARD, out, g, y, n, param); break;
    default: memory.copy(out, g, <usize>n * sizeof<T>());
  }
}
