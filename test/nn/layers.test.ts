// Layers: gradients in float64, forward semantics, modes, state dicts, model zoo sizes.

import { describe, expect, it } from 'vitest';
import {
  AdaptiveAvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, CrossEntropyLoss, Dropout, Flatten, LeakyReLU, Linear, LocalResponseNorm,
  MSELoss, MaxPool2d, Parameter, ReLU, Sequential, Sigmoid, Tanh, alexnet, fc2, gradcheck, kaimingNormal, kaimingUniform,
  lenet5, randn, tensor, vgg16, xavierUniform, zfnet, ZeroPad2d, findLayer, batchNormTraining, type Tensor,
} from '../../src/index.js';

function withParams(module: { parameters(): Tensor[] }, x: Tensor, fn: () => Tensor) {
  return gradcheck(fn, [x, ...module.parameters()]);
}

describe('layers pass gradcheck in float64', () => {
  it('Linear (any leading axes)', () => {
    const layer = new Linear(5, 3, { dtype: 'float64', seed: 1 });
    const x = randn([2, 4, 5], { dtype: 'float64', seed: 2, requiresGrad: true });
    expect(withParams(layer, x, () => layer.forward(x)).ok).toBe(true);
    expect(layer.forward(x).shape).toEqual([2, 4, 3]);
  });

  it('Conv2d with stride, padding and dilation', () => {
    const layer = new Conv2d(2, 3, [3, 2], { stride: [2, 1], padding: [1, 1], dilation: [1, 2], dtype: 'float64', seed: 3 });
    const x = randn([2, 2, 7, 6], { dtype: 'float64', seed: 4, requiresGrad: true });
    expect(withParams(layer, x, () => layer.forward(x)).ok).toBe(true);
  });

  it('BatchNorm1d and BatchNorm2d in training mode', () => {
    const bn1 = new BatchNorm1d(3, { dtype: 'float64' });
    const x1 = randn([5, 3], { dtype: 'float64', seed: 5, requiresGrad: true });
    expect(withParams(bn1, x1, () => bn1.forward(x1)).ok).toBe(true);
    const bn2 = new BatchNorm2d(2, { dtype: 'float64' });
    const x2 = randn([3, 2, 3, 4], { dtype: 'float64', seed: 6, requiresGrad: true });
    expect(withParams(bn2, x2, () => bn2.forward(x2)).ok).toBe(true);
  });

  it('LocalResponseNorm', () => {
    const lrn = new LocalResponseNorm(3, 0.5, 0.75, 1.5);
    const x = randn([2, 5, 3, 2], { dtype: 'float64', seed: 7, requiresGrad: true });
    expect(gradcheck((t) => lrn.forward(t), [x]).ok).toBe(true);
  });

  it('activations and losses', () => {
    const x = randn([4, 3], { dtype: 'float64', seed: 8, requiresGrad: true });
    for (const layer of [new ReLU(), new LeakyReLU(0.1), new Tanh(), new Sigmoid()]) expect(gradcheck((t) => layer.forward(t), [x]).ok).toBe(true);
    const ce = new CrossEntropyLoss();
    expect(gradcheck((t) => ce.forward(t, [0, 2, 1, 1]), [x]).ok).toBe(true);
    const target = randn([4, 3], { dtype: 'float64', seed: 9 });
    expect(gradcheck((t) => new MSELoss('sum').forward(t, target), [x]).ok).toBe(true);
  });
});

