// Randomized truncated SVD (Halko, Martinsson & Tropp 2011, algorithms 4.4 and 5.1): the range of
// A is sampled by Y = A·Ω with a Gaussian Ω of k = rank + oversample columns, sharpened by power
// iterations Y = (A·Aᵀ)^q·A·Ω (re-orthonormalised after every product), Q = orth(Y); then the
// small matrix B = Qᵀ·A (k x n) gets an exact SVD, B = Ub·S·Vᵀ, and U = Q·Ub. Cost O(m·n·k·q)
// instead of the O(m·n·min(m, n)) of a full SVD. Because U_r·S_r·V_rᵀ = Q·B_r, the truncation
// error is exact: |A - A_r|² = |A|² - Σ_{i<r} s_i².

import { ArgumentError, optionsObject } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { tensor } from '../../tensor/creation.js';
import { RandomGenerator } from '../../tensor/random.js';
import { fromTensor, multiply, toTensor, transposed, type ColumnMajor } from './dense-matrix.js';
import { qrColumnMajor } from './qr.js';
import { svdColumnMajor, type SVDFactors } from './svd.js';

/** Sampling and power-iteration settings of randomizedSvd. */
export interface RandomizedSvdOptions {
  /** Extra sampled directions beyond the rank (default 10). */
  oversample?: number;
  /** Power iterations (default 4; more sharpens a flat spectrum). */
  powerIterations?: number;
  seed?: number;
}

/**
 * The `rank` leading singular triplets of A, approximately, at the cost of a few products with A.
 *
 * @example
 * const { U, S, Vt, discarded } = randomizedSvd(w, 8);   // w: [1024, 784]
 */
export function randomizedSvd(a: Tensor, rank: number, optionsIn: RandomizedSvdOptions = {}): SVDFactors<Tensor, Tensor> & { rank: number; discarded: number } {
  const options = optionsObject('randomizedSvd', optionsIn);
  const m = fromTensor('randomizedSvd', a);
  const smaller = Math.min(m.rows, m.cols);
  if (!Number.isInteger(rank) || rank < 1 || rank > smaller) throw new ArgumentError(`randomizedSvd: rank must be an integer in [1, ${smaller}], got ${rank}`);
  const oversample = options.oversample ?? 10;
  const iterations = options.powerIterations ?? 4;
  if (!Number.isInteger(oversample) || oversample < 0) throw new ArgumentError(`randomizedSvd: oversample must be a non-negative integer, got ${oversample}`);
  if (!Number.isInteger(iterations) || iterations < 0) throw new ArgumentError(`randomizedSvd: powerIterations must be a non-negative integer, got ${iterations}`);
  const k = Math.min(smaller, rank + oversample);
  const random = new RandomGenerator(options.seed ?? 0);
  const omega: ColumnMajor = { rows: m.cols, cols: k, data: Float64Array.from({ length: m.cols * k }, () => random.normal()) };
  const at = transposed(m);
  let q = qrColumnMajor(multiply(m, omega)).Q;
  for (let i = 0; i < iterations; i++) {
    const z = qrColumnMajor(multiply(at, q)).Q;
    q = qrColumnMajor(multiply(m, z)).Q;
  }
  const b = multiply(transposed(q), m);
  const { u: ub, s, v } = svdColumnMajor(b);
  const u = multiply(q, ub);
  let total = 0;
  for (const x of m.data) total += x * x;
  let kept = 0;
  for (let i = 0; i < rank; i++) kept += s[i]! ** 2;
  const vt = transposed(v);
  const vtRows = new Float64Array(rank * vt.cols);
  for (let j = 0; j < vt.cols; j++) for (let i = 0; i < rank; i++) vtRows[j * rank + i] = vt.data[j * vt.rows + i]!;
  return {
    U: toTensor(u, a.dtype, rank),
    S: tensor(s.slice(0, rank), { dtype: a.dtype }),
    Vt: toTensor({ rows: rank, cols: vt.cols, data: vtRows }, a.dtype),
    rank,
    discarded: Math.sqrt(Math.max(0, total - kept)),
  };
}
