import { ArgumentError, ShapeError, formatShape, optionsObject } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import type { Dtype } from '../../tensor/dtype.js';
import { add } from '../../ops/elementwise.js';
import { matmulPrimitive } from '../../ops/matmul.js';
import { reshape } from '../../ops/movement.js';
import { defaultUniform, kaimingUniform } from '../init.js';
import { WeightedLayer } from './weighted-layer.js';

/** Options of Linear: bias, dtype, seed and initialisation. */
export interface LinearOptions {
  /** Whether the layer has a bias (default true). */
  bias?: boolean;
  dtype?: Dtype;
  /** Seed of the weight; the bias uses seed + 1. */
  seed?: number;
  /** 'default' (PyTorch's uniform ±1/sqrt(in)) or 'kaiming' (He uniform, for ReLU nets). */
  init?: 'default' | 'kaiming';
}

/**
 * y = x·Wᵀ + b with W [out, in]; x may have any leading axes.
 *
 * @example
 * const fc = new Linear(784, 10, { seed: 1 });
 * fc.forward(x);   // [batch, 784] -> [batch, 10]
 */
export class Linear extends WeightedLayer {
  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions = {}) {
    super('Linear');
    options = optionsObject('Linear', options);
    for (const [name, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`Linear: ${name} must be a positive integer, got ${v}`);
    }
    const seed = options.seed;
    const weight = options.init === 'kaiming'
      ? kaimingUniform([outFeatures, inFeatures], { seed, dtype: options.dtype })
      : defaultUniform([outFeatures, inFeatures], inFeatures, { seed, dtype: options.dtype });
    this.weight = this.registerParameter('weight', weight);
    this.bias = options.bias === false ? null
      : this.registerParameter('bias', defaultUniform([outFeatures], inFeatures, { seed: seed === undefined ? undefined : seed + 1, dtype: options.dtype }));
  }

  forward(x: Tensor): Tensor {
    if (x.shape[x.rank - 1] !== this.inFeatures) {
      throw new ShapeError(`Linear: expected input with last axis ${this.inFeatures}, got ${formatShape(x.shape)}`);
    }
    const lead = x.shape.slice(0, -1);
    const x2 = x.rank === 2 ? x : reshape(x, [-1, this.inFeatures]);
    let y = matmulPrimitive(x2, this.effectiveWeight(), false, true);
    if (this.bias !== null) y = add(y, this.bias);
    return x.rank === 2 ? y : reshape(y, [...lead, this.outFeatures]);
  }
}
