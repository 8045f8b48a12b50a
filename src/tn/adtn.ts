// ADTN (arXiv 2305.06058): a weight with N entries is the output of a deep tensor network.
//
// The paper's formula, for Q sites of local dimension d, M layers and an activation σ:
//
//   T = L⁽ᴹ⁾ σ( … σ( L⁽²⁾ σ( L⁽¹⁾ ⊗_{q=1..Q} v ) ) ),
//
// where v is a local vector (e.g. [1, 0]) and each layer L⁽ᵐ⁾ is a brick wall of Q - 1 free gates
// G (D x D matrices, D = d², i.e. d x d x d x d tensors) on neighbouring sites: pairs
// (0,1),(2,3),... then (1,2),(3,4),... The d^Q entries of T, read as the weight, are the output.
//
// At the einsum level, with the state ψ as a tensor of Q indices of size d (site 0 slowest), one
// gate on sites (q, q+1) is
//
//   ψ'[…, o1, o2, …] = Σ_{i1,i2} G[o1 o2, i1 i2] · ψ[…, i1, i2, …]     ('…ij…,abij->…ab…')
//
// which the fused gate kernel computes as out[a, o, b] = Σ_i G[o, i]·ψ[a, i, b] with
// A = d^q, B = d^(Q-q-2) (a (A·B) x D by D x D product, no permute). Parameters: D²·M·(Q-1)
// (16·M·(Q-1) for qubits) against N, plus one learned scale.
//
// Planning apart from doing: planAdtn(shape, options) is a pure function that returns the
// circuit (sites, the read-out layout, the steps, the initial state, the scale rule);
// applyAdtn(plan, gates, scale, initial) runs it. The module that owns the gates as parameters
// is AdtnWeight (src/compress/generators.ts).
//
// Read-out layouts. 'flat': the row-major entries are the first N outputs. Axes: each axis of the
// weight (or of given axes whose product is N, e.g. [1024, 28, 28] for a layer that reads 28 x 28
// images) is padded to a power of d, so each site holds one digit of one axis. Groups of axes
// ([[1024], [28, 28]]) interleave the digits of the axes of a group, most significant first and
// digits of equal weight together (y₄ x₄ y₃ x₃ …: neighbouring sites hold the same scale of the
// image), and groups follow one another. The padding is sliced away.
//
// Initialisation ('random', the default): every gate is a random orthogonal matrix (QR of a
// Gaussian matrix, signs fixed), so each gate preserves the state's norm and the circuit spreads
// the initial product state over all entries; the learned scale is then set so that the generated
// weight has the target standard deviation (Kaiming, sqrt(2 / fanIn), by default). 'identity'
// starts every gate at I + noise·(Gaussian).

import { ArgumentError, ShapeError, formatShape, optionsObject } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { tensor } from '../tensor/creation.js';
import type { Dtype } from '../tensor/dtype.js';
import { generatorFor } from '../tensor/random.js';
import { sizeOf } from '../tensor/shape.js';
import { div, exp, mul, sqrt, square } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { permute, reshape, slice } from '../ops/movement.js';
import { applyCircuit, type CircuitActivation, type CircuitSpec, type CircuitStep } from '../ops/circuit.js';
import { qrColumnMajor } from './linalg/qr.js';

/** The activation between an ADTN circuit's layers (default relu). */
export type AdtnActivation = CircuitActivation;

/** How weight entries map to circuit outputs (see the file header). */
export type AdtnLayout = 'auto' | 'flat' | 'axes' | readonly number[] | readonly (readonly number[])[];

/** The options of an ADTN weight: depth, local dimension, activation, layout, initialisation and scale. */
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
  /** 'auto' (default): each weight axis on its own sites when that needs no more sites than 'flat'. */
  layout?: AdtnLayout;
  /**
   * Use every gate as √D·G/|G|_F (weight normalisation; default false). The output is homogeneous
   * of degree M in the gates' scale, so without it a few optimizer steps that shrink all gates a
   * little shrink the weight a lot (deep circuits collapse to zero); with it the gates only turn,
   * and the learned scale alone sets the weight's size (learned as its logarithm, so that a step
   * changes it relatively). An orthogonal gate is left unchanged.
   */
  normalizeGates?: boolean;
}

