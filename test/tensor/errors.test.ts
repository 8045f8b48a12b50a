// Bad calls fail with the right error class and a message naming the operation and the values.

import { describe, expect, it } from 'vitest';
import {
  ArgumentError, DataLoader, DtypeError, OutOfMemoryError, ReleasedTensorError, ShapeError, arange, concat, conv2d, crossEntropy,
  alexnet, dropout, full, gather, mse, noGrad, vgg16, oneHot, ones, parseCifar, parseIdx, parseSafetensors, pow, randn, sum, tensor, tidy, where,
  zeros, type Tensor,
} from '../../src/index.js';

type ErrorClass = typeof ArgumentError | typeof ShapeError | typeof DtypeError | typeof ReleasedTensorError | typeof OutOfMemoryError;
const scalarLoss = () => randn([2, 2], { requiresGrad: true, seed: 3 }).mul(2).sum();
const a23 = () => ones([2, 3]);
const f64 = () => ones([2, 3], { dtype: 'float64' });

const badCalls: [string, () => unknown, ErrorClass, RegExp[]][] = [
  ['add of unbroadcastable shapes', () => a23().add(ones([4])), ShapeError, [/^add:/, /\[2,3\]/, /\[4\]/]],
  ['mul of float32 and float64', () => a23().mul(f64()), DtypeError, [/^mul:/, /float32/, /float64/]],
  ['matmul inner dimensions', () => ones([3, 4]).matmul(ones([5, 6])), ShapeError, [/^matmul: inner dimensions differ: \[3,4\] @ \[5,6\]/]],
  ['matmul of a scalar', () => tensor(1).matmul(ones([1])), ShapeError, [/^matmul:/, /rank >= 1/]],
  ['batched matmul batch mismatch', () => ones([2, 3, 4]).matmul(ones([3, 4, 5])), ShapeError, [/^matmul:/, /broadcast/]],
  ['sum over an axis out of range', () => a23().sum(3), ArgumentError, [/^sum:/, /axis 3/, /rank 2/]],
  ['mean with a repeated axis', () => a23().mean([1, -1]), ArgumentError, [/^mean:/, /repeated axis/]],
  ['reshape to a wrong size', () => a23().reshape([4, 2]), ShapeError, [/^reshape:/, /\[2,3\]/, /\[4,2\]/]],
  ['reshape with two -1', () => a23().reshape([-1, -1]), ShapeError, [/^reshape:/, /one -1/]],
  ['permute with a repeated axis', () => a23().permute([0, 0]), ArgumentError, [/^permute:/, /not a permutation/]],
  ['permute with too few axes', () => a23().permute([0]), ArgumentError, [/^permute:/, /expected 2 axes/]],
  ['randn with a NaN seed', () => randn([2], { seed: NaN }), ArgumentError, [/^randn:/, /seed/, /NaN/]],
  ['tensor from ragged arrays', () => tensor([[1, 2], [3]]), ShapeError, [/^tensor:/, /ragged/]],
  ['tensor with a string inside', () => tensor([[1, 'x' as unknown as number]]), ArgumentError, [/^tensor:/, /number/]],
  ['zeros with a negative size', () => zeros([2, -1]), ShapeError, [/^zeros:/, /non-negative/]],
  ['indexSelect index out of range', () => a23().indexSelect(1, [0, 3]), ArgumentError, [/^indexSelect:/, /index 3/, /size 3/]],
  ['indexSelect non-integer index', () => a23().indexSelect(0, [0.5]), ArgumentError, [/^indexSelect:/, /0\.5/, /not an integer/]],
  ['gather with indices of the wrong shape', () => gather(a23(), 1, ones([3, 1])), ShapeError, [/^gather:/, /\[3,1\]/]],
  ['item of a many-element tensor', () => a23().item(), ArgumentError, [/^item:/, /\[2,3\]/]],
  ['backward of a non-scalar without a gradient', () => randn([2], { requiresGrad: true }).mul(2).backward(), ShapeError, [/^backward:/, /one-element/]],
  ['backward of a tensor without requiresGrad', () => ones([1]).backward(), ArgumentError, [/^backward:/, /does not require gradients/]],
  ['concat of mismatched shapes', () => concat([ones([2, 3]), ones([3, 3])], 1), ShapeError, [/^concat:/, /\[2,3\]/, /\[3,3\]/]],
  ['concat of nothing', () => concat([]), ArgumentError, [/^concat:/, /non-empty/]],
  ['slice with step 0', () => arange(5).slice([[0, 4, 0]]), ArgumentError, [/^slice:/, /step/]],
  ['slice index out of range', () => a23().slice([2]), ArgumentError, [/^slice:/, /index 2/, /size 2/]],
  ['expand to an incompatible shape', () => ones([3]).expand([2, 4]), ShapeError, [/^expand:/, /\[3\]/, /\[2,4\]/]],
  ['pad with a negative width', () => a23().pad([[-1, 0]]), ArgumentError, [/^pad:/, /non-negative/]],
  ['astype to an unknown dtype', () => a23().astype('int8' as never), ArgumentError, [/^astype:/, /int8/]],
  ['crossEntropy with too few labels', () => crossEntropy(ones([3, 4]), [0, 1]), ShapeError, [/^crossEntropy:/, /expected 3 labels/]],
  ['crossEntropy label out of range', () => crossEntropy(ones([2, 4]), [0, 4]), ArgumentError, [/^crossEntropy:/, /index 4/]],
  ['dropout with p > 1', () => dropout(a23(), 1.5), ArgumentError, [/^dropout:/, /p must be in \[0, 1\]/]],
  ['leakyRelu with a NaN slope', () => a23().leakyRelu(NaN), ArgumentError, [/^leakyRelu:/, /slope/]],
  ['transpose of a vector', () => ones([3]).transpose(), ShapeError, [/^transpose:/, /rank >= 2/]],
  ['squeeze of a non-1 axis', () => a23().squeeze(1), ShapeError, [/^squeeze:/, /axis 1 has size 3/]],
  ['mse of different shapes', () => mse(ones([2]), ones([3])), ShapeError, [/^mse:/, /\[2\]/, /\[3\]/]],
  ['where with a float64 condition for float32 values', () => where(ones([2], { dtype: 'float64' }), ones([2]), 0), DtypeError, [/^where:/]],
  ['max over an empty axis', () => zeros([2, 0]).max(1), ArgumentError, [/^max:/, /size 0/]],
  ['arange with step 0', () => arange(0, 3, 0), ArgumentError, [/^arange:/, /step/]],
  ['full with a non-number value', () => full([2], '3' as unknown as number), ArgumentError, [/^full:/, /number/]],
  ['assign of a different shape', () => ones([2]).assign(ones([3])), ShapeError, [/^assign:/, /\[2\]/, /\[3\]/]],
  ['oneHot with 0 classes', () => oneHot([0], 0), ArgumentError, [/^oneHot:/, /numClasses/]],
  ['an operation on a non-tensor', () => (ones([2]) as Tensor).add({} as unknown as Tensor), ArgumentError, [/^add:/, /must be a Tensor/]],
  // Wrong argument types get the library's errors, not a TypeError from deep inside.
  ['backward with a number as its gradient', () => scalarLoss().backward(5 as unknown as Tensor), ArgumentError, [/^backward: the gradient must be a Tensor of shape \[\], got 5/]],
  ['backward with an array as its gradient', () => scalarLoss().backward([1, 1] as unknown as Tensor), ArgumentError, [/^backward:/, /got an array of 2/]],
  ['backward with options that are not an object', () => scalarLoss().backward(undefined, 3 as never), ArgumentError, [/^backward: options must be an object/]],
  ['slice with an object as a range', () => a23().slice([{} as never]), ArgumentError, [/^slice: range 0 must be null, an index or \[start, end, step\], got an object \(Object\)/]],
  ['tidy of a non-function', () => tidy(5 as never), ArgumentError, [/^tidy: expected a function, got 5/]],
  ['noGrad of a string', () => noGrad('x' as never), ArgumentError, [/^noGrad: expected a function, got "x"/]],
  ['tidy of an async function', () => tidy(async () => ones([1])), ArgumentError, [/^tidy: the function is asynchronous/, /first await/]],
  ['noGrad of an async function', () => noGrad(async () => 1), ArgumentError, [/^noGrad: the function is asynchronous/]],
  ['tidy of a function returning a promise', () => tidy(() => Promise.resolve(1)), ArgumentError, [/^tidy: the function is asynchronous/]],
  ['parseSafetensors of null', () => parseSafetensors(null as never), ArgumentError, [/^parseSafetensors: expected the file's bytes as a Uint8Array, got null/]],
  ['parseCifar of null', () => parseCifar(null as never, 'cifar10'), ArgumentError, [/^parseCifar: expected the file's bytes as a Uint8Array, got null/]],
  ['parseIdx of a string', () => parseIdx('abc' as never), ArgumentError, [/^parseIdx: expected the file's bytes as a Uint8Array, got "abc"/]],
  ['sum over axes given as a string', () => sum(a23(), '1' as never), ArgumentError, [/^sum: axes must be an axis, an array of axes, or undefined for all, got "1"/]],
  ['vgg16 with a classifier beyond memory, before building anything', () => vgg16({ hidden: 1e6 }), OutOfMemoryError, [/^vgg16: a 512 -> 1000000 -> 1000000 -> 10 classifier needs 4002088000000 bytes of weights/]],
  ['alexnet with a classifier beyond memory', () => alexnet({ hidden: 40_000 }), OutOfMemoryError, [/^alexnet: a 4096 -> 40000 -> 40000 -> 10 classifier needs/]],
  ['arange beyond memory', () => arange(0, 1e12), OutOfMemoryError, [/^arange: 1000000000000 elements \(4000000000000 bytes\) exceed the 4294967296 bytes/]],
  ['conv2d with a string for options', () => conv2d(ones([1, 1, 4, 4]), ones([1, 1, 3, 3]), null, 'same' as never), ArgumentError, [/^conv2d: options must be an object such as \{ stride: 1, padding: 1 \}, got "same"/]],
  // Silent wrong results become errors.
  ['crossEntropy with label -1', () => crossEntropy(ones([2, 4]), [0, -1]), ArgumentError, [/^crossEntropy: index -1 at position 1 is out of range for an axis of size 4/]],
  ['a DataLoader with fewer image bytes than its labels need', () => new DataLoader({ images: new Uint8Array(3), labels: new Int32Array(4), shape: [1, 1, 1], classes: 10 }, { batchSize: 4 }), ShapeError, [/^DataLoader: 4 labels need 4 image bytes \(1 per image of shape \[1, 1, 1\]\), got 3/]],
  ['a DataLoader with images beyond its labels', () => new DataLoader({ images: new Uint8Array(12), labels: new Int32Array(2), shape: [1, 2, 2], classes: 10 }, { batchSize: 2 }), ShapeError, [/^DataLoader: 2 labels need 8 image bytes/, /got 12/]],
];

describe('results that were silently wrong', () => {
  it('sum with axes null sums everything; pow(0, 0) has gradient 0 in its base (as in PyTorch) and log-free 0 in its exponent', () => {
    expect(sum(tensor([[1, 2], [3, 4]]), null as never).item()).toBe(10);
    const base = tensor([0, 2], { requiresGrad: true, dtype: 'float64' });
    const exponent = tensor([0, 0], { requiresGrad: true, dtype: 'float64' });
    pow(base, exponent).sum().backward();
    expect(Array.from(base.grad!.toArray())).toEqual([0, 0]);
    expect(Array.from(exponent.grad!.toArray())).toEqual([0, Math.log(2)]);
  });
});

describe('bad calls throw clear errors', () => {
  it.each(badCalls)('%s', (_name, call, errorClass, patterns) => {
    let caught: unknown;
    try {
      call();
    } catch (error) {
      caught = error;
    }
    expect(caught, 'expected an error').toBeInstanceOf(errorClass);
    for (const pattern of patterns) expect((caught as Error).message).toMatch(pattern);
  });

  it('has at least 25 cases', () => {
    expect(badCalls.length).toBeGreaterThanOrEqual(25);
  });

  it('a released tensor cannot be used', () => {
    const x = ones([2, 2]);
    x.dispose();
    expect(() => x.add(1)).toThrow(ReleasedTensorError);
    expect(() => x.toArray()).toThrow(/released/);
    expect(() => x.sum()).toThrow(/\[2,2\] float32/);
    x.dispose(); // idempotent
  });

  it('backward twice through a freed graph, and through a tensor modified in place', () => {
    const w = randn([3], { requiresGrad: true, seed: 1 });
    const y = w.mul(w).sum();
    y.backward();
    expect(() => y.backward()).toThrow(/already freed/);
    const h = w.mul(2);
    const z = h.mul(h).sum();
    noGrad(() => h.addInPlace(ones([3])));
    expect(() => z.backward()).toThrow(/modified in place/);
  });

  it('in-place change of a parameter outside noGrad', () => {
    const w = randn([3], { requiresGrad: true, seed: 1 });
    expect(() => w.addInPlace(ones([3]))).toThrow(/noGrad/);
    expect(() => noGrad(() => w.addInPlace(ones([3])))).not.toThrow();
  });
});
