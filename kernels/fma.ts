// Vector multiply-add a·b + c for T = f32 or f64. The relaxed-SIMD build fuses it into one FMA
// instruction (one rounding); the plain SIMD build multiplies, then adds (two roundings). Both
// builds come from this one source: ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so the
// branch not taken is removed.

@inline
export function madd<T>(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(a, b, c);
  return v128.add<T>(v128.mul<T>(a, b), c);
}
