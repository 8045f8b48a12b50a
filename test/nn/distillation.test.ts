// Distillation loss: its value against the formula, its gradient, the teacher left untouched.

import { describe, expect, it } from 'vitest';
import { Dropout, Linear, Sequential, crossEntropy, distillationLoss, gradcheck, randn, tensor } from '../../src/index.js';

function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
}

describe('distillationLoss', () => {
  const teacher = new Sequential(new Linear(4, 3, { dtype: 'float64', seed: 1 }));
  const x = randn([5, 4], { dtype: 'float64', seed: 2 });
  const labels = Int32Array.from([0, 2, 1, 1, 0]);

  it('is (1 - α)·CE(labels) + α·T²·CE(softmax(teacher / T), student / T)', () => {
    const z = randn([5, 3], { dtype: 'float64', seed: 3 });
    const [T, alpha] = [3, 0.7];
    const value = distillationLoss(teacher, { temperature: T, alpha })(z, labels, x).item();
    const zs = Array.from(z.toArray());
    const zt = Array.from(teacher.forward(x).toArray());
    let hard = 0;
    let soft = 0;
    for (let n = 0; n < 5; n++) {
      const s = zs.slice(n * 3, n * 3 + 3);
      const t = zt.slice(n * 3, n * 3 + 3);
      hard -= logSoftmax(s)[labels[n]!]!;
      const p = logSoftmax(t.map((v) => v / T)).map(Math.exp);
      const q = logSoftmax(s.map((v) => v / T));
      soft -= p.reduce((acc, pi, c) => acc + pi * q[c]!, 0);
    }
    expect(value).toBeCloseTo(((1 - alpha) * hard + alpha * T * T * soft) / 5, 12);
    expect(distillationLoss(teacher, { alpha: 0 })(z, labels, x).item()).toBeCloseTo(crossEntropy(z, labels).item(), 14);
  });

  it('passes gradcheck in the student logits, and leaves the teacher without gradients and in its mode', () => {
    const z = randn([5, 3], { dtype: 'float64', seed: 4, requiresGrad: true });
    const loss = distillationLoss(teacher, { temperature: 2, alpha: 0.5 });
    expect(gradcheck((logits) => loss(logits, labels, x), [z]).ok).toBe(true);
    loss(z, labels, x).backward();
    for (const p of teacher.parameters()) expect(p.grad).toBeNull();
    // A teacher with dropout is evaluated in evaluation mode (deterministic) and left as it was.
    const noisy = new Sequential(new Linear(4, 3, { dtype: 'float64', seed: 1 }), new Dropout(0.5, { seed: 9 }));
    noisy.train();
    const soft = distillationLoss(noisy, { alpha: 1 });
    expect(soft(z, labels, x).item()).toBe(soft(z, labels, x).item());
    expect(noisy.training).toBe(true);
  });

  it('rejects bad options and a call without the inputs', () => {
    expect(() => distillationLoss(teacher, { temperature: 0 })).toThrow(/temperature must be a positive number/);
    expect(() => distillationLoss(teacher, { alpha: 1.5 })).toThrow(/alpha must be in \[0, 1\]/);
    expect(() => distillationLoss({} as never)).toThrow(/teacher must be a Module/);
    expect(() => distillationLoss(teacher)(tensor([[1, 2, 3]], { dtype: 'float64' }), Int32Array.from([0]))).toThrow(/needs the batch inputs/);
  });
});
