// Memory lifecycle: a training loop without any manual disposal runs in flat memory; dispose,
// tidy, keep and garbage collection release storage as documented.

import { describe, expect, it } from 'vitest';
import {
  Dropout, Flatten, Linear, Module, ReLU, ReleasedTensorError, SGD, Sequential, add, crossEntropy, customFunction, distillationLoss,
  fc2, lenet5, memoryStats, noGrad, ones, randn, softmax, tensor, tidy, zeros, type Tensor,
} from '../../src/index.js';

describe('memory lifecycle', () => {
  it('10,000 steps of a two-layer MLP with inline SGD and no disposal keep bytes in use flat', () => {
    const X = randn([256, 8], { seed: 1 });
    const trueW = randn([8, 1], { seed: 2 });
    const Y = X.matmul(trueW).tanh().keep();
    const w1 = randn([8, 16], { seed: 3, std: 0.3, requiresGrad: true });
    const b1 = zeros([16], { requiresGrad: true });
    const w2 = randn([16, 1], { seed: 4, std: 0.3, requiresGrad: true });
    const b2 = zeros([1], { requiresGrad: true });
    const params = [w1, b1, w2, b2];
    const lr = 0.05;
    let bytesAt100 = 0;
    let memoryAt100 = 0;
    let firstLoss = 0;
    let lastLoss = 0;
    for (let step = 1; step <= 10_000; step++) {
      const start = (step * 32) % 256;
      const x = X.slice([[start, start + 32]]);
      const y = Y.slice([[start, start + 32]]);
      const h = x.matmul(w1).add(b1).relu();
      const loss = h.matmul(w2).add(b2).sub(y).square().mean();
      for (const p of params) p.grad = null;
      loss.backward();
      noGrad(() => {
        for (const p of params) p.addInPlace(p.grad!, -lr);
      });
      if (step === 1) firstLoss = loss.item();
      if (step === 100) {
        bytesAt100 = memoryStats().bytesInUse;
        memoryAt100 = memoryStats().memoryBytes;
      }
      if (step === 10_000) lastLoss = loss.item();
    }
    const bytesAt10000 = memoryStats().bytesInUse;
    console.log(`flat-memory test: bytes in use after step 100: ${bytesAt100}, after step 10,000: ${bytesAt10000}; ` +
      `memory ${memoryAt100} -> ${memoryStats().memoryBytes} bytes; loss ${firstLoss.toFixed(4)} -> ${lastLoss.toFixed(4)}`);
    expect(Math.abs(bytesAt10000 - bytesAt100) / bytesAt100).toBeLessThan(0.01);
    expect(memoryStats().memoryBytes).toBe(memoryAt100);
    expect(lastLoss).toBeLessThan(firstLoss * 0.2);
  });

  it('results are released two backward() calls after creation unless kept', () => {
    const w = randn([4], { requiresGrad: true, seed: 1 });
    const r1 = w.mul(2);
    const kept = w.mul(3).keep();
    r1.sum().backward();
    expect(r1.released).toBe(false); // still readable after the step that made it
    w.mul(1).sum().backward();
    expect(r1.released).toBe(true);
    expect(kept.released).toBe(false);
    expect(w.released).toBe(false);
    expect(w.grad!.released).toBe(false);
  });

  it('a gradient let go by its parameter is released like a result; accumulated gradients are reused in place', () => {
    const w = randn([4], { requiresGrad: true, seed: 1 });
    w.mul(w).sum().backward();
    const g1 = w.grad!;
    w.mul(w).sum().backward();
    expect(w.grad).toBe(g1); // accumulated in place
    w.grad = null;
    w.sum().backward();
    w.sum().backward();
    w.sum().backward();
    expect(g1.released).toBe(true);
  });

  it('tidy releases everything created inside except returned and kept tensors', () => {
    const before = memoryStats().liveBlocks;
    let inner: Tensor | undefined;
    let kept: Tensor | undefined;
    const result = tidy(() => {
      inner = ones([100]).mul(2);
      kept = ones([3]).keep();
      return { value: inner.sum(), list: [ones([2])] };
    });
    expect(inner!.released).toBe(true);
    expect(kept!.released).toBe(false);
    expect(result.value.item()).toBe(200);
    expect(result.list[0]!.released).toBe(false);
    result.value.dispose();
    result.list[0]!.dispose();
    kept!.dispose();
    expect(memoryStats().liveBlocks).toBe(before);
    expect(() => tidy(() => {
      ones([5]);
      throw new Error('boom');
    })).toThrow('boom');
    expect(memoryStats().liveBlocks).toBe(before);
  });

  it('nested tidy hands returned tensors to the outer scope', () => {
    let escaped: Tensor | undefined;
    tidy(() => {
      escaped = tidy(() => ones([2]).add(1));
      expect(escaped.released).toBe(false);
    });
    expect(escaped!.released).toBe(true);
  });

  it('a tensor that was garbage-collected releases its storage (FinalizationRegistry)', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc === undefined) throw new Error('run with --expose-gc (vitest.config.ts passes it)');
    const before = memoryStats().bytesInUse;
    (() => {
      for (let i = 0; i < 50; i++) ones([1000]);
    })();
    expect(memoryStats().bytesInUse).toBeGreaterThan(before + 50 * 4000 - 1);
    for (let attempt = 0; attempt < 20 && memoryStats().bytesInUse > before; attempt++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(memoryStats().bytesInUse).toBeLessThanOrEqual(before);
  });

  it('the two-backward rule counts per lineage: two models trained in one process never release each other\'s values', async () => {
    const wA = randn([4, 3], { seed: 5, requiresGrad: true });
    const wB = randn([4, 3], { seed: 6, requiresGrad: true });
    // A preprocessed input (a result, which the matmul saves for wA's gradient) shared by both.
    const x = ones([2, 4]).mul(1);
    // Model A's step starts, then (as in an interleaved async loop) model B runs three steps.
    const hiddenA = x.matmul(wA).tanh();
    const lossA = hiddenA.square().sum();
    const valuesA = hiddenA.toArray();
    for (let step = 0; step < 3; step++) {
      await Promise.resolve();
      x.matmul(wB).tanh().square().sum().backward();
    }
    expect(hiddenA.released).toBe(false);
    expect(hiddenA.toArray()).toEqual(valuesA);
    lossA.backward(); // its saved values are all still there
    expect(wA.grad!.shape).toEqual([4, 3]);
    // A's own backward calls do count: two more release A's first step (x with it: it joined A).
    const y = ones([2, 4]);
    y.matmul(wA).sum().backward();
    expect(hiddenA.released).toBe(true);
    expect(x.released).toBe(true);
    // A result made under noGrad from A's weights belongs to A's lineage too: B's backward() calls
    // leave it alone (they released it before), A's own steps release it.
    const evaluation = noGrad(() => y.matmul(wA));
    for (let step = 0; step < 3; step++) y.matmul(wB).sum().backward();
    expect(evaluation.released).toBe(false);
    y.matmul(wA).sum().backward();
    y.matmul(wA).sum().backward();
    expect(evaluation.released).toBe(true);
    for (const t of [wA, wB, y]) t.dispose();
  });

  it('a lineage that gets no backward() of its own lets its results go after 8 backward() calls of others', () => {
    // A frozen model attacked through its input: every step's graph is a new lineage (a fresh
    // leaf) that sees one backward(), and a teacher run with gradients on that never trains.
    const w = randn([4, 3], { seed: 7 });
    const teacher = randn([4, 3], { seed: 8, requiresGrad: true });
    const before = memoryStats().bytesInUse;
    const teacherOut = ones([2, 4]).matmul(teacher).tanh();
    for (let step = 0; step < 50; step++) {
      const x = randn([2, 4], { seed: step, requiresGrad: true });
      x.matmul(w).tanh().square().sum().backward();
      x.dispose();
      x.grad = null;
    }
    expect(teacherOut.released).toBe(true);
    teacher.dispose();
    w.dispose();
    expect(memoryStats().bytesInUse).toBeLessThanOrEqual(before + 4096);
  });

  it('operation results that nothing reaches are garbage-collected too, with no backward() ever', async () => {
    // The results of 20,000 ops, none disposed, no tidy, no backward: the step lists hold only the
    // results' claims on storage, never the tensors, so the collector can take them (issue: 15.7 MB
    // in 80,003 blocks stayed after a forced GC when the lists held the tensors).
    const gc = (globalThis as { gc?: () => void }).gc!;
    const x = ones([64]);
    const before = memoryStats().bytesInUse;
    (() => {
      for (let i = 0; i < 20_000; i++) x.mul(2).add(1);
    })();
    expect(memoryStats().bytesInUse).toBeGreaterThan(before + 20_000 * 2 * 256 - 1);
    for (let attempt = 0; attempt < 20 && memoryStats().bytesInUse > before; attempt++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(memoryStats().bytesInUse).toBeLessThanOrEqual(before);
    x.dispose();
  });
  it('an FC-2 inference loop under noGrad, with no tidy and no disposal, runs in flat memory', () => {
    // Each top-level forward under noGrad releases its intermediates when it returns and starts an
    // inference step: the model's outputs two steps old go (the issue measured 0.77 MiB of growth
    // per call, OutOfMemoryError after ~5,300 calls).
    const model = fc2({ seed: 1 }).eval();
    const x = randn([64, 1, 28, 28], { seed: 2 });
    let bytesAt100 = 0;
    let memoryAt100 = 0;
    let checksum = 0;
    noGrad(() => {
      for (let call = 1; call <= 2_000; call++) {
        const logits = model.forward(x);
        const probabilities = softmax(logits, 1);
        if (call === 1) checksum = probabilities.sum().item();
        if (call === 100) {
          bytesAt100 = memoryStats().bytesInUse;
          memoryAt100 = memoryStats().memoryBytes;
        }
      }
    });
    expect(checksum).toBeCloseTo(64, 3);
    expect(memoryStats().bytesInUse).toBe(bytesAt100);
    expect(memoryStats().memoryBytes).toBe(memoryAt100);
    for (const p of model.parameters()) p.dispose();
    x.dispose();
  });

  it('under noGrad a model\'s outputs (and what is computed from them) live through its next forward; keep() holds them longer', () => {
    const model = lenet5({ seed: 3 }).eval();
    const x = randn([2, 1, 28, 28], { seed: 4 });
    const before = memoryStats().bytesInUse;
    noGrad(() => {
      const first = model.forward(x);
      const firstProbabilities = softmax(first, 1);
      const kept = model.forward(x).keep();
      // Only the returned logits (2 x 10) and their softmax stay: the intermediates went at return.
      expect(memoryStats().bytesInUse - before).toBeLessThanOrEqual(4 * 3 * 128);
      expect(first.released).toBe(false);
      const values = first.toArray();
      model.forward(x); // the second forward after `first` was made releases it
      expect(first.released).toBe(true);
      expect(firstProbabilities.released).toBe(true);
      expect(kept.released).toBe(false);
      expect(kept.toArray()).toEqual(values);
      kept.dispose();
    });
    // A model evaluated in between does not count for this one.
    const other = fc2({ seed: 5, hidden: 8 }).eval();
    noGrad(() => {
      const mine = model.forward(x);
      for (let call = 0; call < 5; call++) other.forward(x);
      expect(mine.released).toBe(false);
    });
    for (const p of [...model.parameters(), ...other.parameters()]) p.dispose();
    x.dispose();
  });

  it('evaluating under noGrad between training steps leaves the training step\'s values readable through the next step', () => {
    const model = fc2({ seed: 6, hidden: 16 });
    const x = randn([4, 1, 28, 28], { seed: 7 });
    const loss = model.forward(x).square().mean();
    loss.backward();
    for (let call = 0; call < 5; call++) noGrad(() => model.forward(x));
    expect(loss.released).toBe(false);
    expect(Number.isFinite(loss.item())).toBe(true);
    for (const p of model.parameters()) p.dispose();
    x.dispose();
  });
  it('two models trained by interleaved async loops, without disposal, end exactly as when trained one after the other', async () => {
    const x = randn([16, 1, 28, 28], { seed: 11 });
    const y = new Int32Array(16).map((_, i) => i % 10);
    async function trainModel(seed: number, pause: () => Promise<void>): Promise<number[][]> {
      const model = fc2({ hidden: 8, seed });
      const optimizer = new SGD(model.parameters(), { lr: 0.05 });
      for (let step = 0; step < 12; step++) {
        const loss = crossEntropy(model.forward(x), y);
        await pause(); // the other model runs whole steps here
        optimizer.zeroGrad();
        loss.backward();
        await pause();
        optimizer.step();
      }
      return model.parameters().map((p) => Array.from(p.toArray() as Float32Array));
    }
    const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
    const alone = [await trainModel(1, async () => {}), await trainModel(2, async () => {})];
    const together = await Promise.all([trainModel(1, tick), trainModel(2, tick)]);
    expect(together).toEqual(alone);
  });

  describe('review cases of the lineage rules', () => {
    const labels = new Int32Array([0, 1, 2, 3]);

    it('a teacher\'s soft targets saved by the student\'s graph outlive the teacher\'s next forward calls (losses summed over micro-batches)', () => {
      const teacher = fc2({ hidden: 16, seed: 1 }).eval();
      const student = fc2({ hidden: 8, seed: 2 });
      const loss = distillationLoss(teacher, { temperature: 2, alpha: 0.5 });
      let total: Tensor | null = null;
      for (let micro = 0; micro < 3; micro++) {
        const x = randn([4, 1, 28, 28], { seed: micro });
        const l = loss(student.forward(x), labels, x);
        total = total === null ? l : add(total, l);
      }
      expect(() => total!.backward()).not.toThrow();
      expect(student.parameters()[0]!.grad!.shape).toEqual([8, 784]);
    });

    it('a custom function\'s output saved by the next recorded op survives inference steps before backward()', () => {
      const twice = customFunction({
        name: 'twice',
        forward: (x: Tensor) => x.tanh().mul(2),
        backward: (g: Tensor, { inputs: [x] }: { inputs: readonly Tensor[] }) => [g.mul(2).mul(x!.tanh().square().neg().add(1))],
      });
      class Model extends Module {
        first = this.registerModule('first', new Linear(8, 8, { seed: 1 }));
        second = this.registerModule('second', new Linear(8, 2, { seed: 2 }));
        forward(x: Tensor): Tensor { return this.second.forward(twice(this.first.forward(x))); }
      }
      const model = new Model();
      const x = randn([4, 8], { seed: 3 });
      model.forward(x).sum().backward();
      const loss = model.forward(x).square().mean();
      noGrad(() => model.forward(x));
      noGrad(() => model.forward(x));
      expect(() => loss.backward()).not.toThrow();
    });

    it('tensors a forward under noGrad makes with creation functions and stores stay (rule 1); a demoted gradient lives two steps', () => {
      class Offset extends Module {
        offset: Tensor | null = null;
        forward(x: Tensor): Tensor {
          this.offset ??= tensor(Array.from({ length: x.shape[1]! }, (_, i) => Math.sin(i)));
          return x.add(this.offset);
        }
      }
      const offset = new Offset();
      const x = randn([2, 8], { seed: 4 });
      noGrad(() => offset.forward(x));
      expect(() => offset.forward(x)).not.toThrow();
      const model = fc2({ hidden: 8, seed: 1 });
      const image = randn([4, 1, 28, 28], { seed: 5 });
      model.forward(image).square().mean().backward();
      const gradient = model.parameters()[1]!.grad!;
      model.zeroGrad();
      noGrad(() => model.forward(image));
      expect(gradient.released).toBe(false);
      model.forward(image).sum().backward();
      model.forward(image).sum().backward();
      expect(gradient.released).toBe(true);
    });

    it('a result made from nothing trainable and reused by inference steps joins the model\'s lineage: keep() holds it', () => {
      const layer = new Linear(8, 2, { seed: 1 });
      const reused = randn([16, 8], { seed: 2 }).mul(2);
      const kept = randn([16, 8], { seed: 3 }).mul(2).keep();
      noGrad(() => {
        layer.forward(reused);
        layer.forward(kept);
        layer.forward(kept);
        layer.forward(kept);
      });
      expect(() => noGrad(() => layer.forward(reused))).toThrow(ReleasedTensorError);
      expect(kept.released).toBe(false);
    });

    function flatLoop(steps: number, step: (index: number) => void): { growth: number; blocks: number } {
      let bytes = 0;
      let blocks = 0;
      for (let index = 1; index <= steps; index++) {
        step(index);
        if (index === 20) ({ bytesInUse: bytes, liveBlocks: blocks } = memoryStats());
      }
      return { growth: memoryStats().bytesInUse - bytes, blocks: memoryStats().liveBlocks - blocks };
    }

    it('training loops without disposal stay flat: cross-entropy, Dropout, a fresh batch result through Flatten', () => {
      const model = new Sequential(new Flatten(), new Linear(64, 32, { seed: 1 }), new ReLU(), new Dropout(0.5), new Linear(32, 4, { seed: 2 }));
      const optimizer = new SGD(model.parameters(), { lr: 0.01 });
      const base = randn([8, 1, 8, 8], { seed: 3 });
      const y = new Int32Array([0, 1, 2, 3, 0, 1, 2, 3]);
      const { growth, blocks } = flatLoop(300, () => {
        const batch = base.mul(1); // a fresh result each step, as a data pipeline makes
        const loss = crossEntropy(model.forward(batch), y);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
      });
      expect(growth).toBe(0);
      expect(blocks).toBe(0);
    });

    it('a frozen backbone called under noGrad from a recording forward, and models fed another model\'s kept output or frozen, stay flat', () => {
      const backbone = new Sequential(new Linear(16, 64, { seed: 1 }), new ReLU(), new Linear(64, 64, { seed: 2 }));
      const head = new Linear(64, 4, { seed: 3 });
      class Probe extends Module {
        forward(x: Tensor): Tensor { return head.forward(noGrad(() => backbone.forward(x))); }
      }
      const probe = new Probe();
      const optimizer = new SGD(head.parameters(), { lr: 0.01 });
      const x = randn([8, 16], { seed: 4 });
      const training = flatLoop(100, () => {
        const loss = probe.forward(x).square().mean();
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
      });
      expect(training.growth).toBe(0);
      const features = noGrad(() => backbone.forward(x)).keep();
      const frozen = fc2({ hidden: 8, seed: 5 });
      for (const p of frozen.parameters()) p.requiresGrad_(false);
      const image = randn([2, 1, 28, 28], { seed: 6 });
      const inference = flatLoop(100, () => noGrad(() => {
        softmax(head.forward(features), 1);
        frozen.forward(image);
      }));
      expect(inference.growth).toBe(0);
    });
  });
});
