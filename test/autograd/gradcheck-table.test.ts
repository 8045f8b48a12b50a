// Every differentiable operation against finite differences in float64, including broadcast,
// keepdims, permuted and size-1 cases; and a check that every entry of the backward table is
// exercised by at least one case here.

import { describe, expect, it } from 'vitest';
import {
  PRIMITIVES, Tensor, abs, add, concat, crossEntropy, customFunction, div, dropout, exp, expand, gather, gelu, gradcheck, indexSelect,
  leakyRelu, log, logSoftmax, logsumexp, matmul, max, maximum, mean, min, minimum, mse, mul, neg, pad, permute, pow,
  randn, rand, relu, reshape, sigmoid, slice, softmax, sqrt, square, stack, sub, sum, tanh, tensor, where, type PrimitiveName,
} from '../../src/index.js';
import { reluBackward, leakyReluBackward, tanhBackward, sigmoidBackward } from '../../src/ops/elementwise.js';
import { indexAdd, scatterAdd, zerosForGrad } from '../../src/ops/indexing.js';
import { sliceScatter } from '../../src/ops/movement.js';
import { diagonal, diagonalScatter, diagonalSpec } from '../../src/ops/diagonal.js';
import { adaptiveAvgPool2d, applyCircuit, avgPool2d, brickWall, conv2d, einsum, maxPool2d } from '../../src/index.js';
import { batchNormTraining } from '../../src/ops/batch-norm.js';

const softplusCustom = customFunction({
  name: 'softplus',
  forward: (x) => log(add(exp(x), 1)),
  backward: (g, { inputs: [x] }) => [mul(g, sigmoid(x!))],
});

interface Input { shape: number[]; low?: number; high?: number; normal?: boolean }
interface Case { name: string; inputs: Input[]; fn: (...xs: Tensor[]) => Tensor }

const N = (...shape: number[]): Input => ({ shape, normal: true });
const U = (low: number, high: number, ...shape: number[]): Input => ({ shape, low, high });

