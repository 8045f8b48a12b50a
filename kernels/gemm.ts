// GEMM: C = alpha·op(A)·op(B) + beta·C, row-major with leading dimensions, for T = f32 or f64.
//
// Blocking (Goto/BLIS order): the columns of C are cut into NC-wide blocks, the shared dimension
// into KC-deep slices. For each (NC, KC) pair the slice of op(B) is packed into NR-wide column
// panels [p][NR] (zero-padded at the right edge), so the micro-kernel reads B with unit stride and
// one KC x NR panel stays in L1 while the packed rows of A stream past it. The MC x KC block of
// op(A) is packed into MR-row panels [p][4] (zero-padded below), which lets the micro-kernel walk
// A with one pointer and removes the 4 KiB aliasing of rows with power-of-two leading dimensions.
//
// The micro-kernel holds an MR x NR tile of C in vector accumulators: per step of the shared
// dimension it loads NV vectors of B and MR broadcast scalars of A and issues MR·NV multiply-adds.
// Measured on V8 (x64, 16 vector registers): TurboFan hoists an iteration's loads to its top, so
// a tile that needs more than ~15 live vectors spills; 6x8 and 5x8 lost for that reason, and
// unrolling the k loop lost too. A synthetic loop of independent FMA chains (bench/probes)
// reaches ~61 GFLOP/s with 8 chains, ~67 with 10 and ~68 with 12 on the current machine (FMA
// latency 4 x 2 ports wants at least 8 in flight); this kernel runs at 82-86% of that peak.
//
// Workspace (caller-provided, 16-byte aligned): gemmWorkspaceElements<T>() elements.
// Invariant: beta == 0 means C is written without being read (NaN in C does not leak through).

import { madd } from './fma';
import { gemmSmallN, smallNMax } from './gemm-small-n';
import { storeTransposed } from './lanes';

// Tile shape per build. With FMA (relaxed build) 3 rows x 3 vectors: nine accumulators give the
// FMA pipes slack (FMA latency 4 x 2 ports needs 8 chains in flight) and measured 4-7% faster
// than 4 x 2. Without FMA each multiply-add needs a temporary, and 3 x 3 spills: 4 rows x 2 vectors.
export const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 3 : 4;
export const NV: i32 = ASC_FEATURE_RELAXED_SIMD ? 3 : 2;
// Slots per packed column of A: float32 keeps 4 (padding when MR = 3) so it packs with 4x4
// transposes; float64 packs exactly MR (less traffic: f64 moves twice the bytes per flop).
@inline export function slots<T>(): i32 { return sizeof<T>() == 4 ? 4 : MR; }

// Lanes per vector and the NR = NV vectors of columns that one micro-kernel row holds.
@inline function lanes<T>(): i32 { return <i32>(16 / sizeof<T>()); }
@inline export function nr<T>(): i32 { return NV * lanes<T>(); }
// Block sizes, tuned on this machine (L1 48 KiB, L2 2 MiB per core): the packed B block
// (KC x NC, 1 MiB) stays in L2, one packed B panel (KC x NR, 16 KiB) in L1. A deep KC means few
// passes of read-modify-write over C (KC 256 lost 6% at n = 1024 to those passes).
@inline function kc<T>(): i32 { return 512; }
@inline function mc<T>(): i32 { return MR == 3 ? 66 : 64; }
// NC is a multiple of NR so that only the last column block can have a partial panel.
@inline function nc<T>(): i32 { return ((sizeof<T>() == 4 ? 512 : 256) / nr<T>()) * nr<T>(); }

@inline function packedAElements<T>(): i32 { return ((mc<T>() + MR - 1) / MR) * slots<T>() * kc<T>(); }
@inline function at<T>(base: usize, index: usize): usize { return base + index * sizeof<T>(); }

/** Elements of workspace that gemm<T> and gemmBatched<T> need. */
export function gemmWorkspaceElements<T>(): i32 {
  return kc<T>() * nc<T>() + packedAElements<T>() + MR * nr<T>();
}

