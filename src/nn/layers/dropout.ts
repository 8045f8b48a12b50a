import { ArgumentError, optionsObject } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { dropout } from '../../ops/composite.js';
import { tensor } from '../../tensor/creation.js';
import { RandomGenerator } from '../../tensor/random.js';
import { kernels } from '../../backend/engine.js';
import { elementIndex } from '../../backend/kernel-module.js';
import { Module } from '../module.js';

/**
 * Inverted dropout, active in training mode only. Seeded: a layer built with the same seed drops
 * the same elements in the same order of calls. The generator's state is a buffer
 * (`generatorState`, four uint32 words as float64), so a checkpoint resumes the same sequence.
 *
 * @example
 * const drop = new Dropout(0.5, { seed: 1 });
 * drop.forward(x);   // training mode: half the elements zeroed, the rest doubled
 */
export class Dropout extends Module {
  private readonly generator: RandomGenerator;
  private readonly generatorState: Tensor;
  // The buffer's storage version when generator and buffer last agreed: another version means a
  // state dict was loaded into it, and the generator continues from the buffer.
  private syncedVersion: number;

  constructor(readonly p = 0.5, options: { seed?: number } = {}) {
    super();
    options = optionsObject('Dropout', options);
    if (!(p >= 0 && p <= 1)) throw new ArgumentError(`Dropout: p must be in [0, 1], got ${p}`);
    this.generator = new RandomGenerator(options.seed ?? 0);
    // Optional: checkpoints written before the state was saved load, and start from the seed.
    this.generatorState = this.registerBuffer('generatorState', tensor(this.generator.getState(), { dtype: 'float64' }), { optional: true });
    this.syncedVersion = this.generatorState.storage!.version;
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    // One seed per call drawn from the layer's own generator; the new state is written into the
    // buffer in place (no tensor per call), which leaves its storage version as it was.
    const buffer = this.generatorState;
    if (buffer.storage!.version !== this.syncedVersion) {
      this.generator.setState(Array.from(buffer.toArray()));
      this.syncedVersion = buffer.storage!.version;
    }
    const seed = this.generator.nextUint32();
    kernels().f64.set(this.generator.getState(), elementIndex(buffer.ptr, 8));
    return dropout(x, this.p, { seed });
  }
}
