// Plain float64 matrices in JavaScript memory for the factorizations (QR, SVD): they run in
// float64 whatever the tensor's dtype, and convert at the boundary. Column-major storage, so the
// column operations the algorithms are made of (Householder updates, Jacobi rotations) walk
// contiguous memory.

import { ShapeError, formatShape } from '../../errors.js';
import { Tensor } from '../../tensor.js';
import { tensor } from '../../tensor/creation.js';
import type { Dtype } from '../../tensor/dtype.js';

export interface ColumnMajor {
  rows: number;
  cols: number;
  /** data[j * rows + i] = A[i][j] */
  data: Float64Array;
}

/** Reads a rank-2 tensor into a column-major float64 matrix. */
export function fromTensor(op: string, a: Tensor): ColumnMajor {
  if (!(a instanceof Tensor)) throw new ShapeError(`${op}: expected a matrix Tensor`);
  if (a.rank !== 2) throw new ShapeError(`${op}: expected a matrix (rank 2), got shape ${formatShape(a.shape)}`);
  const [rows, cols] = a.shape as [number, number];
  const values = a.toArray();
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[j * rows + i] = values[i * cols + j]!;
  for (const v of values) {
    if (!Number.isFinite(v)) throw new ShapeError(`${op}: the matrix contains ${v}; factorizations need finite values`);
  }
  return { rows, cols, data };
}

/** Writes a column-major matrix (or its first `cols` columns) to a row-major tensor (owned by the caller). */
export function toTensor(m: ColumnMajor, dtype: Dtype, cols = m.cols): Tensor {
  const out = new Float64Array(m.rows * cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = m.data[j * m.rows + i]!;
  return tensor(out, { shape: [m.rows, cols], dtype });
}

export function zerosMatrix(rows: number, cols: number): ColumnMajor {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

export function identityMatrix(n: number): ColumnMajor {
  const m = zerosMatrix(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

/** Transpose (a copy). */
export function transposed(m: ColumnMajor): ColumnMajor {
  const t = zerosMatrix(m.cols, m.rows);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) t.data[i * m.cols + j] = m.data[j * m.rows + i]!;
  return t;
}

/** a·b */
export function multiply(a: ColumnMajor, b: ColumnMajor): ColumnMajor {
  const c = zerosMatrix(a.rows, b.cols);
  for (let j = 0; j < b.cols; j++) {
    for (let p = 0; p < a.cols; p++) {
      const s = b.data[j * b.rows + p]!;
      if (s === 0) continue;
      const aCol = p * a.rows;
      const cCol = j * c.rows;
      for (let i = 0; i < a.rows; i++) c.data[cCol + i]! += a.data[aCol + i]! * s;
    }
  }
  return c;
}

/**
 * A power of two that brings the largest |entry| of m into [0.5, 1) (1 for a zero matrix), and m
 * scaled by it. Factorizations run on the scaled copy so that sums of squares neither overflow
 * (entries near 1e200) nor underflow (near 1e-200); scaling by a power of two is exact.
 */
export function scaledToUnit(m: ColumnMajor): { scaled: ColumnMajor; scale: number } {
  let largest = 0;
  for (const x of m.data) largest = Math.max(largest, Math.abs(x));
  if (largest === 0 || (largest >= 2 ** -500 && largest <= 2 ** 500)) return { scaled: m, scale: 1 };
  const scale = 2 ** -Math.ceil(Math.log2(largest));
  return { scaled: { rows: m.rows, cols: m.cols, data: m.data.map((x) => x * scale) }, scale };
}
