// Contraction-path planning, in the spirit of opt_einsum: a planner is a pure function from the
// operands' label sets, the output labels and the label sizes to a list of pairwise steps.
//
// Cost model (opt_einsum's): contracting two operands costs the product of the sizes of all labels
// involved, times 2 when some label is summed (a multiply and an add per term), times 1 for a pure
// outer or Hadamard product. A label stays in an intermediate when the output or a not-yet-
// contracted operand still needs it.
//
//   optimal  dynamic programming over subsets of operands (3^n / 2 splits, label sets as bit
//            words): the minimum-flop path, including outer products; used by 'auto' for up to 10
//            operands. Exact up to OPTIMAL_EXACT_LIMIT = 14 operands (at most ~45 ms measured);
//            beyond, it hands over to greedy and the plan's `optimizer` says 'greedy', so no call
//            blocks for seconds (bench:planning: under 50 ms for every einsum up to 25 operands).
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

/** A contraction-path planner (see the file header): 'auto' picks optimal for up to 10 operands, greedy beyond. */
export type Optimizer = 'auto' | 'optimal' | 'greedy' | 'sequential';

export interface PlanInput {
  inputs: readonly (readonly string[])[];
  output: readonly string[];
  sizes: ReadonlyMap<string, number>;
}

/** One pairwise contraction of a plan: which operands, its einsum spec, its flops and result size. */
export interface PlanStep {
  /** Positions in the current operand list (opt_einsum convention: both are removed and the result is appended). */
  pair: [number, number];
  /** The step as an einsum spec, e.g. 'ij,jk->ik'. */
  spec: string;
  flops: number;
  /** Elements of the step's result. */
  size: number;
}

/** A contraction path with its cost report (opt_einsum's conventions): what contractPath returns. */
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

// Label sets of the exact planner as bits in two words of 31 bits (up to 62 distinct labels).
const WORD_BITS = 31;
const MAX_EXACT_LABELS = 2 * WORD_BITS;

/** The largest operand count 'optimal' plans exactly; beyond it hands over to 'greedy' (3^n grows too fast). */
export const OPTIMAL_EXACT_LIMIT = 14;

// Products of label sizes, one table per byte of the two words: the size of a label set is 8 lookups.
function sizeTables(labels: readonly string[], sizes: ReadonlyMap<string, number>): Float64Array[] {
  return Array.from({ length: 8 }, (_, byte) => {
    const table = new Float64Array(256);
    for (let v = 0; v < 256; v++) {
      let product = 1;
      for (let bit = 0; bit < 8; bit++) {
        const position = byte * 8 + bit;
        const label = position < WORD_BITS ? position : position < 32 ? -1 : position - 32 + WORD_BITS;
        if (v & (1 << bit) && label >= 0 && label < labels.length) product *= sizes.get(labels[label]!)!;
      }
      table[v] = product;
    }
    return table;
  });
}

