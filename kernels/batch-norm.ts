// Batch normalisation in training mode, fused: per channel c of x [N, C, S] (S = H·W, or 1),
// over the M = N·S values of the channel,
//
//   forward:   mean = Σ x / M,  var = Σ (x - mean)² / M (biased, two passes),
//              y = (x - mean)·g + b with g = gamma/sqrt(var + eps), b = beta
//   backward:  s1 = Σ dy,  s2 = Σ dy·(x - mean),  (dbeta = s1, dgamma = s2/sqrt(var + eps))
//              dx = g·(dy - s1/M - (x - mean)·s2/(M·(var + eps)))
//
// A channel's N rows are visited two or three times in a row; at VGG-16's sizes (64 x 32 x 32
// float32: 256 KiB per channel) the later visits hit L2, so each op streams x (and dy) from
// memory about once. Sums run in vectors of T over at most SUM_BLOCK elements, then in float64.
// Statistics and sums are float64 [C][2] arrays for both dtypes. Channels are independent:
// callers split them across threads ([first, first + count)).

import { at, laneTotal, lanes, loadPartial } from './lanes';

const SUM_BLOCK: i32 = 512;

// The row sums below return float64 totals; rowGradientSums leaves its second total in `second`
// (a global: every thread runs its own instance of the module).
let second: f64 = 0;

function rowSum<T>(x: usize, n: i32): f64 {
  const L = lanes<T>();
  let total: f64 = 0;
  for (let i = 0; i < n;) {
    const end = min(n, i + SUM_BLOCK);
    let s0 = v128.splat<T>(0), s1 = v128.splat<T>(0);
    for (; i + 2 * L <= end; i += 2 * L) {
      const p = at<T>(x, i);
      s0 = v128.add<T>(s0, v128.load(p));
      s1 = v128.add<T>(s1, v128.load(p, 16));
    }
    for (; i + L <= end; i += L) s0 = v128.add<T>(s0, v128.load(at<T>(x, i)));
    if (i < end) {
      s1 = v128.add<T>(s1, loadPartial<T>(at<T>(x, i), end - i));
      i = end;
    }
    total += laneTotal<T>(v128.add<T>(s0, s1));
  }
  return total;
}

function rowSquaredDeviations<T>(x: usize, n: i32, mean: T): f64 {
  const L = lanes<T>();
  const m = v128.splat<T>(mean);
  let total: f64 = 0;
  for (let i = 0; i < n;) {
    const end = min(n, i + SUM_BLOCK);
    let s0 = v128.splat<T>(0), s1 = v128.splat<T>(0);
    for (; i + 2 * L <= end; i += 2 * L) {
      const p = at<T>(x, i);
      const d0 = v128.sub<T>(v128.load(p), m), d1 = v128.sub<T>(v128.load(p, 16), m);
      s0 = v128.add<T>(s0, v128.mul<T>(d0, d0));
      s1 = v128.add<T>(s1, v128.mul<T>(d1, d1));
    }
    for (; i + L <= end; i += L) {
      const d = v128.sub<T>(v128.load(at<T>(x, i)), m);
      s0 = v128.add<T>(s0, v128.mul<T>(d, d));
    }
    for (; i < end; i++) {
      const d = <f64>(load<T>(at<T>(x, i)) - mean);
      total += d * d;
    }
    total += laneTotal<T>(v128.add<T>(s0, s1));
  }
  return total;
}

// Returns Σ dy; `second` = Σ dy·(x - mean).
function rowGradientSums<T>(dy: usize, x: usize, n: i32, mean: T): f64 {
  const L = lanes<T>();
  const m = v128.splat<T>(mean);
  let total: f64 = 0;
  let weighted: f64 = 0;
  for (let i = 0; i < n;) {
    const end = min(n, i + SUM_BLOCK);
    let s = v128.splat<T>(0), w = v128.splat<T>(0);
    for (; i + L <= end; i += L) {
      const g = v128.load(at<T>(dy, i));
      s = v128.add<T>(s, g);
      w = v128.add<T>(w, v128.mul<T>(g, v128.sub<T>(v128.load(at<T>(x, i)), m)));
    }
    for (; i < end; i++) {
      const g = <f64>load<T>(at<T>(dy, i));
      total += g;
      weighted += g * <f64>(load<T>(at<T>(x, i)) - mean);
    }
    total += laneTotal<T>(s);
    weighted += laneTotal<T>(w);
  }
  second = weighted;
  return total;
}

