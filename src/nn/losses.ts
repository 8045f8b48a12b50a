// Loss objects for training loops (the functions crossEntropy and mse do the work).

import type { Tensor } from '../tensor.js';
import { crossEntropy, mse, type Reduction } from '../ops/composite.js';
import type { IndexInput } from '../ops/indexing.js';

/**
 * Cross entropy of logits [N, C] against integer labels or target probabilities.
 *
 * @example
 * const loss = new CrossEntropyLoss().forward(model.forward(images), labels);   // mean over the batch
 */
export class CrossEntropyLoss {
  constructor(readonly reduction: Reduction = 'mean') {}

  forward(logits: Tensor, target: IndexInput): Tensor {
    return crossEntropy(logits, target, { reduction: this.reduction });
  }
}

/**
 * Mean squared error.
 *
 * @example
 * new MSELoss().forward(prediction, target);          // mean over all elements
 * new MSELoss('sum').forward(prediction, target);
 */
export class MSELoss {
  constructor(readonly reduction: Reduction = 'mean') {}

  forward(prediction: Tensor, target: Tensor): Tensor {
    return mse(prediction, target, { reduction: this.reduction });
  }
}