// Random inputs away from kinks (|x| >= 0.1 for relu/abs/max ties is handled by continuous sampling).
const cases: Case[] = [
  // unary
  { name: 'neg', inputs: [N(3, 4)], fn: (x) => neg(x) },
  { name: 'exp', inputs: [N(2, 3)], fn: (x) => exp(x) },
  { name: 'log', inputs: [U(0.5, 3, 5)], fn: (x) => log(x) },
  { name: 'sqrt', inputs: [U(0.5, 3, 2, 2)], fn: (x) => sqrt(x) },
  { name: 'abs', inputs: [N(7)], fn: (x) => abs(x) },
  { name: 'tanh', inputs: [N(3, 1, 2)], fn: (x) => tanh(x) },
  { name: 'sigmoid', inputs: [N(6)], fn: (x) => sigmoid(x) },
  { name: 'relu', inputs: [N(4, 5)], fn: (x) => relu(x) },
  { name: 'leakyRelu', inputs: [N(4, 5)], fn: (x) => leakyRelu(x, 0.2) },
  { name: 'powScalar 3', inputs: [N(3, 3)], fn: (x) => pow(x, 3) },
  { name: 'powScalar -1.5 / 2 / 0.5 / -1', inputs: [U(0.5, 2, 4)], fn: (x) => add(add(pow(x, -1.5), square(x)), add(pow(x, 0.5), pow(x, -1))) },
  { name: 'size-1 and rank-0 unary', inputs: [N(1), N()], fn: (x, y) => add(tanh(x), exp(y)) },
  // binary, with broadcasting
  { name: 'add broadcast', inputs: [N(2, 3), N(3)], fn: (a, b) => add(a, b) },
  { name: 'sub broadcast both', inputs: [N(2, 1, 4), N(3, 1)], fn: (a, b) => sub(a, b) },
  { name: 'mul broadcast size-1', inputs: [N(4, 1), N(1, 5)], fn: (a, b) => mul(a, b) },
  { name: 'div', inputs: [N(3, 2), U(0.5, 2, 3, 2)], fn: (a, b) => div(a, b) },
  { name: 'div scalar operand', inputs: [N(3)], fn: (a) => div(2, add(mul(a, a), 1)) },
  { name: 'maximum', inputs: [N(5, 2), N(2)], fn: (a, b) => maximum(a, b) },
  { name: 'minimum', inputs: [N(5, 2), N(5, 1)], fn: (a, b) => minimum(a, b) },
  { name: 'pow tensor exponent', inputs: [U(0.5, 2, 3, 2), N(2)], fn: (a, b) => pow(a, b) },
  // fused backward primitives (differentiable themselves)
  { name: 'reluBackward', inputs: [N(6), N(6)], fn: (g, x) => reluBackward(g, x) },
  { name: 'leakyReluBackward', inputs: [N(6), N(6)], fn: (g, x) => leakyReluBackward(g, x, 0.3) },
  { name: 'tanhBackward', inputs: [N(6), N(6)], fn: (g, y) => tanhBackward(g, y) },
  { name: 'sigmoidBackward', inputs: [N(6), U(0.1, 0.9, 6)], fn: (g, y) => sigmoidBackward(g, y) },
  // reductions
  { name: 'sum all', inputs: [N(3, 4)], fn: (x) => sum(x) },
  { name: 'sum axes keepdims', inputs: [N(2, 3, 4)], fn: (x) => sum(x, [0, 2], true) },
  { name: 'sum middle axis', inputs: [N(2, 3, 4)], fn: (x) => sum(x, 1) },
  { name: 'mean axis', inputs: [N(3, 5)], fn: (x) => mean(x, -1) },
  { name: 'mean non-adjacent keepdims', inputs: [N(2, 3, 4, 2)], fn: (x) => mean(x, [1, 3], true) },
  { name: 'max all', inputs: [N(4, 3)], fn: (x) => max(x) },
  { name: 'max axis keepdims', inputs: [N(3, 5, 2)], fn: (x) => max(x, 1, true) },
  { name: 'max non-adjacent axes', inputs: [N(3, 2, 4)], fn: (x) => max(x, [0, 2]) },
  { name: 'min', inputs: [N(4, 3)], fn: (x) => min(x, 0) },
  { name: 'logsumexp', inputs: [N(3, 4)], fn: (x) => logsumexp(x, 1) },
  // movement
  { name: 'reshape', inputs: [N(2, 6)], fn: (x) => mul(reshape(x, [3, -1]), tensor([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]], { dtype: 'float64' })) },
  { name: 'permute rank 4', inputs: [N(2, 3, 4, 5)], fn: (x) => permute(x, [2, 0, 3, 1]) },
  { name: 'transpose (non-contiguous input to matmul)', inputs: [N(4, 3), N(4, 2)], fn: (a, b) => matmul(a.mT, b) },
  { name: 'expand', inputs: [N(3, 1)], fn: (x) => expand(x, [2, 3, 4]) },
  { name: 'slice with steps and index', inputs: [N(5, 6, 3)], fn: (x) => slice(x, [[1, 5, 2], [null, null, -2], 1]) },
  { name: 'sliceScatter', inputs: [N(2, 2)], fn: (g) => sliceScatter(g, { inputShape: [4, 3], starts: [1, 0], steps: [2, 2], counts: [2, 2], dropped: [] }) },
  { name: 'concat', inputs: [N(2, 3), N(2, 1), N(2, 2)], fn: (a, b, c) => concat([a, b, c], 1) },
  { name: 'stack', inputs: [N(3), N(3)], fn: (a, b) => stack([a, b], 1) },
  { name: 'pad', inputs: [N(2, 3)], fn: (x) => pad(x, [[1, 0], [2, 1]], 0.5) },
  // indexing
  { name: 'indexSelect repeated', inputs: [N(4, 3)], fn: (x) => indexSelect(x, 0, [2, 0, 2, 3]) },
  { name: 'indexAdd', inputs: [N(3, 2), N(4, 2)], fn: (b, s) => indexAdd(b, 0, { values: Int32Array.from([1, 1, 0, 2]), shape: [4] }, s) },
  { name: 'gather', inputs: [N(3, 4)], fn: (x) => gather(x, 1, tensor([[0, 3], [1, 1], [2, 0]])) },
  { name: 'scatterAdd', inputs: [N(3, 4), N(3, 2)], fn: (b, s) => scatterAdd(b, 1, { values: Int32Array.from([0, 3, 1, 1, 2, 0]), shape: [3, 2] }, s) },
  { name: 'where broadcast', inputs: [N(3, 4), N(4)], fn: (a, b) => where(tensor([[1], [0], [1]], { dtype: 'float64' }), a, b) },
  // products and conversion
  { name: 'matmul', inputs: [N(3, 4), N(4, 5)], fn: (a, b) => matmul(a, b) },
  { name: 'matmul batched broadcast', inputs: [N(2, 1, 3, 4), N(3, 4, 2)], fn: (a, b) => matmul(a, b) },
  { name: 'matmul vector cases', inputs: [N(4), N(4, 3), N(3)], fn: (v, m, w) => matmul(matmul(v, m), w) },
  { name: 'astype (clone)', inputs: [N(3)], fn: (x) => mul(x.astype('float64'), x) },
  { name: 'zeros for grad in expression', inputs: [N(2)], fn: (x) => add(x, zerosForGrad([2], 'float64')) },
  // diagonals (einsum's repeated indices)
  { name: 'diagonal', inputs: [N(3, 2, 3)], fn: (x) => diagonal(x, diagonalSpec('test', [3, 2, 3], ['i', 'j', 'i']).spec) },
  { name: 'diagonalScatter', inputs: [N(3, 2)], fn: (g) => diagonalScatter(g, diagonalSpec('test', [3, 2, 3], ['i', 'j', 'i']).spec) },
  { name: 'einsum (trace, contraction, broadcast)', inputs: [N(3, 3, 2), N(2, 4)], fn: (a, b) => einsum('iij,jk->k', a, b) },
  // the fused gate circuit of the ADTN generator
  { name: 'circuit (gates and state)', inputs: [N(16), N(6, 4, 4)], fn: (s, g) => applyCircuit(s, g, { sites: 4, localDim: 2, steps: brickWall(4, 2, 'tanh', 0) }) },
  // convolution and pooling (the layers' own suites check more configurations)
  { name: 'conv2d stride, padding, dilation, bias', inputs: [N(2, 2, 6, 5), N(3, 2, 3, 2), N(3)], fn: (x, w, b) => conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [1, 2] }) },
  { name: 'maxPool2d with padding', inputs: [N(1, 2, 5, 5)], fn: (x) => maxPool2d(x, 2, { stride: 2, padding: 1 }) },
  { name: 'avgPool2d overlapping windows', inputs: [N(2, 1, 4, 5)], fn: (x) => avgPool2d(x, [2, 3], { stride: 1 }) },
  { name: 'adaptiveAvgPool2d uneven bins', inputs: [N(1, 2, 5, 7)], fn: (x) => adaptiveAvgPool2d(x, [2, 3]) },
  // batch normalisation with the batch's statistics (one fused primitive)
  { name: 'batchNorm with scale and shift', inputs: [N(3, 2, 2, 5), N(2), N(2)], fn: (x, w, b) => mul(batchNormTraining(x, w, b, 1e-5).output, x) },
  { name: 'batchNorm without scale, [N, C]', inputs: [N(5, 3), N(3)], fn: (x, b) => square(batchNormTraining(x, null, b, 0.1).output) },
  // composites
  { name: 'softmax', inputs: [N(3, 5)], fn: (x) => softmax(x, 1) },
  { name: 'logSoftmax', inputs: [N(2, 4)], fn: (x) => logSoftmax(x) },
  { name: 'crossEntropy labels', inputs: [N(4, 3)], fn: (x) => crossEntropy(x, [0, 2, 1, 2]) },
  { name: 'crossEntropy probabilities', inputs: [N(2, 3)], fn: (x) => crossEntropy(x, tensor([[0.2, 0.5, 0.3], [1, 0, 0]], { dtype: 'float64' }), { reduction: 'sum' }) },
  { name: 'mse', inputs: [N(3, 2), N(3, 2)], fn: (a, b) => mse(a, b) },
  { name: 'gelu', inputs: [N(7)], fn: (x) => gelu(x) },
  { name: 'dropout (seeded mask)', inputs: [N(20)], fn: (x) => dropout(x, 0.3, { seed: 5 }) },
  { name: 'customFunction (softplus with a hand-written backward)', inputs: [N(3, 4), N(3, 4)], fn: (x, y) => softplusCustom(mul(x, y)) },
];

