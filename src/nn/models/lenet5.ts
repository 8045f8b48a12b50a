import { ReLU } from '../layers/activations.js';
import { Conv2d } from '../layers/conv2d.js';
import { Linear } from '../layers/linear.js';
import { MaxPool2d } from '../layers/pooling.js';
import { Flatten, Sequential } from '../layers/sequential.js';
import type { ModelOptions } from './fc2.js';

/**
 * LeNet-5 for 28 x 28 images (the modern form: ReLU and max pooling): conv 6@5x5 (padding 2),
 * pool 2, conv 16@5x5, pool 2, then 400 -> 120 -> 84 -> classes. Parameters: 61,706.
 */
export function lenet5(options: ModelOptions = {}): Sequential {
  const d = options.dtype;
  const seed = options.seed ?? 0;
  return Sequential.named([
    ['conv1', new Conv2d(1, 6, 5, { padding: 2, dtype: d, seed: seed + 1, init: 'kaiming' })],
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
