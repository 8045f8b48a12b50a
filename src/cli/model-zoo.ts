// The models the CLI knows by name, with the input each expects.

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
}

/** The [channels, height, width] a model takes. */
export function inputShapeOf(name: ModelName): [number, number, number] {
  return name === 'fc2' || name === 'lenet5' ? [1, 28, 28] : [3, 32, 32];
}

export function buildModel(config: ModelConfig): Sequential {
  const options = { numClasses: config.numClasses, seed: config.seed };
  switch (config.name) {
    case 'fc2': return fc2(options);
    case 'lenet5': return lenet5(options);
    case 'alexnet': return alexnet({ ...options, width: config.width });
    case 'zfnet': return zfnet({ ...options, width: config.width });
    case 'vgg16': return vgg16({ ...options, width: config.width });
    default: throw new UsageError(`unknown model ${JSON.stringify(config.name)}; models: ${MODEL_NAMES.join(', ')}`);
  }
}
