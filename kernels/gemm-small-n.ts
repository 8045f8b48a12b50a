// GEMM for narrow outputs: C = alpha·op(A)·op(B) + beta·C when op(B) has at most 4 vectors of
// columns (n <= 16 float32, n <= 8 float64). Such shapes (65536x4 by 4x4 in a tensor network,
// im2col convolutions with few output channels) are memory-bound, and the packed path would
// spend its time on partial tiles. Here op(B) is packed once into [k][NVS] zero-padded vectors,
// op(A) is read in place, and each group of R rows is finished before moving on (R·NVS <= 8
// accumulators); the last vector of a row is stored partially so C's padding is never touched.

import { madd } from './fma';
import { at, lanes, loadPartial, storePartial } from './lanes';

/** Largest n this path takes for element type T. */
@inline
export function smallNMax<T>(): i32 {
  return 4 * lanes<T>();
}

// alpha·acc + beta·C for vector v of a row (columns v·L .. v·L + L, clipped to n).
@inline
function storeVector<T>(row: usize, v: i32, n: i32, acc: v128, alpha: v128, beta: T, vbeta: v128): void {
  const L = lanes<T>();
  const ptr = at<T>(row, v * L);
  const count = n - v * L;
  if (count >= L) {
    const old = beta == 0 ? v128.splat<T>(0) : v128.mul<T>(v128.load(ptr), vbeta);
    v128.store(ptr, madd<T>(acc, alpha, old));
  } else {
    const old = beta == 0 ? v128.splat<T>(0) : v128.mul<T>(loadPartial<T>(ptr, count), vbeta);
    storePartial<T>(ptr, madd<T>(acc, alpha, old), count);
  }
}

// R rows (R, NVS literals at every call, so the unused accumulators fold away) starting at row i.
@inline
function rowGroup<T>(
  R: i32, NVS: i32, rows: i32, i: i32, transA: bool, n: i32, k: i32, alpha: T, a: usize, lda: i32,
  bp: usize, beta: T, c: usize, ldc: i32,
): void {
  const S = sizeof<T>();
  let x0 = v128.splat<T>(0), x1 = v128.splat<T>(0), x2 = v128.splat<T>(0), x3 = v128.splat<T>(0);
  let y0 = v128.splat<T>(0), y1 = v128.splat<T>(0), y2 = v128.splat<T>(0), y3 = v128.splat<T>(0);
  // Row r of op(A) at step p: non-transposed A[i+r][p], transposed A[p][i+r]. Rows past the end
  // repeat the first row (computed, never stored).
  const rowStep: usize = transA ? S : <usize>lda * S;
  const pStep: usize = transA ? <usize>lda * S : S;
  let a0 = transA ? at<T>(a, i) : at<T>(a, <usize>i * lda);
  let a1 = rows > 1 ? a0 + rowStep : a0;
  let a2 = rows > 2 ? a0 + 2 * rowStep : a0;
  let a3 = rows > 3 ? a0 + 3 * rowStep : a0;
  let b = bp;
  const bStep = <usize>NVS * 16;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(b);
    const b1 = NVS > 1 ? v128.load(b, 16) : b0;
    const b2 = NVS > 2 ? v128.load(b, 32) : b0;
    const b3 = NVS > 3 ? v128.load(b, 48) : b0;
    let s = v128.load_splat<T>(a0);
    x0 = madd<T>(s, b0, x0);
    if (NVS > 1) x1 = madd<T>(s, b1, x1);
    if (NVS > 2) x2 = madd<T>(s, b2, x2);
    if (NVS > 3) x3 = madd<T>(s, b3, x3);
    if (R > 1) {
      s = v128.load_splat<T>(a1);
      y0 = madd<T>(s, b0, y0);
      if (NVS > 1) y1 = madd<T>(s, b1, y1);
      if (NVS > 2) y2 = madd<T>(s, b2, y2);
      if (NVS > 3) y3 = madd<T>(s, b3, y3);
    }
    if (R > 2) {
      // R = 4 only with NVS <= 2: rows 2 and 3 reuse x2, x3, y2, y3 as accumulators.
      s = v128.load_splat<T>(a2);
      x2 = madd<T>(s, b0, x2);
      if (NVS > 1) x3 = madd<T>(s, b1, x3);
      s = v128.load_splat<T>(a3);
      y2 = madd<T>(s, b0, y2);
      if (NVS > 1) y3 = madd<T>(s, b1, y3);
    }
    a0 += pStep; a1 += pStep; a2 += pStep; a3 += pStep;
    b += bStep;
  }
  const valpha = v128.splat<T>(alpha);
  const vbeta = v128.splat<T>(beta);
  const row0 = at<T>(c, <usize>i * ldc);
  const ldcBytes = <usize>ldc * S;
  storeVector<T>(row0, 0, n, x0, valpha, beta, vbeta);
  if (NVS > 1) storeVector<T>(row0, 1, n, x1, valpha, beta, vbeta);
  if (R <= 2 && NVS > 2) storeVector<T>(row0, 2, n, x2, valpha, beta, vbeta);
  if (R <= 2 && NVS > 3) storeVector<T>(row0, 3, n, x3, valpha, beta, vbeta);
  if (rows > 1) {
    const row1 = row0 + ldcBytes;
    storeVector<T>(row1, 0, n, y0, valpha, beta, vbeta);
    if (NVS > 1) storeVector<T>(row1, 1, n, y1, valpha, beta, vbeta);
    if (R <= 2 && NVS > 2) storeVector<T>(row1, 2, n, y2, valpha, beta, vbeta);
    if (R <= 2 && NVS > 3) storeVector<T>(row1, 3, n, y3, valpha, beta, vbeta);
  }
  if (R > 2 && rows > 2) {
    const row2 = row0 + 2 * ldcBytes;
    storeVector<T>(row2, 0, n, x2, valpha, beta, vbeta);
    if (NVS > 1) storeVector<T>(row2, 1, n, x3, valpha, beta, vbeta);
  }
  if (R > 2 && rows > 3) {
    const row3 = row0 + 3 * ldcBytes;
    storeVector<T>(row3, 0, n, y2, valpha, beta, vbeta);
    if (NVS > 1) storeVector<T>(row3, 1, n, y3, valpha, beta, vbeta);
  }
}

