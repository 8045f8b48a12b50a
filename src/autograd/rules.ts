// The backward table: one entry per primitive, its vector-Jacobian product written with the
// same differentiable operations (so rules can themselves be differentiated). A rule returns one
// gradient per input (null when that input needs none); gradients of broadcast operands may have
// the broadcast shape: the reverse pass sums them back to the operand's shape in one place.

import type { Tensor } from '../tensor.js';
import { ArgumentError } from '../errors.js';
import type { Node, PrimitiveName } from './graph.js';
import type { SavedState } from './saved-state.js';
import {
  add, astype, div, exp, leakyReluBackward, log, mul, neg, pow, powScalar, reluBackward, sigmoidBackward,
  sub, tanhBackward, eq, ge, gt, lt, le, abs,
} from '../ops/elementwise.js';
import { expand, permute, reshape, sliceBySpec, sliceScatter, axisRangeSpec } from '../ops/movement.js';
import { indexAdd, indexSelect, gatherIndices, scatterAdd, where, zerosForGrad } from '../ops/indexing.js';
import { matmulPrimitive } from '../ops/matmul.js';
import { reducedShape, type ReduceSaved } from '../ops/reduce.js';
import { diagonal, diagonalScatter } from '../ops/diagonal.js';
import { circuitBackward } from '../ops/circuit.js';
import { conv2dBackward } from '../ops/conv.js';
import { batchNormBackward } from '../ops/batch-norm.js';
import { adaptiveAvgPool2dBackward, avgPool2dBackward, maxPool2dBackward } from '../ops/pool.js';

/** What a rule can read of its node. Reading a saved tensor checks it was not modified in place. */
export class RuleContext<Op extends PrimitiveName = PrimitiveName> {
  constructor(private readonly node: Node) {}

  input(i: number): Tensor {
    const t = this.node.inputs[i]!;
    if (t.released) throw t.releasedError();
    if (t.storage!.version !== this.node.inputVersions[i]) {
      throw new ArgumentError(`backward: input ${i} of ${this.node.op} was modified in place after the forward pass used it`);
    }
    return t;
  }

  output(): Tensor {
    const t = this.node.output!;
    if (t.released) throw t.releasedError();
    if (t.storage!.version !== this.node.outputVersion) {
      throw new ArgumentError(`backward: the output of ${this.node.op} was modified in place after the forward pass`);
    }
    return t;
  }

  /** The state record() saved for this op; record's signature makes it SavedState[Op]. */
  saved(): SavedState[Op] {
    return this.node.saved as SavedState[Op];
  }

  needs(i: number): boolean {
    return this.node.inputs[i]!.requiresGrad;
  }

  get inputCount(): number {
    return this.node.inputs.length;
  }
}

type Rule<Op extends PrimitiveName> = (g: Tensor, ctx: RuleContext<Op>) => (Tensor | null)[];

// Gradient of a reduction broadcast back over the reduced axes.
function unreduce(g: Tensor, inputShape: readonly number[], saved: ReduceSaved): Tensor {
  const kept = saved.keepdims ? g : reshape(g, reducedShape(inputShape, saved.axes, true));
  return expand(kept, [...inputShape]);
}

