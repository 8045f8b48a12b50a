// Contraction-path planning, in the spirit of opt_einsum: a planner is a pure function from the
// operands' label sets, the output labels and the label sizes to a list of pairwise steps.
//
// Cost model (opt_einsum's): contracting two operands costs the product of the sizes of all labels
// involved, times 2 when some label is summed (a multiply and an add per term), times 1 for a pure
// outer or Hadamard product. A label stays in an intermediate when the output or a not-yet-
// contracted operand still needs it.
//
//   optimal  dynamic programming over subsets of operands (3^n work): the minimum-flop path,
//            including outer products; used by 'auto' for up to 10 operands.
//   greedy   repeatedly contracts the pair whose result shrinks memory the most (ties: fewer
//            flops), preferring pairs that share a label; O(n^3).
//   sequential  left to right, for comparison.
// An optional memory limit excludes paths with a larger intermediate (the output is exempt).
//
// einsum and contractPath hand the planner operands already reduced on their own: diagonals of
// repeated labels taken, size-1 broadcast axes dropped, and labels that only one operand has and the
// output does not keep summed away. The reported flops and step specs are those of the pairwise
// steps on the reduced operands, so they can be lower than opt_einsum's for the same spec (e.g.
// 'ij,jk->k' plans 'j,jk->k'); those per-operand reductions are not counted.

import { ArgumentError } from '../errors.js';

export type Optimizer = 'auto' | 'optimal' | 'greedy' | 'sequential';

export interface PlanInput {
  inputs: readonly (readonly string[])[];
  output: readonly string[];
  sizes: ReadonlyMap<string, number>;
}

export interface PlanStep {
  /** Positions in the current operand list (opt_einsum convention: both are removed and the result is appended). */
  pair: [number, number];
  /** The step as an einsum spec, e.g. 'ij,jk->ik'. */
  spec: string;
  flops: number;
  /** Elements of the step's result. */
  size: number;
}

export interface ContractionPlan {
  optimizer: Exclude<Optimizer, 'auto'>;
  path: [number, number][];
  steps: PlanStep[];
  /** Sum of the steps' flops. */
  flops: number;
  /** Flops of contracting everything at once (the naive einsum loop). */
  naiveFlops: number;
  /** Elements of the largest intermediate (the output included). */
  largestIntermediate: number;
}

// A label set as a sorted string, for cheap union/intersection bookkeeping.
type Labels = Set<string>;

function sizeOfLabels(labels: Iterable<string>, sizes: ReadonlyMap<string, number>): number {
  let n = 1;
  for (const l of labels) n *= sizes.get(l)!;
  return n;
}

function union(a: Labels, b: Labels): Labels {
  const out = new Set(a);
  for (const l of b) out.add(l);
  return out;
}

function pairCost(a: Labels, b: Labels, keep: Labels, sizes: ReadonlyMap<string, number>): { flops: number; result: Labels } {
  const all = union(a, b);
  const result = new Set<string>();
  let summed = false;
  for (const l of all) {
    if (keep.has(l)) result.add(l);
    else summed = true;
  }
  return { flops: sizeOfLabels(all, sizes) * (summed ? 2 : 1), result };
}

// Labels needed outside a group of operands: the output's and those of the operands not in it.
function neededOutside(members: (i: number) => boolean, inputs: Labels[], output: Labels): Labels {
  const keep = new Set(output);
  inputs.forEach((labels, i) => {
    if (!members(i)) for (const l of labels) keep.add(l);
  });
  return keep;
}

interface Tree {
  leaf?: number;
  left?: Tree;
  right?: Tree;
}

