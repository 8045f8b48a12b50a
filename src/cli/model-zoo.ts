// The models the CLI knows by name. Every model takes the images of any data set: the input shape
// comes from the data (fc2 flattens it; lenet5, alexnet, zfnet and vgg16 adapt to it, see their
// doc comments).

import type { Sequential } from '../nn/layers/sequential.js';
import { fc2 } from '../nn/models/fc2.js';
import { lenet5 } from '../nn/models/lenet5.js';
import { alexnet, vgg16, zfnet } from '../nn/models/cifar-nets.js';
import { UsageError } from './args.js';

export const MODEL_NAMES = ['fc2', 'lenet5', 'alexnet', 'zfnet', 'vgg16'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** What a checkpoint records to rebuild its model. */
export interface ModelConfig {
  name: ModelName;
  numClasses: number;
  /** Channel multiplier of the CIFAR networks (1 = full size). */
  width: number;
  seed: number;
  /** Hidden width of the classifier (fc2: 1024; CIFAR networks: 4096·width); absent: the default. */
  hidden?: number;
  /** [channels, height, width] of one image; absent in older checkpoints: the model's original input. */
  inputShape?: [number, number, number];
}

/** The [channels, height, width] a model was designed for (used when a checkpoint does not say). */
export function defaultInputShape(name: ModelName): [number, number, number] {
  return name === 'fc2' || name === 'lenet5' ? [1, 28, 28] : [3, 32, 32];
}

/** Checks that a model can take images of this shape (UsageError naming both otherwise). */
export function checkInput(name: ModelName, shape: readonly number[]): void {
  const [channels, height, width] = shape;
  if (shape.length !== 3 || shape.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new UsageError(`${name}: images must have a shape [channels, height, width], the data set has [${shape.join(', ')}]`);
  }
  if (name === 'lenet5' && (height! > 32 || width! > 32)) {
    throw new UsageError(`lenet5 takes images of at most 32 x 32 pixels, the data set has [${[channels, height, width].join(', ')}]`);
  }
}

export function buildModel(config: ModelConfig): Sequential {
  const inputShape = config.inputShape ?? defaultInputShape(config.name);
  const options = { numClasses: config.numClasses, seed: config.seed };
  const hidden = config.hidden === undefined ? {} : { hidden: config.hidden };
  switch (config.name) {
    case 'fc2': return fc2({ ...options, ...hidden, inputSize: inputShape[0] * inputShape[1] * inputShape[2] });
    case 'lenet5': return lenet5({ ...options, inputShape });
    case 'alexnet': return alexnet({ ...options, ...hidden, width: config.width, inputShape });
    case 'zfnet': return zfnet({ ...options, ...hidden, width: config.width, inputShape });
    case 'vgg16': return vgg16({ ...options, ...hidden, width: config.width, inputShape });
    default: throw new UsageError(`unknown model ${JSON.stringify(config.name)}; models: ${MODEL_NAMES.join(', ')}`);
  }
}