/** How the circuit's output is read as the weight. */
export interface AdtnReadout {
  /** The axes the output is read as (product N), each padded to a power of d. */
  axes: readonly number[];
  padded: readonly number[];
  /**
   * Permutation of the output's Q digit axes into axis-major order (axis 0's digits first, most
   * significant first), or null when the sites already are in that order.
   */
  digitOrder: readonly number[] | null;
}

/** The circuit of an ADTN weight, as planned by planAdtn. */
export interface AdtnPlan {
  /** Shape of the generated weight. */
  shape: readonly number[];
  localDim: number;
  sites: number;
  depth: number;
  activation: AdtnActivation;
  /** null: the flat layout. */
  readout: AdtnReadout | null;
  /** The circuit (sites, local dimension, steps, checkpoint budget) for applyCircuit. */
  circuit: CircuitSpec;
  /** Number of gates, M·(Q - 1). */
  gateCount: number;
  /** The local vector of the product initial state. */
  localState: readonly number[];
  /** A learned scale initialised to give the target standard deviation, or a fixed factor. */
  scale: { kind: 'learned'; targetStd: number } | { kind: 'fixed'; value: number };
  init: 'random' | 'identity';
  noise: number;
  /** Gates used as √D·G/|G|_F. */
  normalizeGates: boolean;
}

/** The smallest power of d that is >= n. */
function paddedSize(n: number, d: number): number {
  let p = 1;
  while (p < n) p *= d;
  return p;
}

function digitsOf(n: number, d: number): number {
  let q = 0;
  for (let p = 1; p < n; p *= d) q++;
  return q;
}

/**
 * The sites needed for n entries at local dimension d: ceil(log_d n), at least 2.
 *
 * @example
 * sitesFor(784 * 1024, 2);   // 20 (2^20 >= 802,816)
 */
export function sitesFor(n: number, localDim: number): number {
  return Math.max(2, digitsOf(n, localDim));
}

/**
 * The brick-wall schedule: per layer the even pairs, then the odd pairs, then the activation.
 *
 * @example
 * brickWall(4, 2, 'relu', 0);   // gates on (0,1), (2,3), (1,2), a relu, then (0,1), (2,3), (1,2)
 */
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

// The groups of axes a layout option asks for, or null for the flat layout.
function layoutGroups(shape: readonly number[], d: number, layout: AdtnLayout): number[][] | null {
  if (layout === 'flat') return null;
  const n = sizeOf(shape);
  let groups: number[][];
  if (layout === 'auto' || layout === 'axes') groups = shape.map((a) => [a]);
  else if (Array.isArray(layout) && layout.length > 0 && layout.every((g) => Array.isArray(g))) groups = (layout as readonly (readonly number[])[]).map((g) => [...g]);
  else if (Array.isArray(layout) && layout.length > 0 && layout.every((a) => typeof a === 'number')) groups = (layout as readonly number[]).map((a) => [a]);
  else throw new ArgumentError(`planAdtn: layout must be 'auto', 'flat', 'axes', an array of axes or an array of groups of axes, got ${JSON.stringify(layout)}`);
  const axes = groups.flat();
  if (groups.some((g) => g.length === 0) || axes.some((a) => !Number.isInteger(a) || a < 1) || sizeOf(axes) !== n) {
    throw new ShapeError(`planAdtn: layout axes ${JSON.stringify(layout)} must be positive integers whose product is the weight's ${n} entries`);
  }
  const padded = axes.reduce((p, a) => p * paddedSize(a, d), 1);
  if (layout === 'auto' && padded > d ** sitesFor(n, d)) return null;
  return groups;
}

