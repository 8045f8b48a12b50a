// Weight generators for compression: ADTN (a deep circuit of 2-site gates), low rank
// (W = U·V) and TT-matrix (MPO). Each is a module whose Parameters are the trainable state, and
// reshapes its output to the layer's weight shape; a convolution weight [OC, C, KH, KW] is
// treated as the matrix [OC, C·KH·KW].

import { ArgumentError, ShapeError, formatShape, optionsObject } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/graph.js';
import { randn, tensor } from '../tensor/creation.js';
import { tidy } from '../tensor/lifetime.js';
import { parseDtype, type Dtype } from '../tensor/dtype.js';
import { matmul } from '../ops/matmul.js';
import { reshape } from '../ops/movement.js';
import { adtnInitialTensors, applyAdtn, planAdtn, type AdtnOptions, type AdtnPlan } from '../tn/adtn.js';
import { TTMatrix } from '../tn/tensor-train.js';
import { svdTruncated } from '../tn/linalg/svd.js';
import { randomizedSvd } from '../tn/linalg/randomized-svd.js';
import { WeightGenerator } from '../nn/weight-generator.js';
import type { Parameter } from '../nn/module.js';

/**
 * A weight shape read as a matrix [rows, cols] (rows = first axis).
 *
 * @example
 * matrixShape('LowRankWeight', [64, 3, 5, 5]);   // [64, 75]; the first argument names the caller in errors
 */
export function matrixShape(operation: string, shape: readonly number[]): [number, number] {
  if (!Array.isArray(shape) || shape.length < 2 || shape.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new ShapeError(`${operation}: the weight shape must be at least 2 positive integers, got ${Array.isArray(shape) ? formatShape(shape) : String(shape)}`);
  }
  return [shape[0]!, shape.slice(1).reduce((p, s) => p * s, 1)];
}

function checkInit(operation: string, shape: readonly number[], init: Tensor | undefined): void {
  if (init === undefined) return;
  if (init.rank !== shape.length || init.shape.some((s, i) => s !== shape[i])) {
    throw new ShapeError(`${operation}: the initial weight has shape ${formatShape(init.shape)}, expected ${formatShape(shape)}`);
  }
}

/**
 * An ADTN weight (see src/tn/adtn.ts): the module that owns the circuit's gates (parameter
 * weight.gates, [M·(Q-1), D, D]) and, when learned, its scale (weight.scale, or weight.logScale
 * with normalised gates), and applies the plan.
 *
 * @example
 * const g = new AdtnWeight([1024, 784], { depth: 8, seed: 1 });
 * g.numParameters();   // 16·8·19 + 1 = 2433
 * g.plan.sites;        // 20
 */
export class AdtnWeight extends WeightGenerator {
  readonly method = 'adtn';
  readonly shape: readonly number[];
  readonly plan: AdtnPlan;
  readonly gates: Parameter;
  /** The learned scale (its logarithm with normalised gates), or null. */
  readonly scale: Parameter | null;
  // The product initial state: d^Q entries, not a parameter or a buffer (it is rebuilt from the plan).
  private readonly initial: Tensor;

  constructor(shape: readonly number[], options: AdtnOptions = {}) {
    super();
    options = optionsObject('AdtnWeight', options);
    this.plan = planAdtn(shape, options);
    this.shape = this.plan.shape;
    const dtype = parseDtype('AdtnWeight', options.dtype);
    const { initial, gates } = adtnInitialTensors(this.plan, options.seed, dtype);
    this.initial = initial;
    this.gates = this.registerParameter('gates', gates);
    gates.dispose();
    if (this.plan.scale.kind === 'learned') {
      // The scale that gives the initial weight the target standard deviation; with normalised
      // gates it is learned as its logarithm (weight.logScale), so that steps change it relatively.
      const target = this.plan.scale.targetStd;
      const std = noGrad(() => tidy(() => standardDeviation(applyAdtn({ ...this.plan, scale: { kind: 'fixed', value: 1 } }, this.gates, null, this.initial).toArray())));
      const initial = std > 0 ? target / std : 1;
      const scale = tensor(this.plan.normalizeGates ? Math.log(initial) : initial, { dtype });
      this.scale = this.registerParameter(this.plan.normalizeGates ? 'logScale' : 'scale', scale);
      scale.dispose();
    } else {
      this.scale = null;
    }
  }

  generate(): Tensor {
    return applyAdtn(this.plan, this.gates, this.scale, this.initial);
  }
}

/** Population standard deviation, two passes in float64 (the initial scales of ADTN weights). */
export function standardDeviation(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i]! - mean) ** 2;
  return Math.sqrt(squares / values.length);
}

/** Options of LowRankWeight: seeded random factors (Kaiming scale), or the truncated SVD of a pretrained weight. */
export interface LowRankWeightOptions {
  seed?: number;
  dtype?: Dtype;
  /** Initialise by the truncated SVD of this pretrained weight. */
  init?: Tensor;
}

/**
 * W = U·V with U [rows, rank], V [rank, cols] (parameters weight.u, weight.v).
 *
 * @example
 * const g = new LowRankWeight([1024, 784], 2, { init: pretrained });   // 2·(1024 + 784) = 3616
 */
export class LowRankWeight extends WeightGenerator {
  readonly method = 'lowrank';
  readonly shape: readonly number[];
  readonly u: Tensor;
  readonly v: Tensor;

