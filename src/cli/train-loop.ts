// The CLI's training loop: epochs with a progress bar, a test evaluation and a printed line per
// epoch, a cosine (or constant) learning rate computed from the epoch number and the planned total
// (so a resumed run with the same total continues the same schedule; a larger total re-plans it,
// and the rate rises again), and a callback after each epoch to save the checkpoint.

import type { Sequential } from '../nn/layers/sequential.js';
import type { Optimizer } from '../nn/optim/optimizer.js';
import { Adam, AdamW } from '../nn/optim/adam.js';
import { SGD } from '../nn/optim/sgd.js';
import { evaluate, fit, type LossFunction } from '../nn/training.js';
import { distillationLoss } from '../nn/distillation.js';
import type { Tensor } from '../tensor.js';
import { UsageError } from './args.js';
import { loaderFor, type DatasetSplits } from './datasets.js';
import { loadRun, type EpochRecord, type TrainingRecipe } from './checkpoint.js';
import { progressBar } from './progress.js';

export type OptimizerKind = 'adam' | 'adamw' | 'sgd';
export type ScheduleKind = 'cosine' | 'constant';

export function makeOptimizer(kind: OptimizerKind, params: Tensor[], lr: number, weightDecay = 0): Optimizer {
  if (kind === 'sgd') return new SGD(params, { lr, momentum: 0.9, weightDecay });
  return kind === 'adamw' ? new AdamW(params, { lr, weightDecay }) : new Adam(params, { lr, weightDecay });
}

/**
 * The training loss a recipe asks for: cross entropy, or distillation from the recipe's teacher
 * checkpoint (which must have been trained on the same data set).
 */
export function lossOf(recipe: TrainingRecipe, dataset: string, log: (line: string) => void): LossFunction | undefined {
  if (recipe.distill === undefined) return undefined;
  const { teacher, temperature, alpha } = recipe.distill;
  const run = loadRun(teacher);
  for (const t of run.optimizerState.values()) t.dispose();
  if (run.state.dataset !== dataset) throw new UsageError(`--distill: the teacher ${teacher} was trained on ${run.state.dataset}, not ${dataset}`);
  const accuracy = run.state.history[run.state.history.length - 1]?.testAccuracy;
  log(`distilling from ${teacher} (${run.state.model.name}${accuracy === undefined ? '' : `, ${run.state.recipe?.validation !== undefined ? 'validation' : 'test'} accuracy ${percent(accuracy)}`}): temperature ${temperature}, alpha ${alpha}`);
  return distillationLoss(run.model, { temperature, alpha });
}

/** Learning rate of epoch `epoch` (1-based) of `total`. */
export function scheduledLr(schedule: ScheduleKind, lr: number, epoch: number, total: number): number {
  if (schedule === 'constant' || total <= 1) return lr;
  // Cosine from lr down to lr/100 over the epochs.
  const t = (epoch - 1) / (total - 1);
  return lr / 100 + (lr - lr / 100) * 0.5 * (1 + Math.cos(Math.PI * t));
}

export interface TrainEpochsOptions {
  model: Sequential;
  optimizer: Optimizer;
  data: DatasetSplits;
  batchSize: number;
  /** First epoch to run (1-based) and the last. */
  from: number;
  to: number;
  lr: number;
  schedule: ScheduleKind;
  seed: number;
  /** Augmentation: random shifts of up to this many pixels (default 0). */
  shift?: number;
  /** Epochs of linear warmup from the start of training (default 0). */
  warmup?: number;
  /** The training loss (default cross entropy). */
  loss?: LossFunction;
  label: string;
  log: (line: string) => void;
  afterEpoch?: (record: EpochRecord) => void;
}

/** Runs epochs from..to; returns their records. */
export async function trainEpochs(options: TrainEpochsOptions): Promise<EpochRecord[]> {
  const { model, optimizer, data } = options;
  const test = loaderFor(data, 'test', 1000);
  const records: EpochRecord[] = [];
  for (let epoch = options.from; epoch <= options.to; epoch++) {
    const epochLr = scheduledLr(options.schedule, options.lr, epoch, options.to);
    const loader = loaderFor(data, 'train', options.batchSize, options.seed * 1000 + epoch, options.shift ?? 0);
    // Warmup scales the epoch's rate linearly in the step count: (epoch - 1 + (b + 1) / batches) / warmup.
    const warmup = options.warmup ?? 0;
    const rateAt = (batch: number) => epochLr * (warmup > 0 ? Math.min(1, (epoch - 1 + (batch + 1) / loader.length) / warmup) : 1);
    optimizer.lr = rateAt(0);
    const bar = progressBar(`${options.label} epoch ${epoch}/${options.to}`, loader.length);
    const start = performance.now();
    const [report] = await fit(model, optimizer, loader, {
      epochs: 1,
      ...(options.loss !== undefined ? { loss: options.loss } : {}),
      onBatch: (b) => {
        bar.update(b.batch, `loss ${b.loss.toFixed(4)}`);
        optimizer.lr = rateAt(b.batch);
      },
    });
    optimizer.lr = epochLr;
    bar.finish();
    const seconds = (performance.now() - start) / 1000;
    const testAccuracy = evaluate(model, test).accuracy;
    const record: EpochRecord = { epoch, trainLoss: report!.loss, trainAccuracy: report!.accuracy, testAccuracy, seconds };
    records.push(record);
    options.log(`${options.label} epoch ${epoch}/${options.to}: loss ${record.trainLoss.toFixed(4)}, train ${percent(record.trainAccuracy)}, ${data.evaluation} ${percent(testAccuracy)}, ${seconds.toFixed(1)} s, lr ${optimizer.lr.toExponential(2)}`);
    options.afterEpoch?.(record);
  }
  return records;
}

export function percent(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}