// Sites of each group in order: the digits of the group's axes round-robin from the most
// significant level down, levels counted from the least significant digit, so that the digits of
// one scale sit together even when the axes have different lengths ([[16, 32]]: b₄ a₃ b₃ … a₀ b₀).
// Returns, for each site, the digit's position in axis-major order.
function siteDigits(groups: readonly (readonly number[])[], d: number): number[] {
  const counts = groups.flat().map((a) => digitsOf(a, d));
  const firstDigit = counts.map((_, i) => counts.slice(0, i).reduce((s, c) => s + c, 0));
  const sites: number[] = [];
  let axis = 0;
  for (const group of groups) {
    const members = group.map((_, k) => axis + k);
    axis += group.length;
    const longest = Math.max(...members.map((m) => counts[m]!));
    // Level L is the digit of weight d^L; axis m holds it at position first + counts - 1 - L.
    for (let level = longest - 1; level >= 0; level--) {
      for (const m of members) if (level < counts[m]!) sites.push(firstDigit[m]! + counts[m]! - 1 - level);
    }
  }
  return sites;
}

/**
 * Plans the ADTN circuit for a weight shape: a pure function of the shape and the options.
 *
 * @example
 * const plan = planAdtn([1024, 784], { depth: 8 });
 * plan.sites;       // 20 (1024 x 784 read as 1024 x 1024)
 * plan.gateCount;   // 152: 16 · 152 + 1 = 2,433 parameters with the learned scale
 */
export function planAdtn(shape: readonly number[], optionsIn: AdtnOptions = {}): AdtnPlan {
  const options = optionsObject('planAdtn', optionsIn);
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new ShapeError(`planAdtn: the weight shape must be positive integers, got ${Array.isArray(shape) ? formatShape(shape) : String(shape)}`);
  }
  const depth = options.depth ?? 2;
  const d = options.localDim ?? 2;
  if (!Number.isInteger(depth) || depth < 1 || depth > 4096) throw new ArgumentError(`planAdtn: depth must be an integer in [1, 4096], got ${depth}`);
  if (!Number.isInteger(d) || d < 2 || d > 64) throw new ArgumentError(`planAdtn: localDim must be an integer in [2, 64], got ${d}`);
  const activation = options.activation ?? 'relu';
  if (!['relu', 'tanh', 'sigmoid', 'leakyRelu', 'identity'].includes(activation)) {
    throw new ArgumentError(`planAdtn: activation must be relu, leakyRelu, tanh, sigmoid or identity, got ${JSON.stringify(activation)}`);
  }
  const slope = options.slope ?? 0.01;
  const groups = layoutGroups(shape, d, options.layout ?? 'auto');
  let sites: number;
  let readout: AdtnReadout | null = null;
  if (groups === null) {
    sites = sitesFor(sizeOf(shape), d);
  } else {
    const axes = groups.flat();
    const padded = axes.map((a) => paddedSize(a, d));
    const digits = siteDigits(groups, d);
    sites = Math.max(2, digits.length);
    // Sites in axis-major order need no permutation; a tiny weight (< 2 digits) has none to permute.
    const identity = digits.length < 2 || digits.every((p, q) => p === q);
    const digitOrder = identity ? null : digits.map((_, p) => digits.indexOf(p));
    readout = { axes, padded, digitOrder };
  }
  if (d ** sites > 2 ** 30) throw new ShapeError(`planAdtn: ${d}^${sites} state entries are too many for WebAssembly memory`);
  const gateCount = depth * (sites - 1);
  if (gateCount * d ** 4 > 2 ** 28) throw new ArgumentError(`planAdtn: ${gateCount} gates of ${d ** 4} entries are too many`);

  const localState = options.initialState ?? [1, ...new Array<number>(d - 1).fill(0)];
  if (!Array.isArray(localState) || localState.length !== d || localState.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new ArgumentError(`planAdtn: initialState must be ${d} finite numbers, got ${JSON.stringify(options.initialState)}`);
  }
  const init = options.init ?? 'random';
  if (init !== 'random' && init !== 'identity') throw new ArgumentError(`planAdtn: init must be 'random' or 'identity', got ${JSON.stringify(init)}`);
  const noise = options.noise ?? 0.01;
  if (typeof noise !== 'number' || !(noise >= 0) || !Number.isFinite(noise)) throw new ArgumentError(`planAdtn: noise must be a finite number >= 0, got ${String(options.noise)}`);

  const scaleOption = options.scale ?? 'learned';
  let scale: AdtnPlan['scale'];
  if (scaleOption === 'learned') {
    const fanIn = shape.length >= 2 ? sizeOf(shape.slice(1)) : shape[0]!;
    const targetStd = options.targetStd ?? Math.sqrt(2 / fanIn);
    if (!(targetStd > 0) || !Number.isFinite(targetStd)) throw new ArgumentError(`planAdtn: targetStd must be a positive number, got ${String(options.targetStd)}`);
    scale = { kind: 'learned', targetStd };
  } else if (scaleOption === 'none') {
    scale = { kind: 'fixed', value: 1 };
  } else if (typeof scaleOption === 'number' && Number.isFinite(scaleOption)) {
    scale = { kind: 'fixed', value: scaleOption };
  } else {
    throw new ArgumentError(`planAdtn: scale must be 'learned', 'none' or a finite number, got ${JSON.stringify(scaleOption)}`);
  }
  const circuit: CircuitSpec = {
    sites, localDim: d, steps: brickWall(sites, depth, activation, slope),
    ...(options.checkpointBytes !== undefined ? { checkpointBytes: options.checkpointBytes } : {}),
  };
  const normalizeGates = options.normalizeGates ?? false;
  if (typeof normalizeGates !== 'boolean') throw new ArgumentError(`planAdtn: normalizeGates must be true or false, got ${JSON.stringify(options.normalizeGates)}`);
  return { shape: Object.freeze([...shape]), localDim: d, sites, depth, activation, readout, circuit, gateCount, localState: [...localState], scale, init, noise, normalizeGates };
}

