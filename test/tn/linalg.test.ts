// QR and SVD: reconstruction, orthogonality, triangularity, known singular values, truncation.

import { describe, expect, it } from 'vitest';
import { eye, matmul, qr, randn, svd, svdTruncated, tensor, type Tensor } from '../../src/index.js';

function maxAbs(t: Tensor): number {
  return Math.max(...Array.from(t.toArray()).map(Math.abs));
}

function frobenius(t: Tensor): number {
  return Math.sqrt(Array.from(t.toArray()).reduce((s, v) => s + v * v, 0));
}

function orthonormalityError(q: Tensor, columns = true): number {
  const gram = columns ? matmul(q.mT, q) : matmul(q, q.mT);
  return maxAbs(gram.sub(eye(gram.shape[0]!, gram.shape[0]!, { dtype: q.dtype })));
}

const SHAPES: [number, number][] = [[1, 1], [5, 3], [3, 5], [17, 17], [67, 5], [5, 67], [40, 33]];

describe.each(['float64', 'float32'] as const)('QR and SVD (%s)', (dtype) => {
  const tol = dtype === 'float64' ? 1e-12 : 2e-5;

  it.each(SHAPES)('QR of %i x %i: Q orthonormal, R upper triangular, QR = A', (m, n) => {
    const a = randn([m, n], { dtype, seed: m * 100 + n });
    const { Q, R } = qr(a);
    expect(Q.shape).toEqual([m, Math.min(m, n)]);
    expect(R.shape).toEqual([Math.min(m, n), n]);
    expect(maxAbs(matmul(Q, R).sub(a))).toBeLessThan(tol * 10);
    expect(orthonormalityError(Q)).toBeLessThan(tol * 10);
    const r = R.toNested() as number[][];
    r.forEach((row, i) => row.forEach((v, j) => { if (j < i) expect(v).toBe(0); }));
    const complete = qr(a, { mode: 'complete' });
    expect(complete.Q.shape).toEqual([m, m]);
    expect(orthonormalityError(complete.Q)).toBeLessThan(tol * 10);
    expect(maxAbs(matmul(complete.Q, complete.R).sub(a))).toBeLessThan(tol * 10);
  });

  it.each(SHAPES)('SVD of %i x %i: reconstruction and orthogonality', (m, n) => {
    const a = randn([m, n], { dtype, seed: m * 7 + n });
    const { U, S, Vt } = svd(a);
    const k = Math.min(m, n);
    expect(U.shape).toEqual([m, k]);
    expect(S.shape).toEqual([k]);
    expect(Vt.shape).toEqual([k, n]);
    expect(maxAbs(matmul(U.mul(S), Vt).sub(a))).toBeLessThan(tol * 20);
    expect(orthonormalityError(U)).toBeLessThan(tol * 10);
    expect(orthonormalityError(Vt, false)).toBeLessThan(tol * 10);
    const s = Array.from(S.toArray());
    s.forEach((v, i) => { if (i > 0) expect(v).toBeLessThanOrEqual(s[i - 1]!); });
  });

  it('finds known singular values: diagonal, scaled orthogonal, rank-deficient', () => {
    const d = tensor([[0, 0, 3], [0, -5, 0], [1, 0, 0], [0, 0, 0]], { dtype });
    expect(Array.from(svd(d).S.toArray()).map((v) => +v.toFixed(6))).toEqual([5, 3, 1]);
    // Rank 2: outer products of orthogonal vectors with weights 4 and 2.
    const u1 = tensor([[1], [1], [1], [1]], { dtype }).div(2);
    const u2 = tensor([[1], [-1], [1], [-1]], { dtype }).div(2);
    const v1 = tensor([[1, 0, 0]], { dtype });
    const v2 = tensor([[0, 0.6, 0.8]], { dtype });
    const low = matmul(u1, v1).mul(4).add(matmul(u2, v2).mul(2));
    const { U, S, Vt } = svd(low);
    const s = Array.from(S.toArray());
    expect(s[0]).toBeCloseTo(4, 5);
    expect(s[1]).toBeCloseTo(2, 5);
    expect(s[2]).toBeLessThan(tol * 10);
    expect(orthonormalityError(U)).toBeLessThan(tol * 10); // completed for the zero singular value
    expect(maxAbs(matmul(U.mul(S), Vt).sub(low))).toBeLessThan(tol * 10);
    expect(Array.from(svd(tensor([[0, 0], [0, 0]], { dtype })).S.toArray())).toEqual([0, 0]);
  });

  it('truncates by rank and by tolerance, with the discarded norm equal to the error', () => {
    const a = randn([30, 20], { dtype, seed: 3 });
    const full = Array.from(svd(a).S.toArray());
    const byRank = svdTruncated(a, { maxRank: 5 });
    expect(byRank.rank).toBe(5);
    const error = frobenius(matmul(byRank.U.mul(byRank.S), byRank.Vt).sub(a));
    const tail = Math.sqrt(full.slice(5).reduce((s, v) => s + v * v, 0));
    expect(Math.abs(error - tail) / tail).toBeLessThan(dtype === 'float64' ? 1e-10 : 1e-4);
    expect(Math.abs(byRank.discarded - tail) / tail).toBeLessThan(1e-6);
    const byTol = svdTruncated(a, { tolerance: 0.3 });
    expect(byTol.discarded).toBeLessThanOrEqual(0.3 * frobenius(a) * (1 + 1e-6));
    const withOneMore = Math.sqrt(full.slice(byTol.rank - 1).reduce((s, v) => s + v * v, 0));
    expect(withOneMore).toBeGreaterThan(0.3 * frobenius(a));
    expect(() => svdTruncated(a, { maxRank: 0 })).toThrow(/maxRank/);
  });
});

it('rejects non-matrices and non-finite entries', () => {
  expect(() => svd(randn([2, 2, 2]))).toThrow(/rank 2/);
  expect(() => qr(tensor([[1, NaN]]))).toThrow(/finite/);
});

describe('QR and SVD of badly scaled matrices (float64)', () => {
  it('keep singular values and R finite and accurate for entries near 1e±200', () => {
    for (const scale of [1e-200, 1e200]) {
      const { S } = svd(tensor([[scale, 0], [0, 2 * scale]], { dtype: 'float64' }));
      const s = Array.from(S.toArray());
      expect(s[0]! / (2 * scale)).toBeCloseTo(1, 12);
      expect(s[1]! / scale).toBeCloseTo(1, 12);
      const { Q, R } = qr(tensor([[scale], [scale]], { dtype: 'float64' }));
      expect(Math.abs(R.toArray()[0]!) / (Math.SQRT2 * scale)).toBeCloseTo(1, 12);
      expect(Array.from(Q.toArray()).every(Number.isFinite)).toBe(true);
    }
  });
});
