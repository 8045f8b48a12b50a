// Tensor trains (MPS) and TT-matrices (MPO).
//
// A tensor train represents x[i1, ..., id] = G1[:, i1, :]·G2[:, i2, :]···Gd[:, id, :] with cores
// G_k of shape [r_{k-1}, n_k, r_k], r_0 = r_d = 1. TT-SVD (Oseledets 2011) builds one from a
// dense tensor by d - 1 truncated SVDs of successive unfoldings; the error then obeys
// |x - TT|_F² <= Σ_k δ_k², δ_k the Frobenius norm of the singular values discarded at step k.
// With a relative tolerance ε each step may discard up to ε·|x|_F / sqrt(d - 1).
//
// A TT-matrix (MPO) represents W[(i1..id), (j1..jd)] with cores [r_{k-1}, m_k, n_k, r_k]; it is
// the tensor train of W reshaped to [m1, ..., md, n1, ..., nd] with axes interleaved as
// (m1 n1), ..., (md nd). Both are differentiable parameterisations: the cores are the
// parameters, and toDense()/toMatrix() contract them with differentiable operations.

import { ArgumentError, ShapeError, formatShape, optionsObject } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { randn, tensor } from '../tensor/creation.js';
import { parseDtype, type Dtype } from '../tensor/dtype.js';
import { sizeOf } from '../tensor/shape.js';
import { matmul } from '../ops/matmul.js';
import { permute, reshape } from '../ops/movement.js';
import { transposed } from './linalg/dense-matrix.js';
import { svdColumnMajor, truncationRank, type TruncationOptions } from './linalg/svd.js';

/** TT-SVD truncation: maxRank may give one bound per bond. */
export interface TTTruncationOptions extends Omit<TruncationOptions, 'maxRank'> {
  /** The largest rank of every bond, or of each bond in order. */
  maxRank?: number | readonly number[];
}

/** What a TT-SVD discarded: the norm of the singular values dropped at each step, and a bound on the total error. */
export interface TTDecomposition {
  /** Frobenius norms of the singular values discarded at each step. */
  discarded: number[];
  /** sqrt(Σ discarded²): a bound on |x - TT|_F. */
  errorBound: number;
}

// TT-SVD on a row-major float64 array of the given mode sizes.
function ttSvd(values: Float64Array, modes: readonly number[], options: TTTruncationOptions): { cores: { data: Float64Array; shape: number[] }[] } & TTDecomposition {
  const d = modes.length;
  if (Array.isArray(options.maxRank) && options.maxRank.length !== d - 1) {
    throw new ArgumentError(`TT-SVD: maxRank needs one rank per bond (${d - 1}), got ${options.maxRank.length}`);
  }
  let norm = 0;
  for (const v of values) norm += v * v;
  norm = Math.sqrt(norm);
  const perStep = options.tolerance === undefined ? undefined : options.tolerance / Math.sqrt(Math.max(1, d - 1));
  const cores: { data: Float64Array; shape: number[] }[] = [];
  const discarded: number[] = [];
  let rank = 1;
  // Row-major remainder of shape [rank·n_k, rest].
  let remainder = values;
  for (let k = 0; k < d - 1; k++) {
    const rows = rank * modes[k]!;
    const cols = remainder.length / rows;
    // Column-major copy of the unfolding.
    const data = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[j * rows + i] = remainder[i * cols + j]!;
    const { u, s, v } = svdColumnMajor({ rows, cols, data });
    // A per-step tolerance relative to |x| (not to this unfolding): scale it.
    let stepTolerance: number | undefined;
    if (perStep !== undefined) {
      let unfoldingNorm = 0;
      for (const x of s) unfoldingNorm += x * x;
      unfoldingNorm = Math.sqrt(unfoldingNorm);
      stepTolerance = unfoldingNorm > 0 ? (perStep * norm) / unfoldingNorm : 0;
    }
    const truncation = truncationRank(s, {
      ...(options.maxRank !== undefined ? { maxRank: typeof options.maxRank === 'number' ? options.maxRank : options.maxRank[k]! } : {}),
      ...(stepTolerance !== undefined ? { tolerance: stepTolerance } : {}),
    });
    const r = truncation.rank;
    discarded.push(truncation.discarded);
    // Core k: U[:, :r] as [rank, n_k, r] (row-major).
    const core = new Float64Array(rows * r);
    for (let i = 0; i < rows; i++) for (let j = 0; j < r; j++) core[i * r + j] = u.data[j * rows + i]!;
    cores.push({ data: core, shape: [rank, modes[k]!, r] });
    // Remainder: diag(S[:r])·Vᵀ[:r, :] as [r, cols] row-major.
    const vt = transposed(v);
    const next = new Float64Array(r * cols);
    for (let i = 0; i < r; i++) for (let j = 0; j < cols; j++) next[i * cols + j] = s[i]! * vt.data[j * vt.rows + i]!;
    remainder = next;
    rank = r;
  }
  cores.push({ data: remainder, shape: [rank, modes[d - 1]!, 1] });
  return { cores, discarded, errorBound: Math.sqrt(discarded.reduce((p, x) => p + x * x, 0)) };
}