// Packs op(B)[pc .. pc+kcHere, jc .. jc+ncHere] into panels of NR columns, [panel][p][NR].
function packB<T>(transB: bool, b: usize, ldb: i32, pc: i32, jc: i32, kcHere: i32, ncHere: i32, out: usize): void {
  const NR = nr<T>();
  const rowBytes = <usize>NR * sizeof<T>();
  for (let j = 0; j < ncHere; j += NR) {
    const width = min(NR, ncHere - j);
    const panel = at<T>(out, <usize>j * kcHere);
    if (!transB && width == NR) {
      let src = at<T>(b, <usize>pc * ldb + jc + j);
      let dst = panel;
      const srcStride = <usize>ldb * sizeof<T>();
      for (let p = 0; p < kcHere; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        if (NV == 3) v128.store(dst, v128.load(src, 32), 32);
        src += srcStride;
        dst += rowBytes;
      }
    } else if (!transB) {
      for (let p = 0; p < kcHere; p++) {
        const src = at<T>(b, <usize>(pc + p) * ldb + jc + j);
        const dst = panel + <usize>p * rowBytes;
        v128.store(dst, i32x4.splat(0));
        v128.store(dst, i32x4.splat(0), 16);
        if (NV == 3) v128.store(dst, i32x4.splat(0), 32);
        for (let q = 0; q < width; q++) store<T>(at<T>(dst, q), load<T>(at<T>(src, q)));
      }
    } else {
      // op(B)[p][col] = B[col][p]: each packed row gathers one element from NR rows of B.
      if (width < NR) {
        for (let p = 0; p < kcHere; p++) {
          const dst = panel + <usize>p * rowBytes;
          v128.store(dst, i32x4.splat(0));
          v128.store(dst, i32x4.splat(0), 16);
          if (NV == 3) v128.store(dst, i32x4.splat(0), 32);
        }
      }
      let q = 0;
      if (width == NR) {
        // Whole groups of `lanes` rows of B, transposed a square of lanes x lanes at a time.
        const srcStride = <usize>ldb * sizeof<T>();
        for (; q < NR; q += lanes<T>()) {
          const r0 = at<T>(b, <usize>(jc + j + q) * ldb + pc);
          let dst = at<T>(panel, q);
          let p = 0;
          if (sizeof<T>() == 4) {
            const r1 = r0 + srcStride, r2 = r1 + srcStride, r3 = r2 + srcStride;
            for (; p + 4 <= kcHere; p += 4) {
              const off = <usize>p << 2;
              storeTransposed<T>(dst, rowBytes, v128.load(r0 + off), v128.load(r1 + off), v128.load(r2 + off), v128.load(r3 + off));
              dst += 4 * rowBytes;
            }
          } else {
            const r1 = r0 + srcStride;
            for (; p + 2 <= kcHere; p += 2) {
              const off = <usize>p << 3;
              const x0 = v128.load(r0 + off), x1 = v128.load(r1 + off);
              storeTransposed<T>(dst, rowBytes, x0, x1, x0, x1);
              dst += 2 * rowBytes;
            }
          }
          // The last kcHere mod lanes packed rows, one element at a time.
          for (let lane = 0; lane < lanes<T>(); lane++) {
            const src = at<T>(r0, <usize>lane * ldb);
            for (let pp = p; pp < kcHere; pp++) store<T>(at<T>(panel + <usize>pp * rowBytes, q + lane), load<T>(at<T>(src, pp)));
          }
        }
      }
      for (; q < width; q++) {
        let src = at<T>(b, <usize>(jc + j + q) * ldb + pc);
        let dst = at<T>(panel, q);
        for (let p = 0; p < kcHere; p++) {
          store<T>(dst, load<T>(src));
          src += sizeof<T>();
          dst += rowBytes;
        }
      }
    }
  }
}

