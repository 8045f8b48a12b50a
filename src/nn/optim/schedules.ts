// Learning-rate schedules: each step() (once per epoch or per batch, as the caller chooses)
// advances the schedule and writes the new rate into the optimizer.

import { ArgumentError } from '../../errors.js';
import type { Optimizer } from './optimizer.js';

/**
 * The base of learning-rate schedules: each step() advances `count` and sets the optimizer's lr to
 * rateAt(count); the caller steps it once per epoch (as fit does) or once per batch.
 *
 * @example
 * const schedule = new CosineAnnealingLR(optimizer, 30);
 * await fit(model, optimizer, loader, { epochs: 30, schedule });   // stepped once per epoch
 */
export abstract class LRSchedule {
  /** Number of step() calls so far. */
  count = 0;

  constructor(protected readonly optimizer: Optimizer) {}

  /** The learning rate after `count` steps. */
  abstract rateAt(count: number): number;

  step(): void {
    this.count++;
    this.optimizer.lr = this.rateAt(this.count);
  }
}

/**
 * lr·gamma^floor(count / stepSize).
 *
 * @example
 * const schedule = new StepLR(optimizer, 10, 0.5);   // halve the rate every 10 steps
 */
export class StepLR extends LRSchedule {
  constructor(optimizer: Optimizer, readonly stepSize: number, readonly gamma = 0.1) {
    super(optimizer);
    if (!Number.isInteger(stepSize) || stepSize < 1) throw new ArgumentError(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
  }

  rateAt(count: number): number {
    return this.optimizer.initialLr * this.gamma ** Math.floor(count / this.stepSize);
  }
}

/**
 * Cosine annealing from the initial rate to etaMin over tMax steps (then held at etaMin).
 *
 * @example
 * const schedule = new CosineAnnealingLR(optimizer, 30, 1e-5);
 * await fit(model, optimizer, loader, { epochs: 30, schedule });
 */
export class CosineAnnealingLR extends LRSchedule {
  constructor(optimizer: Optimizer, readonly tMax: number, readonly etaMin = 0) {
    super(optimizer);
    if (!Number.isInteger(tMax) || tMax < 1) throw new ArgumentError(`CosineAnnealingLR: tMax must be a positive integer, got ${tMax}`);
  }

  rateAt(count: number): number {
    const t = Math.min(count, this.tMax);
    return this.etaMin + ((this.optimizer.initialLr - this.etaMin) * (1 + Math.cos((Math.PI * t) / this.tMax))) / 2;
  }
}

/**
 * Linear warm-up from startFactor·lr to lr over `steps`, then an optional schedule takes over.
 *
 * @example
 * const schedule = new LinearWarmup(optimizer, 5, new CosineAnnealingLR(optimizer, 25));   // 30 epochs in all
 */
export class LinearWarmup extends LRSchedule {
  constructor(optimizer: Optimizer, readonly steps: number, readonly after: LRSchedule | null = null, readonly startFactor = 0.01) {
    super(optimizer);
    if (!Number.isInteger(steps) || steps < 1) throw new ArgumentError(`LinearWarmup: steps must be a positive integer, got ${steps}`);
    optimizer.lr = optimizer.initialLr * startFactor;
  }

  rateAt(count: number): number {
    if (count < this.steps) return this.optimizer.initialLr * (this.startFactor + ((1 - this.startFactor) * count) / this.steps);
    return this.after === null ? this.optimizer.initialLr : this.after.rateAt(count - this.steps);
  }
}
