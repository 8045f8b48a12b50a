// User-defined differentiable functions (customFunction) and functional gradients (grad,
// valueAndGrad, vjp): values, gradients against finite differences, double backward, the grad
// mode and scope rules, clear errors, and no gradients or memory left behind.

import { describe, expect, it } from 'vitest';
import {
  AdtnError, ArgumentError, ShapeError, abs, customFunction, exp, gradcheck, grad, gt, le, memoryStats, mul, noGrad, ones, randn,
  sigmoid, tensor, tidy, valueAndGrad, vjp, type Tensor,
} from '../../src/index.js';

// The README's example: sign(x) forward, the gradient of hard tanh backward (a straight-through estimator).
const signSte = customFunction({
  name: 'signSte',
  forward: (x) => gt(x, 0).mul(2).sub(1),
  backward: (g, { inputs: [x] }) => [g.mul(le(abs(x!), 1))],
});

// A smooth custom function whose backward is written with differentiable operations.
const swish = customFunction<Tensor>({
  name: 'swish',
  forward: (x) => {
    const s = sigmoid(x);
    return { output: mul(x, s), saved: s };
  },
  backward: (g, { inputs: [x] }) => {
    const s = sigmoid(x!);
    return [mul(g, s.add(mul(x!, mul(s, s.neg().add(1)))))];
  },
});

