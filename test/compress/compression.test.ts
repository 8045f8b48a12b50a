// Compression: generated layers behave as the dense layer with the generated weight, pass
// gradcheck in float64, fit what they can represent, decode, save and load; parameter accounting.

import { describe, expect, it } from 'vitest';
import {
  AdtnWeight, ArgumentError, Conv2d, LowRankWeight, Linear, ReLU, Sequential, ShapeError, TTWeight, planAdtn, adtnLayoutFor, flattenedInputs, lenet5, alexnet, compressLayers, applyCircuit, compressLayer,
  conv2d, fc2, findLayer, fitGenerator, gradcheck, matmul, memoryStats, noGrad, parameterReport, randn, randomizedSvd, relativeError,
  svdTruncated, tensor, tidy, weightedLayerNames, makeGenerator, Adam, type Tensor, type WeightGenerator,
} from '../../src/index.js';

const f64 = 'float64' as const;

function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = a.toArray();
  const y = b.toArray();
  expect(x.length).toBe(y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

const generators: [string, (shape: number[]) => WeightGenerator][] = [
  ['adtn', (shape) => new AdtnWeight(shape, { depth: 3, activation: 'tanh', seed: 3, dtype: f64 })],
  ['adtn relu, flat layout', (shape) => new AdtnWeight(shape, { depth: 2, seed: 4, dtype: f64, layout: 'flat' })],
  ['lowrank', (shape) => new LowRankWeight(shape, 2, { seed: 5, dtype: f64 })],
  ['tt', (shape) => new TTWeight(shape, { ranks: 2, cores: 2, seed: 6, dtype: f64 })],
];

describe('a compressed Linear is the dense Linear with the generated weight', () => {
  for (const [name, make] of generators) {
    it(`${name}: forward, parameters, backward reach the generator, decode`, () => {
      const layer = new Linear(10, 6, { dtype: f64, seed: 1 });
      const generator = make([6, 10]);
      layer.setWeightGenerator(generator);
      expect(layer.weight).toBeNull();
      const names = layer.namedParameters().map(([n]) => n);
      expect(names).toContain('bias');
      expect(names.filter((n) => n.startsWith('weight.')).length).toBe(generator.parameters().length);
      const x = randn([4, 10], { dtype: f64, seed: 2 });
      const w = noGrad(() => generator.generate());
      const expected = matmul(x, w.transpose()).add(layer.bias!);
      expect(maxAbsDiff(layer.forward(x), expected)).toBeLessThan(1e-12);

      layer.forward(x).square().sum().backward();
      for (const p of generator.parameters()) expect(p.grad).not.toBeNull();
      layer.zeroGrad();

      const dense = layer.decodeWeight();
      expect(layer.generator).toBeNull();
      expect(dense.shape).toEqual([6, 10]);
      expect(maxAbsDiff(layer.forward(x), expected)).toBeLessThan(1e-12);
      expect(layer.numParameters()).toBe(66);
    });
  }

  it('rejects a generator of another shape, naming both shapes', () => {
    const layer = new Linear(10, 6, { dtype: f64 });
    expect(() => layer.setWeightGenerator(new LowRankWeight([6, 9], 2, { dtype: f64 }))).toThrow(ShapeError);
    expect(() => layer.setWeightGenerator(new LowRankWeight([6, 9], 2, { dtype: f64 }))).toThrow(/\[6,9\].*\[6,10\]/);
  });
});

describe('gradcheck of compressed layers in float64', () => {
  for (const [name, make] of generators) {
    it(`Linear with ${name}`, () => {
      const layer = new Linear(10, 6, { dtype: f64, seed: 1 });
      layer.setWeightGenerator(make([6, 10]));
      const x = randn([3, 10], { dtype: f64, seed: 7, requiresGrad: true });
      const result = gradcheck(() => layer.forward(x), [x, ...layer.parameters()]);
      expect(result.ok).toBe(true);
    });
  }

  for (const [name, make] of generators) {
    it(`Conv2d with ${name}`, () => {
      const layer = new Conv2d(2, 3, 3, { padding: 1, dtype: f64, seed: 8 });
      layer.setWeightGenerator(make([3, 2, 3, 3]));
      const x = randn([2, 2, 5, 4], { dtype: f64, seed: 9, requiresGrad: true });
      const w = noGrad(() => layer.generator!.generate());
      expect(maxAbsDiff(layer.forward(x), conv2d(x, w, layer.bias, { padding: 1 }))).toBeLessThan(1e-12);
      expect(gradcheck(() => layer.forward(x), [x, ...layer.parameters()]).ok).toBe(true);
    });
  }
});

describe('fitting drives the reconstruction error down on representable weights', () => {
  it('lowrank and tt from random starts reach a weight of their own family', () => {
    const target = noGrad(() => new LowRankWeight([12, 20], 3, { seed: 11, dtype: f64 }).generate()).keep();
    const lowrank = new LowRankWeight([12, 20], 3, { seed: 12, dtype: f64 });
    const r = fitGenerator(lowrank, target, { steps: 3000, lr: 0.02, tolerance: 1e-3, patience: 500 });
    expect(r.initialError).toBeGreaterThan(0.5);
    expect(r.relativeError).toBeLessThan(1e-2);

    const ttTarget = noGrad(() => new TTWeight([12, 20], { ranks: 2, cores: 2, seed: 13, dtype: f64 }).generate()).keep();
    const tt = new TTWeight([12, 20], { ranks: 2, cores: 2, seed: 14, dtype: f64 });
    const t = fitGenerator(tt, ttTarget, { steps: 3000, lr: 0.02, tolerance: 1e-3, patience: 500 });
    expect(t.relativeError).toBeLessThan(1e-2);
    expect(t.relativeError).toBeLessThan(t.initialError / 20);
  });

  it('adtn: a weight the generator made itself, from perturbed gates', () => {
    const source = new AdtnWeight([16, 16], { depth: 2, seed: 21, dtype: f64, activation: 'tanh' });
    const target = noGrad(() => source.generate()).keep();
    const student = new AdtnWeight([16, 16], { depth: 2, seed: 21, dtype: f64, activation: 'tanh' });
    noGrad(() => {
      const [gates] = student.parameters();
      gates!.assign(gates!.add(randn(gates!.shape, { std: 0.05, seed: 22, dtype: f64 })));
    });
    const progress: number[] = [];
    const r = fitGenerator(student, target, { steps: 400, lr: 5e-3, tolerance: 1e-3, onProgress: (_, e) => progress.push(e) });
    expect(r.initialError).toBeGreaterThan(0.02);
    expect(r.relativeError).toBeLessThan(r.initialError / 10);
    expect(progress.length).toBe(r.steps);
    expect(r.relativeError).toBeCloseTo(relativeError(student, target), 12);
  });

  it('stops by patience and reports why', () => {
    const target = randn([8, 8], { seed: 31, dtype: f64 });
    const r = fitGenerator(new LowRankWeight([8, 8], 1, { seed: 32, dtype: f64 }), target, { steps: 5000, lr: 0.05, patience: 50, tolerance: 1e-9 });
    expect(r.stoppedBy).toBe('patience');
    expect(r.steps).toBeLessThan(5000);
  });

  it('rejects a target of another shape and a zero target', () => {
    const g = new LowRankWeight([4, 5], 1, { dtype: f64 });
    expect(() => fitGenerator(g, randn([5, 4], { dtype: f64 }))).toThrow(ShapeError);
    expect(() => fitGenerator(g, tensor(new Float64Array(20), { shape: [4, 5], dtype: f64 }))).toThrow(/zero/);
  });
});

describe('SVD initialisation', () => {
  it('lowrank reproduces a matrix of that rank (randomized SVD for a small rank)', () => {
    const exact = noGrad(() => matmul(randn([80, 3], { seed: 41, dtype: f64 }), randn([3, 60], { seed: 42, dtype: f64 })));
    const g = new LowRankWeight([80, 60], 3, { init: exact, dtype: f64 });
    expect(relativeError(g, exact)).toBeLessThan(1e-10);
  });

  it('tt reproduces a TT-matrix of those ranks', () => {
    const source = noGrad(() => new TTWeight([12, 20], { ranks: 3, cores: 2, seed: 43, dtype: f64 }).generate());
    const g = new TTWeight([12, 20], { ranks: 3, cores: 2, init: source, dtype: f64 });
    expect(relativeError(g, source)).toBeLessThan(1e-10);
    expect(g.numParameters()).toBe(g.mpo.cores.reduce((s, c) => s + c.size, 0));
  });

  it('randomizedSvd agrees with the full SVD on the leading triplets', () => {
    // Decaying spectrum: A = U·diag(2^-k)·Vᵀ.
    const a = noGrad(() => tidy(() => {
      const u = svdTruncated(randn([70, 40], { seed: 44, dtype: f64 }), { maxRank: 40 }).U;
      const v = svdTruncated(randn([50, 40], { seed: 45, dtype: f64 }), { maxRank: 40 }).U;
      const s = tensor(Array.from({ length: 40 }, (_, k) => 2 ** -k), { dtype: f64 });
      return matmul(u.mul(s), v.transpose()).keep();
    }));
    const exact = svdTruncated(a, { maxRank: 5 });
    const fast = randomizedSvd(a, 5, { seed: 1 });
    for (let i = 0; i < 5; i++) expect(fast.S.toArray()[i]).toBeCloseTo(exact.S.toArray()[i]!, 10);
    expect(fast.discarded).toBeCloseTo(exact.discarded, 10);
    expect(() => randomizedSvd(a, 0)).toThrow(ArgumentError);
    expect(() => randomizedSvd(a, 51)).toThrow(/rank must be an integer in \[1, 50\]/);
  });
});

describe('the ADTN layout', () => {
  it("'auto' pads axes only when that needs no more sites", () => {
    expect(planAdtn([1024, 784]).readout?.axes).toEqual([1024, 784]);
    expect(planAdtn([6, 10]).readout).toBeNull();
    expect(planAdtn([6, 10], { layout: 'axes' }).readout?.axes).toEqual([6, 10]);
    expect(planAdtn([6, 10], { layout: [2, 3, 10] }).readout).toEqual({ axes: [2, 3, 10], padded: [2, 4, 16], digitOrder: null });
    expect(() => planAdtn([6, 10], { layout: [7, 10] })).toThrow(ShapeError);
    expect(() => planAdtn([6, 10], { layout: [[6], []] })).toThrow(ShapeError);
    expect(() => planAdtn([6, 10], { layout: 'rows' as never })).toThrow(/layout must be/);
    expect(new AdtnWeight([1024, 784], { depth: 1 }).plan.sites).toBe(20);
    expect(new AdtnWeight([6, 10], { depth: 1, layout: 'axes' }).plan.sites).toBe(7);
  });

  it("'image' keeps the geometry a layer reads: kernel rows and columns, image rows and columns", () => {
    expect(adtnLayoutFor([16, 6, 5, 5], { layout: 'image' })).toEqual([[16], [6], [5, 5]]);
    expect(adtnLayoutFor([1024, 784], { layout: 'image', image: [1, 28, 28] })).toEqual([[1024], [28, 28]]);
    expect(adtnLayoutFor([64, 3072], { layout: 'image', image: [3, 32, 32] })).toEqual([[64], [3], [32, 32]]);
    expect(adtnLayoutFor([10, 1024], { layout: 'image', image: [1, 28, 28] })).toBe('auto');
    expect(adtnLayoutFor([10, 1024], { layout: 'flat' })).toBe('flat');
    const model = fc2();
    const result = compressLayer(model, 'fc1', { method: 'adtn', depth: 1, init: 'random', layout: 'image', image: [1, 28, 28] });
    expect(result.rebuildSpec.layout).toEqual([[1024], [28, 28]]);
    expect(result.rebuildSpec.image).toBeUndefined();
    expect((findLayer(model, 'fc1').generator as AdtnWeight).plan.readout?.padded).toEqual([1024, 32, 32]);
  });

  it('takes a depth per layer, recorded as that layer\'s depth', () => {
    const model = fc2({ hidden: 64 });
    const spec = { method: 'adtn' as const, depth: 2, init: 'random' as const, layerDepths: { fc2: 3 } };
    const [fc1, fc2Result] = ['fc1', 'fc2'].map((name) => compressLayer(model, name, spec));
    expect(fc1!.rebuildSpec.depth).toBe(2);
    expect(fc2Result!.rebuildSpec.depth).toBe(3);
    expect(fc2Result!.rebuildSpec.layerDepths).toBeUndefined();
    expect((findLayer(model, 'fc2').generator as AdtnWeight).plan.depth).toBe(3);
    expect(() => compressLayer(fc2(), 'fc1', { ...spec, layerDepths: { fc2: 0 } })).toThrow(/depth of fc2 must be a positive integer/);
    expect(() => compressLayers(fc2(), ['fc1', 'fc2'], { ...spec, layerDepths: { fc_2: 3 } })).toThrow(/depth is given for fc_2, which is not among the layers compressed \(fc1, fc2\)/);
    expect(() => compressLayers(fc2(), ['fc1', 'fc2'], { ...spec, shared: true })).toThrow(/shared ADTN has one depth/);
    // compressLayers gives each layer its own seed and traces the images the layers read.
    const group = fc2({ hidden: 64 });
    compressLayers(group, ['fc1', 'fc2'], { method: 'adtn', depth: 1, init: 'random', seed: 5, layout: 'image' }, { inputShape: [1, 28, 28] });
    const [g1, g2] = ['fc1', 'fc2'].map((name) => findLayer(group, name).generator as AdtnWeight);
    expect(g1!.plan.readout?.padded).toEqual([64, 32, 32]);
    expect(g2!.plan.readout?.axes).toEqual([10, 64]);
  });

  it('traces what each linear layer reads flattened, for the image layout', () => {
    expect([...flattenedInputs(fc2(), [1, 28, 28])]).toEqual([['fc1', [1, 28, 28]]]);
    expect([...flattenedInputs(lenet5(), [1, 28, 28])]).toEqual([['fc1', [16, 5, 5]]]);
    expect([...flattenedInputs(alexnet({ width: 1 / 16, hidden: 8, inputShape: [1, 28, 28] }), [1, 28, 28])]).toEqual([['fc1', [16, 4, 4]]]);
    const lenet = lenet5();
    compressLayer(lenet, 'fc1', { method: 'adtn', depth: 1, init: 'random', layout: 'image', image: [16, 5, 5] });
    expect((findLayer(lenet, 'fc1').generator as AdtnWeight).plan.readout?.axes).toEqual([120, 16, 5, 5]);
  });

  it("'axes' takes the [rows, cols] corner of the padded output grid", () => {
    const g = new AdtnWeight([6, 10], { depth: 2, seed: 51, dtype: f64, layout: 'axes', scale: 'none' });
    const w = noGrad(() => g.generate()).toArray();
    const initial = tensor([1, ...new Array<number>(127).fill(0)], { dtype: f64 });
    const state = noGrad(() => applyCircuit(initial, g.gates, g.plan.circuit)).toArray();
    for (let r = 0; r < 6; r++) for (let c = 0; c < 10; c++) expect(w[r * 10 + c]).toBeCloseTo(state[r * 16 + c]!, 14);
  });
});

describe('compressing a model', () => {
  it('finds layers by dotted name, with clear errors', () => {
    const model = fc2();
    expect(weightedLayerNames(model)).toEqual(['fc1', 'fc2']);
    expect(findLayer(model, 'fc2')).toBeInstanceOf(Linear);
    expect(() => findLayer(model, 'fc3')).toThrow(/no layer named "fc3"; layers with weights: fc1, fc2/);
    expect(() => findLayer(model, 'relu')).toThrow(/"relu" is a ReLU, not a Linear or Conv2d layer/);
    const nested = new Sequential(new Sequential(new Linear(3, 2)), new ReLU());
    expect(weightedLayerNames(nested)).toEqual(['0.0']);
  });

  it('counts parameters per layer, before and after', () => {
    const model = fc2();
    const before = parameterReport(model);
    expect(before.total).toBe(814_090);
    expect(before.layerRatio).toBe(1);
    const r1 = compressLayer(model, 'fc1', { method: 'adtn', depth: 8, init: 'random', seed: 1 });
    const r2 = compressLayer(model, 'fc2', { method: 'lowrank', rank: 2, init: 'svd' });
    expect(r1.compressedParameters).toBe(16 * 8 * 19 + 1);
    expect(r2.compressedParameters).toBe(2 * (10 + 1024));
    const after = parameterReport(model);
    expect(after.layers.map((l) => [l.layer, l.method, l.weightParameters, l.bias])).toEqual([
      ['fc1', 'adtn', 2433, 1024], ['fc2', 'lowrank', 2068, 10],
    ]);
    expect(after.total).toBe(2433 + 1024 + 2068 + 10);
    expect(after.denseTotal).toBe(814_090);
    expect(after.compressedLayersDense).toBe(802_816 + 10_240);
    expect(after.layerRatio).toBeCloseTo(813_056 / (2433 + 2068), 10);
    expect(after.modelRatio).toBeCloseTo(814_090 / after.total, 10);
    expect(model.numParameters()).toBe(after.total);
  });

  it('rejects svd for adtn and unknown methods', () => {
    expect(() => compressLayer(fc2(), 'fc2', { method: 'adtn', init: 'svd' })).toThrow(/adtn has no 'svd'/);
    expect(() => compressLayer(fc2(), 'fc2', { method: 'pca' as 'adtn' })).toThrow(/method must be one of adtn, lowrank, tt/);
  });

  it('reports the spec that rebuilds the generator: TT-SVD truncates ranks the weight cannot have', () => {
    const model = fc2({ seed: 3 });
    const result = compressLayer(model, 'fc2', { method: 'tt', ttRanks: 20, ttCores: 3, init: 'svd' });
    const ranks = result.rebuildSpec.ttRanks as number[];
    expect(ranks.length).toBe(2);
    expect(Math.min(...ranks), JSON.stringify(ranks)).toBeLessThan(20);
    expect(result.rebuildSpec.fit).toBeUndefined();
    const generator = findLayer(model, 'fc2').generator!;
    const rebuilt = makeGenerator([10, 1024], { ...result.rebuildSpec, init: 'random' });
    expect(rebuilt.namedParameters().map(([n, p]) => [n, p.shape])).toEqual(generator.namedParameters().map(([n, p]) => [n, p.shape]));
    const adtn = compressLayer(model, 'fc1', { method: 'adtn', depth: 2, init: 'random' });
    expect(adtn.rebuildSpec).toMatchObject({ method: 'adtn', depth: 2 });
  });

  it('a compressed state dict loads into a freshly compressed model and gives the same outputs', () => {
    const make = () => {
      const model = new Sequential(new Linear(12, 8, { seed: 1 }), new ReLU(), new Linear(8, 3, { seed: 2 }));
      compressLayer(model, '0', { method: 'adtn', depth: 2, init: 'random', seed: 7 });
      compressLayer(model, '2', { method: 'tt', ttRanks: 2, ttCores: 2, init: 'random', seed: 8 });
      return model;
    };
    const a = make();
    const x = randn([5, 12], { seed: 3 });
    noGrad(() => { for (const p of a.parameters()) p.assign(p.add(randn(p.shape, { std: 0.1, seed: 9 }))); });
    const b = make();
    expect(maxAbsDiff(a.forward(x), b.forward(x))).toBeGreaterThan(1e-3);
    b.loadStateDict(a.stateDict());
    expect(maxAbsDiff(a.forward(x), b.forward(x))).toBeLessThan(1e-6);
    expect([...a.stateDict().keys()]).toEqual(['0.bias', '0.weight.gates', '0.weight.scale', '2.bias', '2.weight.core0', '2.weight.core1']);
  });

  it('fine-tuning a compressed model without manual disposal keeps memory flat', () => {
    const model = new Sequential(new Linear(64, 32, { seed: 1 }), new ReLU(), new Linear(32, 4, { seed: 2 }));
    compressLayer(model, '0', { method: 'adtn', depth: 3, init: 'random', seed: 3 });
    const optimizer = new Adam(model.parameters(), { lr: 1e-2 });
    const x = randn([16, 64], { seed: 4 });
    const y = randn([16, 4], { seed: 5 });
    let inUse = 0;
    let first = 0;
    let last = 0;
    for (let step = 1; step <= 300; step++) {
      optimizer.zeroGrad();
      const loss = model.forward(x).sub(y).square().mean();
      loss.backward();
      optimizer.step();
      if (step === 1) first = loss.item();
      if (step === 300) last = loss.item();
      if (step === 50) inUse = memoryStats().bytesInUse;
    }
    expect(memoryStats().bytesInUse).toBeLessThanOrEqual(inUse);
    expect(last).toBeLessThan(first * 0.5);
  });
});
