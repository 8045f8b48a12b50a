import { ArgumentError, optionsObject } from '../../errors.js';
import type { Module } from '../module.js';
import { ReLU } from '../layers/activations.js';
import { Conv2d } from '../layers/conv2d.js';
import { Linear } from '../layers/linear.js';
import { MaxPool2d } from '../layers/pooling.js';
import { Flatten, Sequential } from '../layers/sequential.js';
import { ZeroPad2d } from '../layers/zero-pad.js';
import type { ModelOptions } from './fc2.js';

/**
 * LeNet-5 (the modern form: ReLU and max pooling) for images up to 32 x 32: conv 6@5x5 on the
 * image padded to 32 x 32, pool 2, conv 16@5x5, pool 2, then 400 -> 120 -> 84 -> classes.
 * Parameters: 61,706 for one input channel. A 28 x 28 image is padded by the first convolution
 * itself (padding 2, as in the classic MNIST form); other sizes get a 'pad' layer first.
 *
 * @example
 * lenet5();                                  // MNIST: [N, 1, 28, 28]
 * lenet5({ inputShape: [3, 32, 32] });       // CIFAR
 */
export function lenet5(optionsIn: ModelOptions & { inputShape?: readonly [number, number, number] } = {}): Sequential {
  const options = optionsObject('lenet5', optionsIn);
  const d = options.dtype;
  const seed = options.seed ?? 0;
  const shape = options.inputShape ?? [1, 28, 28];
  if (!Array.isArray(shape) || shape.length !== 3 || shape.some((s) => !Number.isInteger(s) || s < 1) || shape[1] > 32 || shape[2] > 32) {
    throw new ArgumentError(`lenet5: inputShape must be [channels, height, width] with height and width at most 32, got ${JSON.stringify(options.inputShape)}`);
  }
  const [channels, height, width] = shape;
  const square28 = height === 28 && width === 28;
  const front: [string, Module][] = square28 || (height === 32 && width === 32) ? [] : [['pad', ZeroPad2d.toSize(height, width, 32)]];
  return Sequential.named([
    ...front,
    ['conv1', new Conv2d(channels, 6, 5, { padding: square28 ? 2 : 0, dtype: d, seed: seed + 1, init: 'kaiming' })],
    ['relu1', new ReLU()],
    ['pool1', new MaxPool2d(2)],
    ['conv2', new Conv2d(6, 16, 5, { dtype: d, seed: seed + 3, init: 'kaiming' })],
    ['relu2', new ReLU()],
    ['pool2', new MaxPool2d(2)],
    ['flatten', new Flatten()],
    ['fc1', new Linear(400, 120, { dtype: d, seed: seed + 5, init: 'kaiming' })],
    ['relu3', new ReLU()],
    ['fc2', new Linear(120, 84, { dtype: d, seed: seed + 7, init: 'kaiming' })],
    ['relu4', new ReLU()],
    ['fc3', new Linear(84, options.numClasses ?? 10, { dtype: d, seed: seed + 9 })],
  ]);
}
