// Plain TypeScript twins of every kernel: the test oracle. Each function takes the same
// arguments as its WebAssembly export and works on the same linear memory, one element at a time
// with the obvious loop, accumulating in float64 and rounding to float32 on store where the
// dtype is float32. No SIMD, no blocking, no cleverness: these are meant to be read and trusted.

import type { KernelExports } from './kernel-exports.js';
import { BinaryOp, UnaryOp } from './kernel-codes.js';
import { elementIndex } from './kernel-module.js';

/** The memory views a reference kernel reads and writes (a KernelModule provides them). */
export interface MemoryViews {
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  readonly i32: Int32Array;
}

export type ReferenceKernels = Omit<KernelExports, 'memory' | 'heapBase' | 'gemmWorkspaceBytes'>;

type FloatView = Float32Array | Float64Array;

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function unaryScalar(op: number, x: number, param: number, param2: number): number {
  switch (op) {
    case UnaryOp.neg: return -x;
    case UnaryOp.abs: return Math.abs(x);
    case UnaryOp.exp: return Math.exp(x);
    case UnaryOp.log: return Math.log(x);
    case UnaryOp.sqrt: return Math.sqrt(x);
    case UnaryOp.tanh: return Math.tanh(x);
    case UnaryOp.sigmoid: return sigmoid(x);
    case UnaryOp.relu: return Number.isNaN(x) ? x : Math.max(x, 0);
    case UnaryOp.leakyRelu: return x > 0 ? x : x * param;
    case UnaryOp.powScalar: return Math.pow(x, param);
    case UnaryOp.square: return x * x;
    case UnaryOp.reciprocal: return 1 / x;
    case UnaryOp.affine: return x * param + param2;
    default: throw new Error(`reference unary: unknown op ${op}`);
  }
}

function binaryScalarOp(op: number, a: number, b: number, param: number): number {
  switch (op) {
    case BinaryOp.add: return a + b;
    case BinaryOp.sub: return a - b;
    case BinaryOp.mul: return a * b;
    case BinaryOp.div: return a / b;
    case BinaryOp.max: return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b);
    case BinaryOp.min: return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b);
    case BinaryOp.pow: return Math.pow(a, b);
    case BinaryOp.gt: return a > b ? 1 : 0;
    case BinaryOp.ge: return a >= b ? 1 : 0;
    case BinaryOp.lt: return a < b ? 1 : 0;
    case BinaryOp.le: return a <= b ? 1 : 0;
    case BinaryOp.eq: return a === b ? 1 : 0;
    case BinaryOp.ne: return a !== b ? 1 : 0;
    case BinaryOp.reluBackward: return b > 0 ? a : 0;
    case BinaryOp.leakyReluBackward: return b > 0 ? a : a * param;
    case BinaryOp.tanhBackward: return a * (1 - b * b);
    case BinaryOp.sigmoidBackward: return a * b * (1 - b);
    default: throw new Error(`reference binary: unknown op ${op}`);
  }
}

