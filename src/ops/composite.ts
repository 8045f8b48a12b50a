// Operations composed from primitives: they have no backward code of their own, their
// gradients come from the primitives they are built of.

import { ArgumentError, ShapeError, formatShape, optionsObject } from '../errors.js';
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/graph.js';
import { tidy } from '../tensor/lifetime.js';
import { normalizeAxis } from '../tensor/shape.js';
import { generatorFor } from '../tensor/random.js';
import { randomTensor } from '../tensor/creation.js';
import { abs, add, div, exp, log, lt, mul, neg, square, sub, tanh, powScalar } from './elementwise.js';
import { gatherIndices, toIndices, where, type IndexInput } from './indexing.js';
import { max, mean, sum } from './reduce.js';
import { reshape } from './movement.js';
import { operand } from './operand.js';

/**
 * Minimum over axes: -max(-x).
 *
 * @example
 * min(tensor([[1, 5], [7, 2]]), 1);   // [1, 2]
 */
export function min(x: Tensor, axes?: number | number[], keepdims = false): Tensor {
  return neg(max(neg(operand('min', x)), axes, keepdims));
}

/**
 * log(Σ exp(x)) over axes, computed as m + log Σ exp(x - m) with m the (detached) maximum, so
 * it is finite for huge inputs; all -inf gives -inf.
 *
 * @example
 * logsumexp(tensor([1000, 1000]));   // 1000.693..., without overflow
 */
export function logsumexp(x: Tensor, axes?: number | number[], keepdims = false): Tensor {
  const t = operand('logsumexp', x);
  const m = max(t, axes, true).detach();
  // An infinite or NaN maximum would turn x - m into NaN: shift by 0 there instead.
  const shift = noGrad(() => tidy(() => where(lt(abs(m), Infinity), m, 0)));
  const lse = add(log(sum(exp(sub(t, shift)), axes, true)), shift);
  if (keepdims) return lse;
  return reshape(lse, max(t, axes, false).shape as number[]);
}

/**
 * exp(x) / Σ exp(x) along an axis (stable: the maximum is subtracted first).
 *
 * @example
 * softmax(tensor([0, Math.log(3)]));   // [0.25, 0.75]
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  const t = operand('softmax', x);
  const a = normalizeAxis('softmax', axis, t.rank);
  const e = exp(sub(t, max(t, a, true).detach()));
  return div(e, sum(e, a, true));
}

/**
 * x - logsumexp(x) along an axis.
 *
 * @example
 * logSoftmax(logits, 1);   // log-probabilities of each row
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const t = operand('logSoftmax', x);
  const a = normalizeAxis('logSoftmax', axis, t.rank);
  return sub(t, logsumexp(t, a, true));
}

/** How a loss reduces over its elements: their mean, their sum, or none (elementwise losses). */
export type Reduction = 'mean' | 'sum' | 'none';

function reduce(op: string, x: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'mean') return mean(x);
  if (reduction === 'sum') return sum(x);
  if (reduction === 'none') return x;
  throw new ArgumentError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
}

/**
 * Cross entropy between logits [N, C] and either integer class labels (N of them, as an
 * Int32Array, array or tensor of integers) or target probabilities of the logits' shape.
 *
 * @example
 * crossEntropy(logits, [3, 0, 1]);                  // mean over the batch
 * crossEntropy(logits, probabilities, { reduction: 'sum' });
 */
export function crossEntropy(logits: Tensor, target: IndexInput, optionsIn: { reduction?: Reduction } = {}): Tensor {
  const options = optionsObject('crossEntropy', optionsIn);
  const z = operand('crossEntropy', logits, 'logits');
  if (z.rank !== 2) throw new ShapeError(`crossEntropy: logits must have shape [N, C], got ${formatShape(z.shape)}`);
  const reduction = options.reduction ?? 'mean';
  const logp = logSoftmax(z, 1);
  let perSample: Tensor;
  if (target instanceof Tensor && target.rank === 2) {
    if (target.shape[0] !== z.shape[0] || target.shape[1] !== z.shape[1]) {
      throw new ShapeError(`crossEntropy: target probabilities ${formatShape(target.shape)} must match logits ${formatShape(z.shape)}`);
    }
    perSample = neg(sum(mul(target, logp), 1));
  } else {
    const labels = toIndices('crossEntropy', target, z.shape[1]!, false);
    if (labels.values.length !== z.shape[0]) {
      throw new ShapeError(`crossEntropy: expected ${z.shape[0]} labels for logits ${formatShape(z.shape)}, got ${labels.values.length}`);
    }
    const picked = gatherIndices(logp, 1, { values: labels.values, shape: [labels.values.length, 1] });
    perSample = neg(reshape(picked, [z.shape[0]!]));
  }
  return reduce('crossEntropy', perSample, reduction);
}

/**
 * Mean squared error (or its sum, or elementwise with reduction 'none').
 *
 * @example
 * mse(prediction, target);                         // mean over all elements
 * mse(prediction, target, { reduction: 'sum' });   // their sum
 */
export function mse(prediction: Tensor, target: Tensor, optionsIn: { reduction?: Reduction } = {}): Tensor {
  const options = optionsObject('mse', optionsIn);
  const p = operand('mse', prediction, 'prediction');
  const y = operand('mse', target, 'target');
  if (p.rank !== y.rank || p.shape.some((s, d) => s !== y.shape[d])) {
    throw new ShapeError(`mse: prediction ${formatShape(p.shape)} and target ${formatShape(y.shape)} differ in shape`);
  }
  return reduce('mse', square(sub(p, y)), options.reduction ?? 'mean');
}

/**
 * GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 *
 * @example
 * gelu(tensor([-1, 0, 1]));   // [-0.159, 0, 0.841]
 */
export function gelu(x: Tensor): Tensor {
  const t = operand('gelu', x);
  const inner = mul(add(t, mul(powScalar(t, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(mul(t, 0.5), add(tanh(inner), 1));
}

/**
 * Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1-p)
 * while training; the identity otherwise. Seeded: the same seed drops the same elements.
 *
 * @example
 * dropout(x, 0.5, { seed: 42 });         // about half zeroed, the rest doubled
 * dropout(x, 0.5, { training: false });   // x itself
 */
export function dropout(x: Tensor, p = 0.5, optionsIn: { training?: boolean; seed?: number } = {}): Tensor {
  const options = optionsObject('dropout', optionsIn);
  const t = operand('dropout', x);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ArgumentError(`dropout: p must be in [0, 1], got ${String(p)}`);
  if (options.training === false || p === 0) return t;
  const generator = generatorFor('dropout', options.seed);
  // The random numbers and the comparison are released at once; only the mask is kept.
  const keepMask = noGrad(() => tidy(() => {
    const u = randomTensor(t.shape, t.dtype, () => generator.uniform(), 'dropout', true);
    return div(lt(u, 1 - p), p === 1 ? 1 : 1 - p);
  }));
  return mul(t, keepMask);
}