// Contracts cores [r0, n1, r1], [r1, n2, r2], ... into [n1·n2·..., r_last] (differentiable).
function contractCores(cores: readonly Tensor[]): Tensor {
  let result = reshape(cores[0]!, [cores[0]!.shape[1]!, cores[0]!.shape[2]!]);
  for (let k = 1; k < cores.length; k++) {
    const core = cores[k]!;
    const [r, n, r2] = core.shape as [number, number, number];
    result = reshape(matmul(result, reshape(core, [r, n * r2])), [result.shape[0]! * n, r2]);
  }
  return result;
}

function checkModes(op: string, modes: readonly number[]): number[] {
  if (!Array.isArray(modes) || modes.length === 0 || modes.some((m) => !Number.isInteger(m) || m < 1)) {
    throw new ArgumentError(`${op}: mode sizes must be positive integers, got ${JSON.stringify(modes)}`);
  }
  return [...modes];
}

function toFloat64(x: Tensor, op: string): Float64Array {
  const values = Float64Array.from(x.toArray());
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ArgumentError(`${op}: the tensor has a non-finite value (${values[bad]}) at flat index ${bad}`);
  return values;
}

/**
 * A tensor train (MPS) with cores [r_{k-1}, n_k, r_k].
 *
 * @example
 * const { tt, errorBound } = TensorTrain.fromDense(x, { maxRank: 8 });
 * tt.toDense();          // ≈ x, differentiable in tt.cores
 */
export class TensorTrain {
  readonly cores: Tensor[];

  constructor(cores: Tensor[]) {
    if (!Array.isArray(cores) || cores.length === 0) throw new ArgumentError('TensorTrain: expected a non-empty array of cores');
    cores.forEach((c, k) => {
      if (c.rank !== 3) throw new ShapeError(`TensorTrain: core ${k} must have rank 3 [r, n, r'], got ${formatShape(c.shape)}`);
      const left = k === 0 ? 1 : cores[k - 1]!.shape[2];
      if (c.shape[0] !== left) throw new ShapeError(`TensorTrain: core ${k} has left rank ${c.shape[0]}, expected ${left}`);
      if (c.dtype !== cores[0]!.dtype) throw new ShapeError('TensorTrain: cores must share one dtype');
    });
    if (cores[cores.length - 1]!.shape[2] !== 1) throw new ShapeError('TensorTrain: the last core must have right rank 1');
    this.cores = cores;
  }