// Packs op(A)[ic .. ic+mcHere, pc .. pc+kcHere] into panels of MR rows, [panel][p][MR_SLOTS]
// (missing rows of the last panel and the padding slot are zero).
export function packA<T>(transA: bool, a: usize, lda: i32, ic: i32, pc: i32, mcHere: i32, kcHere: i32, out: usize): void {
  const colBytes = <usize>slots<T>() * sizeof<T>();
  for (let i = 0, panel = 0; i < mcHere; i += MR, panel++) {
    const height = min(MR, mcHere - i);
    let dst = at<T>(out, <usize>panel * kcHere * slots<T>());
    if (transA) {
      // op(A)[r][p] = A[p][r]: the MR values of one packed column are adjacent in A.
      let src = at<T>(a, <usize>pc * lda + ic + i);
      const srcStride = <usize>lda * sizeof<T>();
      for (let p = 0; p < kcHere; p++) {
        store<T>(dst, load<T>(src));
        store<T>(dst, height > 1 ? load<T>(src, sizeof<T>()) : <T>0, sizeof<T>());
        store<T>(dst, height > 2 ? load<T>(src, 2 * sizeof<T>()) : <T>0, 2 * sizeof<T>());
        if (slots<T>() == 4) store<T>(dst, height > 3 ? load<T>(src, 3 * sizeof<T>()) : <T>0, 3 * sizeof<T>());
        src += srcStride;
        dst += colBytes;
      }
      continue;
    }
    const rowStride = <usize>lda * sizeof<T>();
    const r0 = at<T>(a, <usize>(ic + i) * lda + pc);
    const r1 = r0 + rowStride;
    const r2 = r0 + 2 * rowStride;
    const r3 = r0 + 3 * rowStride;
    let p = 0;
    if (height == MR && sizeof<T>() == 4) {
      // 4x4 transposes: four p-values of MR rows (and zero rows up to 4) become four columns.
      for (; p + 4 <= kcHere; p += 4) {
        const off = <usize>p << 2;
        const x0 = v128.load(r0 + off), x1 = v128.load(r1 + off), x2 = v128.load(r2 + off);
        const x3 = MR == 4 ? v128.load(r3 + off) : i32x4.splat(0);
        storeTransposed<T>(dst, 16, x0, x1, x2, x3);
        dst += 64;
      }
    } else if (height == MR && slots<T>() == 4) {
      // Two p-values of MR rows (and zero rows up to 4) become two columns of four slots.
      for (; p + 2 <= kcHere; p += 2) {
        const off = <usize>p << 3;
        const x0 = v128.load(r0 + off), x1 = v128.load(r1 + off), x2 = v128.load(r2 + off);
        const x3 = MR == 4 ? v128.load(r3 + off) : i32x4.splat(0);
        v128.store(dst, i64x2.shuffle(x0, x1, 0, 2));
        v128.store(dst, i64x2.shuffle(x2, x3, 0, 2), 16);
        v128.store(dst, i64x2.shuffle(x0, x1, 1, 3), 32);
        v128.store(dst, i64x2.shuffle(x2, x3, 1, 3), 48);
        dst += 64;
      }
    }
    for (; p < kcHere; p++) {
      const off = <usize>p * sizeof<T>();
      store<T>(dst, load<T>(r0 + off));
      store<T>(dst, height > 1 ? load<T>(r1 + off) : <T>0, sizeof<T>());
      store<T>(dst, height > 2 ? load<T>(r2 + off) : <T>0, 2 * sizeof<T>());
      if (slots<T>() == 4) store<T>(dst, height > 3 ? load<T>(r3 + off) : <T>0, 3 * sizeof<T>());
      dst += colBytes;
    }
  }
}

// Stores alpha·acc + beta·C for one tile row of NV vectors (v2 is unused when NV = 2).
@inline
function storeRow<T>(c: usize, v0: v128, v1: v128, v2: v128, alpha: v128, beta: T, vbeta: v128): void {
  if (beta == 0) {
    v128.store(c, v128.mul<T>(v0, alpha));
    v128.store(c, v128.mul<T>(v1, alpha), 16);
    if (NV == 3) v128.store(c, v128.mul<T>(v2, alpha), 32);
  } else {
    v128.store(c, madd<T>(v0, alpha, v128.mul<T>(v128.load(c), vbeta)));
    v128.store(c, madd<T>(v1, alpha, v128.mul<T>(v128.load(c, 16), vbeta)), 16);
    if (NV == 3) v128.store(c, madd<T>(v2, alpha, v128.mul<T>(v128.load(c, 32), vbeta)), 32);
  }
}

