// Fitting a generator to a pretrained weight: minimise the relative reconstruction error
// |G(θ) - W|² / |W|² with Adam, stopping at a tolerance, after `patience` steps without a 1%
// improvement, or after `steps`.

import { ArgumentError, ShapeError, formatShape, optionsObject } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/graph.js';
import { tidy } from '../tensor/lifetime.js';
import { Adam } from '../nn/optim/adam.js';
import type { WeightGenerator } from '../nn/weight-generator.js';

/** Options of fitGenerator: the step limit, Adam's learning rate, the stopping rules and a progress hook. */
export interface FitGeneratorOptions {
  /** Maximum number of Adam steps (default 500). */
  steps?: number;
  /** Adam's learning rate (default 1e-2). */
  lr?: number;
  /** Stop when the relative error |G - W| / |W| falls below this (default 1e-3). */
  tolerance?: number;
  /** Stop after this many steps without a 1% improvement of the best error (default 100). */
  patience?: number;
  /** Called after every step with the step number (from 1) and the relative error. */
  onProgress?: (step: number, relativeError: number) => void;
}

/** The outcome of fitGenerator: the steps taken, the relative error before and after, and why it stopped. */
export interface FitGeneratorResult {
  /** Adam steps taken. */
  steps: number;
  /** |G - W| / |W| at the end. */
  relativeError: number;
  /** |G - W| / |W| before the first step. */
  initialError: number;
  /** What ended the fit: the tolerance reached, no 1% improvement for `patience` steps, or the step limit. */
  stoppedBy: 'tolerance' | 'patience' | 'steps';
}

/**
 * |G - W|_F / |W|_F for a generator and a target weight of the same shape.
 *
 * @example
 * relativeError(new LowRankWeight([1024, 784], 16, { init: pretrained }), pretrained);   // error of the rank-16 SVD
 */
export function relativeError(generator: WeightGenerator, target: Tensor): number {
  return noGrad(() => tidy(() => Math.sqrt(generator.generate().sub(target).square().sum().item() / target.square().sum().item())));
}

/**
 * Trains a generator to reproduce a weight (the 'fit' initialisation of compression).
 *
 * @example
 * const g = new AdtnWeight([256, 256], { depth: 4 });
 * const { relativeError, stoppedBy } = fitGenerator(g, pretrained, { steps: 300, onProgress: (s, e) => log(s, e) });
 */
export function fitGenerator(generator: WeightGenerator, target: Tensor, optionsIn: FitGeneratorOptions = {}): FitGeneratorResult {
  const options = optionsObject('fitGenerator', optionsIn);
  if (target.rank !== generator.shape.length || target.shape.some((s, i) => s !== generator.shape[i])) {
    throw new ShapeError(`fitGenerator: the target ${formatShape(target.shape)} does not match the generator's ${formatShape(generator.shape)}`);
  }
  const steps = options.steps ?? 500;
  const tolerance = options.tolerance ?? 1e-3;
  const patience = options.patience ?? 100;
  if (!Number.isInteger(steps) || steps < 0) throw new ArgumentError(`fitGenerator: steps must be a non-negative integer, got ${steps}`);
  const optimizer = new Adam(generator.parameters(), { lr: options.lr ?? 1e-2 });
  const norm2 = noGrad(() => tidy(() => target.square().sum().item()));
  if (!(norm2 > 0)) throw new ArgumentError('fitGenerator: the target weight is zero');
  const initialError = relativeError(generator, target);
  let best = initialError;
  let bestStep = 0;
  let error = initialError;
  let step = 0;
  let stoppedBy: FitGeneratorResult['stoppedBy'] = 'steps';
  while (step < steps) {
    if (error <= tolerance) {
      stoppedBy = 'tolerance';
      break;
    }
    if (step - bestStep >= patience) {
      stoppedBy = 'patience';
      break;
    }
    optimizer.zeroGrad();
    const loss = generator.generate().sub(target).square().sum().div(norm2);
    loss.backward();
    optimizer.step();
    step++;
    error = Math.sqrt(loss.item());
    if (error < best * 0.99) {
      best = error;
      bestStep = step;
    }
    options.onProgress?.(step, error);
  }
  optimizer.zeroGrad();
  return { steps: step, relativeError: relativeError(generator, target), initialError, stoppedBy };
}
