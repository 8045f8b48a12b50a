// The ADTN paper's larger networks in their CIFAR form (designed for 3 x 32 x 32 inputs; any image
// set works: the input shape is an option). `width` scales every convolution's channels and
// `hidden` sets the classifier's width (default 4096·width), so the large linear layers the paper
// compresses can stay at 4096 while the convolutions run at a width a small machine can train.
// Smaller images: AlexNet and ZFNet pool with padding (28 -> 14 -> 7 -> 4), so a 28 x 28 image
// reaches the same 4 x 4 map as a 32 x 32 one; VGG-16 halves the size five times, so it pads
// smaller images with zeros to 32 x 32 first. Parameter counts for width 1 and 10 classes are
// asserted in the tests and listed in the README.

import { ArgumentError, OutOfMemoryError, optionsObject } from '../../errors.js';
import { MAX_MEMORY_BYTES } from '../../backend/allocator.js';
import { bytesPerElement, type Dtype } from '../../tensor/dtype.js';
import type { Module } from '../module.js';
import { ReLU } from '../layers/activations.js';
import { Conv2d } from '../layers/conv2d.js';
import { Dropout } from '../layers/dropout.js';
import { LocalResponseNorm } from '../layers/local-response-norm.js';
import { Linear } from '../layers/linear.js';
import { BatchNorm2d } from '../layers/batchnorm.js';
import { MaxPool2d } from '../layers/pooling.js';
import { Flatten, Sequential } from '../layers/sequential.js';
import { ZeroPad2d } from '../layers/zero-pad.js';
import type { ModelOptions } from './fc2.js';

/** Options of alexnet, zfnet and vgg16: those of every model, plus the widths and the input shape. */
export interface CifarModelOptions extends ModelOptions {
  /** Channel multiplier of the convolutions (default 1). */
  width?: number;
  /** Width of the classifier's hidden layers (default round(4096·width)). */
  hidden?: number;
  /** [channels, height, width] of one image (default [3, 32, 32]). */
  inputShape?: readonly [number, number, number];
}

function scaled(n: number, width: number): number {
  return Math.max(1, Math.round(n * width));
}

function checkWidth(width: number): number {
  if (!(width > 0 && width <= 4)) throw new ArgumentError(`width must be in (0, 4], got ${width}`);
  return width;
}

function hiddenOf(model: string, options: CifarModelOptions, width: number): number {
  const hidden = options.hidden ?? scaled(4096, width);
  if (!Number.isInteger(hidden) || hidden < 1) throw new ArgumentError(`${model}: hidden must be a positive integer, got ${String(options.hidden)}`);
  return hidden;
}

function inputOf(model: string, options: CifarModelOptions): [number, number, number] {
  const shape = options.inputShape ?? [3, 32, 32];
  if (!Array.isArray(shape) || shape.length !== 3 || shape.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new ArgumentError(`${model}: inputShape must be three positive integers [channels, height, width], got ${JSON.stringify(options.inputShape)}`);
  }
  return [shape[0], shape[1], shape[2]];
}

/**
 * Refuses, before any layer is built, a classifier (in -> hidden -> hidden -> classes) whose
 * weights alone exceed WebAssembly memory: it would fill memory with the convolutions and the
 * first layers before failing (a 4096 x 10^6 layer takes seconds to initialise).
 */
function checkClassifier(model: string, inFeatures: number, hidden: number, classes: number, dtype: Dtype | undefined): void {
  const bytes = (inFeatures * hidden + hidden * hidden + hidden * classes) * bytesPerElement(dtype ?? 'float32');
  if (bytes > MAX_MEMORY_BYTES) {
    throw new OutOfMemoryError(`${model}: a ${inFeatures} -> ${hidden} -> ${hidden} -> ${classes} classifier needs ${bytes} bytes of weights; WebAssembly memory holds ${MAX_MEMORY_BYTES}`);
  }
}

// Output size of a 3x3 max pooling with stride 2 and padding 1.
function poolSize(n: number): number {
  return Math.floor((n - 1) / 2) + 1;
}

/**
 * What AlexNet and ZFNet share after their second convolution: three 3x3 convolutions on
 * channels c[1] -> c[2] -> c[3] -> c[4], a last pooling to `map` (4 x 4 for 28 to 32 pixel
 * images), then hidden -> hidden -> classes with dropout. `next` hands out the layers' seeds in order.
 */
