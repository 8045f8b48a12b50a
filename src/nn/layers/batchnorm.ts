// Batch normalisation over the channel axis (axis 1) of [N, C] (BatchNorm1d, also [N, C, L])
// or [N, C, H, W] (BatchNorm2d): in training mode each channel is normalised with the batch mean
// and biased variance, and the running statistics are updated with momentum (the running
// variance with the unbiased estimate, as PyTorch does); in evaluation mode the running
// statistics are used. Training mode is one fused primitive (src/ops/batch-norm.ts); evaluation
// mode is built from elementwise primitives.

import { ArgumentError, ShapeError, formatShape, optionsObject } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import type { Dtype } from '../../tensor/dtype.js';
import { noGrad } from '../../autograd/graph.js';
import { ones, tensor, zeros } from '../../tensor/creation.js';
import { add, mul, powScalar, sub } from '../../ops/elementwise.js';
import { reshape } from '../../ops/movement.js';
import { batchNormTraining } from '../../ops/batch-norm.js';
import { Module, type Parameter } from '../module.js';

/** Options of BatchNorm1d and BatchNorm2d (PyTorch's, with its defaults). */
export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Weight of each batch's statistics in the running ones (default 0.1). */
  momentum?: number;
  /** Learn a per-channel scale (weight) and shift (bias) (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation mode (default true; without them the batch's are always used). */
  trackRunningStats?: boolean;
  dtype?: Dtype;
}

abstract class BatchNorm extends Module {
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly eps: number;
  readonly momentum: number;

  constructor(readonly numFeatures: number, private readonly ranks: number[], options: BatchNormOptions) {
    super();
    options = optionsObject(new.target.name, options);
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new ArgumentError(`BatchNorm: numFeatures must be a positive integer, got ${numFeatures}`);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    const dtype = options.dtype;
    this.weight = options.affine === false ? null : this.registerParameter('weight', ones([numFeatures], { dtype }));
    this.bias = options.affine === false ? null : this.registerParameter('bias', zeros([numFeatures], { dtype }));
    const track = options.trackRunningStats ?? true;
    this.runningMean = track ? this.registerBuffer('runningMean', zeros([numFeatures], { dtype })) : null;
    this.runningVar = track ? this.registerBuffer('runningVar', ones([numFeatures], { dtype })) : null;
  }

  forward(x: Tensor): Tensor {
    if (!this.ranks.includes(x.rank) || x.shape[1] !== this.numFeatures) {
      throw new ShapeError(`${this.constructor.name}: expected rank ${this.ranks.join(' or ')} with ${this.numFeatures} channels on axis 1, got ${formatShape(x.shape)}`);
    }
    const statShape = x.shape.map((s, d) => (d === 1 ? s : 1));
    if (this.training || this.runningMean === null) {
      // One fused primitive with the batch's statistics (src/ops/batch-norm.ts).
      const count = x.size / this.numFeatures;
      if (this.training && this.runningMean !== null && count < 2) {
        // As in PyTorch: one value per channel has no variance to learn from.
        throw new ArgumentError(`${this.constructor.name}: training needs more than one value per channel, got input ${formatShape(x.shape)}`);
      }
      const { output, mean, variance } = batchNormTraining(x, this.weight, this.bias, this.eps);
      if (this.training && this.runningMean !== null && this.runningVar !== null) {
        const m = this.momentum;
        noGrad(() => {
          const dtype = x.dtype;
          this.runningMean!.mulInPlace(1 - m).addInPlace(tensor(mean, { dtype }), m);
          // The running variance takes the unbiased estimate.
          this.runningVar!.mulInPlace(1 - m).addInPlace(tensor(variance.map((v) => (v * count) / (count - 1)), { dtype }), m);
        });
      }
      return output;
    }
    // Evaluation: y = (x - mu)·scale + shift with scale = weight/sqrt(var + eps) per channel, the
    // per-channel arithmetic on [1, C, 1, 1] tensors.
    const mu = reshape(this.runningMean, statShape);
    let scale = powScalar(add(reshape(this.runningVar!, statShape), this.eps), -0.5);
    if (this.weight !== null) scale = mul(scale, reshape(this.weight, statShape));
    const y = mul(sub(x, mu), scale);
    return this.bias === null ? y : add(y, reshape(this.bias, statShape));
  }
}

/**
 * Batch normalisation of [N, C] or [N, C, L].
 *
 * @example
 * const bn = new BatchNorm1d(256);
 * bn.forward(h);   // h: [N, 256]; batch statistics in training mode, running ones after bn.eval()
 */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, [2, 3], options);
  }
}

/**
 * Batch normalisation of [N, C, H, W] over N, H and W.
 *
 * @example
 * new Sequential(new Conv2d(3, 64, 3, { padding: 1 }), new BatchNorm2d(64), new ReLU());
 */
export class BatchNorm2d extends BatchNorm {
  constructor(numChannels: number, options: BatchNormOptions = {}) {
    super(numChannels, [4], options);
  }
}