  /** TT-SVD of a dense tensor (computed in float64), truncated by maxRank and/or relative tolerance. */
  static fromDense(x: Tensor, optionsIn: TTTruncationOptions & { requiresGrad?: boolean } = {}): { tt: TensorTrain } & TTDecomposition {
    const options = optionsObject('fromDense', optionsIn);
    const modes = checkModes('TensorTrain.fromDense', x.shape);
    const { cores, discarded, errorBound } = ttSvd(toFloat64(x, 'TensorTrain.fromDense'), modes, options);
    const tt = new TensorTrain(cores.map((c) => tensor(c.data, { shape: c.shape, dtype: x.dtype, requiresGrad: options.requiresGrad ?? false })));
    return { tt, discarded, errorBound };
  }

  /** Random cores (Gaussian, scaled so the train's entries have about unit variance). */
  static random(modes: readonly number[], ranks: readonly number[], optionsIn: { seed?: number; dtype?: Dtype; requiresGrad?: boolean } = {}): TensorTrain {
    const options = optionsObject('random', optionsIn);
    const m = checkModes('TensorTrain.random', modes);
    if (ranks.length !== m.length - 1 || ranks.some((r) => !Number.isInteger(r) || r < 1)) {
      throw new ArgumentError(`TensorTrain.random: expected ${m.length - 1} positive inner ranks, got ${JSON.stringify(ranks)}`);
    }
    const dtype = parseDtype('TensorTrain.random', options.dtype);
    const full = [1, ...ranks, 1];
    return new TensorTrain(m.map((n, k) => randn([full[k]!, n, full[k + 1]!], {
      dtype, seed: (options.seed ?? 0) * 1000 + k, std: 1 / Math.sqrt(full[k]!), requiresGrad: options.requiresGrad ?? false,
    })));
  }

  get modes(): number[] {
    return this.cores.map((c) => c.shape[1]!);
  }

  /** Bond dimensions r_0 .. r_d. */
  get ranks(): number[] {
    return [1, ...this.cores.map((c) => c.shape[2]!)];
  }

  /** The dense tensor (differentiable in the cores). */
  toDense(): Tensor {
    return reshape(contractCores(this.cores), this.modes);
  }

  parameters(): Tensor[] {
    return this.cores;
  }

  numParameters(): number {
    return this.cores.reduce((s, c) => s + c.size, 0);
  }
}

/**
 * A TT-matrix (MPO): W[(i1..id), (j1..jd)] with cores [r_{k-1}, m_k, n_k, r_k].
 *
 * @example
 * const { mpo } = TTMatrix.fromMatrix(w, [4, 8, 8], [4, 4, 16], { maxRank: 6 });   // w: [256, 256]
 * mpo.toMatrix();   // ≈ w, differentiable in mpo.cores
 */
export class TTMatrix {
  readonly cores: Tensor[];

  constructor(cores: Tensor[]) {
    if (!Array.isArray(cores) || cores.length === 0) throw new ArgumentError('TTMatrix: expected a non-empty array of cores');
    cores.forEach((c, k) => {
      if (c.rank !== 4) throw new ShapeError(`TTMatrix: core ${k} must have rank 4 [r, m, n, r'], got ${formatShape(c.shape)}`);
      const left = k === 0 ? 1 : cores[k - 1]!.shape[3];
      if (c.shape[0] !== left) throw new ShapeError(`TTMatrix: core ${k} has left rank ${c.shape[0]}, expected ${left}`);
    });
    if (cores[cores.length - 1]!.shape[3] !== 1) throw new ShapeError('TTMatrix: the last core must have right rank 1');
    this.cores = cores;
  }

