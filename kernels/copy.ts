// Data movement: strided n-dimensional copy (permute, slice, broadcast materialisation, concat
// placement), fill, and float32 <-> float64 conversion.
//
// copyStrided walks `shape` with element strides for out and for src. TypeScript first merges
// axes that are contiguous in both, so a rank-16 permute of a contiguous tensor usually becomes a
// copy of far fewer axes. The inner loop runs along the last axis: a memory.copy when both sides
// are contiguous, a fill when src is broadcast, a strided walk otherwise. When the permute moves
// src's unit-stride axis away from the end (a transpose), TypeScript passes that axis as
// `tileAxis` and the last two roles are handled by a cache-blocked transpose of 4x4 (f32) or 2x2
// (f64) register tiles, so neither side is read or written with a large stride one element at a time.
//
// desc (i32, caller-provided): shape[rank], outStrides[rank], srcStrides[rank], then rank i32 of
// scratch for the odometer.

import { at, lanes, storeTransposed } from './lanes';
import { copyElements } from './short-rows';

const TRANSPOSE_BLOCK: i32 = 32;

@inline
function i32At(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

// One row along the last axis.
@inline
function copyRow<T>(out: usize, so: i32, src: usize, ss: i32, n: i32): void {
  if (so == 1 && ss == 1) {
    // Short rows (a conv's output planes) are cheaper without memory.copy's call.
    if (n < 256) copyElements<T>(out, src, n);
    else memory.copy(out, src, <usize>n * sizeof<T>());
  } else if (so == 1 && ss == 0) {
    fill<T>(out, load<T>(src), n);
  } else {
    for (let i = 0; i < n; i++) {
      store<T>(at<T>(out, <usize>(i * so)), load<T>(at<T>(src, <usize>(i * ss))));
    }
  }
}

// out[j·oj + k] = src[j + k·sk] for j < rows, k < cols: a transpose between unit-stride axes.
function transposeBlock<T>(out: usize, oj: i32, src: usize, sk: i32, rows: i32, cols: i32): void {
  const L = lanes<T>();
  for (let j0 = 0; j0 < rows; j0 += TRANSPOSE_BLOCK) {
    const jEnd = min(rows, j0 + TRANSPOSE_BLOCK);
    for (let k0 = 0; k0 < cols; k0 += TRANSPOSE_BLOCK) {
      const kEnd = min(cols, k0 + TRANSPOSE_BLOCK);
      let j = j0;
      for (; j + L <= jEnd; j += L) {
        let k = k0;
        for (; k + L <= kEnd; k += L) {
          const s = at<T>(src, <usize>j + <usize>k * sk);
          const skBytes = <usize>sk * sizeof<T>();
          const d = at<T>(out, <usize>j * oj + k);
          const ojBytes = <usize>oj * sizeof<T>();
          // Columns of src (fixed k) become rows of out (fixed j).
          const x0 = v128.load(s), x1 = v128.load(s + skBytes);
          const x2 = sizeof<T>() == 4 ? v128.load(s + 2 * skBytes) : x0, x3 = sizeof<T>() == 4 ? v128.load(s + 3 * skBytes) : x0;
          storeTransposed<T>(d, ojBytes, x0, x1, x2, x3);
        }
        for (; k < kEnd; k++) {
          for (let r = 0; r < L; r++) {
            store<T>(at<T>(out, <usize>(j + r) * oj + k), load<T>(at<T>(src, <usize>(j + r) + <usize>k * sk)));
          }
        }
      }
      for (; j < jEnd; j++) {
        for (let k = k0; k < kEnd; k++) {
          store<T>(at<T>(out, <usize>j * oj + k), load<T>(at<T>(src, <usize>j + <usize>k * sk)));
        }
      }
    }
  }
}

/**
 * Copies a strided view into another: out[Σ i_d·outStrides_d] = src[Σ i_d·srcStrides_d] over
 * all indices of `shape` (see the file comment for desc). tileAxis is -1, or an axis with
 * srcStride 1 while the last axis has outStride 1 (both then are walked by transposeBlock).
 */
export function copyStrided<T>(out: usize, src: usize, rank: i32, desc: usize, tileAxis: i32): void {
  if (rank == 0) {
    store<T>(out, load<T>(src));
    return;
  }
  const shape = desc;
  const outStrides = i32At(desc, rank);
  const srcStrides = i32At(desc, 2 * rank);
  const counter = i32At(desc, 3 * rank);
  const last = rank - 1;
  const inner = load<i32>(i32At(shape, last));
  const so = load<i32>(i32At(outStrides, last));
  const ss = load<i32>(i32At(srcStrides, last));
  const tileRows = tileAxis >= 0 ? load<i32>(i32At(shape, tileAxis)) : 0;
  const tileOutStride = tileAxis >= 0 ? load<i32>(i32At(outStrides, tileAxis)) : 0;
  let blocks = 1;
  for (let d = 0; d < last; d++) {
    if (d != tileAxis) blocks *= load<i32>(i32At(shape, d));
    store<i32>(i32At(counter, d), 0);
  }
  let offOut: isize = 0, offSrc: isize = 0;
  for (let r = 0; r < blocks; r++) {
    const o = out + offOut * sizeof<T>();
    const s = src + offSrc * sizeof<T>();
    if (tileAxis >= 0) transposeBlock<T>(o, tileOutStride, s, ss, tileRows, inner);
    else copyRow<T>(o, so, s, ss, inner);
    // Odometer over the outer axes (the tile axis is covered by transposeBlock).
    for (let d = last - 1; d >= 0; d--) {
      if (d == tileAxis) continue;
      const count = load<i32>(i32At(counter, d)) + 1;
      offOut += load<i32>(i32At(outStrides, d));
      offSrc += load<i32>(i32At(srcStrides, d));
      if (count < load<i32>(i32At(shape, d))) {
        store<i32>(i32At(counter, d), count);
        break;
      }
      offOut -= <isize>load<i32>(i32At(outStrides, d)) * count;
      offSrc -= <isize>load<i32>(i32At(srcStrides, d)) * count;
      store<i32>(i32At(counter, d), 0);
    }
  }
}

/** out[i] = value for i < n. */
export function fill<T>(out: usize, value: T, n: i32): void {
  const L = lanes<T>();
  const v = v128.splat<T>(value);
  let i = 0;
  for (; i + L <= n; i += L) v128.store(at<T>(out, i), v);
  for (; i < n; i++) store<T>(at<T>(out, i), value);
}

/** float32 -> float64, exact. */
export function castF32ToF64(out: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    v128.store(out + (<usize>i << 3), f64x2.promote_low_f32x4(v128.load64_zero(src + (<usize>i << 2))));
  }
  for (; i < n; i++) store<f64>(out + (<usize>i << 3), <f64>load<f32>(src + (<usize>i << 2)));
}

/** float64 -> float32, rounded to nearest (overflow to ±inf). */
export function castF64ToF32(out: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    v128.store64_lane(out + (<usize>i << 2), f32x4.demote_f64x2_zero(v128.load(src + (<usize>i << 3))), 0);
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>load<f64>(src + (<usize>i << 3)));
}
