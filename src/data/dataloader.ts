// Batches of an in-memory image data set as tensors: bytes become (byte/255 - mean_c) / std_c per
// channel, samples are shuffled with a seeded generator (a new permutation each epoch, the same on
// every run), and each batch tensor is an operation result, released with the training step.
// Augmentation (training only): each image is shifted by a random whole number of pixels in
// [-shift, shift] along each axis, the uncovered border filled with the value of a zero byte (the
// background of MNIST-like images); the shifts come from the loader's seeded generator.

import { ArgumentError, ShapeError, optionsObject } from '../errors.js';
import { Tensor } from '../tensor.js';
import { kernels } from '../backend/engine.js';
import { elementIndex } from '../backend/kernel-module.js';
import { bytesPerElement, parseDtype, type Dtype } from '../tensor/dtype.js';
import { RandomGenerator } from '../tensor/random.js';
import { checkDataset, type ImageDataset } from './dataset.js';

/** Options of DataLoader: batching, seeded shuffling, per-channel normalisation, dtype and shift augmentation. */
export interface DataLoaderOptions {
  /** Samples per batch (the last batch may be smaller). */
  batchSize: number;
  /** A new permutation of the samples each epoch (default false: the data set's order). */
  shuffle?: boolean;
  /** Seed of the shuffling and the shifts (default 0). */
  seed?: number;
  /** Drop a last batch smaller than batchSize. */
  dropLast?: boolean;
  /** Per-channel mean and standard deviation of the [0, 1] scaled pixels (default 0 and 1). */
  mean?: readonly number[];
  std?: readonly number[];
  /** Dtype of the batch tensors (default 'float32'). */
  dtype?: Dtype;
  /** Random translation by up to this many pixels along each axis (default 0: none). */
  shift?: number;
}

/**
 * Where a batch's samples come from: what a loss needs to keep per-sample values from one epoch to
 * the next (distillation keeps the teacher's logits).
 */
export interface BatchOrigin {
  /** The data set the samples were read from (a loss may keep values per sample of this object). */
  data: ImageDataset;
  /** Index of each of the batch's samples in `data`. */
  samples: Int32Array;
  /**
   * Equal for two loaders that turn a sample into the same input (the same normalisation and
   * dtype); null when the inputs are augmented at random, so that no two reads of a sample agree.
   */
  inputKey: string | null;
}

/** One batch of a DataLoader: the normalised samples as a tensor, their labels, the batch's index and its origin. */
export interface Batch {
  /** [batch, ...sample shape] */
  x: Tensor;
  /** The class of each sample. */
  y: Int32Array;
  /** Index of the batch within the epoch. */
  index: number;
  /** The data set and sample indices the batch was read from (always set by DataLoader). */
  origin?: BatchOrigin;
}

/**
 * Batches of an in-memory ImageDataset as tensors: pixels become (byte/255 - mean_c) / std_c per
 * channel, the order is a seeded permutation per epoch when `shuffle` is set, and images may be
 * shifted at random by up to `shift` pixels (augmentation, for training). Each batch's x is an
 * operation result: dispose it (or let the enclosing tidy release it) after the step.
 *
 * @example
 * const loader = new DataLoader(mnist.train, { batchSize: 64, shuffle: true, seed: 1, mean: [0.1307], std: [0.3081] });
 * for (const { x, y } of loader) { ... }
 */
export class DataLoader implements Iterable<Batch> {
  readonly batchSize: number;
  private readonly generator: RandomGenerator;
  private readonly tables: Float64Array[];
  private readonly dtype: Dtype;
  private readonly shift: number;
  private readonly inputKey: string | null;
  private epochs = 0;

