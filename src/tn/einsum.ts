// einsum: any number of operands, contracted pairwise along a planned path. Every pairwise step
// is lowered to permute + reshape + (batched) GEMM, using the GEMM kernel's transpose flags so an
// operand whose axes are already grouped is not copied at all. All steps are differentiable
// primitives, so the backward of a pairwise contraction is two more contractions (matmul's rule).

import { ArgumentError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { sameDtype } from '../tensor/dtype.js';
import { operand } from '../ops/operand.js';
import { permute, reshape } from '../ops/movement.js';
import { sum } from '../ops/reduce.js';
import { matmulPrimitive } from '../ops/matmul.js';
import { diagonal, diagonalSpec } from '../ops/diagonal.js';
import { parseEinsum, type ParsedSpec } from './einsum-spec.js';
import { planContraction, type ContractionPlan, type Optimizer } from './contract-path.js';

/** The last argument of einsum and contractPath: the path planner and a memory limit for intermediates. */
export interface ContractOptions {
  /** Path planner (default 'auto': optimal for up to 10 operands, greedy beyond). */
  optimize?: Optimizer;
  /** Largest intermediate allowed, in elements. */
  memoryLimit?: number;
}

interface Term {
  tensor: Tensor;
  labels: string[];
}

const PLAN_CACHE_LIMIT = 512;
const planCache = new Map<string, ContractionPlan>();

function cachedPlan(labels: string[][], output: string[], sizes: ReadonlyMap<string, number>, options: ContractOptions): ContractionPlan {
  const used = new Set(labels.flat());
  const sizeKey = [...used].sort().map((l) => `${l}${sizes.get(l)}`).join(' ');
  const key = `${labels.map((l) => l.join('')).join(',')}->${output.join('')}|${sizeKey}|${options.optimize ?? 'auto'}|${options.memoryLimit ?? ''}`;
  let plan = planCache.get(key);
  if (plan === undefined) {
    plan = planContraction({ inputs: labels, output, sizes }, options.optimize ?? 'auto', options.memoryLimit ?? Infinity);
    if (planCache.size >= PLAN_CACHE_LIMIT) planCache.delete(planCache.keys().next().value!);
    planCache.set(key, plan);
  }
  return plan;
}

function isOptions(x: unknown): x is ContractOptions {
  return typeof x === 'object' && x !== null && !(x instanceof Tensor) && !Array.isArray(x);
}

// An operand's axis of this size broadcasts against its label's size: a size-1 axis against any
// other size (also 0). Such an axis is dropped before planning and contracting.
function broadcasts(axisSize: number, labelSize: number): boolean {
  return axisSize === 1 && labelSize !== 1;
}

// Broadcast size-1 axes, diagonals of repeated labels, and labels only this operand has and the
// output does not want: all handled on the operand alone before any pairwise step.
function prepareTerm(t: Tensor, labels: string[], parsed: ParsedSpec, counts: Map<string, number>): Term {
  let tensor = t;
  let current = labels;
  const broadcast = current.map((l, axis) => broadcasts(tensor.shape[axis]!, parsed.sizes.get(l)!));
  if (broadcast.some(Boolean)) {
    tensor = reshape(tensor, tensor.shape.filter((_, a) => !broadcast[a]));
    current = current.filter((_, a) => !broadcast[a]);
  }
  if (new Set(current).size !== current.length) {
    const d = diagonalSpec('einsum', tensor.shape, current);
    tensor = diagonal(tensor, d.spec);
    current = d.labels;
  }
  const output = new Set(parsed.output);
  const lonely = current.map((l, axis) => (counts.get(l) === 1 && !output.has(l) ? axis : -1)).filter((a) => a >= 0);
  if (lonely.length > 0) {
    tensor = sum(tensor, lonely);
    current = current.filter((_, a) => !lonely.includes(a));
  }
  return { tensor, labels: current };
}

function sameOrder(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((l, i) => l === b[i]);
}

function sizesOf(labels: readonly string[], sizes: ReadonlyMap<string, number>): number[] {
  return labels.map((l) => sizes.get(l)!);
}

function product(values: readonly number[]): number {
  return values.reduce((p, v) => p * v, 1);
}

function arrange(term: Term, order: string[]): Tensor {
  if (sameOrder(term.labels, order)) return term.tensor;
  return permute(term.tensor, order.map((l) => term.labels.indexOf(l)));
}

// The labels of a pairwise result as contractPair lays them out, [...batch, ...free of a, ...free
// of b], batch labels (shared, kept) in a's order; used to choose the operands' order.
function pairLabels(a: Term, b: Term, keep: ReadonlySet<string>): string[] {
  const inA = new Set(a.labels), inB = new Set(b.labels);
  return [
    ...a.labels.filter((l) => inB.has(l) && keep.has(l)),
    ...a.labels.filter((l) => !inB.has(l)),
    ...b.labels.filter((l) => !inA.has(l)),
  ];
}

// One pairwise step: batch labels (shared, kept), contracted labels (shared, summed), and the
// free labels of each side, as one batched GEMM. With `outputOrder` (the last step), the operands
// swap roles when that gives the result in output order directly, which saves permuting it.
function contractPair(a: Term, b: Term, keep: ReadonlySet<string>, sizes: ReadonlyMap<string, number>, outputOrder?: readonly string[]): Term {
  const inB = new Set(b.labels);
  const inA = new Set(a.labels);
  // Labels only one side has and nobody needs later: sum them out first.
  const sumAway = (t: Term, other: ReadonlySet<string>): Term => {
    const axes = t.labels.map((l, i) => (!other.has(l) && !keep.has(l) ? i : -1)).filter((i) => i >= 0);
    if (axes.length === 0) return t;
    return { tensor: sum(t.tensor, axes), labels: t.labels.filter((_, i) => !axes.includes(i)) };
  };
  a = sumAway(a, inB);
  b = sumAway(b, inA);
  if (outputOrder !== undefined && !sameOrder(pairLabels(a, b, keep), outputOrder) && sameOrder(pairLabels(b, a, keep), outputOrder)) [a, b] = [b, a];
  const shared = new Set(b.labels.filter((l) => a.labels.includes(l)));
  const batch = a.labels.filter((l) => shared.has(l) && keep.has(l));
  const contracted = a.labels.filter((l) => shared.has(l) && !keep.has(l));
  const freeA = a.labels.filter((l) => !shared.has(l));
  const freeB = b.labels.filter((l) => !shared.has(l));
  const [nb, m, k, n] = [product(sizesOf(batch, sizes)), product(sizesOf(freeA, sizes)), product(sizesOf(contracted, sizes)), product(sizesOf(freeB, sizes))];

  // Use the layout an operand already has when the GEMM can read it with a transpose flag.
  const transA = !sameOrder(a.labels, [...batch, ...freeA, ...contracted]) && sameOrder(a.labels, [...batch, ...contracted, ...freeA]);
  const A = arrange(a, transA ? [...batch, ...contracted, ...freeA] : [...batch, ...freeA, ...contracted]);
  const transB = !sameOrder(b.labels, [...batch, ...contracted, ...freeB]) && sameOrder(b.labels, [...batch, ...freeB, ...contracted]);
  const B = arrange(b, transB ? [...batch, ...freeB, ...contracted] : [...batch, ...contracted, ...freeB]);

  const lead = nb === 1 ? [] : [nb];
  const A3 = reshape(A, [...lead, ...(transA ? [k, m] : [m, k])]);
  const B3 = reshape(B, [...lead, ...(transB ? [n, k] : [k, n])]);
  const C = matmulPrimitive(A3, B3, transA, transB);
  const labels = [...batch, ...freeA, ...freeB];
  return { tensor: reshape(C, sizesOf(labels, sizes)), labels };
}

function splitArguments(args: readonly unknown[]): { operands: unknown[]; options: ContractOptions } {
  const last = args[args.length - 1];
  if (args.length > 0 && isOptions(last)) {
    // Checked here too, so that a one-operand call (which plans nothing) does not accept them silently.
    if (last.optimize !== undefined && !['auto', 'optimal', 'greedy', 'sequential'].includes(last.optimize)) {
      throw new ArgumentError(`einsum: optimize must be 'auto', 'optimal', 'greedy' or 'sequential', got ${JSON.stringify(last.optimize)}`);
    }
    if (last.memoryLimit !== undefined && !(last.memoryLimit > 0)) {
      throw new ArgumentError(`einsum: memoryLimit must be a positive number of elements, got ${last.memoryLimit}`);
    }
    return { operands: args.slice(0, -1), options: last };
  }
  return { operands: [...args], options: {} };
}

/**
 * Einstein summation over any number of tensors, contracted along a planned pairwise path;
 * differentiable. An options object may follow the tensors.
 *
 * @example
 * einsum('ij,jk->ik', a, b);
 * einsum('bij,bjk', a, b);                    // implicit output: 'bik'
 * einsum('...ij,...jk->...ik', a, b);          // batch axes broadcast
 * einsum('pi,qj,ijkl,rk,sl->pqrs', c, c, t, c, c, { optimize: 'greedy' });
 */
export function einsum(spec: string, ...args: (Tensor | ContractOptions)[]): Tensor {
  const { operands, options } = splitArguments(args);
  if (operands.length === 0) throw new ArgumentError(`einsum: '${spec}' needs at least one tensor`);
  const tensors = operands.map((t, i) => operand('einsum', t, `operand ${i}`));
  for (const t of tensors) sameDtype('einsum', tensors[0]!.dtype, t.dtype);
  const parsed = parseEinsum(spec, tensors.map((t) => t.shape));
  const counts = new Map<string, number>();
  parsed.inputs.forEach((labels) => new Set(labels).forEach((l) => counts.set(l, (counts.get(l) ?? 0) + 1)));
  let terms = tensors.map((t, i) => prepareTerm(t, parsed.inputs[i]!, parsed, counts));

  if (terms.length > 1) {
    const plan = cachedPlan(terms.map((t) => t.labels), parsed.output, parsed.sizes, options);
    plan.path.forEach(([i, j], step) => {
      const keep = new Set(parsed.output);
      terms.forEach((t, k) => {
        if (k !== i && k !== j) for (const l of t.labels) keep.add(l);
      });
      const last = step === plan.path.length - 1;
      const result = contractPair(terms[i]!, terms[j]!, keep, parsed.sizes, last ? parsed.output : undefined);
      terms = terms.filter((_, k) => k !== i && k !== j);
      terms.push(result);
    });
  }
  const last = terms[0]!;
  // Labels the output does not keep were summed on the way; put the rest in output order.
  return arrange(last, parsed.output);
}

/**
 * Plans a contraction without running it: the pairwise path (opt_einsum convention) and its
 * cost report. Operands may be tensors or shapes; an options object may follow them.
 *
 * @example
 * const plan = contractPath('ij,jk,kl->il', [2, 3], [3, 100], [100, 5], { optimize: 'optimal' });
 * plan.path;   // [[1, 2], [0, 1]]
 * plan.flops;  // 3060
 */
export function contractPath(spec: string, ...args: (Tensor | readonly number[] | ContractOptions)[]): ContractionPlan {
  const { operands, options } = splitArguments(args);
  const shapes = operands.map((x, i) => {
    if (x instanceof Tensor) return x.shape;
    if (Array.isArray(x) && x.every((s) => Number.isInteger(s) && s >= 0)) return x as number[];
    throw new ArgumentError(`contractPath: operand ${i} must be a Tensor or a shape (array of non-negative integers)`);
  });
  const parsed = parseEinsum(spec, shapes);
  const counts = new Map<string, number>();
  parsed.inputs.forEach((labels) => new Set(labels).forEach((l) => counts.set(l, (counts.get(l) ?? 0) + 1)));
  const output = new Set(parsed.output);
  // The same per-operand preprocessing as einsum (diagonals, lonely labels, broadcast axes).
  const labels = parsed.inputs.map((ls, k) =>
    [...new Set(ls.filter((l, axis) => !broadcasts(shapes[k]![axis]!, parsed.sizes.get(l)!)))].filter((l) => counts.get(l)! > 1 || output.has(l)));
  if (labels.length === 1) return { optimizer: 'optimal', path: [], steps: [], flops: 0, naiveFlops: 0, largestIntermediate: product(sizesOf(parsed.output, parsed.sizes)) };
  // A copy: the cached plan itself must not be changed by the caller.
  return structuredClone(cachedPlan(labels, parsed.output, parsed.sizes, options));
}