// Calls visit(outIndex, offsets...) for every multi-index of shape, where each offset is the dot
// product of the index with one stride array. Row-major order, last axis fastest.
function forEachIndex(shape: number[], strides: number[][], visit: (flat: number, offsets: number[]) => void): void {
  const rank = shape.length;
  const total = shape.reduce((p, s) => p * s, 1);
  const index = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < total; flat++) {
    visit(flat, strides.map((s) => index.reduce((acc, i, d) => acc + i * s[d]!, 0)));
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      if (index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
}

function readDescriptor(i32: Int32Array, desc: number, rank: number, arrays: number): number[][] {
  const out: number[][] = [];
  for (let a = 0; a < arrays; a++) {
    out.push(Array.from(i32.subarray(elementIndex(desc, 4) + a * rank, elementIndex(desc, 4) + (a + 1) * rank)));
  }
  return out;
}

/** Reference kernels over the views of a kernel module's memory. */
export function referenceKernels(views: MemoryViews): ReferenceKernels {
  const f32 = (): FloatView => views.f32;
  const f64 = (): FloatView => views.f64;

  function gemm(view: () => FloatView, bytes: 4 | 8) {
    return (transA: number, transB: number, m: number, n: number, k: number, alpha: number,
      a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number): void => {
      const v = view();
      const A = elementIndex(a, bytes), B = elementIndex(b, bytes), C = elementIndex(c, bytes);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) {
            const x = transA ? v[A + p * lda + i]! : v[A + i * lda + p]!;
            const y = transB ? v[B + j * ldb + p]! : v[B + p * ldb + j]!;
            s += x * y;
          }
          const old = v[C + i * ldc + j]!;
          v[C + i * ldc + j] = alpha * s + (beta === 0 ? 0 : beta * old);
        }
      }
    };
  }

  function gemmBatched(view: () => FloatView, bytes: 4 | 8) {
    const single = gemm(view, bytes);
    return (transA: number, transB: number, m: number, n: number, k: number, alpha: number,
      a: number, lda: number, strideA: number, b: number, ldb: number, strideB: number,
      beta: number, c: number, ldc: number, strideC: number, batch: number): void => {
      for (let i = 0; i < batch; i++) {
        single(transA, transB, m, n, k, alpha, a + i * strideA * bytes, lda, b + i * strideB * bytes, ldb,
          beta, c + i * strideC * bytes, ldc);
      }
    };
  }

  function unary(view: () => FloatView, bytes: 4 | 8) {
    return (op: number, out: number, x: number, n: number, param: number, param2: number): void => {
      const v = view();
      for (let i = 0; i < n; i++) v[elementIndex(out, bytes) + i] = unaryScalar(op, v[elementIndex(x, bytes) + i]!, param, param2);
    };
  }

  function binary(view: () => FloatView, bytes: 4 | 8) {
    return (op: number, out: number, a: number, b: number, rank: number, desc: number, param: number): void => {
      const v = view();
      const [shape, sa, sb] = readDescriptor(views.i32, desc, rank, 3) as [number[], number[], number[]];
      forEachIndex(shape, [sa, sb], (flat, [oa, ob]) => {
        v[elementIndex(out, bytes) + flat] = binaryScalarOp(op, v[elementIndex(a, bytes) + oa!]!, v[elementIndex(b, bytes) + ob!]!, param);
      });
    };
  }

  function binaryScalar(view: () => FloatView, bytes: 4 | 8) {
    return (op: number, out: number, a: number, n: number, s: number, reversed: number, param: number): void => {
      const v = view();
      const scalar = v instanceof Float32Array ? Math.fround(s) : s;
      for (let i = 0; i < n; i++) {
        const x = v[elementIndex(a, bytes) + i]!;
        v[elementIndex(out, bytes) + i] = reversed ? binaryScalarOp(op, scalar, x, param) : binaryScalarOp(op, x, scalar, param);
      }
    };
  }

  function axpy(view: () => FloatView, bytes: 4 | 8) {
    return (n: number, alpha: number, x: number, y: number): void => {
      const v = view();
      for (let i = 0; i < n; i++) v[elementIndex(y, bytes) + i] = alpha * v[elementIndex(x, bytes) + i]! + v[elementIndex(y, bytes) + i]!;
    };
  }

  function copyStrided(view: () => FloatView, bytes: 4 | 8) {
    return (out: number, src: number, rank: number, desc: number): void => {
      const v = view();
      const [shape, so, ss] = readDescriptor(views.i32, desc, rank, 3) as [number[], number[], number[]];
      forEachIndex(shape, [so, ss], (_flat, [oo, os]) => {
        v[elementIndex(out, bytes) + oo!] = v[elementIndex(src, bytes) + os!]!;
      });
    };
  }

  function fill(view: () => FloatView, bytes: 4 | 8) {
    return (out: number, value: number, n: number): void => {
      view().fill(value, elementIndex(out, bytes), elementIndex(out, bytes) + n);
    };
  }

  function sumAxis(view: () => FloatView, bytes: 4 | 8) {
    return (out: number, src: number, outer: number, extent: number, inner: number, scale: number): void => {
      const v = view();
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          let s = 0;
          for (let r = 0; r < extent; r++) s += v[elementIndex(src, bytes) + (o * extent + r) * inner + i]!;
          v[elementIndex(out, bytes) + o * inner + i] = s * scale;
        }
      }
    };
  }

  function maxAxis(view: () => FloatView, bytes: 4 | 8) {
    return (out: number, argOut: number, src: number, outer: number, extent: number, inner: number): void => {
      const v = view();
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          let best = -Infinity;
          let bestAt = -1;
          for (let r = 0; r < extent; r++) {
            const x = v[elementIndex(src, bytes) + (o * extent + r) * inner + i]!;
            if (Number.isNaN(x)) {
              best = x;
              bestAt = r;
              break;
            }
            if (bestAt < 0 || x > best) {
              best = x;
              bestAt = r;
            }
          }
          v[elementIndex(out, bytes) + o * inner + i] = best;
          if (argOut !== 0) views.i32[elementIndex(argOut, 4) + o * inner + i] = bestAt;
        }
      }
    };
  }

  function indexSelect(view: () => FloatView, bytes: 4 | 8) {
    return (out: number, src: number, idx: number, outer: number, axisLength: number, count: number, inner: number): void => {
      const v = view();
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < count; j++) {
          const k = views.i32[elementIndex(idx, 4) + j]!;
          for (let i = 0; i < inner; i++) v[elementIndex(out, bytes) + (o * count + j) * inner + i] = v[elementIndex(src, bytes) + (o * axisLength + k) * inner + i]!;
        }
      }
    };
  }

  function indexAdd(view: () => FloatView, bytes: 4 | 8) {
    return (dst: number, src: number, idx: number, outer: number, axisLength: number, count: number, inner: number): void => {
      const v = view();
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < count; j++) {
          const k = views.i32[elementIndex(idx, 4) + j]!;
          for (let i = 0; i < inner; i++) {
            const at = elementIndex(dst, bytes) + (o * axisLength + k) * inner + i;
            v[at] = v[at]! + v[elementIndex(src, bytes) + (o * count + j) * inner + i]!;
          }
        }
      }
    };
  }

  function gatherAlong(view: () => FloatView, bytes: 4 | 8) {
    return (out: number, src: number, idx: number, outer: number, axisLength: number, count: number, inner: number): void => {
      const v = view();
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < count; j++) {
          for (let i = 0; i < inner; i++) {
            const flat = (o * count + j) * inner + i;
            v[elementIndex(out, bytes) + flat] = v[elementIndex(src, bytes) + (o * axisLength + views.i32[elementIndex(idx, 4) + flat]!) * inner + i]!;
          }
        }
      }
    };
  }

  function scatterAlongAdd(view: () => FloatView, bytes: 4 | 8) {
    return (dst: number, src: number, idx: number, outer: number, axisLength: number, count: number, inner: number): void => {
      const v = view();
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < count; j++) {
          for (let i = 0; i < inner; i++) {
            const flat = (o * count + j) * inner + i;
            const at = elementIndex(dst, bytes) + (o * axisLength + views.i32[elementIndex(idx, 4) + flat]!) * inner + i;
            v[at] = v[at]! + v[elementIndex(src, bytes) + flat]!;
          }
        }
      }
    };
  }

  function select(view: () => FloatView, bytes: 4 | 8) {
    return (out: number, cond: number, a: number, b: number, rank: number, desc: number): void => {
      const v = view();
      const [shape, sc, sa, sb] = readDescriptor(views.i32, desc, rank, 4) as [number[], number[], number[], number[]];
      forEachIndex(shape, [sc, sa, sb], (flat, [oc, oa, ob]) => {
        v[elementIndex(out, bytes) + flat] = v[elementIndex(cond, bytes) + oc!] !== 0 ? v[elementIndex(a, bytes) + oa!]! : v[elementIndex(b, bytes) + ob!]!;
      });
    };
  }

  function applyGate(view: () => FloatView, bytes: 4 | 8) {
    return (out: number, state: number, gate: number, A: number, D: number, B: number, transposed: number): void => {
      const v = view();
      const g = (o: number, i: number) => v[elementIndex(gate, bytes) + (transposed ? i * D + o : o * D + i)]!;
      for (let a = 0; a < A; a++) {
        for (let o = 0; o < D; o++) {
          for (let b = 0; b < B; b++) {
            let s = 0;
            for (let i = 0; i < D; i++) s += g(o, i) * v[elementIndex(state, bytes) + (a * D + i) * B + b]!;
            v[elementIndex(out, bytes) + (a * D + o) * B + b] = s;
          }
        }
      }
    };
  }

  function gateGradient(view: () => FloatView, bytes: 4 | 8) {
    return (dGate: number, gOut: number, state: number, A: number, D: number, B: number): void => {
      const v = view();
      for (let o = 0; o < D; o++) {
        for (let i = 0; i < D; i++) {
          let s = 0;
          for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) s += v[elementIndex(gOut, bytes) + (a * D + o) * B + b]! * v[elementIndex(state, bytes) + (a * D + i) * B + b]!;
          v[elementIndex(dGate, bytes) + o * D + i] = s;
        }
      }
    };
  }

  function gateBackward(view: () => FloatView, bytes: 4 | 8) {
    const apply = applyGate(view, bytes);
    const gradient = gateGradient(view, bytes);
    return (dState: number, dGate: number, gOut: number, state: number, gate: number, A: number, D: number, B: number): void => {
      apply(dState, gOut, gate, A, D, B, 1);
      gradient(dGate, gOut, state, A, D, B);
    };
  }

  // The convolution geometry: input position of (o, k) along one axis, or -1 outside.
  const inputIndex = (o: number, k: number, stride: number, pad: number, dilation: number, size: number): number => {
    const i = o * stride - pad + k * dilation;
    return i >= 0 && i < size ? i : -1;
  };

  function im2col(view: () => FloatView, bytes: 4 | 8) {
    return (cols: number, ld: number, image: number, C: number, H: number, W: number, KH: number, KW: number,
      sH: number, sW: number, pH: number, pW: number, dH: number, dW: number, OH: number, OW: number): void => {
      const v = view();
      for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
        const row = (c * KH + kh) * KW + kw;
        for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
          const ih = inputIndex(oh, kh, sH, pH, dH, H);
          const iw = inputIndex(ow, kw, sW, pW, dW, W);
          v[elementIndex(cols, bytes) + row * ld + oh * OW + ow] = ih < 0 || iw < 0 ? 0 : v[elementIndex(image, bytes) + (c * H + ih) * W + iw]!;
        }
      }
    };
  }

  function col2im(view: () => FloatView, bytes: 4 | 8) {
    return (image: number, cols: number, ld: number, C: number, H: number, W: number, KH: number, KW: number,
      sH: number, sW: number, pH: number, pW: number, dH: number, dW: number, OH: number, OW: number): void => {
      const v = view();
      for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
        const row = (c * KH + kh) * KW + kw;
        for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
          const ih = inputIndex(oh, kh, sH, pH, dH, H);
          const iw = inputIndex(ow, kw, sW, pW, dW, W);
          if (ih < 0 || iw < 0) continue;
          const at = elementIndex(image, bytes) + (c * H + ih) * W + iw;
          v[at] = v[at]! + v[elementIndex(cols, bytes) + row * ld + oh * OW + ow]!;
        }
      }
    };
  }

  // The in-image part of a pooling window along one axis.
  const windowRange = (o: number, stride: number, pad: number, kernel: number, size: number): [number, number] =>
    [Math.max(o * stride - pad, 0), Math.min(o * stride - pad + kernel, size)];

  function maxPool2d(view: () => FloatView, bytes: 4 | 8) {
    return (out: number, argmax: number, x: number, NC: number, H: number, W: number, OH: number, OW: number,
      KH: number, KW: number, sH: number, sW: number, pH: number, pW: number): void => {
      const v = view();
      for (let p = 0; p < NC; p++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
        const [h0, h1] = windowRange(oh, sH, pH, KH, H);
        const [w0, w1] = windowRange(ow, sW, pW, KW, W);
        let best = -Infinity;
        let bestAt = -1;
        for (let ih = h0; ih < h1 && !Number.isNaN(best); ih++) for (let iw = w0; iw < w1; iw++) {
          const value = v[elementIndex(x, bytes) + (p * H + ih) * W + iw]!;
          if (bestAt < 0 || value > best || (Number.isNaN(value) && !Number.isNaN(best))) {
            best = value;
            bestAt = ih * W + iw;
            if (Number.isNaN(value)) break;
          }
        }
        const o = (p * OH + oh) * OW + ow;
        v[elementIndex(out, bytes) + o] = best;
        views.i32[elementIndex(argmax, 4) + o] = bestAt;
      }
    };
  }

  function maxPool2dBackward(view: () => FloatView, bytes: 4 | 8) {
    return (dx: number, dy: number, argmax: number, NC: number, H: number, W: number, OH: number, OW: number): void => {
      const v = view();
      for (let p = 0; p < NC; p++) for (let q = 0; q < OH * OW; q++) {
        const o = p * OH * OW + q;
        const at = elementIndex(dx, bytes) + p * H * W + views.i32[elementIndex(argmax, 4) + o]!;
        v[at] = v[at]! + v[elementIndex(dy, bytes) + o]!;
      }
    };
  }

  function avgPool2d(view: () => FloatView, bytes: 4 | 8, backward: boolean) {
    return (a: number, b: number, NC: number, H: number, W: number, OH: number, OW: number,
      KH: number, KW: number, sH: number, sW: number, pH: number, pW: number, countIncludePad: number): void => {
      const v = view();
      for (let p = 0; p < NC; p++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
        const [h0, h1] = windowRange(oh, sH, pH, KH, H);
        const [w0, w1] = windowRange(ow, sW, pW, KW, W);
        const divisor = countIncludePad ? KH * KW : (h1 - h0) * (w1 - w0);
        const o = (p * OH + oh) * OW + ow;
        if (backward) {
          // a = dx, b = dy
          for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) {
            const at = elementIndex(a, bytes) + (p * H + ih) * W + iw;
            v[at] = v[at]! + v[elementIndex(b, bytes) + o]! / divisor;
          }
        } else {
          // a = out, b = x
          let sum = 0;
          for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) sum += v[elementIndex(b, bytes) + (p * H + ih) * W + iw]!;
          v[elementIndex(a, bytes) + o] = sum / divisor;
        }
      }
    };
  }

  function adaptiveAvgPool2d(view: () => FloatView, bytes: 4 | 8, backward: boolean) {
    return (a: number, b: number, NC: number, H: number, W: number, OH: number, OW: number): void => {
      const v = view();
      for (let p = 0; p < NC; p++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
        const h0 = Math.floor((oh * H) / OH), h1 = Math.ceil(((oh + 1) * H) / OH);
        const w0 = Math.floor((ow * W) / OW), w1 = Math.ceil(((ow + 1) * W) / OW);
        const count = (h1 - h0) * (w1 - w0);
        const o = (p * OH + oh) * OW + ow;
        if (backward) {
          for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) {
            const at = elementIndex(a, bytes) + (p * H + ih) * W + iw;
            v[at] = v[at]! + v[elementIndex(b, bytes) + o]! / count;
          }
        } else {
          let sum = 0;
          for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) sum += v[elementIndex(b, bytes) + (p * H + ih) * W + iw]!;
          v[elementIndex(a, bytes) + o] = sum / count;
        }
      }
    };
  }

  function sgdStep(view: () => FloatView, bytes: 4 | 8) {
    return (param: number, grad: number, buffer: number, n: number, lr: number, momentum: number, dampening: number,
      weightDecay: number, nesterov: number, first: number): void => {
      const v = view();
      for (let i = 0; i < n; i++) {
        const p = v[elementIndex(param, bytes) + i]!;
        let d = v[elementIndex(grad, bytes) + i]! + weightDecay * p;
        if (momentum !== 0) {
          const b = first ? d : momentum * v[elementIndex(buffer, bytes) + i]! + (1 - dampening) * d;
          v[elementIndex(buffer, bytes) + i] = b;
          d = nesterov ? d + momentum * b : b;
        }
        v[elementIndex(param, bytes) + i] = p - lr * d;
      }
    };
  }

  function adamStep(view: () => FloatView, bytes: 4 | 8) {
    return (param: number, grad: number, m: number, vs: number, n: number, lr: number, beta1: number, beta2: number,
      eps: number, weightDecay: number, decoupled: number, bias1: number, bias2: number): void => {
      const v = view();
      for (let i = 0; i < n; i++) {
        let p = v[elementIndex(param, bytes) + i]!;
        let g = v[elementIndex(grad, bytes) + i]!;
        if (decoupled) p *= 1 - lr * weightDecay;
        else g += weightDecay * p;
        const mi = beta1 * v[elementIndex(m, bytes) + i]! + (1 - beta1) * g;
        const vi = beta2 * v[elementIndex(vs, bytes) + i]! + (1 - beta2) * g * g;
        v[elementIndex(m, bytes) + i] = mi;
        v[elementIndex(vs, bytes) + i] = vi;
        v[elementIndex(param, bytes) + i] = p - (lr * (mi / bias1)) / (Math.sqrt(vi / bias2) + eps);
      }
    };
  }

  return {
    im2colF32: im2col(f32, 4),
    im2colF64: im2col(f64, 8),
    col2imF32: col2im(f32, 4),
    col2imF64: col2im(f64, 8),
    maxPool2dF32: maxPool2d(f32, 4),
    maxPool2dF64: maxPool2d(f64, 8),
    maxPool2dBackwardF32: maxPool2dBackward(f32, 4),
    maxPool2dBackwardF64: maxPool2dBackward(f64, 8),
    avgPool2dF32: avgPool2d(f32, 4, false),
    avgPool2dF64: avgPool2d(f64, 8, false),
    avgPool2dBackwardF32: avgPool2d(f32, 4, true),
    avgPool2dBackwardF64: avgPool2d(f64, 8, true),
    adaptiveAvgPool2dF32: adaptiveAvgPool2d(f32, 4, false),
    adaptiveAvgPool2dF64: adaptiveAvgPool2d(f64, 8, false),
    adaptiveAvgPool2dBackwardF32: adaptiveAvgPool2d(f32, 4, true),
    adaptiveAvgPool2dBackwardF64: adaptiveAvgPool2d(f64, 8, true),
    sgdStepF32: sgdStep(f32, 4),
    sgdStepF64: sgdStep(f64, 8),
    adamStepF32: adamStep(f32, 4),
    adamStepF64: adamStep(f64, 8),
    applyGateF32: applyGate(f32, 4),
    applyGateF64: applyGate(f64, 8),
    gateGradientF32: gateGradient(f32, 4),
    gateGradientF64: gateGradient(f64, 8),
    gateBackwardF32: gateBackward(f32, 4),
    gateBackwardF64: gateBackward(f64, 8),
    indexSelectF32: indexSelect(f32, 4),
    indexSelectF64: indexSelect(f64, 8),
    indexAddF32: indexAdd(f32, 4),
    indexAddF64: indexAdd(f64, 8),
    gatherAlongF32: gatherAlong(f32, 4),
    gatherAlongF64: gatherAlong(f64, 8),
    scatterAlongAddF32: scatterAlongAdd(f32, 4),
    scatterAlongAddF64: scatterAlongAdd(f64, 8),
    selectF32: select(f32, 4),
    selectF64: select(f64, 8),
    gemmF32: gemm(f32, 4),
    gemmF64: gemm(f64, 8),
    gemmBatchedF32: gemmBatched(f32, 4),
    gemmBatchedF64: gemmBatched(f64, 8),
    unaryF32: unary(f32, 4),
    unaryF64: unary(f64, 8),
    binaryF32: binary(f32, 4),
    binaryF64: binary(f64, 8),
    binaryScalarF32: binaryScalar(f32, 4),
    binaryScalarF64: binaryScalar(f64, 8),
    axpyF32: axpy(f32, 4),
    axpyF64: axpy(f64, 8),
    copyStridedF32: copyStrided(f32, 4),
    copyStridedF64: copyStrided(f64, 8),
    fillF32: fill(f32, 4),
    fillF64: fill(f64, 8),
    castF32ToF64: (out, src, n) => {
      for (let i = 0; i < n; i++) views.f64[elementIndex(out, 8) + i] = views.f32[elementIndex(src, 4) + i]!;
    },
    castF64ToF32: (out, src, n) => {
      for (let i = 0; i < n; i++) views.f32[elementIndex(out, 4) + i] = views.f64[elementIndex(src, 8) + i]!;
    },
    sumAxisF32: sumAxis(f32, 4),
    sumAxisF64: sumAxis(f64, 8),
    maxAxisF32: maxAxis(f32, 4),
    maxAxisF64: maxAxis(f64, 8),
  };
}
