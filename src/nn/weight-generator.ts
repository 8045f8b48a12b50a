// The interface between layers and compression: a layer whose weight is generated asks its
// generator for the weight on every forward pass, so gradients reach the generator's parameters.
// A generator is a module: its parameters (registered as Parameters) appear under the layer as
// weight.<name> in parameters(), state dicts and checkpoints.

import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/**
 * A module that produces a weight tensor of a fixed shape, differentiable in its parameters.
 *
 * @example
 * const layer = new Linear(784, 1024);
 * layer.setWeightGenerator(new LowRankWeight([1024, 784], 8));   // layer.weight.u, layer.weight.v
 */
export abstract class WeightGenerator extends Module {
  /** 'adtn', 'lowrank', 'tt', ... */
  abstract readonly method: string;
  /** Shape of the generated weight. */
  abstract readonly shape: readonly number[];
  /** The weight, differentiable in parameters(). */
  abstract generate(): Tensor;

  /** A generator ignores its input: forward() is generate(). */
  forward(): Tensor {
    return this.generate();
  }
}