// out[i] = a·p[i] + b·(q[i] - m) + k; p == 0 drops the first term. (x - mean is formed before
// scaling, so a mean far from zero does not cancel away the digits of the result.)
function rowAffine<T>(out: usize, p: usize, a: T, q: usize, m: T, b: T, k: T, n: i32): void {
  const L = lanes<T>();
  const va = v128.splat<T>(a), vb = v128.splat<T>(b), vm = v128.splat<T>(m), vk = v128.splat<T>(k);
  let i = 0;
  if (p == 0) {
    for (; i + L <= n; i += L) v128.store(at<T>(out, i), v128.add<T>(v128.mul<T>(v128.sub<T>(v128.load(at<T>(q, i)), vm), vb), vk));
    for (; i < n; i++) store<T>(at<T>(out, i), (load<T>(at<T>(q, i)) - m) * b + k);
    return;
  }
  for (; i + L <= n; i += L) {
    const v = v128.add<T>(v128.mul<T>(v128.load(at<T>(p, i)), va), v128.mul<T>(v128.sub<T>(v128.load(at<T>(q, i)), vm), vb));
    v128.store(at<T>(out, i), v128.add<T>(v, vk));
  }
  for (; i < n; i++) store<T>(at<T>(out, i), (load<T>(at<T>(p, i)) * a + (load<T>(at<T>(q, i)) - m) * b) + k);
}

/**
 * y = the batch normalisation of x [N, C, S] for channels [first, first + count): stats[c] =
 * (mean, biased variance) as float64; gamma and beta are [C] (0: ones, zeros).
 */
export function batchNormForward<T>(y: usize, stats: usize, x: usize, gamma: usize, beta: usize, eps: f64, N: i32, C: i32, S: i32, first: i32, count: i32): void {
  const M = <f64>N * <f64>S;
  const rowBytes = <usize>C * S * sizeof<T>();
  for (let c = first; c < first + count; c++) {
    const base = at<T>(x, <usize>c * S);
    let total: f64 = 0;
    for (let n = 0; n < N; n++) total += rowSum<T>(base + <usize>n * rowBytes, S);
    const mean = total / M;
    let squares: f64 = 0;
    for (let n = 0; n < N; n++) squares += rowSquaredDeviations<T>(base + <usize>n * rowBytes, S, <T>mean);
    const variance = squares / M;
    store<f64>(stats + (<usize>c << 4), mean);
    store<f64>(stats + (<usize>c << 4), variance, 8);
    const g = (gamma == 0 ? 1 : <f64>load<T>(at<T>(gamma, c))) / Math.sqrt(variance + eps);
    const b = beta == 0 ? 0 : <f64>load<T>(at<T>(beta, c));
    const out = at<T>(y, <usize>c * S);
    for (let n = 0; n < N; n++) rowAffine<T>(out + <usize>n * rowBytes, 0, 0, base + <usize>n * rowBytes, <T>mean, <T>g, <T>b, S);
  }
}

/**
 * The backward of batchNormForward for channels [first, first + count): sums[c] = (Σ dy,
 * Σ dy·(x - mean)) as float64 and, when dx is not 0, dx; stats as batchNormForward wrote them.
 */
export function batchNormBackward<T>(dx: usize, sums: usize, dy: usize, x: usize, stats: usize, gamma: usize, eps: f64, N: i32, C: i32, S: i32, first: i32, count: i32): void {
  const M = <f64>N * <f64>S;
  const rowBytes = <usize>C * S * sizeof<T>();
  for (let c = first; c < first + count; c++) {
    const mean = load<f64>(stats + (<usize>c << 4));
    const variance = load<f64>(stats + (<usize>c << 4), 8);
    const xc = at<T>(x, <usize>c * S);
    const gc = at<T>(dy, <usize>c * S);
    let s1: f64 = 0, s2: f64 = 0;
    for (let n = 0; n < N; n++) {
      s1 += rowGradientSums<T>(gc + <usize>n * rowBytes, xc + <usize>n * rowBytes, S, <T>mean);
      s2 += second;
    }
    store<f64>(sums + (<usize>c << 4), s1);
    store<f64>(sums + (<usize>c << 4), s2, 8);
    if (dx == 0) continue;
    // dx = dy·g + (x - mean)·b - g·s1/M with g = gamma/sqrt(var + eps), b = -g·s2/(M·(var + eps)).
    const inv = 1 / (variance + eps);
    const g = (gamma == 0 ? 1 : <f64>load<T>(at<T>(gamma, c))) * Math.sqrt(inv);
    const b = -g * s2 * inv / M;
    const out = at<T>(dx, <usize>c * S);
    for (let n = 0; n < N; n++) {
      rowAffine<T>(out + <usize>n * rowBytes, gc + <usize>n * rowBytes, <T>g, xc + <usize>n * rowBytes, <T>mean, <T>b, <T>(-g * s1 / M), S);
    }
  }
}