describe('customFunction', () => {
  it('a straight-through estimator: its forward value, its own backward rule, inside a larger graph', () => {
    const x = tensor([-2, -0.5, 0.3, 1.5], { requiresGrad: true });
    const y = signSte(x);
    expect(Array.from(y.toArray())).toEqual([-1, -1, 1, 1]);
    y.mul(tensor([1, 2, 3, 4])).sum().backward();
    expect(Array.from(x.grad!.toArray())).toEqual([0, 2, 3, 0]);
  });

  it('hands the backward rule what the forward saved; saved tensors it made go when the graph is freed, the caller\'s never', () => {
    let copy: Tensor | null = null;
    const mask = tensor([1, 0]);
    const scaled = customFunction<{ factor: number; copy: Tensor; mask: Tensor }>({
      name: 'scaled',
      forward: (x) => {
        copy = x.mul(1);
        return { output: x.mul(3).mul(mask), saved: { factor: 3, copy, mask } };
      },
      backward: (g, { saved }) => [g.mul(saved.factor).mul(saved.mask).add(saved.copy.mul(0))],
    });
    const x = tensor([1, 2], { requiresGrad: true });
    scaled(x).sum().backward();
    expect(Array.from(x.grad!.toArray())).toEqual([3, 0]);
    expect(copy!.released).toBe(true);
    expect(mask.released).toBe(false);
    expect(Array.from(mask.toArray())).toEqual([1, 0]);
  });

  it('a saved tensor returned as a gradient, through a non-leaf input, survives the graph', () => {
    const twice = customFunction<Tensor>({ name: 'twice', forward: (x) => ({ output: x.mul(2), saved: ones(x.shape as number[]).mul(2) }), backward: (_g, { saved }) => [saved] });
    const w = tensor([1, 2, 3], { requiresGrad: true });
    twice(w.mul(3)).sum().backward();
    expect(Array.from(w.grad!.toArray())).toEqual([6, 6, 6]);
  });

  it('a forward that returns a tensor from outside leaves it alone (the node goes on a copy)', () => {
    const parameter = tensor([1, 2], { requiresGrad: true }).keep();
    const constant = customFunction({ name: 'constant', forward: () => parameter, backward: (g) => [g.mul(0)] });
    const x = tensor([5, 5], { requiresGrad: true });
    const y = constant(x);
    expect(y).not.toBe(parameter);
    expect(parameter.isLeaf).toBe(true);
    y.sum().backward();
    expect(Array.from(x.grad!.toArray())).toEqual([0, 0]);
  });

  it('passes gradcheck in float64, and a wrong backward is caught by it', () => {
    const x = randn([5, 3], { dtype: 'float64', requiresGrad: true, seed: 2 });
    expect(gradcheck((t) => swish(t), [x]).ok).toBe(true);
    const wrong = customFunction({ name: 'wrongExp', forward: (t) => exp(t), backward: (g) => [g] });
    expect(gradcheck((t) => wrong(t), [x]).ok).toBe(false);
  });

  it('supports createGraph: a backward written with differentiable ops gives second derivatives', () => {
    const x = tensor([0.3, -1.2, 2], { dtype: 'float64', requiresGrad: true });
    const y = swish(x).sum();
    y.backward(undefined, { createGraph: true });
    const first = x.grad!;
    x.grad = null;
    first.sum().backward();
    // swish'' = s(1-s)(2 + x(1-2s))
    const expected = [0.3, -1.2, 2].map((v) => { const s = 1 / (1 + Math.exp(-v)); return s * (1 - s) * (2 + v * (1 - 2 * s)); });
    Array.from(x.grad!.toArray()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });

  it('records nothing under noGrad, and its intermediates go with tidy', () => {
    const x = randn([4], { requiresGrad: true, seed: 1 });
    expect(noGrad(() => swish(x)).requiresGrad).toBe(false);
    const before = memoryStats().bytesInUse;
    const total = tidy(() => swish(x).sum().item());
    expect(Number.isFinite(total)).toBe(true);
    expect(memoryStats().bytesInUse).toBe(before);
  });

  it('refuses bad definitions and bad gradients, naming the function', () => {
    expect(() => customFunction({ name: '', forward: (x) => x, backward: (g) => [g] })).toThrow(/customFunction: name must be a non-empty string/);
    expect(() => customFunction(null as never)).toThrow(ArgumentError);
    const x = randn([3], { requiresGrad: true, seed: 1 });
    const twoGrads = customFunction({ name: 'twoGrads', forward: (t) => t.mul(2), backward: (g) => [g, g] });
    expect(() => twoGrads(x).sum().backward()).toThrow(/twoGrads: backward must return one gradient \(or null\) per input: 1, got 2/);
    const badShape = customFunction({ name: 'badShape', forward: (t) => t.mul(2), backward: () => [ones([4])] });
    expect(() => badShape(x).sum().backward()).toThrow(/badShape: backward's gradient 0 must be a float32 tensor of shape \[3\], got float32 \[4\]/);
    const lookalike = customFunction({ name: 'lookalike', forward: (t) => t.mul(2), backward: () => [{ shape: [3], dtype: 'float32' } as never] });
    expect(() => lookalike(x).sum().backward()).toThrow(/lookalike: backward's gradient 0 must be a float32 tensor of shape \[3\], got an object/);
    const notTensor = customFunction({ name: 'notTensor', forward: () => 3 as never, backward: (g) => [g] });
    expect(() => notTensor(x)).toThrow(/notTensor: forward must return a Tensor or \{ output, saved \}, got 3/);
    expect(() => signSte(5 as never)).toThrow(/signSte: input 0 must be a Tensor, got 5/);
    // The identity returns its input: the node goes on a copy, not on the input.
    const identity = customFunction({ name: 'identity', forward: (t) => t, backward: (g) => [g.mul(3)] });
    const y = identity(x);
    expect(y).not.toBe(x);
    y.sum().backward();
    expect(Array.from(x.grad!.toArray())).toEqual([3, 3, 3]);
  });
});

describe('functional gradients', () => {
  it('grad and valueAndGrad return values and gradients, leaving no gradient on the inputs', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const [dx] = grad((t) => t.square().sum())(x);
    expect(Array.from(dx!.toArray())).toEqual([2, 4, 6]);
    expect(x.grad).toBeNull();
    const w = randn([2, 3], { dtype: 'float64', seed: 1 });
    const v = randn([3], { dtype: 'float64', seed: 2 });
    const { value, grads: [dw, dv] } = valueAndGrad((a, b) => a.matmul(b).tanh().sum())(w, v);
    expect(value.item()).toBeCloseTo(w.matmul(v).tanh().sum().item(), 12);
    const t = w.matmul(v).tanh();
    const back = t.square().neg().add(1);
    const expectedW = Array.from({ length: 6 }, (_, k) => back.toArray()[Math.floor(k / 3)]! * v.toArray()[k % 3]!);
    Array.from(dw!.toArray()).forEach((g, k) => expect(g).toBeCloseTo(expectedW[k]!, 12));
    expect(dv!.shape).toEqual([3]);
    // An input the value does not depend on gets zeros.
    const [, unused] = grad((a) => a.sum())(w, v);
    expect(Array.from(unused!.toArray())).toEqual([0, 0, 0]);
  });

  it("does not end the caller's step: results made before a call stay readable", () => {
    const h = randn([2], { seed: 9 }).mul(2);
    const x = tensor([1, 2]);
    grad((t) => t.square().sum())(x);
    grad((t) => t.square().sum())(x);
    grad((t) => t.square().sum())(x);
    expect(h.released).toBe(false);
  });

  it('vjp: the vector-Jacobian product of a non-scalar function', () => {
    const x = tensor([0.5, -1, 2], { dtype: 'float64' });
    const cotangent = tensor([1, 2, 3], { dtype: 'float64' });
    const { value, vjp: [dx] } = vjp((t) => t.tanh(), [x], cotangent);
    Array.from(value.toArray()).forEach((y, i) => expect(y).toBeCloseTo(Math.tanh(x.toArray()[i]!), 12));
    Array.from(dx!.toArray()).forEach((g, i) => expect(g).toBeCloseTo((i + 1) * (1 - Math.tanh(x.toArray()[i]!) ** 2), 12));
  });

  it('works through custom functions and under noGrad; memory stays flat over repeated calls', () => {
    const x = randn([8], { dtype: 'float64', seed: 4 });
    const [a] = noGrad(() => grad((t) => swish(t).sum())(x));
    const [b] = grad((t) => swish(t).sum())(x);
    expect(Array.from(a!.toArray())).toEqual(Array.from(b!.toArray()));
    const step = (): void => {
      const { value, grads } = valueAndGrad((t) => swish(t).mul(t).sum())(x);
      value.dispose();
      for (const g of grads) g.dispose();
    };
    step();
    const before = memoryStats().bytesInUse;
    for (let i = 0; i < 50; i++) {
      const { value, grads } = valueAndGrad((t) => swish(t).mul(t).sum())(x);
      value.dispose();
      for (const g of grads) g.dispose();
    }
    expect(memoryStats().bytesInUse).toBeLessThanOrEqual(before);
  });

  it('refuses bad arguments with the library errors', () => {
    const x = ones([3]);
    expect(() => grad(5 as never)).toThrow(/grad: expected a function of tensors, got 5/);
    expect(() => grad((t) => t)(x)).toThrow(ShapeError);
    expect(() => grad((t) => t)(x)).toThrow(/grad: the function must return one element, got shape \[3\]; use vjp/);
    expect(() => grad((t) => t.sum())('x' as never)).toThrow(/grad: input 0 must be a Tensor, got "x"/);
    expect(() => vjp((t) => t, x as never, ones([3]))).toThrow(/vjp: inputs must be an array of tensors/);
    expect(() => vjp((t) => t.mul(2), [x], ones([4]))).toThrow(AdtnError);
    expect(() => valueAndGrad(() => 3 as never)(x)).toThrow(/valueAndGrad: the function must return a Tensor, got 3/);
  });
});