function optimalTree(inputs: Labels[], output: Labels, sizes: ReadonlyMap<string, number>, memoryLimit: number): Tree {
  const n = inputs.length;
  const full = (1 << n) - 1;
  const resultOf = new Map<number, Labels>();
  const cost = new Map<number, number>();
  const split = new Map<number, number>();
  // An operand keeps its own labels until its first contraction; a group's result keeps what is
  // needed outside.
  const labelsOf = (mask: number): Labels => {
    if (popcount(mask) === 1) return inputs[31 - Math.clz32(mask)]!;
    let r = resultOf.get(mask);
    if (r === undefined) {
      const inside = new Set<string>();
      for (let i = 0; i < n; i++) if (mask & (1 << i)) for (const l of inputs[i]!) inside.add(l);
      const keep = neededOutside((i) => (mask & (1 << i)) !== 0, inputs, output);
      r = new Set([...inside].filter((l) => keep.has(l)));
      resultOf.set(mask, r);
    }
    return r;
  };
  for (let i = 0; i < n; i++) cost.set(1 << i, 0);
  // Masks in order of increasing population count, so every proper subset is done first.
  const masks = Array.from({ length: full }, (_, i) => i + 1).sort((x, y) => popcount(x) - popcount(y) || x - y);
  for (const mask of masks) {
    if (popcount(mask) < 2) continue;
    const result = labelsOf(mask);
    if (mask !== full && sizeOfLabels(result, sizes) > memoryLimit) continue;
    let best = Infinity;
    let bestSplit = 0;
    // Each unordered split once: the sub-mask holding the lowest set bit.
    const low = mask & -mask;
    for (let sub = (mask - 1) & mask; sub > 0; sub = (sub - 1) & mask) {
      if (!(sub & low)) continue;
      const other = mask ^ sub;
      const c1 = cost.get(sub);
      const c2 = cost.get(other);
      if (c1 === undefined || c2 === undefined) continue;
      const all = union(labelsOf(sub), labelsOf(other));
      const summed = [...all].some((l) => !result.has(l));
      const c = c1 + c2 + sizeOfLabels(all, sizes) * (summed ? 2 : 1);
      if (c < best) {
        best = c;
        bestSplit = sub;
      }
    }
    if (bestSplit !== 0) {
      cost.set(mask, best);
      split.set(mask, bestSplit);
    }
  }
  if (!cost.has(full)) throw new ArgumentError(`contractPath: no contraction path keeps every intermediate within the memory limit of ${memoryLimit} elements`);
  const build = (mask: number): Tree => {
    if (popcount(mask) === 1) return { leaf: 31 - Math.clz32(mask) };
    const sub = split.get(mask)!;
    return { left: build(sub), right: build(mask ^ sub) };
  };
  return build(full);
}

function popcount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}

// Turns a contraction tree into pairwise steps over a shrinking operand list.
function treeToPath(tree: Tree, count: number): [number, number][] {
  const path: [number, number][] = [];
  const current: number[] = Array.from({ length: count }, (_, i) => i);
  let next = count;
  const visit = (t: Tree): number => {
    if (t.leaf !== undefined) return t.leaf;
    const a = visit(t.left!);
    const b = visit(t.right!);
    const ia = current.indexOf(a);
    const ib = current.indexOf(b);
    path.push(ia < ib ? [ia, ib] : [ib, ia]);
    current.splice(Math.max(ia, ib), 1);
    current.splice(Math.min(ia, ib), 1);
    const id = next++;
    current.push(id);
    return id;
  };
  if (count > 1) visit(tree);
  return path;
}

function greedyPath(inputs: Labels[], output: Labels, sizes: ReadonlyMap<string, number>, memoryLimit: number): [number, number][] {
  const current = inputs.map((l) => new Set(l));
  const path: [number, number][] = [];
  while (current.length > 1) {
    let best: { i: number; j: number; score: number; flops: number; shared: boolean } | null = null;
    for (let i = 0; i < current.length; i++) {
      for (let j = i + 1; j < current.length; j++) {
        const a = current[i]!;
        const b = current[j]!;
        const shared = [...a].some((l) => b.has(l));
        const keep = neededOutside((k) => k === i || k === j, current, output);
        const { flops, result } = pairCost(a, b, keep, sizes);
        const resultSize = sizeOfLabels(result, sizes);
        if (current.length > 2 && resultSize > memoryLimit) continue;
        const score = resultSize - sizeOfLabels(a, sizes) - sizeOfLabels(b, sizes);
        const better = best === null || (shared && !best.shared) ||
          (shared === best.shared && (score < best.score || (score === best.score && flops < best.flops)));
        if (better) best = { i, j, score, flops, shared };
      }
    }
    if (best === null) throw new ArgumentError(`contractPath: the greedy planner found no pair within the memory limit of ${memoryLimit} elements`);
    const keep = neededOutside((k) => k === best!.i || k === best!.j, current, output);
    const { result } = pairCost(current[best.i]!, current[best.j]!, keep, sizes);
    path.push([best.i, best.j]);
    current.splice(best.j, 1);
    current.splice(best.i, 1);
    current.push(result);
  }
  return path;
}