// The minimum-flop contraction tree by dynamic programming over subsets of operands (3^n / 2 splits).
function optimalTree(inputs: Labels[], output: Labels, sizes: ReadonlyMap<string, number>, memoryLimit: number): Tree {
  const n = inputs.length;
  const labels = [...new Set([...inputs.flatMap((l) => [...l]), ...output])];
  const index = new Map(labels.map((l, i) => [l, i]));
  const words = (set: Iterable<string>): [number, number] => {
    let lo = 0;
    let hi = 0;
    for (const l of set) {
      const i = index.get(l)!;
      if (i < WORD_BITS) lo |= 1 << i;
      else hi |= 1 << (i - WORD_BITS);
    }
    return [lo, hi];
  };
  const tables = sizeTables(labels, sizes);
  const sizeOf = (lo: number, hi: number): number =>
    tables[0]![lo & 255]! * tables[1]![(lo >>> 8) & 255]! * tables[2]![(lo >>> 16) & 255]! * tables[3]![lo >>> 24]! *
    tables[4]![hi & 255]! * tables[5]![(hi >>> 8) & 255]! * tables[6]![(hi >>> 16) & 255]! * tables[7]![hi >>> 24]!;
  const full = (1 << n) - 1;
  // inside[m]: labels of the operands in m; result[m]: what m's contraction keeps (needed by the
  // output or by an operand outside m); a single operand keeps all its labels until contracted.
  const insideLo = new Int32Array(full + 1);
  const insideHi = new Int32Array(full + 1);
  const inputWords = inputs.map(words);
  for (let m = 1; m <= full; m++) {
    const low = 31 - Math.clz32(m & -m);
    insideLo[m] = insideLo[m & (m - 1)]! | inputWords[low]![0];
    insideHi[m] = insideHi[m & (m - 1)]! | inputWords[low]![1];
  }
  const [outLo, outHi] = words(output);
  const resultLo = new Int32Array(full + 1);
  const resultHi = new Int32Array(full + 1);
  for (let m = 1; m <= full; m++) {
    if ((m & (m - 1)) === 0) {
      resultLo[m] = insideLo[m]!;
      resultHi[m] = insideHi[m]!;
    } else {
      resultLo[m] = insideLo[m]! & (outLo | insideLo[full ^ m]!);
      resultHi[m] = insideHi[m]! & (outHi | insideHi[full ^ m]!);
    }
  }
  const cost = new Float64Array(full + 1).fill(Infinity);
  const split = new Int32Array(full + 1);
  for (let i = 0; i < n; i++) cost[1 << i] = 0;
  // Masks in increasing order: every proper subset of a mask is smaller than it, so done first.
  for (let mask = 3; mask <= full; mask++) {
    if ((mask & (mask - 1)) === 0) continue;
    const rLo = resultLo[mask]!;
    const rHi = resultHi[mask]!;
    if (mask !== full && sizeOf(rLo, rHi) > memoryLimit) continue;
    let best = Infinity;
    let bestSplit = 0;
    // Each unordered split once: the sub-mask holding the lowest set bit.
    const low = mask & -mask;
    for (let sub = (mask - 1) & mask; sub > 0; sub = (sub - 1) & mask) {
      if (!(sub & low)) continue;
      const other = mask ^ sub;
      const c12 = cost[sub]! + cost[other]!;
      if (!(c12 < best)) continue;
      const allLo = resultLo[sub]! | resultLo[other]!;
      const allHi = resultHi[sub]! | resultHi[other]!;
      const summed = (allLo & ~rLo) !== 0 || (allHi & ~rHi) !== 0;
      const c = c12 + sizeOf(allLo, allHi) * (summed ? 2 : 1);
      if (c < best) {
        best = c;
        bestSplit = sub;
      }
    }
    if (bestSplit !== 0) {
      cost[mask] = best;
      split[mask] = bestSplit;
    }
  }
  if (cost[full] === Infinity) throw new ArgumentError(`contractPath: no contraction path keeps every intermediate within the memory limit of ${memoryLimit} elements`);
  const build = (mask: number): Tree => {
    if ((mask & (mask - 1)) === 0) return { leaf: 31 - Math.clz32(mask) };
    const sub = split[mask]!;
    return { left: build(sub), right: build(mask ^ sub) };
  };
  return build(full);
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
  const labelCount = new Set([...plan.inputs.flat(), ...plan.output]).size;
  const exact = inputs.length <= OPTIMAL_EXACT_LIMIT && labelCount <= MAX_EXACT_LABELS;
  // 'optimal' is exact where that is cheap and hands over to 'greedy' beyond (the plan says which ran).
  const chosen = optimizer === 'auto' || optimizer === 'optimal' ? (exact && (optimizer === 'optimal' || inputs.length <= 10) ? 'optimal' : 'greedy') : optimizer;
  let path: [number, number][];
  switch (chosen) {
    case 'optimal':
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