/**
 * Parameters of a plan: D²·M·(Q-1), plus 1 for a learned scale.
 *
 * @example
 * adtnParameterCount(planAdtn([1024, 784], { depth: 8 }));   // 2433 = 16 · 152 gates + 1 scale
 */
export function adtnParameterCount(plan: AdtnPlan): number {
  return plan.gateCount * plan.localDim ** 4 + (plan.scale.kind === 'learned' ? 1 : 0);
}

/**
 * The product initial state ⊗_q v over the plan's sites (site 0 varies slowest), in float64:
 * d^Q entries (16,777,216 at Q = 24, hence a typed array).
 *
 * @example
 * adtnInitialState(planAdtn([4, 4]));   // Float64Array of 16 entries: [1, 0, ..., 0]
 */
export function adtnInitialState(plan: AdtnPlan): Float64Array {
  const local = plan.localState;
  const d = local.length;
  let state = new Float64Array([1]);
  for (let q = 0; q < plan.sites; q++) {
    const next = new Float64Array(state.length * d);
    for (let j = 0; j < state.length; j++) {
      const p = state[j]!;
      for (let v = 0; v < d; v++) next[j * d + v] = p * local[v]!;
    }
    state = next;
  }
  return state;
}

function randomOrthogonal(n: number, next: () => number, out: Float64Array, offset: number): void {
  const data = Float64Array.from({ length: n * n }, next);
  const { Q, R } = qrColumnMajor({ rows: n, cols: n, data });
  // Sign fix (Mezzadri): multiply column j by sign(R[j][j]) for a Haar-distributed Q.
  for (let j = 0; j < n; j++) {
    const sign = R.data[j * n + j]! < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) out[offset + i * n + j] = Q.data[j * n + i]! * sign;
  }
}

/**
 * Initial gate entries [gateCount, D, D] (row-major) for the plan's initialisation.
 *
 * @example
 * const plan = planAdtn([256, 256], { depth: 4 });
 * const gates = tensor(adtnInitialGates(plan, 42), { shape: [plan.gateCount, 4, 4] });   // localDim 2: D = 4
 */
