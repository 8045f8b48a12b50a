import type { Tensor } from '../../tensor.js';
import type { Pair } from '../../ops/conv.js';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d, type PoolOptions } from '../../ops/pool.js';
import { Module } from '../module.js';
import { optionsObject } from '../../errors.js';

/** Max pooling layer. @example new MaxPool2d(2)  // halves H and W */
export class MaxPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: PoolOptions = {}) {
    super();
    optionsObject('MaxPool2d', options);
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }
}

/**
 * Average pooling layer (padding counted as zeros by default, like PyTorch).
 *
 * @example
 * new AvgPool2d(2).forward(x);                                  // [N, C, 32, 32] -> [N, C, 16, 16]
 * new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false });
 */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: PoolOptions & { countIncludePad?: boolean } = {}) {
    super();
    optionsObject('AvgPool2d', options);
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }
}

/** Adaptive average pooling to a fixed output size. @example new AdaptiveAvgPool2d(1) */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}