function sequentialPath(count: number): [number, number][] {
  // Contract operands 0 and 1, then the result (appended last) with the next original operand,
  // which after the removals sits at position 0.
  const path: [number, number][] = [];
  for (let remaining = count; remaining > 1; remaining--) path.push(remaining === count ? [0, 1] : [0, remaining - 1]);
  return path;
}

/** Evaluates a pairwise path: per-step specs, flops and sizes. */
export function describePath(plan: PlanInput, path: [number, number][], optimizer: Exclude<Optimizer, 'auto'>): ContractionPlan {
  const current = plan.inputs.map((l) => [...new Set(l)]);
  const output = new Set(plan.output);
  const steps: PlanStep[] = [];
  let largest = sizeOfLabels(output, plan.sizes);
  for (const [i, j] of path) {
    if (!(i >= 0 && j > i && j < current.length)) throw new ArgumentError(`contractPath: invalid step [${i}, ${j}] for ${current.length} operands`);
    const a = current[i]!;
    const b = current[j]!;
    const keep = neededOutside((k) => k === i || k === j, current.map((l) => new Set(l)), output);
    const { flops, result } = pairCost(new Set(a), new Set(b), keep, plan.sizes);
    const resultLabels = current.length === 2 ? plan.output.filter((l) => result.has(l)) : [...result];
    const size = sizeOfLabels(resultLabels, plan.sizes);
    largest = Math.max(largest, size);
    steps.push({ pair: [i, j], spec: `${a.join('')},${b.join('')}->${resultLabels.join('')}`, flops, size });
    current.splice(j, 1);
    current.splice(i, 1);
    current.push(resultLabels);
  }
  const everything = new Set(plan.inputs.flat());
  const summedAtAll = [...everything].some((l) => !output.has(l));
  const naiveFlops = sizeOfLabels(everything, plan.sizes) * (Math.max(1, plan.inputs.length - 1) + (summedAtAll ? 1 : 0));
  return {
    optimizer,
    path: steps.map((s) => s.pair),
    steps,
    flops: steps.reduce((p, s) => p + s.flops, 0),
    naiveFlops,
    largestIntermediate: largest,
  };
}

/** Plans a contraction of label sets (see the file comment for the optimizers). */
export function planContraction(plan: PlanInput, optimizer: Optimizer = 'auto', memoryLimit = Infinity): ContractionPlan {
  if (!(memoryLimit > 0)) throw new ArgumentError(`contractPath: memoryLimit must be a positive number of elements, got ${memoryLimit}`);
  const inputs = plan.inputs.map((l) => new Set(l));
  const output = new Set(plan.output);
  const chosen = optimizer === 'auto' ? (inputs.length <= 10 ? 'optimal' : 'greedy') : optimizer;
  let path: [number, number][];
  switch (chosen) {
    case 'optimal':
      if (inputs.length > 16) throw new ArgumentError(`contractPath: 'optimal' is exponential; ${inputs.length} operands is too many (use 'greedy')`);
      path = treeToPath(optimalTree(inputs, output, plan.sizes, memoryLimit), inputs.length);
      break;
    case 'greedy':
      path = greedyPath(inputs, output, plan.sizes, memoryLimit);
      break;
    case 'sequential':
      path = sequentialPath(inputs.length);
      break;
    default:
      throw new ArgumentError(`contractPath: optimize must be 'auto', 'optimal', 'greedy' or 'sequential', got ${JSON.stringify(optimizer)}`);
  }
  return describePath(plan, path, chosen);
}
