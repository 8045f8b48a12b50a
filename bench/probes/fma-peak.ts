// A synthetic probe of the machine's 128-bit floating-point peak, for the GEMM benchmark: N
// independent accumulator chains of f32x4 multiply-adds with no memory traffic. A fused
// multiply-add has a latency of about 4 cycles and two pipes issue one each per cycle, so about
// 8-12 chains in flight reach the throughput peak; more than 15 live vectors spill on V8 (x64).
// The mul + add form is latency-bound at these chain counts (mul then add is ~6 cycles).
//
// Compiled by `npm run bench:build` (AssemblyScript, simd + relaxed-simd); not part of the engine.

// Lanes 0 and 3 of the sum of the accumulators: the result uses every chain, so none is dropped.
@inline
function total(s: v128): f32 {
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 3);
}

// The chain counts are spelled out (not a loop over an array) so every accumulator lives in a
// register: the loop body is exactly `chains` independent operations.

/** 10 chains of f32x4.relaxed_madd, `iterations` steps: 80·iterations flops. */
export function fma10(iterations: i32, seed: f32): f32 {
  const x = f32x4.splat(seed), y = f32x4.splat(0.999);
  let c0 = f32x4.splat(0), c1 = f32x4.splat(1), c2 = f32x4.splat(2), c3 = f32x4.splat(3), c4 = f32x4.splat(4);
  let c5 = f32x4.splat(5), c6 = f32x4.splat(6), c7 = f32x4.splat(7), c8 = f32x4.splat(8), c9 = f32x4.splat(9);
  for (let i = 0; i < iterations; i++) {
    c0 = f32x4.relaxed_madd(c0, y, x); c1 = f32x4.relaxed_madd(c1, y, x); c2 = f32x4.relaxed_madd(c2, y, x);
    c3 = f32x4.relaxed_madd(c3, y, x); c4 = f32x4.relaxed_madd(c4, y, x); c5 = f32x4.relaxed_madd(c5, y, x);
    c6 = f32x4.relaxed_madd(c6, y, x); c7 = f32x4.relaxed_madd(c7, y, x); c8 = f32x4.relaxed_madd(c8, y, x);
    c9 = f32x4.relaxed_madd(c9, y, x);
  }
  return total(f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(f32x4.add(c6, c7), f32x4.add(c8, c9)))));
}

/** 12 chains of f32x4.relaxed_madd: 96·iterations flops. */
export function fma12(iterations: i32, seed: f32): f32 {
  const x = f32x4.splat(seed), y = f32x4.splat(0.999);
  let c0 = f32x4.splat(0), c1 = f32x4.splat(1), c2 = f32x4.splat(2), c3 = f32x4.splat(3), c4 = f32x4.splat(4), c5 = f32x4.splat(5);
  let c6 = f32x4.splat(6), c7 = f32x4.splat(7), c8 = f32x4.splat(8), c9 = f32x4.splat(9), c10 = f32x4.splat(10), c11 = f32x4.splat(11);
  for (let i = 0; i < iterations; i++) {
    c0 = f32x4.relaxed_madd(c0, y, x); c1 = f32x4.relaxed_madd(c1, y, x); c2 = f32x4.relaxed_madd(c2, y, x);
    c3 = f32x4.relaxed_madd(c3, y, x); c4 = f32x4.relaxed_madd(c4, y, x); c5 = f32x4.relaxed_madd(c5, y, x);
    c6 = f32x4.relaxed_madd(c6, y, x); c7 = f32x4.relaxed_madd(c7, y, x); c8 = f32x4.relaxed_madd(c8, y, x);
    c9 = f32x4.relaxed_madd(c9, y, x); c10 = f32x4.relaxed_madd(c10, y, x); c11 = f32x4.relaxed_madd(c11, y, x);
  }
  return total(f32x4.add(f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7))),
    f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11))));
}

/** 12 chains of f32x4.mul then f32x4.add (the plain SIMD build's multiply-add): 96·iterations flops. */
export function mulAdd12(iterations: i32, seed: f32): f32 {
  const x = f32x4.splat(seed), y = f32x4.splat(0.999);
  let c0 = f32x4.splat(0), c1 = f32x4.splat(1), c2 = f32x4.splat(2), c3 = f32x4.splat(3), c4 = f32x4.splat(4), c5 = f32x4.splat(5);
  let c6 = f32x4.splat(6), c7 = f32x4.splat(7), c8 = f32x4.splat(8), c9 = f32x4.splat(9), c10 = f32x4.splat(10), c11 = f32x4.splat(11);
  for (let i = 0; i < iterations; i++) {
    c0 = f32x4.add(f32x4.mul(c0, y), x); c1 = f32x4.add(f32x4.mul(c1, y), x); c2 = f32x4.add(f32x4.mul(c2, y), x);
    c3 = f32x4.add(f32x4.mul(c3, y), x); c4 = f32x4.add(f32x4.mul(c4, y), x); c5 = f32x4.add(f32x4.mul(c5, y), x);
    c6 = f32x4.add(f32x4.mul(c6, y), x); c7 = f32x4.add(f32x4.mul(c7, y), x); c8 = f32x4.add(f32x4.mul(c8, y), x);
    c9 = f32x4.add(f32x4.mul(c9, y), x); c10 = f32x4.add(f32x4.mul(c10, y), x); c11 = f32x4.add(f32x4.mul(c11, y), x);
  }
  return total(f32x4.add(f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7))),
    f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11))));
}
