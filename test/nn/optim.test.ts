import { describe, expect, it } from 'vitest';
import { Adam, AdamW, CosineAnnealingLR, LinearWarmup, SGD, StepLR, noGrad, randn, tensor } from '../../src/index.js';

describe('optimizers', () => {
  it('SGD: one step against hand-computed values (plain, momentum, Nesterov, weight decay)', () => {
    const p = tensor([1, -2], { dtype: 'float64', requiresGrad: true });
    p.grad = tensor([0.5, 1], { dtype: 'float64' });
    new SGD([p], { lr: 0.1 }).step();
    expect(Array.from(p.toArray())).toEqual([1 - 0.05, -2 - 0.1]);

    const q = tensor([1], { dtype: 'float64', requiresGrad: true });
    const opt = new SGD([q], { lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
    q.grad = tensor([2], { dtype: 'float64' });
    opt.step(); // d = 2 + 0.01·1 = 2.01, buf = 2.01, q = 1 - 0.201
    expect(q.item()).toBeCloseTo(0.799, 12);
    opt.step(); // d = 2 + 0.00799 = 2.00799, buf = 0.9·2.01 + 2.00799 = 3.81699, q -= 0.381699
    expect(q.item()).toBeCloseTo(0.799 - 0.381699, 12);

    const r = tensor([1], { dtype: 'float64', requiresGrad: true });
    const nesterov = new SGD([r], { lr: 0.1, momentum: 0.5, nesterov: true });
    r.grad = tensor([1], { dtype: 'float64' });
    nesterov.step(); // buf = 1, d = 1 + 0.5 = 1.5
    expect(r.item()).toBeCloseTo(0.85, 12);
  });

  it('Adam and AdamW: one step against hand-computed values', () => {
    const p = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    p.grad = tensor([0.5, -1], { dtype: 'float64' });
    new Adam([p], { lr: 0.01 }).step();
    // First step: m̂ = g, v̂ = g², update = lr·g/(|g| + eps) = ±lr (up to eps = 1e-8)
    const a = p.toArray();
    expect(a[0]).toBeCloseTo(1 - 0.01, 7);
    expect(a[1]).toBeCloseTo(2 + 0.01, 7);

    const q = tensor([1], { dtype: 'float64', requiresGrad: true });
    q.grad = tensor([0.5], { dtype: 'float64' });
    new AdamW([q], { lr: 0.1, weightDecay: 0.1 }).step();
    // q·(1 - 0.01) - 0.1·sign(g)
    expect(q.item()).toBeCloseTo(0.99 - 0.1, 7);

    const r = tensor([1], { dtype: 'float64', requiresGrad: true });
    r.grad = tensor([0.5], { dtype: 'float64' });
    new Adam([r], { lr: 0.1, weightDecay: 0.1 }).step();
    expect(r.item()).toBeCloseTo(1 - 0.1, 7); // L2 decay changes g, not the first step's size
  });

  it('Adam counts steps per parameter: one that first gets a gradient late takes a first-step-sized update', () => {
    const early = tensor([0], { dtype: 'float64', requiresGrad: true });
    const late = tensor([0], { dtype: 'float64', requiresGrad: true });
    const opt = new Adam([early, late], { lr: 0.01 });
    for (let i = 0; i < 50; i++) {
      early.grad = tensor([1], { dtype: 'float64' });
      late.grad = null;
      opt.step();
    }
    late.grad = tensor([1], { dtype: 'float64' });
    opt.step();
    // PyTorch: the late parameter's bias correction is that of its first step, so it moves by lr.
    expect(late.item()).toBeCloseTo(-0.01, 7);
    expect(opt.stepCount).toBe(51);
  });

  it.each([
    ['SGD', (ps: ReturnType<typeof randn>[]) => new SGD(ps, { lr: 0.05, momentum: 0.9 })],
    ['Adam', (ps: ReturnType<typeof randn>[]) => new Adam(ps, { lr: 0.05 })],
    ['AdamW', (ps: ReturnType<typeof randn>[]) => new AdamW(ps, { lr: 0.05, weightDecay: 1e-4 })],
  ] as const)('%s minimises a convex quadratic', (_name, make) => {
    const target = randn([20], { seed: 1 });
    const w = randn([20], { seed: 2, requiresGrad: true });
    const opt = make([w]);
    const loss = () => w.sub(target).square().sum();
    const start = noGrad(() => loss().item());
    for (let i = 0; i < 300; i++) {
      opt.zeroGrad();
      loss().backward();
      opt.step();
    }
    expect(noGrad(() => loss().item())).toBeLessThan(start * 1e-3);
  });

  it('rejects bad options', () => {
    const w = randn([2], { requiresGrad: true });
    expect(() => new SGD([w], { lr: -1 })).toThrow(/lr/);
    expect(() => new SGD([w], { lr: 0.1, nesterov: true })).toThrow(/Nesterov/);
    expect(() => new Adam([w], { betas: [1, 0.9] })).toThrow(/beta1/);
    expect(() => new SGD([randn([2])], { lr: 0.1 })).toThrow(/require gradients/);
  });
});

describe('learning-rate schedules', () => {
  const optimizer = () => new SGD([randn([1], { requiresGrad: true })], { lr: 1 });

  it('step, cosine and warm-up follow their formulas', () => {
    const o1 = optimizer();
    const step = new StepLR(o1, 2, 0.5);
    const rates = [1, 2, 3, 4, 5].map(() => (step.step(), o1.lr));
    expect(rates).toEqual([1, 0.5, 0.5, 0.25, 0.25]);
    const o2 = optimizer();
    const cosine = new CosineAnnealingLR(o2, 4, 0.1);
    const c = [1, 2, 3, 4, 5].map(() => (cosine.step(), o2.lr));
    [0.1 + 0.9 * (1 + Math.cos(Math.PI / 4)) / 2, 0.55, 0.1 + 0.9 * (1 + Math.cos((3 * Math.PI) / 4)) / 2, 0.1, 0.1].forEach((v, i) => expect(c[i]).toBeCloseTo(v, 12));
    const o3 = optimizer();
    const warm = new LinearWarmup(o3, 4, new CosineAnnealingLR(o3, 10), 0);
    expect(o3.lr).toBe(0);
    const w = [1, 2, 3, 4, 5].map(() => (warm.step(), o3.lr));
    expect(w.slice(0, 4)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(w[4]).toBeCloseTo((1 + Math.cos(Math.PI / 10)) / 2, 12);
  });
});
