// Knowledge distillation (Hinton, Vinyals & Dean 2015): the student learns from the labels and from
// a trained teacher's softened predictions,
//   loss = (1 - α)·CE(z_s, y) + α·T²·CE(softmax(z_t / T), z_s / T),
// where CE(p, z) = -Σ_c p_c·log softmax(z)_c. The T² keeps the soft term's gradients on the scale
// of the hard term's as T changes. The teacher runs in evaluation mode without gradients.

import { ArgumentError, optionsObject } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/graph.js';
import { tidy } from '../tensor/lifetime.js';
import { crossEntropy, softmax } from '../ops/composite.js';
import { add, div, mul } from '../ops/elementwise.js';
import { Module } from './module.js';
import type { LossFunction } from './training.js';

/** Options of distillationLoss: the softening temperature and the weight of the teacher's soft targets. */
export interface DistillationOptions {
  /** Softening temperature T (default 4). */
  temperature?: number;
  /** Weight α of the teacher's soft targets (default 0.9); 1 - α goes to the labels. */
  alpha?: number;
}

/**
 * A loss for `fit` that mixes the labels with a teacher's soft targets.
 *
 * @example
 * const loss = distillationLoss(denseModel, { temperature: 4, alpha: 0.9 });
 * await fit(compressedModel, optimizer, loader, { epochs: 10, loss });
 */
export function distillationLoss(teacher: Module, optionsIn: DistillationOptions = {}): LossFunction {
  const options = optionsObject('distillationLoss', optionsIn);
  if (!(teacher instanceof Module)) throw new ArgumentError('distillationLoss: the teacher must be a Module');
  const temperature = options.temperature ?? 4;
  const alpha = options.alpha ?? 0.9;
  if (typeof temperature !== 'number' || !(temperature > 0) || !Number.isFinite(temperature)) {
    throw new ArgumentError(`distillationLoss: temperature must be a positive number, got ${String(options.temperature)}`);
  }
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1)) throw new ArgumentError(`distillationLoss: alpha must be in [0, 1], got ${String(options.alpha)}`);
  return (logits: Tensor, labels: Int32Array, inputs?: Tensor): Tensor => {
    if (inputs === undefined) throw new ArgumentError('distillationLoss: the loss needs the batch inputs (the training loop passes them as the third argument)');
    const hard = crossEntropy(logits, labels);
    if (alpha === 0) return hard;
    // The teacher's activations are freed at once (tidy): only its soft targets are kept.
    const soft = noGrad(() => tidy(() => {
      const wasTraining = teacher.training;
      teacher.eval();
      try {
        return softmax(div(teacher.forward(inputs), temperature), 1);
      } finally {
        teacher.train(wasTraining);
      }
    }));
    const distilled = mul(crossEntropy(div(logits, temperature), soft), temperature * temperature);
    return alpha === 1 ? distilled : add(mul(hard, 1 - alpha), mul(distilled, alpha));
  };
}
