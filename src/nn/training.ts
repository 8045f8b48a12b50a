// A training loop with progress hooks (used by the CLI), and evaluation.

import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/graph.js';
import { tidy } from '../tensor/lifetime.js';
import { crossEntropy } from '../ops/composite.js';
import { argmax } from '../ops/reduce.js';
import type { BatchOrigin, DataLoader } from '../data/dataloader.js';
import type { Module } from './module.js';
import type { Optimizer } from './optim/optimizer.js';
import type { LRSchedule } from './optim/schedules.js';

/**
 * A training loss of the logits, the labels and, for losses that need them (distillation), the
 * inputs and where they came from (fit and evaluate pass both).
 */
export type LossFunction = (logits: Tensor, labels: Int32Array, inputs?: Tensor, origin?: BatchOrigin) => Tensor;

/** Progress of one training batch, passed to FitOptions.onBatch. */
export interface BatchReport {
  /** Epoch number, from 1. */
  epoch: number;
  /** Batch number within the epoch, from 1 to `batches`. */
  batch: number;
  batches: number;
  /** The batch's loss. */
  loss: number;
  /** Fraction of the batch classified correctly. */
  accuracy: number;
}

/** Summary of one training epoch: returned by fit (one per epoch) and passed to FitOptions.onEpoch. */
export interface EpochReport {
  /** Epoch number, from 1. */
  epoch: number;
  /** Mean training loss per sample over the epoch. */
  loss: number;
  /** Fraction of the training samples classified correctly during the epoch. */
  accuracy: number;
  /** Wall-clock seconds of the training pass (validation not included). */
  seconds: number;
  /** The evaluation on FitOptions.validation after the epoch, when given. */
  validation?: EvaluationReport;
}

/** Loss and accuracy of a model on a data set, as evaluate returns them. */
export interface EvaluationReport {
  /** Mean loss per sample. */
  loss: number;
  /** Fraction of the samples classified correctly. */
  accuracy: number;
  /** Number of samples evaluated. */
  count: number;
}

/** Options of fit: the number of epochs, the loss, a schedule, validation data and progress hooks. */
export interface FitOptions {
  epochs: number;
  /** Default: cross-entropy of the logits and the labels. */
  loss?: LossFunction;
  /** Stepped once per epoch. */
  schedule?: LRSchedule;
  /** Evaluated after every epoch. */
  validation?: DataLoader;
  /** Called after every batch. */
  onBatch?: (report: BatchReport) => void;
  /** Called, and awaited, after every epoch. */
  onEpoch?: (report: EpochReport) => void | Promise<void>;
}

function correct(logits: Tensor, labels: Int32Array): number {
  const predicted = argmax(logits, 1);
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) n++;
  return n;
}

/**
 * Loss and accuracy of a model on a data set (evaluation mode, no gradients).
 *
 * @example
 * const { loss, accuracy, count } = evaluate(model, testLoader);   // mean cross-entropy per sample
 */
export function evaluate(model: Module, loader: DataLoader, loss: LossFunction = (z, y) => crossEntropy(z, y)): EvaluationReport {
  const wasTraining = model.training;
  model.eval();
  let total = 0;
  let right = 0;
  let count = 0;
  noGrad(() => {
    for (const { x, y, origin } of loader) {
      tidy(() => {
        const logits = model.forward(x);
        total += loss(logits, y, x, origin).item() * y.length;
        right += correct(logits, y);
        count += y.length;
        x.dispose();
      });
    }
  });
  model.train(wasTraining);
  return { loss: total / count, accuracy: right / count, count };
}

/**
 * Trains a model for some epochs; returns the per-epoch reports. Awaiting between epochs lets
 * progress output (and garbage collection) happen.
 *
 * @example
 * await fit(model, new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }), loader, { epochs: 3 });
 */
export async function fit(model: Module, optimizer: Optimizer, loader: DataLoader, options: FitOptions): Promise<EpochReport[]> {
  const loss = options.loss ?? ((z: Tensor, y: Int32Array) => crossEntropy(z, y));
  const reports: EpochReport[] = [];
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const start = performance.now();
    model.train();
    let total = 0;
    let right = 0;
    let count = 0;
    for (const { x, y, index, origin } of loader) {
      // One step in a tidy scope: its activations are freed when it ends, not a step later.
      const [value, batchRight] = tidy(() => {
        const logits = model.forward(x);
        const l = loss(logits, y, x, origin);
        optimizer.zeroGrad();
        l.backward();
        optimizer.step();
        x.dispose();
        return [l.item(), correct(logits, y)] as const;
      });
      total += value * y.length;
      right += batchRight;
      count += y.length;
      options.onBatch?.({ epoch, batch: index + 1, batches: loader.length, loss: value, accuracy: batchRight / y.length });
    }
    options.schedule?.step();
    const report: EpochReport = { epoch, loss: total / count, accuracy: right / count, seconds: (performance.now() - start) / 1000 };
    if (options.validation) report.validation = evaluate(model, options.validation, loss);
    reports.push(report);
    await options.onEpoch?.(report);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return reports;
}
