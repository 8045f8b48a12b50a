import type { Dtype } from '../../tensor/dtype.js';
import { ReLU } from '../layers/activations.js';
import { Linear } from '../layers/linear.js';
import { Flatten, Sequential } from '../layers/sequential.js';
import { optionsObject } from '../../errors.js';

/** Options every model builder takes. */
export interface ModelOptions {
  /** Outputs of the last layer (default 10). */
  numClasses?: number;
  dtype?: Dtype;
  /** Base of the layers' seeds (each model has its own default). */
  seed?: number;
}

/**
 * FC-2: a two-layer fully connected network for 28 x 28 images, 784 -> hidden -> classes with
 * ReLU (hidden 1024 by default, a power of two so the first weight is 2^10 x 784).
 * Parameters with the defaults: 784·1024 + 1024 + 1024·10 + 10 = 814,090.
 *
 * @example
 * const model = fc2();                 // [N, 1, 28, 28] -> [N, 10]; model.numParameters() === 814090
 * fc2({ hidden: 256, seed: 7 });
 */
export function fc2(optionsIn: ModelOptions & { hidden?: number; inputSize?: number } = {}): Sequential {
  const options = optionsObject('fc2', optionsIn);
  const hidden = options.hidden ?? 1024;
  const input = options.inputSize ?? 784;
  const seed = options.seed ?? 0;
  return Sequential.named([
    ['flatten', new Flatten()],
    ['fc1', new Linear(input, hidden, { dtype: options.dtype, seed: seed + 1, init: 'kaiming' })],
    ['relu', new ReLU()],
    ['fc2', new Linear(hidden, options.numClasses ?? 10, { dtype: options.dtype, seed: seed + 3 })],
  ]);
}
