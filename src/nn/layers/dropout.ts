import { ArgumentError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { dropout } from '../../ops/composite.js';
import { RandomGenerator } from '../../tensor/random.js';
import { Module } from '../module.js';

/**
 * Inverted dropout, active in training mode only. Seeded: a layer built with the same seed drops
 * the same elements in the same order of calls.
 */
export class Dropout extends Module {
  private readonly generator: RandomGenerator;

  constructor(readonly p = 0.5, options: { seed?: number } = {}) {
    super();
    if (!(p >= 0 && p <= 1)) throw new ArgumentError(`Dropout: p must be in [0, 1], got ${p}`);
    this.generator = new RandomGenerator(options.seed ?? 0);
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    // One seed per call drawn from the layer's own generator.
    return dropout(x, this.p, { seed: this.generator.nextUint32() });
  }
}
