// Singular value decomposition by one-sided Jacobi (Hestenes), in float64: rotate pairs of
// columns of W = A·V until all columns are mutually orthogonal; then σ_j = |w_j|, u_j = w_j/σ_j.
// Tall matrices are first reduced by QR (A = QR, SVD of the small R), wide ones are transposed.
// One-sided Jacobi is accurate to high relative precision, also for tiny singular values.
// Columns for zero singular values are completed to an orthonormal set.

import { ArgumentError, optionsObject } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { tensor } from '../../tensor/creation.js';
import { fromTensor, identityMatrix, multiply, scaledToUnit, toTensor, transposed, zerosMatrix, type ColumnMajor } from './dense-matrix.js';
import { qrColumnMajor } from './qr.js';

/** The factors of a singular value decomposition, A = U diag(S) Vᵀ, singular values descending. */
export interface SVDFactors<M, V> {
  /** m x k, orthonormal columns. */
  U: M;
  /** k singular values, non-increasing. */
  S: V;
  /** k x n, orthonormal rows. */
  Vt: M;
}

const MAX_SWEEPS = 60;

// Columns p and q of m := (c·col_p - s·col_q, s·col_p + c·col_q): a plane rotation from the right.
function rotateColumns(m: ColumnMajor, p: number, q: number, c: number, s: number): void {
  const cp = p * m.rows;
  const cq = q * m.rows;
  for (let i = 0; i < m.rows; i++) {
    const x = m.data[cp + i]!;
    const y = m.data[cq + i]!;
    m.data[cp + i] = c * x - s * y;
    m.data[cq + i] = s * x + c * y;
  }
}

// One-sided Jacobi on a column-major m x n matrix with m >= n: returns W = A·V (orthogonal
// columns) and V.
function jacobi(a: ColumnMajor): { w: ColumnMajor; v: ColumnMajor } {
  const { rows: m, cols: n } = a;
  const w = { rows: m, cols: n, data: Float64Array.from(a.data) };
  const v = identityMatrix(n);
  const eps = 2.220446049250313e-16;
  // Largest |γ|/sqrt(αβ) (cosine between two columns) rotated away in the last sweep.
  let worst = 0;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    worst = 0;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const cp = p * m;
        const cq = q * m;
        let alpha = 0, beta = 0, gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = w.data[cp + i]!;
          const y = w.data[cq + i]!;
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        worst = Math.max(worst, Math.abs(gamma) / Math.sqrt(alpha * beta));
        // The rotation that zeroes the (p, q) entry of WᵀW.
        const zeta = (beta - alpha) / (2 * gamma);
        // hypot: sqrt(1 + ζ²) without overflow when ζ is huge (t is then tiny, not zero).
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.hypot(1, zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotateColumns(w, p, q, c, s);
        rotateColumns(v, p, q, c, s);
      }
    }
    if (!rotated) return { w, v };
  }
  // Rounding can keep a few rotations at the level of eps·m going for ever: the columns are then
  // orthogonal to working precision. Anything larger is a real failure to converge.
  if (worst <= Math.sqrt(eps)) return { w, v };
  throw new ArgumentError(`svd: one-sided Jacobi did not converge in ${MAX_SWEEPS} sweeps (${m} x ${n} matrix; columns still at cosine ${worst.toExponential(1)})`);
}

// Completes columns [from, k) of u (m x k) to an orthonormal set by Gram–Schmidt on unit vectors.
function completeOrthonormal(u: ColumnMajor, from: number): void {
  const { rows: m, cols: k } = u;
  let candidate = 0;
  for (let j = from; j < k; j++) {
    for (; candidate < m; candidate++) {
      const col = new Float64Array(m);
      col[candidate] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let c = 0; c < j; c++) {
          let dot = 0;
          for (let i = 0; i < m; i++) dot += u.data[c * m + i]! * col[i]!;
          for (let i = 0; i < m; i++) col[i]! -= dot * u.data[c * m + i]!;
        }
      }
      let norm = 0;
      for (const x of col) norm += x * x;
      norm = Math.sqrt(norm);
      if (norm > 1e-8) {
        for (let i = 0; i < m; i++) u.data[j * m + i] = col[i]! / norm;
        candidate++;
        break;
      }
    }
  }
}

/** @internal Thin SVD of a column-major matrix: U m x k, S k, V n x k (k = min(m, n)). */
export function svdColumnMajor(a: ColumnMajor): { u: ColumnMajor; s: Float64Array; v: ColumnMajor } {
  // Entries far from 1 are scaled first (sums of squares would overflow or underflow); S scales back.
  const { scaled, scale } = scaledToUnit(a);
  if (scale !== 1) {
    const result = svdUnscaled(scaled);
    return { ...result, s: result.s.map((x) => x / scale) };
  }
  return svdUnscaled(a);
}