export const backwardRules: { [Op in PrimitiveName]: Rule<Op> } = {
  // --- unary ---
  neg: (g) => [neg(g)],
  exp: (g, c) => [mul(g, c.output())],
  log: (g, c) => [div(g, c.input(0))],
  sqrt: (g, c) => [div(g, mul(c.output(), 2))],
  // sign(x) as [x > 0] - [x < 0], so the gradient at 0 is 0.
  abs: (g, c) => [mul(g, sub(gt(c.input(0), 0), lt(c.input(0), 0)))],
  tanh: (g, c) => [tanhBackward(g, c.output())],
  sigmoid: (g, c) => [sigmoidBackward(g, c.output())],
  relu: (g, c) => [reluBackward(g, c.input(0))],
  leakyRelu: (g, c) => [leakyReluBackward(g, c.input(0), c.saved())],
  // d x^p = p·x^(p-1)
  powScalar: (g, c) => {
    const p = c.saved();
    return [p === 0 ? mul(g, 0) : mul(g, mul(powScalar(c.input(0), p - 1), p))];
  },

  // --- binary (broadcast shapes; reduced centrally) ---
  add: (g, c) => [c.needs(0) ? g : null, c.needs(1) ? g : null],
  sub: (g, c) => [c.needs(0) ? g : null, c.needs(1) ? neg(g) : null],
  mul: (g, c) => [c.needs(0) ? mul(g, c.input(1)) : null, c.needs(1) ? mul(g, c.input(0)) : null],
  // d(a/b) = g/b, -g·a/b²
  div: (g, c) => [
    c.needs(0) ? div(g, c.input(1)) : null,
    c.needs(1) ? neg(div(mul(g, c.output()), c.input(1))) : null,
  ],
  // Ties go to the first operand.
  maximum: (g, c) => {
    const first = ge(c.input(0), c.input(1));
    return [c.needs(0) ? mul(g, first) : null, c.needs(1) ? mul(g, sub(1, first)) : null];
  },
  minimum: (g, c) => {
    const first = le(c.input(0), c.input(1));
    return [c.needs(0) ? mul(g, first) : null, c.needs(1) ? mul(g, sub(1, first)) : null];
  },
  // d a^b = b·a^(b-1), a^b·log a (only where a > 0 for the exponent's gradient). Where b = 0,
  // a^b is the constant 1 and its gradient in a is 0 (b·a^(b-1) would be 0·∞ = NaN at a = 0).
  pow: (g, c) => {
    const a = c.input(0);
    const b = c.input(1);
    const ga = c.needs(0) ? mul(g, where(eq(b, 0), 0, mul(b, pow(a, sub(b, 1))))) : null;
    const gb = c.needs(1) ? mul(g, where(gt(a, 0), mul(c.output(), log(abs(a))), 0)) : null;
    return [ga, gb];
  },

  // --- fused activation backward rules, as functions of (g, x or y) ---
  reluBackward: (g, c) => [c.needs(0) ? reluBackward(g, c.input(1)) : null, c.needs(1) ? mul(g, 0) : null],
  leakyReluBackward: (g, c) => [c.needs(0) ? leakyReluBackward(g, c.input(1), c.saved()) : null, c.needs(1) ? mul(g, 0) : null],
  // f = g0·(1 - y²): df/dg0 = 1 - y², df/dy = -2·g0·y
  tanhBackward: (g, c) => [
    c.needs(0) ? tanhBackward(g, c.input(1)) : null,
    c.needs(1) ? mul(g, mul(mul(c.input(0), c.input(1)), -2)) : null,
  ],
  // f = g0·y·(1 - y): df/dg0 = y(1 - y), df/dy = g0·(1 - 2y)
  sigmoidBackward: (g, c) => [
    c.needs(0) ? sigmoidBackward(g, c.input(1)) : null,
    c.needs(1) ? mul(g, mul(c.input(0), sub(1, mul(c.input(1), 2)))) : null,
  ],

  // --- reductions ---
  sum: (g, c) => [unreduce(g, c.input(0).shape, c.saved())],
  mean: (g, c) => {
    const saved = c.saved();
    const shape = c.input(0).shape;
    const count = saved.axes.reduce((p, a) => p * shape[a]!, 1);
    return [div(unreduce(g, shape, saved), count)];
  },
  // The gradient goes to the arg-max: scatter g into zeros at the saved positions.
  max: (g, c) => {
    const s = c.saved();
    const x = c.input(0);
    const g3 = reshape(g, [s.outer, 1, s.inner]);
    const indices = { values: s.argmax, shape: [s.outer, 1, s.inner] };
    const scattered = scatterAdd(zerosForGrad([s.outer, s.extent, s.inner], x.dtype), 1, indices, g3);
    if (s.perm === null) return [reshape(scattered, [...x.shape])];
    const permutedShape = s.perm.map((a) => x.shape[a]!);
    const inverse = s.perm.map((_, i) => s.perm!.indexOf(i));
    return [permute(reshape(scattered, permutedShape), inverse)];
  },

  // --- movement ---
  reshape: (g, c) => [reshape(g, c.saved())],
  permute: (g, c) => {
    const perm = c.saved();
    return [permute(g, perm.map((_, i) => perm.indexOf(i)))];
  },
  // expand's gradient is the broadcast reduction, done centrally: pass g through.
  expand: (g) => [g],
  slice: (g, c) => [sliceScatter(g, c.saved())],
  sliceScatter: (g, c) => [sliceBySpec(g, c.saved())],
  concat: (g, c) => {
    const { axis, sizes } = c.saved();
    let offset = 0;
    return sizes.map((size, i) => {
      const start = offset;
      offset += size;
      return c.needs(i) ? sliceBySpec(g, axisRangeSpec(g.shape, axis, start, size)) : null;
    });
  },
  pad: (g, c) => {
    const { widths } = c.saved();
    const shape = c.input(0).shape;
    return [sliceBySpec(g, {
      inputShape: [...g.shape], starts: widths.map((w) => w[0]), steps: shape.map(() => 1), counts: [...shape], dropped: [],
    })];
  },

  // --- indexing ---
  indexSelect: (g, c) => {
    const { axis, indices } = c.saved();
    const x = c.input(0);
    return [indexAdd(zerosForGrad(x.shape, x.dtype), axis, indices, g)];
  },
  indexAdd: (g, c) => {
    const { axis, indices } = c.saved();
    return [c.needs(0) ? g : null, c.needs(1) ? indexSelect(g, axis, indices.values) : null];
  },
  gather: (g, c) => {
    const { axis, indices } = c.saved();
    const x = c.input(0);
    return [scatterAdd(zerosForGrad(x.shape, x.dtype), axis, indices, g)];
  },
  scatterAdd: (g, c) => {
    const { axis, indices } = c.saved();
    return [c.needs(0) ? g : null, c.needs(1) ? gatherIndices(g, axis, indices) : null];
  },
  where: (g, c) => {
    const cond = c.saved();
    return [c.needs(0) ? where(cond, g, 0) : null, c.needs(1) ? where(cond, 0, g) : null];
  },

  // --- products and conversion ---
  // C = op(A)·op(B): dA = g·op(B)ᵀ (transposed back when A was), dB = op(A)ᵀ·g (likewise).
  matmul: (g, c) => {
    const { transA, transB } = c.saved();
    const a = c.input(0);
    const b = c.input(1);
    const ga = !c.needs(0) ? null : transA ? matmulPrimitive(b, g, transB, true) : matmulPrimitive(g, b, false, !transB);
    const gb = !c.needs(1) ? null : transB ? matmulPrimitive(g, a, true, transA) : matmulPrimitive(a, g, !transA, false);
    return [ga, gb];
  },
  astype: (g, c) => [astype(g, c.input(0).dtype)],
  diagonal: (g, c) => [diagonalScatter(g, c.saved())],
  diagonalScatter: (g, c) => [diagonal(g, c.saved())],
  // The fused gate kernels walk the circuit backwards (src/ops/circuit.ts); not differentiable twice.
  circuit: (g, c) => circuitBackward(g, c.input(0), c.input(1), c.output(), c.saved()),
  // Fused lowerings with their own kernels (src/ops/conv.ts, pool.ts, batch-norm.ts); not differentiable twice.
  conv2d: (g, c) => {
    const hasBias = c.inputCount === 3;
    const needs = [c.needs(0), c.needs(1), hasBias && c.needs(2)];
    return conv2dBackward(g, c.input(0), c.input(1), hasBias, needs, c.saved());
  },
  maxPool2d: (g, c) => [maxPool2dBackward(g, c.input(0), c.saved())],
  avgPool2d: (g, c) => [avgPool2dBackward(g, c.input(0), c.saved())],
  adaptiveAvgPool2d: (g, c) => [adaptiveAvgPool2dBackward(g, c.input(0), c.saved())],
  batchNorm: (g, c) => {
    const saved = c.saved();
    const needs = Array.from({ length: c.inputCount }, (_, i) => c.needs(i));
    return batchNormBackward(g, c.input(0), saved.hasWeight ? c.input(1) : null, saved, needs);
  },
  // A user-defined rule (src/autograd/custom-function.ts), which also checks its gradients.
  custom: (g, c) => c.saved().gradients(g, Array.from({ length: c.inputCount }, (_, i) => c.input(i)), c.output(), (i) => c.needs(i)),
};

/** The gradients of a node's inputs, by its op's rule. */
export function applyRule(node: Node, gradient: Tensor): (Tensor | null)[] {
  // node.op and node.saved were recorded together by record(), so the op's rule matches its state.
  const rule = backwardRules[node.op] as Rule<PrimitiveName>;
  return rule(gradient, new RuleContext(node));
}
