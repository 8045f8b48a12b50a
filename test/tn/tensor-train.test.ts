import { describe, expect, it } from 'vitest';
import { TTMatrix, TensorTrain, gradcheck, randn, tensor, type Tensor } from '../../src/index.js';

function frobenius(t: Tensor): number {
  return Math.sqrt(Array.from(t.toArray()).reduce((s, v) => s + v * v, 0));
}

describe('TensorTrain (MPS)', () => {
  it('reconstructs exactly at full rank', () => {
    const x = randn([3, 4, 5, 2], { dtype: 'float64', seed: 1 });
    const { tt, errorBound } = TensorTrain.fromDense(x);
    expect(tt.ranks).toEqual([1, 3, 10, 2, 1]);
    expect(frobenius(tt.toDense().sub(x))).toBeLessThan(1e-12);
    expect(errorBound).toBeLessThan(1e-12);
    expect(tt.modes).toEqual([3, 4, 5, 2]);
  });

  it('truncation error is bounded by the discarded singular values (and the tolerance)', () => {
    // A tensor with decaying structure: a sum of a few rank-1 terms plus small noise.
    const a = randn([6, 1, 1, 1], { dtype: 'float64', seed: 2 });
    const b = randn([1, 5, 1, 1], { dtype: 'float64', seed: 3 });
    const c = randn([1, 1, 7, 1], { dtype: 'float64', seed: 4 });
    const e = randn([1, 1, 1, 4], { dtype: 'float64', seed: 5 });
    const x = a.mul(b).mul(c).mul(e).add(randn([6, 5, 7, 4], { dtype: 'float64', seed: 6, std: 0.05 }));
    for (const options of [{ maxRank: 2 }, { tolerance: 0.1 }, { tolerance: 0.02, maxRank: 6 }]) {
      const { tt, errorBound, discarded } = TensorTrain.fromDense(x, options);
      const error = frobenius(tt.toDense().sub(x));
      expect(error).toBeLessThanOrEqual(errorBound * (1 + 1e-9) + 1e-12);
      expect(errorBound).toBeCloseTo(Math.sqrt(discarded.reduce((s, v) => s + v * v, 0)), 12);
      if ('tolerance' in options && options.maxRank === undefined) expect(error).toBeLessThanOrEqual(options.tolerance * frobenius(x));
      if (options.maxRank !== undefined) expect(Math.max(...tt.ranks)).toBeLessThanOrEqual(options.maxRank);
    }
    expect(TensorTrain.fromDense(x, { tolerance: 0.1 }).tt.numParameters()).toBeLessThan(x.size);
  });

  it('is a differentiable parameterisation (gradcheck through the cores)', () => {
    const tt = TensorTrain.random([2, 3, 2], [2, 3], { dtype: 'float64', seed: 7, requiresGrad: true });
    expect(tt.numParameters()).toBe(1 * 2 * 2 + 2 * 3 * 3 + 3 * 2 * 1);
    const result = gradcheck(() => tt.toDense(), tt.parameters());
    expect(result.ok).toBe(true);
  });
});

describe('TTMatrix (MPO)', () => {
  it('reconstructs a matrix exactly at full rank and approximately when truncated', () => {
    const w = randn([12, 20], { dtype: 'float64', seed: 8 });
    const { mpo } = TTMatrix.fromMatrix(w, [3, 4], [4, 5]);
    expect(mpo.rowModes).toEqual([3, 4]);
    expect(mpo.colModes).toEqual([4, 5]);
    expect(frobenius(mpo.toMatrix().sub(w))).toBeLessThan(1e-12);
    const truncated = TTMatrix.fromMatrix(w, [3, 4], [4, 5], { maxRank: 4 });
    expect(truncated.mpo.ranks).toEqual([1, 4, 1]);
    expect(frobenius(truncated.mpo.toMatrix().sub(w))).toBeLessThanOrEqual(truncated.errorBound * (1 + 1e-9));
    expect(truncated.mpo.numParameters()).toBe(1 * 3 * 4 * 4 + 4 * 4 * 5 * 1);
  });

  it('represents a Kronecker product with ranks 1', () => {
    const a = tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    const b = tensor([[0, 1, 2], [1, 0, -1]], { dtype: 'float64' });
    // kron(a, b)[(i1 i2), (j1 j2)] = a[i1, j1]·b[i2, j2]
    const kron = a.reshape([2, 1, 2, 1]).mul(b.reshape([1, 2, 1, 3])).reshape([4, 6]);
    const { mpo } = TTMatrix.fromMatrix(kron, [2, 2], [2, 3], { tolerance: 1e-12 });
    expect(mpo.ranks).toEqual([1, 1, 1]);
    expect(frobenius(mpo.toMatrix().sub(kron))).toBeLessThan(1e-12);
  });

  it('is a differentiable parameterisation, and random cores hit the requested scale', () => {
    const mpo = TTMatrix.random([2, 2], [3, 2], [2], { dtype: 'float64', seed: 9, requiresGrad: true });
    expect(gradcheck(() => mpo.toMatrix(), mpo.parameters()).ok).toBe(true);
    const big = TTMatrix.random([8, 8, 8], [8, 8, 8], [8, 8], { seed: 10, std: 0.05 });
    const entries = Array.from(big.toMatrix().toArray());
    const std = Math.sqrt(entries.reduce((s, v) => s + v * v, 0) / entries.length);
    expect(std).toBeGreaterThan(0.03);
    expect(std).toBeLessThan(0.08);
  });

  it('rejects modes that do not factor the matrix', () => {
    expect(() => TTMatrix.fromMatrix(randn([12, 20]), [3, 5], [4, 5])).toThrow(/do not factor/);
    expect(() => TTMatrix.fromMatrix(randn([12, 20]), [12], [4, 5])).toThrow(/same length/);
    expect(() => TensorTrain.random([2, 3], [0])).toThrow(/positive inner ranks/);
  });
});

describe('tensor-train construction rejects non-finite values', () => {
  it('names the operation and the index', () => {
    expect(() => TensorTrain.fromDense(tensor([[1, NaN], [3, 4]]))).toThrow(/TensorTrain.fromDense: the tensor has a non-finite value \(NaN\) at flat index 1/);
    expect(() => TTMatrix.fromMatrix(tensor([[1, 2], [Infinity, 4]]), [2], [2])).toThrow(/TTMatrix.fromMatrix: the tensor has a non-finite value/);
  });
});
