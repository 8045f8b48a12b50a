// Helpers shared by the elementwise kernels: element addressing, lane counts, and the partial
// vector load/store that lets a scalar tail run through the same vector code as the body (so an
// element's result never depends on its position in the array).

@inline
export function lanes<T>(): i32 {
  return <i32>(16 / sizeof<T>());
}

@inline
export function at<T>(base: usize, index: usize): usize {
  return base + index * sizeof<T>();
}

/** Loads the first `count` (< lanes) elements at ptr into a vector; other lanes are zero. */
@inline
export function loadPartial<T>(ptr: usize, count: i32): v128 {
  let v = i32x4.splat(0);
  if (sizeof<T>() == 4) {
    v = f32x4.replace_lane(v, 0, load<f32>(ptr));
    if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(ptr, 4));
    if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(ptr, 8));
  } else {
    v = f64x2.replace_lane(v, 0, load<f64>(ptr));
  }
  return v;
}

/** Stores the first `count` (< lanes) lanes of v at ptr. */
@inline
export function storePartial<T>(ptr: usize, v: v128, count: i32): void {
  if (sizeof<T>() == 4) {
    store<f32>(ptr, f32x4.extract_lane(v, 0));
    if (count > 1) store<f32>(ptr, f32x4.extract_lane(v, 1), 4);
    if (count > 2) store<f32>(ptr, f32x4.extract_lane(v, 2), 8);
  } else {
    store<f64>(ptr, f64x2.extract_lane(v, 0));
  }
}

/** The sum of v's lanes in float64, pairwise: (l0 + l1) + (l2 + l3). */
@inline
export function laneTotal<T>(v: v128): f64 {
  if (sizeof<T>() == 4) {
    return (<f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1)) + (<f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3));
  }
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/**
 * Stores the transpose of a square of lanes x lanes elements: rows x0..x3 (float32; x0, x1 for
 * float64, the others unused) become columns, stored `strideBytes` apart from dst.
 */
@inline
export function storeTransposed<T>(dst: usize, strideBytes: usize, x0: v128, x1: v128, x2: v128, x3: v128): void {
  if (sizeof<T>() == 4) {
    const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5), t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
    const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7), t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
    v128.store(dst, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
    v128.store(dst + strideBytes, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
    v128.store(dst + 2 * strideBytes, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
    v128.store(dst + 3 * strideBytes, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
  } else {
    v128.store(dst, i64x2.shuffle(x0, x1, 0, 2));
    v128.store(dst + strideBytes, i64x2.shuffle(x0, x1, 1, 3));
  }
}
