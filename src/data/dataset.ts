// An image classification data set in JavaScript memory (bytes 0..255), and helpers on it.

import { ArgumentError, DataFormatError, describeValue } from '../errors.js';
import { parseIdx } from './idx.js';

/** An image classification data set in memory: pixel bytes 0..255, one integer label per sample. */
export interface ImageDataset {
  /** count x Π shape unsigned bytes, sample-major. */
  images: Uint8Array;
  /** The class of each sample, 0..classes - 1. */
  labels: Int32Array;
  /** Shape of one sample, e.g. [1, 28, 28] or [3, 32, 32]. */
  shape: number[];
  /** Number of classes. */
  classes: number;
}

/**
 * Combines IDX image and label files into a data set (labels must be 0..9 bytes and counts must agree).
 *
 * @example
 * const train = idxDataset(readFileSync('train-images-idx3-ubyte'), readFileSync('train-labels-idx1-ubyte'));
 * train.shape;   // [1, 28, 28]
 */
export function idxDataset(imageBytes: Uint8Array, labelBytes: Uint8Array, sources: [string, string] = ['images', 'labels']): ImageDataset {
  const images = parseIdx(imageBytes, sources[0]);
  const labels = parseIdx(labelBytes, sources[1]);
  if (images.shape.length !== 3 || !(images.data instanceof Uint8Array)) {
    throw new DataFormatError(`IDX: ${sources[0]}: expected unsigned-byte images of shape [count, rows, columns], got ${images.shape.length} dimensions`);
  }
  if (labels.shape.length !== 1 || !(labels.data instanceof Uint8Array)) throw new DataFormatError(`IDX: ${sources[1]}: expected one dimension of unsigned-byte labels`);
  if (labels.shape[0] !== images.shape[0]) {
    throw new DataFormatError(`IDX: ${sources[1]} has ${labels.shape[0]} labels but ${sources[0]} has ${images.shape[0]} images`);
  }
  const classes = 10;
  const out = new Int32Array(labels.data.length);
  labels.data.forEach((l, i) => {
    if (l >= classes) throw new DataFormatError(`IDX: ${sources[1]}: label ${l} at ${i} is not a digit class 0..9`);
    out[i] = l;
  });
  return { images: images.data, labels: out, shape: [1, images.shape[1]!, images.shape[2]!], classes };
}

/** Refuses anything but an ImageDataset (images as bytes, integer labels, a sample shape), naming the operation. */
export function checkDataset(op: string, data: ImageDataset): void {
  const d = data as Partial<ImageDataset> | null;
  if (typeof d !== 'object' || d === null) throw new ArgumentError(`${op}: expected a data set { images, labels, shape, classes }, got ${describeValue(data)}`);
  if (!(d.images instanceof Uint8Array)) throw new ArgumentError(`${op}: the data set's images must be a Uint8Array, got ${describeValue(d.images)}`);
  if (!(d.labels instanceof Int32Array)) throw new ArgumentError(`${op}: the data set's labels must be an Int32Array, got ${describeValue(d.labels)}`);
  if (!Array.isArray(d.shape) || d.shape.length === 0 || d.shape.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new ArgumentError(`${op}: the data set's sample shape must be positive integers, got ${describeValue(d.shape)}`);
  }
  if (!Number.isInteger(d.classes) || d.classes! < 1) throw new ArgumentError(`${op}: the data set's class count must be a positive integer, got ${describeValue(d.classes)}`);
}

/**
 * The first `count` samples (or samples [start, start + count)), copied into a new data set;
 * throws ArgumentError when the range is not within the data set.
 *
 * @example
 * const small = subset(mnist.train, 2000);          // the first 2000 samples
 * const heldOut = subset(mnist.train, 5000, 55000);  // the last 5000 of 60,000
 */
export function subset(data: ImageDataset, count: number, start = 0): ImageDataset {
  checkDataset('subset', data);
  const n = data.labels.length;
  if (!Number.isInteger(count) || !Number.isInteger(start) || start < 0 || count < 0 || start + count > n) {
    throw new ArgumentError(`subset: [${start}, ${start + count}) is not within the ${n} samples`);
  }
  const per = data.shape.reduce((p, s) => p * s, 1);
  return {
    images: data.images.slice(start * per, (start + count) * per),
    labels: data.labels.slice(start, start + count),
    shape: [...data.shape],
    classes: data.classes,
  };
}