// The micro-kernel over a packed panel of A, ap = [kc][MR], and of B, bp = [kc][NR]:
// tile = alpha·(ap·bp) + beta·tile, where tile rows are ldcBytes apart (C itself, or the scratch
// tile for edge tiles, which callers pass with alpha = 1, beta = 0).
@inline
function microKernel<T>(kcHere: i32, ap: usize, bp: usize, c: usize, ldcBytes: usize, alpha: T, beta: T): void {
  const valpha = v128.splat<T>(alpha);
  const vbeta = v128.splat<T>(beta);
  let a = ap;
  let b = bp;
  // Inside the packed B block, which the rest of the workspace follows: below 2^32, no wrap.
  const bEnd = b + <usize>kcHere * NV * 16;
  if (NV == 3) {
    let c00 = v128.splat<T>(0), c01 = v128.splat<T>(0), c02 = v128.splat<T>(0);
    let c10 = v128.splat<T>(0), c11 = v128.splat<T>(0), c12 = v128.splat<T>(0);
    let c20 = v128.splat<T>(0), c21 = v128.splat<T>(0), c22 = v128.splat<T>(0);
    while (b < bEnd) {
      const b0 = v128.load(b), b1 = v128.load(b, 16), b2 = v128.load(b, 32);
      let x = v128.load_splat<T>(a);
      c00 = madd<T>(x, b0, c00); c01 = madd<T>(x, b1, c01); c02 = madd<T>(x, b2, c02);
      x = v128.load_splat<T>(a, sizeof<T>());
      c10 = madd<T>(x, b0, c10); c11 = madd<T>(x, b1, c11); c12 = madd<T>(x, b2, c12);
      x = v128.load_splat<T>(a, 2 * sizeof<T>());
      c20 = madd<T>(x, b0, c20); c21 = madd<T>(x, b1, c21); c22 = madd<T>(x, b2, c22);
      a += slots<T>() * sizeof<T>();
      b += 48;
    }
    storeRow<T>(c, c00, c01, c02, valpha, beta, vbeta);
    storeRow<T>(c + ldcBytes, c10, c11, c12, valpha, beta, vbeta);
    storeRow<T>(c + 2 * ldcBytes, c20, c21, c22, valpha, beta, vbeta);
  } else {
    let c00 = v128.splat<T>(0), c01 = v128.splat<T>(0);
    let c10 = v128.splat<T>(0), c11 = v128.splat<T>(0);
    let c20 = v128.splat<T>(0), c21 = v128.splat<T>(0);
    let c30 = v128.splat<T>(0), c31 = v128.splat<T>(0);
    while (b < bEnd) {
      const b0 = v128.load(b), b1 = v128.load(b, 16);
      let x = v128.load_splat<T>(a);
      c00 = madd<T>(x, b0, c00); c01 = madd<T>(x, b1, c01);
      x = v128.load_splat<T>(a, sizeof<T>());
      c10 = madd<T>(x, b0, c10); c11 = madd<T>(x, b1, c11);
      x = v128.load_splat<T>(a, 2 * sizeof<T>());
      c20 = madd<T>(x, b0, c20); c21 = madd<T>(x, b1, c21);
      x = v128.load_splat<T>(a, 3 * sizeof<T>());
      c30 = madd<T>(x, b0, c30); c31 = madd<T>(x, b1, c31);
      a += slots<T>() * sizeof<T>();
      b += 32;
    }
    storeRow<T>(c, c00, c01, c01, valpha, beta, vbeta);
    storeRow<T>(c + ldcBytes, c10, c11, c11, valpha, beta, vbeta);
    storeRow<T>(c + 2 * ldcBytes, c20, c21, c21, valpha, beta, vbeta);
    storeRow<T>(c + 3 * ldcBytes, c30, c31, c31, valpha, beta, vbeta);
  }
}

