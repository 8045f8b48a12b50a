// Reductions along one axis of a contiguous array viewed as [outer, extent, inner]:
// out[o, i] = reduce_r src[o, r, i]. TypeScript maps any set of reduced axes onto this form
// (merging adjacent reduced axes, permuting otherwise); the full reduction is [1, n, 1].
//
// Sums are accurate beyond naive accumulation: along a contiguous run (inner == 1) they keep
// 4 vectors of partial sums and fold them into a float64 running total every SUM_BLOCK
// elements, so the rounding error grows like SUM_BLOCK/16 ulp rather than n ulp.

import { at, lanes, loadPartial } from './lanes';

const SUM_BLOCK: i32 = 512;

@inline
function horizontalSum<T>(v: v128): f64 {
  if (sizeof<T>() == 4) {
    return <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) +
      <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
  }
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

// Sum of n contiguous elements.
function sumContiguous<T>(src: usize, n: i32): f64 {
  const L = lanes<T>();
  let total: f64 = 0;
  let i = 0;
  while (i < n) {
    const blockEnd = min(n, i + SUM_BLOCK);
    let s0 = v128.splat<T>(0), s1 = v128.splat<T>(0), s2 = v128.splat<T>(0), s3 = v128.splat<T>(0);
    for (; i + 4 * L <= blockEnd; i += 4 * L) {
      const p = at<T>(src, i);
      s0 = v128.add<T>(s0, v128.load(p));
      s1 = v128.add<T>(s1, v128.load(p, 16));
      s2 = v128.add<T>(s2, v128.load(p, 32));
      s3 = v128.add<T>(s3, v128.load(p, 48));
    }
    for (; i + L <= blockEnd; i += L) s0 = v128.add<T>(s0, v128.load(at<T>(src, i)));
    if (i < blockEnd) {
      s1 = v128.add<T>(s1, loadPartial<T>(at<T>(src, i), blockEnd - i));
      i = blockEnd;
    }
    total += horizontalSum<T>(v128.add<T>(v128.add<T>(s0, s1), v128.add<T>(s2, s3)));
  }
  return total;
}

/** out[o·inner + i] = Σ_r src[(o·extent + r)·inner + i]; scale multiplies the result (1, or 1/extent for a mean). */
export function sumAxis<T>(out: usize, src: usize, outer: i32, extent: i32, inner: i32, scale: T): void {
  const L = lanes<T>();
  const vscale = v128.splat<T>(scale);
  for (let o = 0; o < outer; o++) {
    const base = at<T>(src, <usize>o * extent * inner);
    const dst = at<T>(out, <usize>o * inner);
    if (inner == 1) {
      store<T>(dst, <T>(sumContiguous<T>(base, extent) * <f64>scale));
      continue;
    }
    const rowBytes = <usize>inner * sizeof<T>();
    let i = 0;
    // Two vectors of columns at a time, walking down the reduced axis.
    for (; i + 2 * L <= inner; i += 2 * L) {
      let s0 = v128.splat<T>(0), s1 = v128.splat<T>(0);
      let p = at<T>(base, i);
      for (let r = 0; r < extent; r++) {
        s0 = v128.add<T>(s0, v128.load(p));
        s1 = v128.add<T>(s1, v128.load(p, 16));
        p += rowBytes;
      }
      v128.store(at<T>(dst, i), v128.mul<T>(s0, vscale));
      v128.store(at<T>(dst, i), v128.mul<T>(s1, vscale), 16);
    }
    for (; i < inner; i++) {
      let s: T = 0;
      let p = at<T>(base, i);
      for (let r = 0; r < extent; r++) {
        s += load<T>(p);
        p += rowBytes;
      }
      store<T>(at<T>(dst, i), s * scale);
    }
  }
}

/**
 * out[o·inner + i] = max_r src[(o·extent + r)·inner + i], and when argOut != 0 the first r that
 * attains it (i32). NaN wins: the result is NaN at the first NaN, like numpy.max/argmax.
 * extent must be >= 1.
 */
export function maxAxis<T>(out: usize, argOut: usize, src: usize, outer: i32, extent: i32, inner: i32): void {
  const rowBytes = <usize>inner * sizeof<T>();
  for (let o = 0; o < outer; o++) {
    const base = at<T>(src, <usize>o * extent * inner);
    const dst = at<T>(out, <usize>o * inner);
    const arg = argOut + ((<usize>o * inner) << 2);
    if (inner == 1) {
      let best = load<T>(base);
      let bestAt = 0;
      if (best == best) {
        for (let r = 1; r < extent; r++) {
          const v = load<T>(at<T>(base, r));
          if (v > best) {
            best = v;
            bestAt = r;
          } else if (v != v) {
            best = v;
            bestAt = r;
            break;
          }
        }
      }
      store<T>(dst, best);
      if (argOut != 0) store<i32>(arg, bestAt);
      continue;
    }
    // Row by row, so src streams; the running maximum lives in out (and arg).
    memory.copy(dst, base, rowBytes);
    if (argOut != 0) memory.fill(arg, 0, <usize>inner << 2);
    let p = base + rowBytes;
    for (let r = 1; r < extent; r++) {
      for (let i = 0; i < inner; i++) {
        const v = load<T>(at<T>(p, i));
        const best = load<T>(at<T>(dst, i));
        if (v > best || (v != v && best == best)) {
          store<T>(at<T>(dst, i), v);
          if (argOut != 0) store<i32>(arg + (<usize>i << 2), r);
        }
      }
      p += rowBytes;
    }
  }
}