  /** TT-SVD of a matrix whose rows factor as rowModes and columns as colModes. */
  static fromMatrix(
    w: Tensor, rowModes: readonly number[], colModes: readonly number[],
    optionsIn: TTTruncationOptions & { requiresGrad?: boolean } = {},
  ): { mpo: TTMatrix } & TTDecomposition {
    const options = optionsObject('TTMatrix.fromMatrix', optionsIn);
    const rows = checkModes('TTMatrix.fromMatrix', rowModes);
    const cols = checkModes('TTMatrix.fromMatrix', colModes);
    if (w.rank !== 2 || sizeOf(rows) !== w.shape[0] || sizeOf(cols) !== w.shape[1]) {
      throw new ShapeError(`TTMatrix.fromMatrix: modes ${formatShape(rows)} x ${formatShape(cols)} do not factor a matrix of shape ${formatShape(w.shape)}`);
    }
    if (rows.length !== cols.length) throw new ShapeError(`TTMatrix.fromMatrix: row and column modes need the same length, got ${rows.length} and ${cols.length}`);
    const d = rows.length;
    // [m1..md, n1..nd] -> [m1, n1, ..., md, nd] -> modes (m_k·n_k).
    const interleave = Array.from({ length: 2 * d }, (_, i) => (i % 2 === 0 ? i / 2 : d + (i - 1) / 2));
    const merged = reshape(permute(reshape(w, [...rows, ...cols]), interleave), rows.map((m, k) => m * cols[k]!));
    const { cores, discarded, errorBound } = ttSvd(toFloat64(merged, 'TTMatrix.fromMatrix'), merged.shape, options);
    const mpo = new TTMatrix(cores.map((c, k) => tensor(c.data, {
      shape: [c.shape[0]!, rows[k]!, cols[k]!, c.shape[2]!], dtype: w.dtype, requiresGrad: options.requiresGrad ?? false,
    })));
    return { mpo, discarded, errorBound };
  }

  /** Random cores scaled so the matrix entries have about the given standard deviation. */
  static random(rowModes: readonly number[], colModes: readonly number[], ranks: readonly number[], optionsIn: { seed?: number; dtype?: Dtype; requiresGrad?: boolean; std?: number } = {}): TTMatrix {
    const options = optionsObject('random', optionsIn);
    const rows = checkModes('TTMatrix.random', rowModes);
    const cols = checkModes('TTMatrix.random', colModes);
    if (rows.length !== cols.length || ranks.length !== rows.length - 1 || ranks.some((r) => !Number.isInteger(r) || r < 1)) {
      throw new ArgumentError(`TTMatrix.random: need equal numbers of row and column modes and ${rows.length - 1} positive ranks`);
    }
    const dtype = parseDtype('TTMatrix.random', options.dtype);
    const full = [1, ...ranks, 1];
    // Entry variance is Π_k (r_{k-1}·σ_k²); pick σ_k so the product is std².
    const target = options.std ?? 1;
    const perCore = Math.pow(target, 1 / rows.length);
    return new TTMatrix(rows.map((m, k) => randn([full[k]!, m, cols[k]!, full[k + 1]!], {
      dtype, seed: (options.seed ?? 0) * 1000 + k, std: perCore / Math.sqrt(full[k]!), requiresGrad: options.requiresGrad ?? false,
    })));
  }

  get rowModes(): number[] {
    return this.cores.map((c) => c.shape[1]!);
  }

  get colModes(): number[] {
    return this.cores.map((c) => c.shape[2]!);
  }

  get ranks(): number[] {
    return [1, ...this.cores.map((c) => c.shape[3]!)];
  }

  /** The dense matrix [Π m_k, Π n_k] (differentiable in the cores). */
  toMatrix(): Tensor {
    const d = this.cores.length;
    const rows = this.rowModes;
    const cols = this.colModes;
    const flat = this.cores.map((c) => reshape(c, [c.shape[0]!, c.shape[1]! * c.shape[2]!, c.shape[3]!]));
    const dense = reshape(contractCores(flat), rows.flatMap((m, k) => [m, cols[k]!]));
    // [m1, n1, ..., md, nd] -> [m1..md, n1..nd]
    const order = [...Array.from({ length: d }, (_, k) => 2 * k), ...Array.from({ length: d }, (_, k) => 2 * k + 1)];
    return reshape(permute(dense, order), [sizeOf(rows), sizeOf(cols)]);
  }

  parameters(): Tensor[] {
    return this.cores;
  }

  numParameters(): number {
    return this.cores.reduce((s, c) => s + c.size, 0);
  }
}