describe('layer behaviour', () => {
  it('LocalResponseNorm follows PyTorch\'s formula', () => {
    const x = tensor([[[[1]], [[2]], [[3]]]], { dtype: 'float64' }); // [1, 3, 1, 1]
    const y = new LocalResponseNorm(3, 0.3, 0.5, 2).forward(x).toArray();
    // channel 1 window: channels 0..2; channel 0: 0..1 (zero padding); channel 2: 1..2
    const sums = [1 + 4, 1 + 4 + 9, 4 + 9];
    [1, 2, 3].forEach((v, c) => expect(y[c]).toBeCloseTo(v / Math.sqrt(2 + (0.3 / 3) * sums[c]!), 12));
  });

  it('BatchNorm normalises per channel in training and uses running statistics in eval', () => {
    const bn = new BatchNorm2d(2, { dtype: 'float64', momentum: 0.5 });
    const x = randn([8, 2, 3, 3], { dtype: 'float64', seed: 10, mean: 3, std: 2 });
    const y = bn.forward(x);
    const means = y.mean([0, 2, 3]).toArray();
    const vars = y.square().mean([0, 2, 3]).toArray();
    means.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-12));
    vars.forEach((v) => expect(v).toBeCloseTo(1, 4));
    const batchMean = x.mean([0, 2, 3]).toArray();
    bn.runningMean!.toArray().forEach((m, c) => expect(m).toBeCloseTo(0.5 * batchMean[c]!, 12));
    bn.eval();
    const z = bn.forward(x).toArray();
    const expected = x.sub(bn.runningMean!.reshape([1, 2, 1, 1])).div(bn.runningVar!.add(1e-5).sqrt().reshape([1, 2, 1, 1])).toArray();
    z.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });

  it('batchNormTraining: the statistics it returns are copies; bad input is a clear error', () => {
    const x = randn([4, 3, 5], { dtype: 'float64', seed: 11, requiresGrad: true });
    const w = randn([3], { dtype: 'float64', seed: 12, requiresGrad: true });
    const first = batchNormTraining(x, w, null, 1e-5);
    first.output.square().sum().backward();
    const want = Array.from(x.grad!.toArray());
    x.grad = null;
    const second = batchNormTraining(x, w, null, 1e-5);
    second.mean.fill(100);
    second.variance.fill(100);
    second.output.square().sum().backward();
    expect(Array.from(x.grad!.toArray())).toEqual(want);
    expect(() => batchNormTraining(randn([0, 3, 4]), null, null, 1e-5)).toThrow(/batchNorm: the input \[0,3,4\] has no values per channel/);
    expect(() => batchNormTraining(randn([2, 3]), randn([4]), null, 1e-5)).toThrow(/batchNorm: weight must be \[3\], got \[4\]/);
    expect(() => batchNormTraining(randn([2, 3]), null, null, -1)).toThrow(/batchNorm: eps must be a finite number >= 0, got -1/);
    expect(() => batchNormTraining(randn([6]), null, null, 1e-5)).toThrow(/batchNorm: input must be \[N, C, ...\]/);
  });

  it('BatchNorm refuses to train on one value per channel (as PyTorch does)', () => {
    const bn = new BatchNorm1d(3);
    expect(() => bn.forward(randn([1, 3], { seed: 1 }))).toThrow(/BatchNorm1d: training needs more than one value per channel, got input/);
    bn.eval();
    expect(bn.forward(randn([1, 3], { seed: 1 })).shape).toEqual([1, 3]);
  });

  it('Dropout is seeded and off in eval mode', () => {
    const x = randn([1000]);
    const a = new Dropout(0.5, { seed: 3 }).forward(x).toArray();
    const b = new Dropout(0.5, { seed: 3 }).forward(x).toArray();
    expect(Array.from(a)).toEqual(Array.from(b));
    const d = new Dropout(0.5, { seed: 3 });
    d.eval();
    expect(d.forward(x)).toBe(x);
  });

  it('Dropout continues its sequence from a state dict (a resumed run drops what an uninterrupted one would)', () => {
    const x = randn([200], { seed: 4 });
    const uninterrupted = new Dropout(0.5, { seed: 7 });
    uninterrupted.forward(x);
    const saved = new Map([...uninterrupted.stateDict()].map(([k, t]) => [k, t.clone().keep()]));
    const third = () => Array.from(uninterrupted.forward(x).toArray());
    uninterrupted.forward(x);
    const expected = [third()];
    const resumed = new Dropout(0.5, { seed: 7 });
    resumed.loadStateDict(saved);
    resumed.forward(x);
    expect([Array.from(resumed.forward(x).toArray())]).toEqual(expected);
    // Without the saved state (a checkpoint from before it was saved) the layer loads and starts from its seed.
    const old = new Dropout(0.5, { seed: 7 });
    old.loadStateDict(new Map());
    expect(Array.from(old.forward(x).toArray())).toEqual(Array.from(new Dropout(0.5, { seed: 7 }).forward(x).toArray()));
    expect([...saved.keys()]).toEqual(['generatorState']);
  });

  it('pooling layers and Flatten', () => {
    const x = randn([2, 3, 8, 8]);
    expect(new MaxPool2d(2).forward(x).shape).toEqual([2, 3, 4, 4]);
    expect(new AdaptiveAvgPool2d([2, 1]).forward(x).shape).toEqual([2, 3, 2, 1]);
    expect(new Flatten().forward(x).shape).toEqual([2, 192]);
  });

  it('Module: named parameters, train/eval, zeroGrad and state dict round trip', () => {
    const net = Sequential.named([['fc', new Linear(4, 3, { seed: 1 })], ['bn', new BatchNorm1d(3)], ['out', new Linear(3, 2, { seed: 2 })]]);
    expect(net.namedParameters().map(([n]) => n)).toEqual(['fc.weight', 'fc.bias', 'bn.weight', 'bn.bias', 'out.weight', 'out.bias']);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['bn.runningMean', 'bn.runningVar']);
    expect(net.numParameters()).toBe(4 * 3 + 3 + 3 + 3 + 3 * 2 + 2);
    net.eval();
    expect(net.layers.every((l) => !l.training)).toBe(true);
    net.train();
    net.forward(randn([5, 4])).sum().backward();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
    const other = Sequential.named([['fc', new Linear(4, 3, { seed: 7 })], ['bn', new BatchNorm1d(3)], ['out', new Linear(3, 2, { seed: 8 })]]);
    other.loadStateDict(net.stateDict());
    expect(Array.from(other.parameters()[0]!.toArray())).toEqual(Array.from(net.parameters()[0]!.toArray()));
    expect(() => other.loadStateDict(new Map([['fc.weight', randn([4, 3])]]))).toThrow(/missing keys/);
    expect(() => other.loadStateDict(new Map([['fc.weight', randn([2, 2])]]), { strict: false })).toThrow(/shape/);
    expect(new Parameter(randn([2])).requiresGrad).toBe(true);
  });

  it('initialisers have the documented standard deviations', () => {
    const std = (t: Tensor) => Math.sqrt(Array.from(t.toArray()).reduce((s, v) => s + v * v, 0) / t.size);
    expect(std(kaimingNormal([256, 512], { seed: 1 }))).toBeCloseTo(Math.sqrt(2 / 512), 2);
    expect(std(kaimingUniform([256, 128, 3, 3], { seed: 2 }))).toBeCloseTo(Math.sqrt(2 / (128 * 9)), 2);
    expect(std(xavierUniform([300, 200], { seed: 3 }))).toBeCloseTo(Math.sqrt(2 / 500), 2);
  });
});

