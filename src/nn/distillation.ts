// Knowledge distillation (Hinton, Vinyals & Dean 2015): the student learns from the labels and from
// a trained teacher's softened predictions,
//   loss = (1 - α)·CE(z_s, y) + α·T²·CE(softmax(z_t / T), z_s / T),
// where CE(p, z) = -Σ_c p_c·log softmax(z)_c. The T² keeps the soft term's gradients on the scale
// of the hard term's as T changes. The teacher runs in evaluation mode without gradients.
//
// The teacher is fixed, so its logits for a sample depend on the input alone: when a batch says
// where it came from (a data set, sample indices, and a key for how samples become inputs; see
// BatchOrigin), the logits are kept per sample and later epochs skip the teacher's forward pass
// for batches whose samples are all known. Randomly augmented batches (no key) always run it. A
// table belongs to one data set object read one way, and is started over when the data set's
// image or label arrays are replaced; the teacher's parameters are not watched (see cacheTeacher).

import { ArgumentError, optionsObject } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/graph.js';
import { tensor } from '../tensor/creation.js';
import { tidy } from '../tensor/lifetime.js';
import type { BatchOrigin } from '../data/dataloader.js';
import type { ImageDataset } from '../data/dataset.js';
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
  /**
   * Keep the teacher's logits per sample of batches that say where they came from (default true):
   * from the second epoch on the teacher does not run. The teacher must not change while the loss
   * is in use, nor the bytes of a data set in place (replacing its arrays is noticed); pass false
   * for a teacher that is trained meanwhile, or data rewritten in place.
   */
  cacheTeacher?: boolean;
}

// The teacher's logits of the samples of one data set read one way: `known[i]` says whether row i
// of `logits` ([samples, classes], row-major) is filled.
interface LogitTable {
  /** The data set's arrays the table was filled from. */
  images: Uint8Array;
  labels: Int32Array;
  logits: Float32Array | Float64Array;
  known: Uint8Array;
  classes: number;
}

// The logits of the teacher for a batch: from the table when every sample is known, else from a
// forward pass whose rows then fill the table.
function teacherLogits(teacher: Module, inputs: Tensor, origin: BatchOrigin | undefined, tables: WeakMap<ImageDataset, Map<string, LogitTable>> | null): Tensor {
  const forward = (): Tensor => {
    const wasTraining = teacher.training;
    teacher.eval();
    try {
      return teacher.forward(inputs);
    } finally {
      teacher.train(wasTraining);
    }
  };
  if (tables === null || origin === undefined || origin.inputKey === null) return forward();
  const { data, samples, inputKey } = origin;
  if (samples.length !== inputs.shape[0]) {
    throw new ArgumentError(`distillationLoss: the batch origin names ${samples.length} samples, the inputs hold ${inputs.shape[0]}`);
  }
  const count = data.labels.length;
  if (samples.some((i) => !(i >= 0 && i < count))) throw new ArgumentError(`distillationLoss: the batch origin names samples outside the data set's ${count}`);
  let byKey = tables.get(data);
  if (byKey === undefined) tables.set(data, (byKey = new Map()));
  const kept = byKey.get(inputKey);
  const table = kept !== undefined && kept.images === data.images && kept.labels === data.labels ? kept : undefined;
  if (table !== undefined && samples.every((i) => table.known[i] === 1)) {
    const rows = new (table.logits instanceof Float32Array ? Float32Array : Float64Array)(samples.length * table.classes);
    samples.forEach((sample, r) => rows.set(table.logits.subarray(sample * table.classes, (sample + 1) * table.classes), r * table.classes));
    return tensor(rows, { shape: [samples.length, table.classes], dtype: table.logits instanceof Float32Array ? 'float32' : 'float64' });
  }
  const logits = forward();
  if (logits.rank !== 2) return logits;
  const classes = logits.shape[1]!;
  const filled = table ?? {
    images: data.images, labels: data.labels, classes, known: new Uint8Array(count),
    logits: logits.dtype === 'float32' ? new Float32Array(count * classes) : new Float64Array(count * classes),
  };
  if (filled.classes !== classes) throw new ArgumentError(`distillationLoss: the teacher gave ${classes} logits per sample, earlier ${filled.classes}`);
  const values = logits.toArray();
  samples.forEach((sample, r) => {
    filled.logits.set(values.subarray(r * classes, (r + 1) * classes), sample * classes);
    filled.known[sample] = 1;
  });
  byKey.set(inputKey, filled);
  return logits;
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
  const cacheTeacher = options.cacheTeacher ?? true;
  if (typeof cacheTeacher !== 'boolean') throw new ArgumentError(`distillationLoss: cacheTeacher must be true or false, got ${JSON.stringify(options.cacheTeacher)}`);
  const tables = cacheTeacher ? new WeakMap<ImageDataset, Map<string, LogitTable>>() : null;
  return (logits: Tensor, labels: Int32Array, inputs?: Tensor, origin?: BatchOrigin): Tensor => {
    if (inputs === undefined) throw new ArgumentError('distillationLoss: the loss needs the batch inputs (the training loop passes them as the third argument)');
    const hard = crossEntropy(logits, labels);
    if (alpha === 0) return hard;
    // The teacher's activations are freed at once (tidy): only its soft targets are kept.
    const soft = noGrad(() => tidy(() => softmax(div(teacherLogits(teacher, inputs, origin, tables), temperature), 1)));
    const distilled = mul(crossEntropy(div(logits, temperature), soft), temperature * temperature);
    return alpha === 1 ? distilled : add(mul(hard, 1 - alpha), mul(distilled, alpha));
  };
}
