import type { Tensor } from '../../tensor.js';
import { leakyRelu, relu, sigmoid, tanh } from '../../ops/elementwise.js';
import { Module } from '../module.js';

/**
 * max(x, 0) elementwise, as a layer.
 *
 * @example
 * Sequential.named([['fc1', new Linear(784, 256)], ['relu', new ReLU()], ['fc2', new Linear(256, 10)]]);
 */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/**
 * x for x > 0, negativeSlope·x otherwise (default slope 0.01), elementwise, as a layer.
 *
 * @example
 * new LeakyReLU(0.1).forward(x);
 */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
}

/**
 * tanh(x) elementwise, as a layer.
 *
 * @example
 * new Tanh().forward(x);   // values in (-1, 1)
 */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/**
 * 1 / (1 + exp(-x)) elementwise, as a layer.
 *
 * @example
 * new Sigmoid().forward(x);   // values in (0, 1)
 */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}