function alexNetTail(c: number[], hidden: number, map: [number, number], options: CifarModelOptions, next: () => number): [string, Module][] {
  const d = options.dtype;
  return [
    ['conv3', new Conv2d(c[1]!, c[2]!, 3, { padding: 1, dtype: d, seed: next(), init: 'kaiming' })], ['relu3', new ReLU()],
    ['conv4', new Conv2d(c[2]!, c[3]!, 3, { padding: 1, dtype: d, seed: next(), init: 'kaiming' })], ['relu4', new ReLU()],
    ['conv5', new Conv2d(c[3]!, c[4]!, 3, { padding: 1, dtype: d, seed: next(), init: 'kaiming' })], ['relu5', new ReLU()],
    ['pool5', new MaxPool2d(3, { stride: 2, padding: 1 })],
    ['flatten', new Flatten()],
    ['fc1', new Linear(c[4]! * map[0] * map[1], hidden, { dtype: d, seed: next(), init: 'kaiming' })], ['relu6', new ReLU()], ['drop1', new Dropout(0.5, { seed: next() })],
    ['fc2', new Linear(hidden, hidden, { dtype: d, seed: next(), init: 'kaiming' })], ['relu7', new ReLU()], ['drop2', new Dropout(0.5, { seed: next() })],
    ['fc3', new Linear(hidden, options.numClasses ?? 10, { dtype: d, seed: next() })],
  ];
}

/**
 * AlexNet for CIFAR: conv 64@5x5 - pool - LRN - conv 192@5x5 - LRN - pool - conv 384@3x3 -
 * conv 256@3x3 - conv 256@3x3 - pool, then 4096 -> 4096 -> 4096 -> classes with dropout.
 *
 * @example
 * alexnet();                                                   // CIFAR-10: [N, 3, 32, 32] -> [N, 10]
 * alexnet({ width: 0.25, hidden: 4096, inputShape: [1, 28, 28] });   // narrow convolutions, paper-size fc1/fc2
 */
export function alexnet(optionsIn: CifarModelOptions = {}): Sequential {
  const options = optionsObject('alexnet', optionsIn);
  const w = checkWidth(options.width ?? 1);
  const d = options.dtype;
  let seed = options.seed ?? 0;
  const next = () => (seed += 2);
  const c = [64, 192, 384, 256, 256].map((n) => scaled(n, w));
  const hidden = hiddenOf('alexnet', options, w);
  const [channels, height, width] = inputOf('alexnet', options);
  const map = [height, width].map((n) => poolSize(poolSize(poolSize(n)))) as [number, number];
  checkClassifier('alexnet', c[4]! * map[0] * map[1], hidden, options.numClasses ?? 10, d);
  const layers: [string, Module][] = [
    ['conv1', new Conv2d(channels, c[0]!, 5, { padding: 2, dtype: d, seed: next(), init: 'kaiming' })], ['relu1', new ReLU()],
    ['pool1', new MaxPool2d(3, { stride: 2, padding: 1 })], ['norm1', new LocalResponseNorm(5)],
    ['conv2', new Conv2d(c[0]!, c[1]!, 5, { padding: 2, dtype: d, seed: next(), init: 'kaiming' })], ['relu2', new ReLU()],
    ['norm2', new LocalResponseNorm(5)], ['pool2', new MaxPool2d(3, { stride: 2, padding: 1 })],
    ...alexNetTail(c, hidden, map, options, next),
  ];
  return Sequential.named(layers);
}

/**
 * ZFNet for CIFAR: like AlexNet with a 7x7 first layer of 96 channels (the ZFNet change) and
 * wider middle layers: conv 96@7x7 - pool - LRN - conv 256@5x5 - pool - LRN - conv 384@3x3 -
 * conv 384@3x3 - conv 256@3x3 - pool, then 4096 -> 4096 -> classes with dropout.
 *
 * @example
 * zfnet({ numClasses: 100 });                 // CIFAR-100
 * zfnet({ width: 0.5, inputShape: [1, 28, 28] });   // Fashion-MNIST, hidden 2048
 */