function svdUnscaled(a: ColumnMajor): { u: ColumnMajor; s: Float64Array; v: ColumnMajor } {
  if (a.rows < a.cols) {
    const t = svdColumnMajor(transposed(a));
    return { u: t.v, s: t.s, v: t.u };
  }
  const { rows: m, cols: n } = a;
  if (n === 0) return { u: zerosMatrix(m, 0), s: new Float64Array(0), v: zerosMatrix(0, 0) };
  // Tall: A = Q·R, then R = Ur·S·Vᵀ gives U = Q·Ur.
  if (m > n) {
    const { Q, R } = qrColumnMajor(a);
    const inner = svdColumnMajor(R);
    return { u: multiply(Q, inner.u), s: inner.s, v: inner.v };
  }
  const { w, v } = jacobi(a);
  const norms = Array.from({ length: n }, (_, j) => {
    let s = 0;
    for (let i = 0; i < m; i++) s += w.data[j * m + i]! ** 2;
    return Math.sqrt(s);
  });
  const order = norms.map((_, j) => j).sort((x, y) => norms[y]! - norms[x]!);
  const u = zerosMatrix(m, n);
  const vOut = zerosMatrix(n, n);
  const s = new Float64Array(n);
  const largest = norms[order[0]!]!;
  let nonzero = 0;
  order.forEach((j, k) => {
    s[k] = norms[j]!;
    for (let i = 0; i < n; i++) vOut.data[k * n + i] = v.data[j * n + i]!;
    // Columns whose norm is at round-off level carry no direction: complete them below.
    if (s[k]! > largest * 1e-15 * Math.max(m, n) && s[k]! > 0) {
      for (let i = 0; i < m; i++) u.data[k * m + i] = w.data[j * m + i]! / s[k]!;
      nonzero = k + 1;
    }
  });
  if (nonzero < n) completeOrthonormal(u, nonzero);
  return { u, s, v: vOut };
}

/**
 * Thin singular value decomposition A = U·diag(S)·Vt (float64 internally; results in the input's
 * dtype).
 *
 * @example
 * const { U, S, Vt } = svd(a);   // S non-increasing
 */
export function svd(a: Tensor): SVDFactors<Tensor, Tensor> {
  const m = fromTensor('svd', a);
  const { u, s, v } = svdColumnMajor(m);
  return { U: toTensor(u, a.dtype), S: tensor(s, { dtype: a.dtype }), Vt: toTensor(transposed(v), a.dtype) };
}

/** Where svdTruncated cuts: a maximum rank and/or a tolerance on the discarded singular values. */
export interface TruncationOptions {
  /** Keep at most this many singular values. */
  maxRank?: number;
  /**
   * Keep as few singular values as possible while the discarded part has Frobenius norm
   * <= tolerance·|A|_F (relative truncation error).
   */
  tolerance?: number;
}

/** How many singular values to keep, and the Frobenius norm of those discarded. */
export function truncationRank(s: ArrayLike<number>, options: TruncationOptions): { rank: number; discarded: number } {
  const { maxRank, tolerance } = options;
  if (maxRank !== undefined && !(Number.isInteger(maxRank) && maxRank >= 1)) {
    throw new ArgumentError(`svd truncation: maxRank must be a positive integer, got ${maxRank}`);
  }
  if (tolerance !== undefined && !(tolerance >= 0 && Number.isFinite(tolerance))) {
    throw new ArgumentError(`svd truncation: tolerance must be a finite number >= 0, got ${tolerance}`);
  }
  let total = 0;
  for (let i = 0; i < s.length; i++) total += s[i]! ** 2;
  let rank = s.length;
  if (tolerance !== undefined) {
    const budget = (tolerance * Math.sqrt(total)) ** 2;
    let tail = 0;
    while (rank > 1 && tail + s[rank - 1]! ** 2 <= budget) {
      tail += s[rank - 1]! ** 2;
      rank--;
    }
  }
  if (maxRank !== undefined) rank = Math.min(rank, maxRank);
  let discarded = 0;
  for (let i = rank; i < s.length; i++) discarded += s[i]! ** 2;
  return { rank: Math.max(rank, Math.min(1, s.length)), discarded: Math.sqrt(discarded) };
}

/**
 * SVD truncated by rank and/or relative tolerance; also reports the Frobenius norm of the
 * discarded singular values (the exact error of the truncated reconstruction).
 *
 * @example
 * const { U, S, Vt, discarded } = svdTruncated(a, { maxRank: 8, tolerance: 1e-3 });
 */
export function svdTruncated(a: Tensor, optionsIn: TruncationOptions): SVDFactors<Tensor, Tensor> & { rank: number; discarded: number } {
  if (optionsIn === undefined) throw new ArgumentError('svdTruncated: options such as { maxRank: 8 } or { tolerance: 1e-6 } are required');
  const options = optionsObject('svdTruncated', optionsIn);
  const m = fromTensor('svdTruncated', a);
  const { u, s, v } = svdColumnMajor(m);
  const { rank, discarded } = truncationRank(s, options);
  const vt = transposed(v);
  return {
    U: toTensor(u, a.dtype, rank),
    S: tensor(s.slice(0, rank), { dtype: a.dtype }),
    Vt: toTensor({ rows: rank, cols: vt.cols, data: rowsOf(vt, rank) }, a.dtype),
    rank,
    discarded,
  };
}

// The first `count` rows of a column-major matrix, column-major.
function rowsOf(m: ColumnMajor, count: number): Float64Array {
  const out = new Float64Array(count * m.cols);
  for (let j = 0; j < m.cols; j++) for (let i = 0; i < count; i++) out[j * count + i] = m.data[j * m.rows + i]!;
  return out;
}
