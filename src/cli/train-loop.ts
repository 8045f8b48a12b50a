// The CLI's training loop: epochs with a progress bar, a test evaluation and a printed line per
// epoch, a cosine (or constant) learning rate computed from the epoch number and the planned total
// (so a resumed run with the same total continues the same schedule; a larger total re-plans it,
// and the rate rises again), and a callback after each epoch to save the checkpoint.

import type { Sequential } from '../nn/layers/sequential.js';
import type { Optimizer } from '../nn/optim/optimizer.js';
import { Adam } from '../nn/optim/adam.js';
import { SGD } from '../nn/optim/sgd.js';
import { evaluate, fit } from '../nn/training.js';
import type { Tensor } from '../tensor.js';
import { loaderFor, type DatasetSplits } from './datasets.js';
import type { EpochRecord } from './checkpoint.js';
import { progressBar } from './progress.js';

export type OptimizerKind = 'adam' | 'sgd';
export type ScheduleKind = 'cosine' | 'constant';

export function makeOptimizer(kind: OptimizerKind, params: Tensor[], lr: number): Optimizer {
  return kind === 'sgd' ? new SGD(params, { lr, momentum: 0.9 }) : new Adam(params, { lr });
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
    optimizer.lr = scheduledLr(options.schedule, options.lr, epoch, options.to);
    const loader = loaderFor(data, 'train', options.batchSize, options.seed * 1000 + epoch);
    const bar = progressBar(`${options.label} epoch ${epoch}/${options.to}`, loader.length);
    const start = performance.now();
    const [report] = await fit(model, optimizer, loader, {
      epochs: 1,
      onBatch: (b) => bar.update(b.batch, `loss ${b.loss.toFixed(4)}`),
    });
    bar.finish();
    const seconds = (performance.now() - start) / 1000;
    const testAccuracy = evaluate(model, test).accuracy;
    const record: EpochRecord = { epoch, trainLoss: report!.loss, trainAccuracy: report!.accuracy, testAccuracy, seconds };
    records.push(record);
    options.log(`${options.label} epoch ${epoch}/${options.to}: loss ${record.trainLoss.toFixed(4)}, train ${percent(record.trainAccuracy)}, test ${percent(testAccuracy)}, ${seconds.toFixed(1)} s, lr ${optimizer.lr.toExponential(2)}`);
    options.afterEpoch?.(record);
  }
  return records;
}

export function percent(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}
