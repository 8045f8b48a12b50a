// The ADTN weight generator (arXiv 2305.06058): a weight with N entries is the output of a deep
// tensor network. Q = ceil(log_d N) sites of local dimension d start in a product state; M layers
// each apply a brick wall of Q - 1 free D x D gates (D = d²) on neighbouring sites, pairs
// (0,1),(2,3),... then (1,2),(3,4),...; an elementwise activation acts between consecutive layers.
// The d^Q output entries, sliced to N and reshaped, are the weight (times an optional scale). With
// the 'axes' layout (the default when it costs no extra site) each weight axis is padded to a
// power of d first, so the row digits and the column digits live on separate sites (as in a
// TT-matrix) instead of being mixed by a row length that is not a power of d.
// Parameters: D²·M·(Q-1) (16·M·(Q-1) for qubits) against N.
//
// Initialisation (default 'random'): every gate is a random orthogonal matrix (QR of a Gaussian
// matrix, signs fixed), so each gate preserves the state's norm and the circuit spreads the
// initial product state over all entries. The scale is then set so that the generated weight has
// the target standard deviation (default Kaiming, sqrt(2 / fanIn)), measured on the initial
// output. 'identity' starts every gate at I + noise·(Gaussian), a circuit close to the identity.

import { ArgumentError, ShapeError, formatShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { tensor, randn } from '../tensor/creation.js';
import { parseDtype, type Dtype } from '../tensor/dtype.js';
import { generatorFor } from '../tensor/random.js';
import { tidy } from '../tensor/lifetime.js';
import { sizeOf } from '../tensor/shape.js';
import { noGrad } from '../autograd/graph.js';
import { mul } from '../ops/elementwise.js';
import { reshape, slice } from '../ops/movement.js';
import { applyCircuit, type CircuitActivation, type CircuitSpec, type CircuitStep } from '../ops/circuit.js';
import { qrColumnMajor } from './linalg/qr.js';

export type AdtnActivation = CircuitActivation;

export interface AdtnOptions {
  /** Number of layers M (default 2). */
  depth?: number;
  /** Local dimension d of each site (default 2). */
  localDim?: number;
  /** Activation between layers (default 'relu'). */
  activation?: AdtnActivation;
  /** Negative slope of 'leakyRelu' (default 0.01). */
  slope?: number;
  /** The local vector of the product initial state (default [1, 0, ..., 0]). */
  initialState?: readonly number[];
  /** 'learned' (a trainable scalar, the default), a fixed number, or 'none' (1). */
  scale?: 'learned' | 'none' | number;
  /** Gate initialisation (default 'random'). */
  init?: 'random' | 'identity';
  /** Size of the perturbation of 'identity' gates (default 0.01). */
  noise?: number;
  /** Standard deviation the initial weight is scaled to (default sqrt(2 / fanIn)). */
  targetStd?: number;
  seed?: number;
  dtype?: Dtype;
  /** Memory the backward pass may keep (see applyCircuit). */
  checkpointBytes?: number;
  /**
   * How weight entries map to circuit outputs. 'flat': the row-major entries are the first N
   * outputs. 'axes': every axis of the weight (or of the given axes, whose product must be the
   * weight's size) is padded to a power of d, so each site encodes digits of one axis only; the
   * padding is sliced away. 'auto' (default): 'axes' when it needs no more sites than 'flat'.
   */
  layout?: 'auto' | 'flat' | 'axes' | readonly number[];
}

/** The smallest power of d that is >= n. */
function paddedSize(n: number, d: number): number {
  let p = 1;
  while (p < n) p *= d;
  return p;
}

/**
 * The axes that the circuit output is sliced from, for a weight shape and a layout option
 * (null for the flat layout).
 */
export function adtnAxes(shape: readonly number[], localDim: number, layout: AdtnOptions['layout'] = 'auto'): number[] | null {
  if (layout === 'flat') return null;
  const n = sizeOf(shape);
  const axes = Array.isArray(layout) ? [...layout] : [...shape];
  if (Array.isArray(layout)) {
    if (axes.length === 0 || axes.some((a) => !Number.isInteger(a) || a < 1) || sizeOf(axes) !== n) {
      throw new ShapeError(`AdtnGenerator: layout axes ${formatShape(axes)} must be positive integers whose product is the weight's ${n} entries`);
    }
  } else if (layout !== 'auto' && layout !== 'axes') {
    throw new ArgumentError(`AdtnGenerator: layout must be 'auto', 'flat', 'axes' or an array of axes, got ${JSON.stringify(layout)}`);
  }
  const padded = axes.reduce((p, a) => p * paddedSize(a, localDim), 1);
  if (layout === 'auto' && padded > localDim ** sitesFor(n, localDim)) return null;
  return axes;
}

/** The sites needed for n entries at local dimension d: ceil(log_d n), at least 2. */
export function sitesFor(n: number, localDim: number): number {
  let q = 0;
  let capacity = 1;
  while (capacity < n) {
    capacity *= localDim;
    q++;
  }
  return Math.max(2, q);
}

/** The brick-wall schedule: per layer the even pairs, then the odd pairs, then the activation. */
export function brickWall(sites: number, depth: number, activation: AdtnActivation, slope: number): CircuitStep[] {
  const steps: CircuitStep[] = [];
  let gate = 0;
  for (let layer = 0; layer < depth; layer++) {
    for (const parity of [0, 1]) {
      for (let site = parity; site + 1 < sites; site += 2) steps.push({ kind: 'gate', gate: gate++, site });
    }
    if (layer < depth - 1 && activation !== 'identity') steps.push({ kind: 'activation', activation, slope });
  }
  return steps;
}

function randomOrthogonal(n: number, next: () => number): number[] {
  const data = Float64Array.from({ length: n * n }, next);
  const { Q, R } = qrColumnMajor({ rows: n, cols: n, data });
  // Sign fix (Mezzadri): multiply column j by sign(R[j][j]) for a Haar-distributed Q.
  const out = new Array<number>(n * n);
  for (let j = 0; j < n; j++) {
    const sign = R.data[j * n + j]! < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) out[i * n + j] = Q.data[j * n + i]! * sign;
  }
  return out;
}