  constructor(readonly data: ImageDataset, readonly options: DataLoaderOptions) {
    checkDataset('DataLoader', data);
    if (options === undefined) throw new ArgumentError('DataLoader: options with a batch size are required, e.g. { batchSize: 64 }');
    const { batchSize } = optionsObject('DataLoader', options);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    if (data.labels.length === 0) throw new ArgumentError('DataLoader: the data set is empty');
    const perImage = data.shape.reduce((p, s) => p * s, 1);
    if (data.images.length !== data.labels.length * perImage) {
      throw new ShapeError(`DataLoader: ${data.labels.length} labels need ${data.labels.length * perImage} image bytes (${perImage} per image of shape [${data.shape.join(', ')}]), got ${data.images.length}`);
    }
    if (options.dropLast && data.labels.length < batchSize) {
      throw new ArgumentError(`DataLoader: with dropLast, ${data.labels.length} samples make no full batch of ${batchSize}`);
    }
    this.batchSize = batchSize;
    const shift = options.shift ?? 0;
    if (!Number.isInteger(shift) || shift < 0) throw new ArgumentError(`DataLoader: shift must be a non-negative integer, got ${String(options.shift)}`);
    if (shift > 0 && data.shape.length !== 3) throw new ArgumentError(`DataLoader: shift needs images of shape [channels, height, width], got [${data.shape.join(', ')}]`);
    this.shift = shift;
    this.generator = new RandomGenerator(options.seed ?? 0);
    this.dtype = parseDtype('DataLoader', options.dtype);
    const channels = data.shape[0]!;
    const mean = options.mean ?? [0];
    const std = options.std ?? [1];
    for (const [name, v] of [['mean', mean], ['std', std]] as const) {
      if (v.length !== 1 && v.length !== channels) throw new ArgumentError(`DataLoader: ${name} needs 1 or ${channels} values, got ${v.length}`);
    }
    if (std.some((s) => !(s > 0))) throw new ArgumentError('DataLoader: std values must be positive');
    // A lookup table per channel: byte -> normalised value.
    this.tables = Array.from({ length: channels }, (_, c) => {
      const m = mean[mean.length === 1 ? 0 : c]!;
      const s = std[std.length === 1 ? 0 : c]!;
      return Float64Array.from({ length: 256 }, (_, b) => (b / 255 - m) / s);
    });
    this.inputKey = shift > 0 ? null : `${this.dtype} mean ${mean.join(',')} std ${std.join(',')}`;
  }

  get size(): number {
    return this.data.labels.length;
  }

  /** Batches per epoch. */
  get length(): number {
    return this.options.dropLast ? Math.floor(this.size / this.batchSize) : Math.ceil(this.size / this.batchSize);
  }

  private order(): Int32Array {
    const order = Int32Array.from({ length: this.size }, (_, i) => i);
    if (this.options.shuffle) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = this.generator.integer(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
    }
    return order;
  }

  /** The batch of the given sample indices (normalised; shifted at random when `shift` > 0). */
  batchOf(indices: ArrayLike<number>): { x: Tensor; y: Int32Array } {
    const per = this.data.shape.reduce((p, s) => p * s, 1);
    const plane = per / this.data.shape[0]!;
    const x = Tensor.empty([indices.length, ...this.data.shape], this.dtype, 'DataLoader');
    const engine = kernels();
    const view = this.dtype === 'float32' ? engine.f32 : engine.f64;
    const base = elementIndex(x.ptr, bytesPerElement(this.dtype));
    const y = new Int32Array(indices.length);
    for (let b = 0; b < indices.length; b++) {
      const sample = indices[b]!;
      y[b] = this.data.labels[sample]!;
      const src = sample * per;
      const dst = base + b * per;
      if (this.shift === 0) {
        for (let i = 0; i < per; i++) view[dst + i] = this.tables[Math.floor(i / plane)]![this.data.images[src + i]!]!;
        continue;
      }
      const span = 2 * this.shift + 1;
      const dy = this.generator.integer(span) - this.shift;
      const dx = this.generator.integer(span) - this.shift;
      const [channels, height, width] = this.data.shape as [number, number, number];
      // out[c, r, q] = image[c, r - dy, q - dx], or the zero byte's value outside the image.
      for (let c = 0; c < channels; c++) {
        const table = this.tables[c]!;
        for (let r = 0; r < height; r++) {
          const from = r - dy;
          const row = dst + (c * height + r) * width;
          for (let q = 0; q < width; q++) {
            const col = q - dx;
            const inside = from >= 0 && from < height && col >= 0 && col < width;
            view[row + q] = table[inside ? this.data.images[src + (c * height + from) * width + col]! : 0]!;
          }
        }
      }
    }
    return { x, y };
  }

  *[Symbol.iterator](): Iterator<Batch> {
    const order = this.order();
    this.epochs++;
    for (let index = 0; index < this.length; index++) {
      const indices = order.subarray(index * this.batchSize, Math.min(this.size, (index + 1) * this.batchSize));
      yield { ...this.batchOf(indices), index, origin: { data: this.data, samples: indices.slice(), inputKey: this.inputKey } };
    }
  }

  /** How many epochs have started. */
  get epochsStarted(): number {
    return this.epochs;
  }
}