function makeInputs(c: Case, seed: number): Tensor[] {
  return c.inputs.map((input, i) =>
    input.normal
      ? randn(input.shape, { dtype: 'float64', requiresGrad: true, seed: seed * 31 + i })
      : rand(input.shape, { dtype: 'float64', requiresGrad: true, seed: seed * 31 + i, low: input.low, high: input.high }),
  );
}

describe('gradcheck of every differentiable operation (float64)', () => {
  const used = new Set<PrimitiveName>();

  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const inputs = makeInputs(c, i + 1);
    const result = gradcheck(c.fn, inputs);
    for (const p of result.primitives) used.add(p);
    expect(result.worst === null ? 'no elements' : result.ok ? 'ok' : `fails: ${JSON.stringify(result.worst)}`).toMatch(/ok|no elements/);
    expect(result.maxAbsError).toBeLessThan(1e-6);
  });

  it('covers every entry of the backward table', () => {
    const missing = PRIMITIVES.filter((p) => !used.has(p));
    expect(missing, `primitives without a gradcheck case: ${missing.join(', ')}`).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(50);
  });

  it('fails on a deliberately wrong gradient (the checker can fail)', () => {
    const x = randn([4], { dtype: 'float64', requiresGrad: true, seed: 3 });
    expect(gradcheck((t) => exp(t), [x]).ok).toBe(true);
    // Value exp(x), but the recorded gradient is that of x (slope 1): must be caught.
    const wrong = (t: Tensor) => add(exp(t.detach()), sub(t, t.detach()));
    const result = gradcheck(wrong, [x]);
    expect(result.ok).toBe(false);
    expect(result.maxRelError).toBeGreaterThan(0.1);
    expect(() => gradcheck(wrong, [x], { throwOnFailure: true })).toThrow(/analytic/);
  });

  it('checks a seeded sample of elements of a large input', () => {
    const x = randn([50, 40], { dtype: 'float64', requiresGrad: true, seed: 9 });
    const result = gradcheck((t) => tanh(t).square(), [x], { maxElements: 25 });
    expect(result.ok).toBe(true);
  });

  it('rejects float32 inputs and inputs without requiresGrad', () => {
    expect(() => gradcheck((t) => t.sum(), [randn([2], { requiresGrad: true })])).toThrow(/float64/);
    expect(() => gradcheck((t) => t.sum(), [randn([2], { dtype: 'float64' })])).toThrow(/requiresGrad/);
  });
});
