// The reverse pass: ordering, accumulation, options, grad mode, and deep graphs.

import { describe, expect, it } from 'vitest';
import { enableGrad, isGradEnabled, noGrad, ones, randn, tensor } from '../../src/index.js';

describe('backward()', () => {
  it('runs through a 100,000-node chain without overflowing the stack', () => {
    const x = tensor([1], { dtype: 'float64', requiresGrad: true });
    let y = x;
    for (let i = 0; i < 100_000; i++) y = y.mul(1.00001);
    y.sum().backward();
    expect(x.grad!.item()).toBeCloseTo(1.00001 ** 100_000, 6);
  });

  it('accumulates over shared subexpressions (diamond) and over calls', () => {
    const x = tensor([2, 3], { dtype: 'float64', requiresGrad: true });
    const h = x.mul(x); // used twice below
    h.add(h.mul(3)).sum().backward(); // d/dx 4x² = 8x
    expect(x.grad!.toNested()).toEqual([16, 24]);
    x.mul(1).sum().backward();
    expect(x.grad!.toNested()).toEqual([17, 25]);
  });

  it('takes an explicit upstream gradient for non-scalar outputs', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    x.mul(x).backward(tensor([1, 10, 100], { dtype: 'float64' }));
    expect(x.grad!.toNested()).toEqual([2, 40, 600]);
  });

  it('retainGraph allows a second pass; retainGrad keeps a non-leaf gradient', () => {
    const x = tensor([3], { dtype: 'float64', requiresGrad: true });
    const h = x.mul(2).retainGrad();
    const y = h.mul(h).sum();
    y.backward(undefined, { retainGraph: true });
    expect(h.grad!.toNested()).toEqual([12]);
    y.backward();
    expect(x.grad!.toNested()).toEqual([48]);
    expect(h.grad!.toNested()).toEqual([24]);
  });

  it('a leaf as the root gets a gradient of ones', () => {
    const x = tensor([5], { requiresGrad: true });
    x.backward();
    expect(x.grad!.toNested()).toEqual([1]);
  });

  it('noGrad stops recording, enableGrad resumes, detach cuts the graph', () => {
    const w = randn([2], { requiresGrad: true, seed: 1 });
    const inside = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      const resumed = enableGrad(() => w.mul(2));
      expect(resumed.requiresGrad).toBe(true);
      return w.mul(2);
    });
    expect(inside.requiresGrad).toBe(false);
    expect(isGradEnabled()).toBe(true);
    const d = w.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.toArray()).toEqual(w.toArray());
    w.mul(d).sum().backward(); // d is a constant
    expect(Array.from(w.grad!.toArray())).toEqual(Array.from(d.toArray()));
  });

  it('gradients cross dtype conversions in the source dtype', () => {
    const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    x.astype('float32').mul(3).sum().backward();
    expect(x.grad!.dtype).toBe('float64');
    expect(x.grad!.toNested()).toEqual([3, 3]);
  });

  it('only inputs that require gradients get them', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = ones([2]);
    a.mul(b).sum().backward();
    expect(a.grad).not.toBeNull();
    expect(b.grad).toBeNull();
  });

  it('createGraph records the backward pass (second derivatives)', () => {
    const x = tensor([2], { dtype: 'float64', requiresGrad: true });
    const y = x.mul(x).mul(x).sum(); // x³
    y.backward(undefined, { createGraph: true });
    const dy = x.grad!; // 3x² = 12, itself differentiable
    expect(dy.toNested()).toEqual([12]);
    expect(dy.requiresGrad).toBe(true);
    x.grad = null;
    dy.sum().backward();
    expect(x.grad!.toNested()).toEqual([12]); // 6x
  });
});