// The product state ⊗_q local over `sites` sites (site 0 varies slowest), built level by level in
// float64: d^Q entries (16,777,216 at Q = 24, so no plain arrays).
function productState(local: readonly number[], sites: number): Float64Array {
  const d = local.length;
  let state = new Float64Array([1]);
  for (let q = 0; q < sites; q++) {
    const next = new Float64Array(state.length * d);
    for (let j = 0; j < state.length; j++) {
      const p = state[j]!;
      for (let v = 0; v < d; v++) next[j * d + v] = p * local[v]!;
    }
    state = next;
  }
  return state;
}

// Population standard deviation, two passes in float64.
function standardDeviation(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i]! - mean) ** 2;
  return Math.sqrt(squares / values.length);
}

/**
 * A weight of any shape generated by a deep tensor network.
 *
 * @example
 * const gen = new AdtnGenerator([256, 256], { depth: 8, seed: 1 });
 * gen.numParameters();        // 16·8·15 + 1 = 1921 (with the learned scale)
 * const w = gen.generate();   // [256, 256], differentiable in gen.parameters()
 */
export class AdtnGenerator {
  readonly shape: readonly number[];
  readonly sites: number;
  readonly depth: number;
  readonly localDim: number;
  readonly activation: AdtnActivation;
  /** The axes of the 'axes' layout (each padded to a power of d), or null for 'flat'. */
  readonly axes: readonly number[] | null;
  /** Gate matrices [M·(Q-1), D, D], in circuit order. */
  gates: Tensor;
  /** The learned scale (rank 0), or null. */
  scale: Tensor | null;
  private readonly fixedScale: number;
  private readonly spec: CircuitSpec;
  private readonly initial: Tensor;

  constructor(shape: readonly number[], options: AdtnOptions = {}) {
    if (!Array.isArray(shape) || shape.length === 0 || shape.some((s) => !Number.isInteger(s) || s < 1)) {
      throw new ShapeError(`AdtnGenerator: the weight shape must be positive integers, got ${Array.isArray(shape) ? formatShape(shape) : String(shape)}`);
    }
    const depth = options.depth ?? 2;
    const d = options.localDim ?? 2;
    if (!Number.isInteger(depth) || depth < 1) throw new ArgumentError(`AdtnGenerator: depth must be a positive integer, got ${depth}`);
    if (!Number.isInteger(d) || d < 2) throw new ArgumentError(`AdtnGenerator: localDim must be an integer >= 2, got ${d}`);
    const dtype = parseDtype('AdtnGenerator', options.dtype);
    this.shape = Object.freeze([...shape]);
    this.depth = depth;
    this.localDim = d;
    this.activation = options.activation ?? 'relu';
    this.axes = adtnAxes(shape, d, options.layout);
    this.sites = this.axes === null ? sitesFor(sizeOf(shape), d)
      : Math.max(2, this.axes.reduce((q, a) => q + Math.round(Math.log(paddedSize(a, d)) / Math.log(d)), 0));
    if (d ** this.sites > 2 ** 30) throw new ShapeError(`AdtnGenerator: ${d}^${this.sites} state entries are too many for WebAssembly memory`);
    const slope = options.slope ?? 0.01;
    this.spec = {
      sites: this.sites, localDim: d, steps: brickWall(this.sites, depth, this.activation, slope),
      ...(options.checkpointBytes !== undefined ? { checkpointBytes: options.checkpointBytes } : {}),
    };

    const local = options.initialState ?? [1, ...new Array<number>(d - 1).fill(0)];
    if (local.length !== d || local.some((v) => !Number.isFinite(v))) {
      throw new ArgumentError(`AdtnGenerator: initialState must be ${d} finite numbers, got ${JSON.stringify(local)}`);
    }
    this.initial = tensor(productState(local, this.sites), { dtype }).keep();

    const D = d * d;
    const count = depth * (this.sites - 1);
    const generator = generatorFor('AdtnGenerator', options.seed);
    const values: number[] = [];
    const init = options.init ?? 'random';
    if (init !== 'random' && init !== 'identity') throw new ArgumentError(`AdtnGenerator: init must be 'random' or 'identity', got ${JSON.stringify(init)}`);
    const noise = options.noise ?? 0.01;
    for (let k = 0; k < count; k++) {
      if (init === 'random') values.push(...randomOrthogonal(D, () => generator.normal()));
      else for (let i = 0; i < D * D; i++) values.push((i % (D + 1) === 0 ? 1 : 0) + noise * generator.normal());
    }
    this.gates = tensor(values, { shape: [count, D, D], dtype, requiresGrad: true });

    const scaleOption = options.scale ?? 'learned';
    if (scaleOption === 'none') this.fixedScale = 1;
    else if (typeof scaleOption === 'number') {
      if (!Number.isFinite(scaleOption)) throw new ArgumentError(`AdtnGenerator: scale must be finite, got ${scaleOption}`);
      this.fixedScale = scaleOption;
    } else if (scaleOption === 'learned') this.fixedScale = 1;
    else throw new ArgumentError(`AdtnGenerator: scale must be 'learned', 'none' or a number, got ${JSON.stringify(scaleOption)}`);

    if (scaleOption === 'learned') {
      const fanIn = shape.length >= 2 ? sizeOf(shape.slice(1)) : shape[0]!;
      const target = options.targetStd ?? Math.sqrt(2 / fanIn);
      const std = noGrad(() => tidy(() => standardDeviation(this.rawWeight().toArray())));
      this.scale = tensor(std > 0 ? target / std : 1, { dtype, requiresGrad: true });
    } else {
      this.scale = null;
    }
  }