@inline
function allRows<T>(
  R: i32, NVS: i32, transA: bool, m: i32, n: i32, k: i32, alpha: T, a: usize, lda: i32,
  bp: usize, beta: T, c: usize, ldc: i32,
): void {
  for (let i = 0; i < m; i += R) {
    rowGroup<T>(R, NVS, min(R, m - i), i, transA, n, k, alpha, a, lda, bp, beta, c, ldc);
  }
}

/**
 * The narrow-output GEMM (1 <= n <= smallNMax<T>(), k >= 1). `work` must hold k·4 vectors
 * (k·64 bytes) for the packed op(B).
 */
export function gemmSmallN<T>(
  transA: bool, transB: bool, m: i32, n: i32, k: i32,
  alpha: T, a: usize, lda: i32, b: usize, ldb: i32,
  beta: T, c: usize, ldc: i32, work: usize,
): void {
  const L = lanes<T>();
  const nvs = (n + L - 1) / L;
  // Pack op(B) into [k][nvs·L], zero-padded.
  for (let p = 0; p < k; p++) {
    const row = at<T>(work, <usize>p * nvs * L);
    for (let q = 0; q < nvs * L; q++) {
      const value: T = q < n ? load<T>(at<T>(b, transB ? <usize>q * ldb + p : <usize>p * ldb + q)) : <T>0;
      store<T>(at<T>(row, q), value);
    }
  }
  switch (nvs) {
    case 1: allRows<T>(4, 1, transA, m, n, k, alpha, a, lda, work, beta, c, ldc); break;
    case 2: allRows<T>(4, 2, transA, m, n, k, alpha, a, lda, work, beta, c, ldc); break;
    case 3: allRows<T>(2, 3, transA, m, n, k, alpha, a, lda, work, beta, c, ldc); break;
    default: allRows<T>(2, 4, transA, m, n, k, alpha, a, lda, work, beta, c, ldc); break;
  }
}