describe('model zoo', () => {
  it('has the documented parameter counts', () => {
    expect(fc2().numParameters()).toBe(814_090);
    expect(lenet5().numParameters()).toBe(61_706);
    const counts = { alexnet: alexnet().numParameters(), zfnet: zfnet().numParameters(), vgg16: vgg16().numParameters() };
    // Counted by hand layer by layer (see the README table).
    expect(counts).toEqual({ alexnet: 36_054_858, zfnet: 37_330_058, vgg16: 33_646_666 });
    expect(vgg16({ numClasses: 100 }).numParameters()).toBe(33_646_666 + 4096 * 90 + 90);
  });

  it('runs every network forward on its input size (reduced width)', () => {
    expect(fc2({ hidden: 16 }).forward(randn([2, 1, 28, 28])).shape).toEqual([2, 10]);
    expect(lenet5().forward(randn([2, 1, 28, 28])).shape).toEqual([2, 10]);
    for (const make of [alexnet, zfnet, vgg16]) {
      expect(make({ width: 1 / 16, numClasses: 100 }).forward(randn([2, 3, 32, 32])).shape).toEqual([2, 100]);
    }
  });

  it('takes the input shape of any image set, and a classifier width apart from the channel width', () => {
    // Grayscale 28 x 28 (MNIST, Fashion-MNIST): AlexNet and ZFNet pool 28 -> 14 -> 7 -> 4, the same
    // 4 x 4 map as 32 x 32; VGG-16 pads to 32 x 32 first.
    const gray: [number, number, number] = [1, 28, 28];
    for (const make of [alexnet, zfnet, vgg16]) {
      const model = make({ width: 1 / 16, hidden: 48, inputShape: gray });
      expect(model.forward(randn([2, 1, 28, 28])).shape).toEqual([2, 10]);
      expect(findLayer(model, 'fc2').weightShape).toEqual([48, 48]);
      expect(() => model.forward(randn([2, 3, 32, 32]))).toThrow();
    }
    expect(findLayer(alexnet({ width: 1 / 16, inputShape: gray }), 'fc1').weightShape).toEqual([256, 16 * 16]);
    expect(findLayer(vgg16({ width: 1 / 16, inputShape: gray }), 'fc1').weightShape).toEqual([256, 32]);
    // The paper's VGG-16 classifier (4096 wide) on a quarter-width network: fc1 128 -> 4096, fc2 4096 -> 4096.
    const paper = vgg16({ width: 0.25, hidden: 4096, inputShape: gray });
    expect(findLayer(paper, 'fc1').weightShape).toEqual([4096, 128]);
    expect(findLayer(paper, 'fc2').weightShape).toEqual([4096, 4096]);
    // The first convolution takes the data set's channels; everything else is unchanged.
    expect(vgg16({ inputShape: gray }).numParameters()).toBe(33_646_666 - 2 * 64 * 9);
    // LeNet-5 on colour 32 x 32 images: the convolution takes three channels without padding.
    const colour = lenet5({ inputShape: [3, 32, 32] });
    expect(colour.forward(randn([2, 3, 32, 32])).shape).toEqual([2, 10]);
    expect(colour.numParameters()).toBe(61_706 + 2 * 6 * 25);
    expect(lenet5({ inputShape: [1, 20, 24] }).forward(randn([1, 1, 20, 24])).shape).toEqual([1, 10]);
    expect(() => lenet5({ inputShape: [1, 40, 40] })).toThrow(/at most 32/);
    expect(() => vgg16({ hidden: 0 })).toThrow(/hidden must be a positive integer/);
    expect(() => alexnet({ inputShape: [1, 28] as never })).toThrow(/inputShape must be three positive integers/);
  });

  it('ZeroPad2d pads the two image axes with zeros, and its gradient is the inner block', () => {
    const x = randn([1, 2, 2, 3], { dtype: 'float64', seed: 3, requiresGrad: true });
    const padded = new ZeroPad2d([1, 0, 2, 1]).forward(x);
    expect(padded.shape).toEqual([1, 2, 3, 6]);
    const values = padded.toArray();
    expect(values[0]).toBe(0);
    expect(values[1 * 6 + 2]).toBe(x.toArray()[0]);
    expect(gradcheck((t) => new ZeroPad2d([1, 0, 2, 1]).forward(t).square().sum(), [x]).ok).toBe(true);
    expect(ZeroPad2d.toSize(28, 27, 32).padding).toEqual([2, 2, 2, 3]);
    expect(() => new ZeroPad2d(-1)).toThrow(/non-negative integer/);
    expect(() => new ZeroPad2d(1).forward(randn([2, 3]))).toThrow(/expected input \[N, C, H, W\]/);
  });
});