  // The circuit output sliced to the weight's entries and reshaped, before scaling.
  private rawWeight(): Tensor {
    const state = applyCircuit(this.initial, this.gates, this.spec);
    const n = sizeOf(this.shape);
    if (this.axes !== null) {
      const padded = this.axes.map((a) => paddedSize(a, this.localDim));
      const total = sizeOf(padded);
      // With fewer entries than two sites hold (a tiny weight), the first `total` outputs are used.
      const used = state.size === total ? state : slice(state, [[0, total]]);
      const grid = reshape(used, padded);
      const cut = padded.every((p, i) => p === this.axes![i]) ? grid : slice(grid, this.axes.map((a) => [0, a] as [number, number]));
      return reshape(cut, [...this.shape]);
    }
    const entries = state.size === n ? state : slice(state, [[0, n]]);
    return reshape(entries, [...this.shape]);
  }

  /** Generates the weight (differentiable in the gates and the learned scale). */
  generate(): Tensor {
    const w = this.rawWeight();
    if (this.scale !== null) return mul(w, this.scale);
    return this.fixedScale === 1 ? w : mul(w, this.fixedScale);
  }

  /**
   * Uses other tensors of the same shapes as the trainable state (for example a module's
   * Parameters that share the initial values' storage).
   */
  bindParameters(gates: Tensor, scale: Tensor | null): void {
    const same = (a: Tensor, b: Tensor) => a.dtype === b.dtype && a.rank === b.rank && a.shape.every((s, i) => s === b.shape[i]);
    if (!same(gates, this.gates)) throw new ShapeError(`AdtnGenerator.bindParameters: gates must be ${this.gates.dtype} ${formatShape(this.gates.shape)}, got ${gates.dtype} ${formatShape(gates.shape)}`);
    if ((scale === null) !== (this.scale === null) || (scale !== null && !same(scale, this.scale!))) {
      throw new ShapeError(`AdtnGenerator.bindParameters: scale must be ${this.scale === null ? 'null' : `a ${this.scale.dtype} scalar`}`);
    }
    this.gates = gates;
    this.scale = scale;
  }

  /** The trainable tensors: the gates, and the scale when learned. */
  parameters(): Tensor[] {
    return this.scale === null ? [this.gates] : [this.gates, this.scale];
  }

  /** Number of trainable numbers (D²·M·(Q-1), plus 1 for a learned scale). */
  numParameters(): number {
    return this.gates.size + (this.scale === null ? 0 : 1);
  }

  /** Entries of the generated weight. */
  get denseSize(): number {
    return sizeOf(this.shape);
  }

  /** The circuit as planned (for inspection and for the generic einsum reference). */
  get circuit(): Readonly<CircuitSpec> {
    return this.spec;
  }
}

/** Gaussian random gates, for tests and benchmarks that need arbitrary (non-orthogonal) gates. */
export function randomGates(count: number, D: number, options: { seed?: number; dtype?: Dtype; std?: number } = {}): Tensor {
  return randn([count, D, D], { seed: options.seed, dtype: options.dtype, std: options.std ?? 0.5 });
}