  constructor(shape: readonly number[], readonly rank: number, options: LowRankWeightOptions = {}) {
    super();
    options = optionsObject('LowRankWeight', options);
    const [rows, cols] = matrixShape('LowRankWeight', shape);
    this.shape = Object.freeze([...shape]);
    if (!Number.isInteger(rank) || rank < 1 || rank > Math.min(rows, cols)) {
      throw new ArgumentError(`LowRankWeight: rank must be an integer in [1, ${Math.min(rows, cols)}], got ${rank}`);
    }
    checkInit('LowRankWeight', shape, options.init);
    let u: Tensor;
    let v: Tensor;
    if (options.init !== undefined) {
      // Truncated SVD of the pretrained weight, the singular values split evenly: U·sqrt(S), sqrt(S)·Vᵀ.
      // A small rank of a large matrix uses the randomized SVD (seconds instead of minutes).
      const matrix = reshape(options.init, [rows, cols]);
      const { U, S, Vt } = rank + 10 < Math.min(rows, cols) / 2
        ? randomizedSvd(matrix, rank, { seed: options.seed })
        : svdTruncated(matrix, { maxRank: rank });
      [u, v] = noGrad(() => tidy(() => {
        const root = S.sqrt();
        return [U.mul(root).keep(), Vt.mul(root.reshape([-1, 1])).keep()];
      }));
      for (const t of [U, S, Vt]) t.dispose();
      if (u.shape[1] !== rank) throw new ArgumentError(`LowRankWeight: the initial weight has rank ${u.shape[1]}, less than ${rank}`);
    } else {
      // Entries of U·V get variance rank·σ_u²·σ_v² = 2 / cols (Kaiming).
      const std = Math.pow(2 / cols / rank, 0.25);
      u = randn([rows, rank], { std, seed: options.seed, dtype: options.dtype });
      v = randn([rank, cols], { std, seed: (options.seed ?? 0) + 1, dtype: options.dtype });
    }
    this.u = this.registerParameter('u', u);
    this.v = this.registerParameter('v', v);
    u.dispose();
    v.dispose();
  }

  generate(): Tensor {
    return reshape(matmul(this.u, this.v), [...this.shape]);
  }
}

/**
 * Factors n into `count` factors as balanced as possible (factors of 1 allowed), ascending.
 *
 * @example
 * balancedFactors(784, 3);    // [7, 8, 14]
 * balancedFactors(1024, 3);   // [8, 8, 16]
 */
export function balancedFactors(n: number, count: number): number[] {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(count) || count < 1) throw new ArgumentError(`balancedFactors: need positive integers, got ${n}, ${count}`);
  const primes: number[] = [];
  let m = n;
  for (let p = 2; p * p <= m; p++) while (m % p === 0) { primes.push(p); m /= p; }
  if (m > 1) primes.push(m);
  const factors = new Array<number>(count).fill(1);
  // Largest primes first, each onto the currently smallest factor.
  for (const p of primes.sort((a, b) => b - a)) {
    let smallest = 0;
    for (let i = 1; i < count; i++) if (factors[i]! < factors[smallest]!) smallest = i;
    factors[smallest]! *= p;
  }
  return factors.sort((a, b) => a - b);
}

/** Options of TTWeight: the number of cores, the TT ranks, and a random start or the TT-SVD of a pretrained weight. */
export interface TTWeightOptions {
  /** Number of cores (default 3). */
  cores?: number;
  /** Inner TT ranks: one number for every bond, or one per bond. */
  ranks: number | readonly number[];
  seed?: number;
  dtype?: Dtype;
  /** Initialise by TT-SVD of this pretrained weight (ranks are then upper bounds). */
  init?: Tensor;
}

/**
 * A TT-matrix (MPO) weight: rows and columns each factored into `cores` balanced modes
 * (parameters weight.core0, weight.core1, ...).
 *
 * @example
 * const g = new TTWeight([1024, 784], { cores: 3, ranks: 8 });
 */
export class TTWeight extends WeightGenerator {
  readonly method = 'tt';
  readonly shape: readonly number[];
  readonly mpo: TTMatrix;

  constructor(shape: readonly number[], options: TTWeightOptions) {
    super();
    if (options === undefined) throw new ArgumentError('TTWeight: options with the ranks are required, e.g. { ranks: 6 }');
    options = optionsObject('TTWeight', options);
    const [rows, cols] = matrixShape('TTWeight', shape);
    this.shape = Object.freeze([...shape]);
    const d = options.cores ?? 3;
    if (!Number.isInteger(d) || d < 2) throw new ArgumentError(`TTWeight: cores must be an integer >= 2, got ${d}`);
    const ranks = typeof options.ranks === 'number' ? new Array<number>(d - 1).fill(options.ranks) : [...options.ranks];
    if (ranks.length !== d - 1 || ranks.some((r) => !Number.isInteger(r) || r < 1)) {
      throw new ArgumentError(`TTWeight: ranks must be a positive integer or ${d - 1} positive integers, got ${JSON.stringify(options.ranks)}`);
    }
    checkInit('TTWeight', shape, options.init);
    const rowModes = balancedFactors(rows, d);
    const colModes = balancedFactors(cols, d).reverse();
    const initial = options.init !== undefined
      ? TTMatrix.fromMatrix(reshape(options.init, [rows, cols]), rowModes, colModes, { maxRank: ranks }).mpo
      : TTMatrix.random(rowModes, colModes, ranks, { seed: options.seed, dtype: options.dtype, std: Math.sqrt(2 / cols) });
    this.mpo = new TTMatrix(initial.cores.map((c, k) => this.registerParameter(`core${k}`, c)));
    for (const c of initial.cores) c.dispose();
  }

  generate(): Tensor {
    return reshape(this.mpo.toMatrix(), [...this.shape]);
  }
}
