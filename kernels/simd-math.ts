// Vector transcendental functions. float32 uses Cephes-style polynomial approximations on f32x4
// (max error about 2 ulp, checked against Math in the tests); float64 applies the module's
// correctly rounded-ish scalar libm lane by lane, because float64 exists for accuracy
// (gradient checks, precise fits), not speed.

// --- float32 ---------------------------------------------------------------------------------

// 2^n for an integer vector n in [-126, 127], as f32 bits.
@inline
function pow2F32(n: v128): v128 {
  return i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23);
}

/** exp(x) on f32x4. Overflows to +inf above ~88.72, underflows through denormals to 0; NaN stays NaN. */
@inline
export function expF32x4(x: v128): v128 {
  // Clamp so that n stays within [-150, 128]; min/max propagate NaN.
  x = f32x4.max(f32x4.min(x, f32x4.splat(89.0)), f32x4.splat(-104.0));
  const fn = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  // r = x - n·ln2 in two steps (Cody–Waite): ln2 = 0.693359375 - 2.12194440e-4.
  let r = f32x4.sub(x, f32x4.mul(fn, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(fn, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1.0));
  // y·2^n as y·2^(n>>1)·2^(n - (n>>1)): both factors stay normal over the clamped range.
  const n = i32x4.trunc_sat_f32x4_s(fn);
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  return f32x4.mul(f32x4.mul(y, pow2F32(n1)), pow2F32(n2));
}

/** Natural log on f32x4: log(0) = -inf, log(x < 0) = NaN, log(inf) = inf, denormals handled. */
@inline
export function logF32x4(x: v128): v128 {
  // Scale denormals into the normal range (x·2^23) and remember the exponent offset.
  const tiny = f32x4.lt(x, f32x4.splat(1.17549435e-38));
  const scaled = v128.bitselect(f32x4.mul(x, f32x4.splat(8388608.0)), x, tiny);
  const bits = scaled;
  let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(126));
  e = i32x4.sub(e, v128.and(tiny, i32x4.splat(23)));
  // Mantissa m in [0.5, 1).
  let m = v128.or(v128.and(bits, i32x4.splat(0x807fffff)), i32x4.splat(0x3f000000));
  // If m < sqrt(1/2): e -= 1, m = 2m - 1; else m = m - 1.
  const small = f32x4.lt(m, f32x4.splat(0.707106781186547524));
  e = i32x4.add(e, small); // true lanes are -1
  m = f32x4.sub(f32x4.add(m, v128.and(small, m)), f32x4.splat(1.0));
  const fe = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(m, m);
  let p = f32x4.splat(7.0376836292e-2);
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-1.1514610310e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(1.1676998740e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, m), z);
  y = f32x4.add(y, f32x4.mul(fe, f32x4.splat(-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  let result = f32x4.add(f32x4.add(m, y), f32x4.mul(fe, f32x4.splat(0.693359375)));
  // Special values.
  result = v128.bitselect(f32x4.splat(-Infinity), result, f32x4.eq(x, f32x4.splat(0)));
  result = v128.bitselect(f32x4.splat(NaN), result, f32x4.lt(x, f32x4.splat(0)));
  result = v128.bitselect(x, result, f32x4.eq(x, f32x4.splat(Infinity)));
  result = v128.bitselect(x, result, f32x4.ne(x, x));
  return result;
}

/** tanh on f32x4: an odd polynomial for |x| < 0.625 (keeps relative accuracy near 0), else 1 - 2/(e^2|x| + 1). */
@inline
export function tanhF32x4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const near = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  const e = expF32x4(f32x4.add(ax, ax));
  const farAbs = f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))));
  // Copy the sign of x onto the far result.
  const far = v128.or(farAbs, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(near, far, f32x4.lt(ax, f32x4.splat(0.625)));
}

/** sigmoid(x) = 1 / (1 + e^-x) on f32x4; saturates to exactly 0 and 1. */
@inline
export function sigmoidF32x4(x: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), expF32x4(f32x4.neg(x))));
}

// --- float64 ---------------------------------------------------------------------------------

@inline
export function expF64x2(x: v128): v128 {
  const lo = Math.exp(f64x2.extract_lane(x, 0));
  return f64x2.replace_lane(f64x2.splat(lo), 1, Math.exp(f64x2.extract_lane(x, 1)));
}

@inline
export function logF64x2(x: v128): v128 {
  const lo = Math.log(f64x2.extract_lane(x, 0));
  return f64x2.replace_lane(f64x2.splat(lo), 1, Math.log(f64x2.extract_lane(x, 1)));
}

@inline
export function tanhF64x2(x: v128): v128 {
  const lo = Math.tanh(f64x2.extract_lane(x, 0));
  return f64x2.replace_lane(f64x2.splat(lo), 1, Math.tanh(f64x2.extract_lane(x, 1)));
}

@inline
export function sigmoidF64x2(x: v128): v128 {
  return f64x2.div(f64x2.splat(1.0), f64x2.add(f64x2.splat(1.0), expF64x2(f64x2.neg(x))));
}

// --- both ----------------------------------------------------------------------------------

@inline
export function expVec<T>(x: v128): v128 {
  return sizeof<T>() == 4 ? expF32x4(x) : expF64x2(x);
}

@inline
export function logVec<T>(x: v128): v128 {
  return sizeof<T>() == 4 ? logF32x4(x) : logF64x2(x);
}

@inline
export function tanhVec<T>(x: v128): v128 {
  return sizeof<T>() == 4 ? tanhF32x4(x) : tanhF64x2(x);
}

@inline
export function sigmoidVec<T>(x: v128): v128 {
  return sizeof<T>() == 4 ? sigmoidF32x4(x) : sigmoidF64x2(x);
}

/** a^b lane by lane with the scalar pow (exact integer powers, NaN for negative bases with fractional exponents). */
@inline
export function powVec<T>(a: v128, b: v128): v128 {
  if (sizeof<T>() == 4) {
    let r = f32x4.splat(Mathf.pow(f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0)));
    r = f32x4.replace_lane(r, 1, Mathf.pow(f32x4.extract_lane(a, 1), f32x4.extract_lane(b, 1)));
    r = f32x4.replace_lane(r, 2, Mathf.pow(f32x4.extract_lane(a, 2), f32x4.extract_lane(b, 2)));
    return f32x4.replace_lane(r, 3, Mathf.pow(f32x4.extract_lane(a, 3), f32x4.extract_lane(b, 3)));
  }
  const lo = Math.pow(f64x2.extract_lane(a, 0), f64x2.extract_lane(b, 0));
  return f64x2.replace_lane(f64x2.splat(lo), 1, Math.pow(f64x2.extract_lane(a, 1), f64x2.extract_lane(b, 1)));
}
