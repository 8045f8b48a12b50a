// The CIFAR binary formats: CIFAR-10 records are 1 label byte + 3072 pixel bytes (1024 red,
// 1024 green, 1024 blue, each 32 x 32 row-major); CIFAR-100 records are 2 label bytes (coarse,
// fine) + 3072 pixel bytes. A file must hold a whole number of records with valid labels.

import { ArgumentError, DataFormatError, describeValue, optionsObject } from '../errors.js';
import type { ImageDataset } from './dataset.js';

/** The CIFAR binary format: 'cifar10' (one label byte per record) or 'cifar100' (a coarse and a fine label byte). */
export type CifarVariant = 'cifar10' | 'cifar100';

const PIXELS = 3 * 32 * 32;

/**
 * Parses one CIFAR binary file; CIFAR-100 yields the fine labels (or the coarse ones on request).
 *
 * @example
 * const batch1 = parseCifar(readFileSync('data_batch_1.bin'), 'cifar10', 'data_batch_1.bin');   // 10,000 images
 * parseCifar(readFileSync('train.bin'), 'cifar100', 'train.bin', { coarse: true });        // 20 classes
 */
export function parseCifar(bytes: Uint8Array, variant: CifarVariant, source = 'CIFAR data', optionsIn: { coarse?: boolean } = {}): ImageDataset {
  const options = optionsObject('parseCifar', optionsIn);
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError(`parseCifar: expected the file's bytes as a Uint8Array, got ${describeValue(bytes)}`);
  if (variant !== 'cifar10' && variant !== 'cifar100') throw new ArgumentError(`parseCifar: variant must be 'cifar10' or 'cifar100', got ${JSON.stringify(variant)}`);
  const labelBytes = variant === 'cifar10' ? 1 : 2;
  const record = labelBytes + PIXELS;
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw new DataFormatError(`CIFAR: ${source}: ${bytes.length} bytes is not a whole number of ${record}-byte ${variant} records`);
  }
  const count = bytes.length / record;
  const classes = variant === 'cifar10' ? 10 : options.coarse ? 20 : 100;
  const images = new Uint8Array(count * PIXELS);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * record;
    const label = variant === 'cifar10' ? bytes[at]! : options.coarse ? bytes[at]! : bytes[at + 1]!;
    if (label >= classes) throw new DataFormatError(`CIFAR: ${source}: record ${i} has label ${label}, expected 0..${classes - 1}`);
    if (variant === 'cifar100' && bytes[at]! >= 20) throw new DataFormatError(`CIFAR: ${source}: record ${i} has coarse label ${bytes[at]}, expected 0..19`);
    labels[i] = label;
    images.set(bytes.subarray(at + labelBytes, at + record), i * PIXELS);
  }
  return { images, labels, shape: [3, 32, 32], classes };
}
