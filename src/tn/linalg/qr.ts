// Householder QR in float64: A = Q·R with Q having orthonormal columns and R upper triangular.
// Each step reflects the remaining part of column k onto ±|x|·e_k (the sign chosen to avoid
// cancellation); Q is accumulated by applying the reflectors to the identity in reverse order.

import type { Tensor } from '../../tensor.js';
import { fromTensor, scaledToUnit, toTensor, zerosMatrix, type ColumnMajor } from './dense-matrix.js';
import { optionsObject } from '../../errors.js';

/** The factors of a QR decomposition, A = Q R. */
export interface QRFactors<M> {
  /** m x k (reduced) or m x m (complete), orthonormal columns. */
  Q: M;
  /** k x n (reduced) or m x n (complete), upper triangular. */
  R: M;
}

/** @internal QR of a column-major matrix. */
export function qrColumnMajor(a: ColumnMajor, complete = false): QRFactors<ColumnMajor> {
  // Entries far from 1 are scaled first (the column norms would overflow or underflow); R scales back.
  const { scaled, scale } = scaledToUnit(a);
  if (scale === 1) return qrUnscaled(a, complete);
  const { Q, R } = qrUnscaled(scaled, complete);
  return { Q, R: { ...R, data: R.data.map((x) => x / scale) } };
}

function qrUnscaled(a: ColumnMajor, complete: boolean): QRFactors<ColumnMajor> {
  const { rows: m, cols: n } = a;
  const r = { rows: m, cols: n, data: Float64Array.from(a.data) };
  const steps = Math.min(m - 1, n);
  const reflectors: Float64Array[] = [];
  for (let k = 0; k < Math.max(0, steps); k++) {
    // v = x + sign(x0)·|x|·e0 over rows k..m-1 of column k, normalised.
    const v = new Float64Array(m - k);
    let norm = 0;
    for (let i = k; i < m; i++) {
      v[i - k] = r.data[k * m + i]!;
      norm += v[i - k]! * v[i - k]!;
    }
    norm = Math.sqrt(norm);
    if (norm === 0) {
      reflectors.push(v);
      continue;
    }
    const alpha = v[0]! >= 0 ? -norm : norm;
    v[0]! -= alpha;
    let vnorm = 0;
    for (const x of v) vnorm += x * x;
    vnorm = Math.sqrt(vnorm);
    for (let i = 0; i < v.length; i++) v[i]! /= vnorm;
    reflectors.push(v);
    // R := (I - 2vvᵀ)·R on rows k..m-1.
    for (let j = k; j < n; j++) {
      const col = j * m;
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k]! * r.data[col + i]!;
      dot *= 2;
      for (let i = k; i < m; i++) r.data[col + i]! -= dot * v[i - k]!;
    }
    for (let i = k + 1; i < m; i++) r.data[k * m + i] = 0;
  }
  const qCols = complete ? m : Math.min(m, n);
  const q = zerosMatrix(m, qCols);
  for (let i = 0; i < qCols; i++) q.data[i * m + i] = 1;
  for (let k = reflectors.length - 1; k >= 0; k--) {
    const v = reflectors[k]!;
    for (let j = 0; j < qCols; j++) {
      const col = j * m;
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k]! * q.data[col + i]!;
      dot *= 2;
      if (dot === 0) continue;
      for (let i = k; i < m; i++) q.data[col + i]! -= dot * v[i - k]!;
    }
  }
  const rRows = complete ? m : Math.min(m, n);
  const rOut = zerosMatrix(rRows, n);
  for (let j = 0; j < n; j++) for (let i = 0; i < Math.min(rRows, j + 1); i++) rOut.data[j * rRows + i] = r.data[j * m + i]!;
  return { Q: q, R: rOut };
}

/**
 * Householder QR of a matrix (computed in float64, returned in the input's dtype).
 *
 * @example
 * const { Q, R } = qr(a);            // a ≈ Q·R, Qᵀ·Q = I, R upper triangular
 */
export function qr(a: Tensor, optionsIn: { mode?: 'reduced' | 'complete' } = {}): QRFactors<Tensor> {
  const options = optionsObject('qr', optionsIn);
  const m = fromTensor('qr', a);
  const { Q, R } = qrColumnMajor(m, options.mode === 'complete');
  return { Q: toTensor(Q, a.dtype), R: toTensor(R, a.dtype) };
}