export function zfnet(optionsIn: CifarModelOptions = {}): Sequential {
  const options = optionsObject('zfnet', optionsIn);
  const w = checkWidth(options.width ?? 1);
  const d = options.dtype;
  let seed = options.seed ?? 100;
  const next = () => (seed += 2);
  const c = [96, 256, 384, 384, 256].map((n) => scaled(n, w));
  const hidden = hiddenOf('zfnet', options, w);
  const [channels, height, width] = inputOf('zfnet', options);
  const map = [height, width].map((n) => poolSize(poolSize(poolSize(n)))) as [number, number];
  checkClassifier('zfnet', c[4]! * map[0] * map[1], hidden, options.numClasses ?? 10, d);
  return Sequential.named([
    ['conv1', new Conv2d(channels, c[0]!, 7, { padding: 3, dtype: d, seed: next(), init: 'kaiming' })], ['relu1', new ReLU()],
    ['pool1', new MaxPool2d(3, { stride: 2, padding: 1 })], ['norm1', new LocalResponseNorm(5)],
    ['conv2', new Conv2d(c[0]!, c[1]!, 5, { padding: 2, dtype: d, seed: next(), init: 'kaiming' })], ['relu2', new ReLU()],
    ['pool2', new MaxPool2d(3, { stride: 2, padding: 1 })], ['norm2', new LocalResponseNorm(5)],
    ...alexNetTail(c, hidden, map, options, next),
  ]);
}

/**
 * VGG-16 for CIFAR: 13 3x3 convolutions with batch normalisation in five blocks (64, 64 | 128,
 * 128 | 256 x 3 | 512 x 3 | 512 x 3, max pooling after each), then 512 -> 4096 -> 4096 -> classes
 * with dropout. fc1 and fc2 are the two large linear layers the ADTN paper compresses. Images
 * smaller than 32 x 32 are padded with zeros to 32 x 32 (layer 'pad').
 *
 * @example
 * vgg16({ width: 0.25, hidden: 4096, inputShape: [1, 28, 28] });   // Fashion-MNIST, paper-size classifier
 */
export function vgg16(optionsIn: CifarModelOptions = {}): Sequential {
  const options = optionsObject('vgg16', optionsIn);
  const w = checkWidth(options.width ?? 1);
  const d = options.dtype;
  let seed = options.seed ?? 200;
  const next = () => (seed += 2);
  const blocks = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]];
  const [channels, height, width] = inputOf('vgg16', options);
  // Five 2x2 poolings: images smaller than 32 x 32 are padded to it.
  const layers: [string, Module][] = height < 32 || width < 32 ? [['pad', ZeroPad2d.toSize(height, width, 32)]] : [];
  const map = [Math.max(32, height), Math.max(32, width)].map((n) => Math.floor(n / 32));
  checkClassifier('vgg16', scaled(512, w) * map[0]! * map[1]!, hiddenOf('vgg16', options, w), options.numClasses ?? 10, d);
  let inChannels = channels;
  blocks.forEach((block, b) => {
    block.forEach((n, i) => {
      const out = scaled(n, w);
      const name = `${b + 1}_${i + 1}`;
      layers.push([`conv${name}`, new Conv2d(inChannels, out, 3, { padding: 1, dtype: d, seed: next(), init: 'kaiming' })]);
      layers.push([`bn${name}`, new BatchNorm2d(out, { dtype: d })]);
      layers.push([`relu${name}`, new ReLU()]);
      inChannels = out;
    });
    layers.push([`pool${b + 1}`, new MaxPool2d(2)]);
  });
  const hidden = hiddenOf('vgg16', options, w);
  layers.push(
    ['flatten', new Flatten()],
    ['fc1', new Linear(inChannels * map[0]! * map[1]!, hidden, { dtype: d, seed: next(), init: 'kaiming' })], ['relu_fc1', new ReLU()], ['drop1', new Dropout(0.5, { seed: next() })],
    ['fc2', new Linear(hidden, hidden, { dtype: d, seed: next(), init: 'kaiming' })], ['relu_fc2', new ReLU()], ['drop2', new Dropout(0.5, { seed: next() })],
    ['fc3', new Linear(hidden, options.numClasses ?? 10, { dtype: d, seed: next() })],
  );
  return Sequential.named(layers);
}
