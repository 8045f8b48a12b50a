// Distillation loss: its value against the formula, its gradient, the teacher left untouched.

import { describe, expect, it } from 'vitest';
import { Adam, DataLoader, Dropout, Flatten, Linear, Sequential, crossEntropy, distillationLoss, evaluate, fit, gradcheck, randn, tensor, type ImageDataset, type Tensor } from '../../src/index.js';

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

  describe('keeps the teacher\'s logits per sample', () => {
    // A fixed teacher that counts the samples it is run on.
    class CountingTeacher extends Sequential {
      samples = 0;
      override forward(x: Tensor): Tensor {
        this.samples += x.shape[0]!;
        return super.forward(x);
      }
    }
    const images = (seed: number): ImageDataset => ({
      images: Uint8Array.from({ length: 23 * 16 }, (_, i) => (i * 37 + seed * 101) % 256),
      labels: Int32Array.from({ length: 23 }, (_, i) => (i * 7 + seed) % 3),
      shape: [1, 4, 4],
      classes: 3,
    });
    const makeTeacher = () => new CountingTeacher(new Flatten(), new Linear(16, 3, { dtype: 'float64', seed: 5 }));
    const train = async (data: ImageDataset, options: { cacheTeacher: boolean; shift?: number }) => {
      const teacher = makeTeacher();
      const student = new Sequential(new Flatten(), new Linear(16, 3, { dtype: 'float64', seed: 6 }));
      const loader = new DataLoader(data, { batchSize: 5, shuffle: true, seed: 3, dtype: 'float64', shift: options.shift ?? 0 });
      const loss = distillationLoss(teacher, { temperature: 2, alpha: 0.8, cacheTeacher: options.cacheTeacher });
      const reports = await fit(student, new Adam(student.parameters(), { lr: 0.01 }), loader, { epochs: 3, loss });
      return { teacher, student, losses: reports.map((r) => r.loss), loss, loader };
    };

    it('runs the teacher once per sample, with the losses of a teacher run on every batch, in fit and evaluate', async () => {
      const cached = await train(images(1), { cacheTeacher: true });
      const direct = await train(images(1), { cacheTeacher: false });
      expect(cached.teacher.samples).toBe(23);
      expect(direct.teacher.samples).toBe(3 * 23);
      cached.losses.forEach((l, i) => expect(l).toBeCloseTo(direct.losses[i]!, 12));
      // evaluate passes the batches' origin too: the training set's logits are known already.
      const evaluated = evaluate(cached.student, cached.loader, cached.loss);
      expect(cached.teacher.samples).toBe(23);
      expect(evaluated.loss).toBeCloseTo(evaluate(direct.student, direct.loader, direct.loss).loss, 12);
    });

    it('runs the teacher on every augmented batch, and keeps data sets, normalisations and dtypes apart', async () => {
      expect((await train(images(1), { cacheTeacher: true, shift: 1 })).teacher.samples).toBe(3 * 23);
      const data = images(1);
      const { teacher, loss } = await train(data, { cacheTeacher: true });
      const plain = distillationLoss(makeTeacher(), { temperature: 2, alpha: 0.8, cacheTeacher: false });
      const student32 = new Sequential(new Flatten(), new Linear(16, 3, { seed: 6 }));
      const student64 = new Sequential(new Flatten(), new Linear(16, 3, { dtype: 'float64', seed: 6 }));
      // The same data set object read with another mean, in float32, and another data set: a table each.
      const readings: [DataLoader, Sequential][] = [
        [new DataLoader(data, { batchSize: 5, dtype: 'float64', mean: [0.5] }), student64],
        [new DataLoader(data, { batchSize: 5 }), student32],
        [new DataLoader(images(2), { batchSize: 5, dtype: 'float64' }), student64],
      ];
      const teacher32 = new CountingTeacher(new Flatten(), new Linear(16, 3, { seed: 5 }));
      const loss32 = distillationLoss(teacher32, { temperature: 2, alpha: 0.8 });
      const plain32 = distillationLoss(new Sequential(new Flatten(), new Linear(16, 3, { seed: 5 })), { temperature: 2, alpha: 0.8, cacheTeacher: false });
      for (const [loader, student] of readings) {
        const float32 = loader.options.dtype === undefined;
        const [counting, cached, uncached] = float32 ? [teacher32, loss32, plain32] : [teacher, loss, plain];
        for (let epoch = 0; epoch < 2; epoch++) {
          const before = counting.samples;
          for (const { x, y, origin } of loader) {
            const z = student.forward(x);
            expect(cached(z, y, x, origin).item()).toBeCloseTo(uncached(z, y, x, origin).item(), float32 ? 5 : 12);
          }
          expect(counting.samples - before).toBe(epoch === 0 ? 23 : 0);
        }
      }
      // Replacing the data set's images starts its table over.
      data.images = data.images.map((v) => 255 - v);
      const before = teacher.samples;
      for (const { x, y, origin } of new DataLoader(data, { batchSize: 5, dtype: 'float64' })) {
        const z = student64.forward(x);
        expect(loss(z, y, x, origin).item()).toBeCloseTo(plain(z, y, x, origin).item(), 12);
      }
      expect(teacher.samples - before).toBe(23);
    });

    it('refuses an origin that does not match the inputs', () => {
      const loss = distillationLoss(makeTeacher());
      const data = images(1);
      const x = randn([2, 1, 4, 4], { dtype: 'float64', seed: 1 });
      const z = randn([2, 3], { dtype: 'float64', seed: 2 });
      const y = Int32Array.from([0, 1]);
      expect(() => loss(z, y, x, { data, samples: Int32Array.from([0]), inputKey: 'k' })).toThrow(/origin names 1 samples, the inputs hold 2/);
      expect(() => loss(z, y, x, { data, samples: Int32Array.from([0, 23]), inputKey: 'k' })).toThrow(/samples outside the data set's 23/);
      expect(() => distillationLoss(makeTeacher(), { cacheTeacher: 1 as never })).toThrow(/cacheTeacher must be true or false/);
    });
  });
});