// C := beta·C over an m x n block (beta == 0 writes zeros without reading C).
function scaleC<T>(m: i32, n: i32, beta: T, c: usize, ldc: i32): void {
  for (let i = 0; i < m; i++) {
    const row = at<T>(c, <usize>i * ldc);
    for (let j = 0; j < n; j++) {
      const ptr = at<T>(row, j);
      store<T>(ptr, beta == 0 ? <T>0 : beta * load<T>(ptr));
    }
  }
}

/**
 * C = alpha·op(A)·op(B) + beta·C. op(A) is m x k, op(B) is k x n, C is m x n; all row-major.
 * transA/transB select op(X) = Xᵀ (X then stored k x m / n x k). lda/ldb/ldc are row strides in
 * elements. `work` points at gemmWorkspaceElements<T>() elements of scratch.
 */
export function gemm<T>(
  transA: bool, transB: bool, m: i32, n: i32, k: i32,
  alpha: T, a: usize, lda: i32, b: usize, ldb: i32,
  beta: T, c: usize, ldc: i32, work: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0) {
    if (beta != 1) scaleC<T>(m, n, beta, c, ldc);
    return;
  }
  if (n <= smallNMax<T>() && <i64>k * 64 <= <i64>gemmWorkspaceElements<T>() * sizeof<T>()) {
    gemmSmallN<T>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work);
    return;
  }
  const NR = nr<T>();
  const KC = kc<T>(), MC = mc<T>(), NC = nc<T>();
  const packedB = work;
  const packedA = at<T>(packedB, <usize>KC * NC);
  const tile = at<T>(packedA, packedAElements<T>());
  const ldcBytes = <usize>ldc * sizeof<T>();

  for (let jc = 0; jc < n; jc += NC) {
    const ncHere = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kcHere = min(KC, k - pc);
      packB<T>(transB, b, ldb, pc, jc, kcHere, ncHere, packedB);
      const betaHere: T = pc == 0 ? beta : <T>1;
      for (let ic = 0; ic < m; ic += MC) {
        const mcHere = min(MC, m - ic);
        packA<T>(transA, a, lda, ic, pc, mcHere, kcHere, packedA);
        for (let jr = 0; jr < ncHere; jr += NR) {
          const nrHere = min(NR, ncHere - jr);
          const bp = at<T>(packedB, <usize>jr * kcHere);
          for (let ir = 0; ir < mcHere; ir += MR) {
            const mrHere = min(MR, mcHere - ir);
            const ap = at<T>(packedA, <usize>(ir / MR) * kcHere * slots<T>());
            const cTile = at<T>(c, <usize>(ic + ir) * ldc + jc + jr);
            if (mrHere == MR && nrHere == NR) {
              microKernel<T>(kcHere, ap, bp, cTile, ldcBytes, alpha, betaHere);
            } else {
              microKernel<T>(kcHere, ap, bp, tile, <usize>NR * sizeof<T>(), 1, 0);
              for (let r = 0; r < mrHere; r++) {
                for (let q = 0; q < nrHere; q++) {
                  const ptr = cTile + <usize>r * ldcBytes + <usize>q * sizeof<T>();
                  const v = alpha * load<T>(at<T>(tile, r * NR + q));
                  store<T>(ptr, betaHere == 0 ? v : v + betaHere * load<T>(ptr));
                }
              }
            }
          }
        }
      }
    }
  }
}

/**
 * `batch` independent GEMMs; matrix i of A, B and C starts strideA/strideB/strideC elements after
 * matrix i-1 (a stride of 0 reuses one matrix for every batch entry).
 */
export function gemmBatched<T>(
  transA: bool, transB: bool, m: i32, n: i32, k: i32,
  alpha: T, a: usize, lda: i32, strideA: i32, b: usize, ldb: i32, strideB: i32,
  beta: T, c: usize, ldc: i32, strideC: i32, batch: i32, work: usize,
): void {
  for (let i = 0; i < batch; i++) {
    gemm<T>(
      transA, transB, m, n, k, alpha,
      at<T>(a, <usize>i * strideA), lda,
      at<T>(b, <usize>i * strideB), ldb,
      beta, at<T>(c, <usize>i * strideC), ldc, work,
    );
  }
}