export function adtnInitialGates(plan: AdtnPlan, seed?: number): Float64Array {
  const D = plan.localDim ** 2;
  const generator = generatorFor('planAdtn', seed);
  const out = new Float64Array(plan.gateCount * D * D);
  for (let k = 0; k < plan.gateCount; k++) {
    if (plan.init === 'random') randomOrthogonal(D, () => generator.normal(), out, k * D * D);
    else for (let i = 0; i < D * D; i++) out[k * D * D + i] = (i % (D + 1) === 0 ? 1 : 0) + plan.noise * generator.normal();
  }
  return out;
}

/**
 * The tensors a plan starts from: the product initial state (kept; not a parameter, it is rebuilt
 * from the plan) and the initial gates [gateCount, D, D] (for the caller to wrap as a parameter).
 *
 * @example
 * const plan = planAdtn([256, 256], { depth: 4, scale: 'none' });
 * const { initial, gates } = adtnInitialTensors(plan, 42, 'float32');
 * applyAdtn(plan, gates, null, initial);   // a [256, 256] weight
 */
export function adtnInitialTensors(plan: AdtnPlan, seed: number | undefined, dtype: Dtype): { initial: Tensor; gates: Tensor } {
  const D = plan.localDim ** 2;
  const initial = tensor(adtnInitialState(plan), { dtype }).keep();
  const gates = tensor(adtnInitialGates(plan, seed), { shape: [plan.gateCount, D, D], dtype });
  return { initial, gates };
}

/**
 * Runs a plan: the circuit from `initial` (the product state, see adtnInitialState) with `gates`
 * [gateCount, D, D], read out as the weight and multiplied by the scale (a learned rank-0 tensor,
 * its logarithm when the plan normalises the gates, or null for the plan's fixed factor).
 * Differentiable in the gates and the scale.
 *
 * @example
 * const plan = planAdtn([256, 256], { depth: 8, scale: 'none' });
 * const w = applyAdtn(plan, gates, null, tensor(adtnInitialState(plan)));
 */
export function applyAdtn(plan: AdtnPlan, gates: Tensor, scale: Tensor | null, initial: Tensor): Tensor {
  const D = plan.localDim ** 2;
  if (gates.rank !== 3 || gates.shape[0] !== plan.gateCount || gates.shape[1] !== D || gates.shape[2] !== D) {
    throw new ShapeError(`applyAdtn: gates must have shape [${plan.gateCount}, ${D}, ${D}], got ${formatShape(gates.shape)}`);
  }
  if ((scale === null) !== (plan.scale.kind === 'fixed')) {
    throw new ArgumentError(`applyAdtn: the plan's scale is ${plan.scale.kind}: ${plan.scale.kind === 'learned' ? 'pass the learned scale tensor' : 'pass null'}`);
  }
  // √D·G/|G|_F per gate: the Frobenius norm over each gate's D x D entries.
  const used = plan.normalizeGates ? mul(div(gates, sqrt(sum(square(gates), [1, 2], true))), Math.sqrt(D)) : gates;
  const raw = readWeight(plan, applyCircuit(initial, used, plan.circuit));
  // With normalised gates the learned scale is given as its logarithm.
  if (scale !== null) return mul(raw, plan.normalizeGates ? exp(scale) : scale);
  return plan.scale.kind === 'fixed' && plan.scale.value !== 1 ? mul(raw, plan.scale.value) : raw;
}

// The circuit output as the weight: digits permuted into axis-major order, padding sliced away.
function readWeight(plan: AdtnPlan, state: Tensor): Tensor {
  const shape = [...plan.shape];
  const n = sizeOf(shape);
  const readout = plan.readout;
  if (readout === null) return reshape(state.size === n ? state : slice(state, [[0, n]]), shape);
  const total = sizeOf(readout.padded);
  // With fewer entries than two sites hold (a tiny weight), the first `total` outputs are used.
  let used = state.size === total ? state : slice(state, [[0, total]]);
  if (readout.digitOrder !== null) used = permute(reshape(used, new Array<number>(plan.sites).fill(plan.localDim)), [...readout.digitOrder]);
  const grid = reshape(used, [...readout.padded]);
  const cut = readout.padded.every((p, i) => p === readout.axes[i]) ? grid : slice(grid, readout.axes.map((a) => [0, a] as [number, number]));
  return reshape(cut, shape);
}
