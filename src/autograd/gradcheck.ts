// Finite-difference gradient checking in float64: the analytic gradient from backward() against
// central differences (f(x + h) - f(x - h)) / 2h for every input element (or a seeded sample of
// them for large inputs).

import { ArgumentError, DtypeError, optionsObject } from '../errors.js';
import { Tensor } from '../tensor.js';
import { kernels } from '../backend/engine.js';
import { elementIndex } from '../backend/kernel-module.js';
import { generatorFor } from '../tensor/random.js';
import { tidy } from '../tensor/lifetime.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { randomTensor } from '../tensor/creation.js';
import { PRIMITIVES, noGrad, type PrimitiveName } from './graph.js';

/** Tolerances and the difference step of gradcheck. */
export interface GradcheckOptions {
  /** Step of the central difference (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-8). */
  atol?: number;
  /** Relative tolerance (default 1e-6). */
  rtol?: number;
  /** Check at most this many elements per input, sampled with `seed` (default: all). */
  maxElements?: number;
  seed?: number;
  /** Throw an AdtnError describing the worst element instead of returning ok: false. */
  throwOnFailure?: boolean;
}

/** The outcome of gradcheck: whether every gradient matched, the largest errors and where, the primitives exercised. */
export interface GradcheckResult {
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  /** Where the largest violation (error minus tolerance) occurred. */
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
  /** The primitives the function's graph used (for coverage checks). */
  primitives: Set<PrimitiveName>;
}

function primitivesOf(root: Tensor): Set<PrimitiveName> {
  const found = new Set<PrimitiveName>();
  const seen = new Set<Tensor>([root]);
  const stack = [root];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (t.node === null) continue;
    found.add(t.node.op);
    for (const u of t.node.inputs) {
      if (!seen.has(u)) {
        seen.add(u);
        stack.push(u);
      }
    }
  }
  return found;
}

/**
 * Compares backward() with central finite differences. `fn` maps the inputs to a tensor; a
 * non-scalar output is reduced with fixed random weights, so every output element is checked.
 * Inputs must be float64 and require gradients.
 *
 * @example
 * const x = randn([3, 4], { dtype: 'float64', requiresGrad: true });
 * gradcheck((x) => x.tanh().sum(), [x]).ok;   // true
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], optionsIn: GradcheckOptions = {}): GradcheckResult {
  const options = optionsObject('gradcheck', optionsIn);
  if (typeof fn !== 'function') throw new ArgumentError('gradcheck: fn must be a function');
  if (!Array.isArray(inputs) || inputs.length === 0) throw new ArgumentError('gradcheck: inputs must be a non-empty array of tensors');
  inputs.forEach((x, i) => {
    if (!(x instanceof Tensor)) throw new ArgumentError(`gradcheck: input ${i} is not a Tensor`);
    if (x.dtype !== 'float64') throw new DtypeError(`gradcheck: input ${i} is ${x.dtype}; finite differences need float64`);
    if (!x.requiresGrad || !x.isLeaf) throw new ArgumentError(`gradcheck: input ${i} must be a leaf with requiresGrad`);
  });
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-8;
  const rtol = options.rtol ?? 1e-6;
  const generator = generatorFor('gradcheck', options.seed ?? 0);

  // Fixed random weights turn any output into a scalar: f = Σ w·fn(x).
  const state: { weights: Tensor | null } = { weights: null };
  const scalarOf = (out: Tensor): Tensor => {
    if (out.size === 1) return sum(out);
    state.weights ??= randomTensor(out.shape, 'float64', () => generator.uniform() + 0.5, 'gradcheck', false).keep();
    return sum(mul(out, state.weights));
  };

  const saved = inputs.map((x) => x.grad);
  inputs.forEach((x) => {
    x.grad = null;
  });
  const { analytic, primitives } = tidy(() => {
    const out = scalarOf(fn(...inputs));
    const used = primitivesOf(out);
    out.backward();
    return { analytic: inputs.map((x) => (x.grad === null ? new Float64Array(x.size) : (x.grad.toArray() as Float64Array))), primitives: used };
  });

  const f64 = () => kernels().f64;
  const evaluate = (): number => noGrad(() => tidy(() => scalarOf(fn(...inputs)).item()));
  let maxAbsError = 0;
  let maxRelError = 0;
  let worstExcess = -Infinity;
  let worst: GradcheckResult['worst'] = null;
  inputs.forEach((x, i) => {
    const indices = Array.from({ length: x.size }, (_, j) => j);
    if (options.maxElements !== undefined && x.size > options.maxElements) {
      for (let j = indices.length - 1; j > 0; j--) {
        const k = generator.integer(j + 1);
        [indices[j], indices[k]] = [indices[k]!, indices[j]!];
      }
      indices.length = options.maxElements;
    }
    for (const j of indices) {
      const at = elementIndex(x.ptr, 8) + j;
      const original = f64()[at]!;
      f64()[at] = original + eps;
      const plus = evaluate();
      f64()[at] = original - eps;
      const minus = evaluate();
      f64()[at] = original;
      const numeric = (plus - minus) / (2 * eps);
      const a = analytic[i]![j]!;
      const absError = Math.abs(a - numeric);
      const relError = absError / Math.max(Math.abs(numeric), 1e-300);
      maxAbsError = Math.max(maxAbsError, absError);
      if (Math.abs(numeric) > atol) maxRelError = Math.max(maxRelError, relError);
      const excess = Number.isNaN(absError) ? Infinity : absError - (atol + rtol * Math.abs(numeric));
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = { input: i, index: j, analytic: a, numeric };
      }
    }
  });
  inputs.forEach((x, i) => {
    x.grad = saved[i]!;
  });
  state.weights?.dispose();
  const ok = worstExcess <= 0;
  if (!ok && options.throwOnFailure) {
    throw new ArgumentError(
      `gradcheck: input ${worst!.input} element ${worst!.index}: analytic ${worst!.analytic}, numeric ${worst!.numeric} ` +
        `(max abs error ${maxAbsError}, max rel error ${maxRelError})`,
    );
  }
  return { ok, maxAbsError, maxRelError, worst, primitives };
}

export { PRIMITIVES };
