// One ADTN for several layers: the slices are the circuit's output, gradients from both layers
// reach the shared gates (gradcheck), the circuit runs once per step, parameters count once, and a
// checkpoint rebuilds the sharing.

import { describe, expect, it } from 'vitest';
import {
  AdtnPart, Adam, SharedAdtn, applyAdtn, compressLayers, fc2, gradcheck, noGrad, parameterReport, rebuildCompression, randn,
  Linear, ReLU, Sequential, tensor, adtnInitialState, crossEntropy,
} from '../../src/index.js';

describe('SharedAdtn', () => {
  it("each layer's weight is its slice of one circuit output, times the layer's own scale", () => {
    const shared = new SharedAdtn([[3, 4], [5]], { depth: 2, seed: 3, dtype: 'float64' });
    expect(shared.plan.sites).toBe(5); // 17 entries -> 32
    const out = noGrad(() => applyAdtn(shared.plan, shared.gates, null, tensor(adtnInitialState(shared.plan), { dtype: 'float64' }))).toArray();
    for (const [i, [start, n]] of [[0, 12], [12, 5]].entries()) {
      const part = shared.part(i);
      const w = noGrad(() => part.generate()).toArray();
      const s = part.scale.item();
      for (let k = 0; k < n!; k++) expect(w[k]).toBeCloseTo(out[start! + k]! * s, 14);
    }
    expect(() => shared.part(2)).toThrow(/index 2 is not one of the 2 weights/);
    expect(() => new SharedAdtn([])).toThrow(/at least one weight shape/);
  });

  it('passes gradcheck through both layers into the shared gates and both scales (float64)', () => {
    const shared = new SharedAdtn([[2, 3], [4, 2]], { depth: 2, seed: 5, dtype: 'float64', activation: 'tanh' });
    const [a, b] = [shared.part(0), shared.part(1)];
    const x = randn([3, 4], { dtype: 'float64', seed: 6 });
    const params = [shared.gates, a.scale, b.scale];
    const result = gradcheck(() => a.generate().matmul(x).sum().add(b.generate().square().sum()), params);
    expect(result.ok, JSON.stringify(result.worst)).toBe(true);
  });

  it('runs the circuit once per step and again after an optimizer step', () => {
    const shared = new SharedAdtn([[4, 4], [4]], { depth: 1, seed: 7 });
    const first = shared.output();
    expect(shared.output()).toBe(first);
    const optimizer = new Adam([shared.gates], { lr: 0.1 });
    shared.part(0).generate().sum().add(shared.part(1).generate().sum()).backward();
    optimizer.step();
    expect(shared.output()).not.toBe(first);
    const underNoGrad = noGrad(() => shared.output());
    expect(underNoGrad).not.toBe(shared.output());
  });

  it('compressLayers shares one circuit between fc1 and fc2, counts it once, trains, and rebuilds from a state dict', () => {
    const model = fc2({ hidden: 64 });
    const results = compressLayers(model, ['fc1', 'fc2'], { method: 'adtn', depth: 2, seed: 1, shared: true });
    const gateCount = 2 * 15 * 16; // 64·784 + 10·64 = 50,816 entries -> 2^16, M = 2
    expect(results.map((r) => r.compressedParameters)).toEqual([gateCount + 1, 1]);
    const report = parameterReport(model);
    expect(report.compressedLayersParameters).toBe(gateCount + 2);
    expect(report.layers.map((l) => l.weightParameters)).toEqual([gateCount + 1, 1]);
    expect(model.parameters().filter((p) => p.size === gateCount)).toHaveLength(1);
    const stateDict = model.stateDict();
    expect([...stateDict.keys()].filter((k) => k.includes('gates'))).toEqual(['fc1.weight.shared.gates']);
    // Learning: a few steps lower the loss.
    const x = randn([32, 1, 28, 28], { seed: 2 });
    const y = Int32Array.from({ length: 32 }, (_, i) => i % 10);
    const optimizer = new Adam(model.parameters(), { lr: 3e-3 });
    const losses: number[] = [];
    for (let step = 0; step < 40; step++) {
      const loss = crossEntropy(model.forward(x), y);
      losses.push(loss.item());
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
    }
    expect(losses[39]!).toBeLessThan(losses[0]! * 0.7);
    const copy = fc2({ hidden: 64 });
    rebuildCompression(copy, { fc1: results[0]!.rebuildSpec, fc2: results[1]!.rebuildSpec });
    copy.loadStateDict(model.stateDict());
    const same = noGrad(() => copy.forward(x).sub(model.forward(x)).abs().max().item());
    expect(same).toBe(0);
    expect(copy.parameters().filter((p) => p.size === gateCount)).toHaveLength(1);
    expect(() => compressLayers(fc2(), ['fc1', 'fc2'], { method: 'tt', shared: true })).toThrow(/only adtn can share/);
    expect(() => compressLayers(fc2(), ['fc1', 'fc2'], { method: 'adtn', init: 'fit', shared: true })).toThrow(/starts from random gates/);
    expect(() => rebuildCompression(fc2(), { fc1: results[0]!.rebuildSpec })).toThrow(/not all of them are recorded/);
  });

  it('works in a hand-made model with the parts in any layers', () => {
    const shared = new SharedAdtn([[8, 6], [3, 8]], { depth: 2, seed: 9 });
    const l1 = new Linear(6, 8);
    const l2 = new Linear(8, 3);
    l1.setWeightGenerator(shared.part(0));
    l2.setWeightGenerator(shared.part(1));
    const model = new Sequential(l1, new ReLU(), l2);
    expect(model.forward(randn([2, 6])).shape).toEqual([2, 3]);
    expect(shared.part(1)).toBeInstanceOf(AdtnPart);
  });
});

describe('SharedAdtn across several backward passes', () => {
  it('accumulates gradients over two backward passes before a step, and trains with the gates frozen', () => {
    const shared = new SharedAdtn([[4, 3], [2, 4]], { depth: 2, seed: 21, dtype: 'float64' });
    const [a, b] = [shared.part(0), shared.part(1)];
    const loss = () => a.generate().square().sum().add(b.generate().sum());
    loss().backward();
    const once = Array.from(shared.gates.grad!.toArray());
    loss().backward(); // a second micro-batch: the first graph is consumed, a new one is built
    Array.from(shared.gates.grad!.toArray()).forEach((g, i) => expect(g).toBeCloseTo(2 * once[i]!, 12));
    // Only the scales train: the gates' version never changes, yet every step gets a fresh graph.
    const optimizer = new Adam([a.scale, b.scale], { lr: 0.01 });
    for (let step = 0; step < 3; step++) {
      optimizer.zeroGrad();
      loss().backward();
      optimizer.step();
    }
    expect(a.scale.grad).not.toBeNull();
  });
});
