// A run's checkpoint: one safetensors file with the model's state dict, the optimizer's state
// (keys 'optimizer.<i>.<name>') and, in the metadata under 'adtn.run', what is needed to rebuild
// and resume it: the model, the data set, the compression of each layer, epochs done, history.

import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Tensor } from '../tensor.js';
import type { Sequential } from '../nn/layers/sequential.js';
import type { Optimizer } from '../nn/optim/optimizer.js';
import { rebuildCompression, type CompressionSpec } from '../compress/compress.js';
import { loadSafetensors, saveSafetensors } from '../node/files.js';
import { UsageError } from './args.js';
import { buildModel, MODEL_NAMES, type ModelConfig } from './model-zoo.js';
import { DATASET_NAMES, type DatasetName } from './datasets.js';
import { makeFolder } from '../node/output-files.js';

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  seconds: number;
}

/** How a run is trained, saved so that resuming continues it the same way and reuse can be checked. */
export interface TrainingRecipe {
  batchSize: number;
  lr: number;
  optimizer: 'adam' | 'adamw' | 'sgd';
  schedule: 'cosine' | 'constant';
  seed: number;
  limit?: number;
  testLimit?: number;
  /** Images held out from the end of the training set; accuracies are measured on them (absent: the test set). */
  validation?: number;
  /** Augmentation: random shifts of up to this many pixels (absent: none). */
  shift?: number;
  /** Weight decay (absent: none); decoupled for AdamW, added to the gradient for Adam and SGD. */
  weightDecay?: number;
  /** Epochs of linear learning-rate warmup, per step (absent: none). */
  warmup?: number;
  /** Distillation from a teacher checkpoint (absent: labels only). */
  distill?: { teacher: string; temperature: number; alpha: number };
}

export interface RunState {
  model: ModelConfig;
  dataset: DatasetName;
  /** Compressed layers and how (the initialisation is not repeated on load). */
  compression: Record<string, CompressionSpec>;
  /** Epochs completed (dense training and fine-tuning together). */
  epoch: number;
  /** Epochs done when the model was compressed (fine-tuning epochs are counted from here). */
  compressedAt?: number;
  /** How the compressed layers were made, for tables ('M=8 d=2 relu, init random'). */
  description?: string;
  optimizer: { kind: 'adam' | 'adamw' | 'sgd'; lr: number; stepCount: number } | null;
  history: EpochRecord[];
  /** Seconds spent training over all sessions (for a compressed run: compressing and fine-tuning). */
  seconds: number;
  /** The recipe of the current phase (dense training, or fine-tuning once compressed); absent in old checkpoints. */
  recipe?: TrainingRecipe;
  /** For a compressed run made by adtn compare: identifies the dense run it was made from. */
  source?: string;
}

const KEY = 'adtn.run';
const OPTIMIZER_PREFIX = 'optimizer.';

/** Writes the checkpoint atomically, creating its folder when needed. */
export function saveRun(path: string, model: Sequential, state: RunState, optimizer: Optimizer | null): void {
  makeFolder(dirname(path));
  const tensors = new Map<string, Tensor>(model.stateDict());
  if (optimizer !== null) for (const [key, t] of optimizer.stateDict()) tensors.set(OPTIMIZER_PREFIX + key, t);
  saveSafetensors(path, tensors, { [KEY]: JSON.stringify(state) });
}

export interface LoadedRun {
  model: Sequential;
  state: RunState;
  /** Optimizer state tensors (owned by the caller until given to an optimizer). */
  optimizerState: Map<string, Tensor>;
}

function parseState(path: string, metadata: Record<string, string>): RunState {
  const text = metadata[KEY];
  if (text === undefined) throw new UsageError(`${path} is not an adtn checkpoint (no '${KEY}' metadata); it has to be written by adtn train or adtn compress`);
  let state: RunState;
  try {
    state = JSON.parse(text) as RunState;
  } catch {
    throw new UsageError(`${path}: the '${KEY}' metadata is not valid JSON`);
  }
  if (typeof state !== 'object' || state === null || !MODEL_NAMES.includes(state.model?.name) || !DATASET_NAMES.includes(state.dataset)
    || !Number.isInteger(state.epoch) || typeof state.compression !== 'object' || state.compression === null || Array.isArray(state.compression) || !Array.isArray(state.history)) {
    throw new UsageError(`${path}: the '${KEY}' metadata does not describe a run`);
  }
  return state;
}

/** Rebuilds a run's model (with its compressed layers) and loads its weights. */
export function loadRun(path: string): LoadedRun {
  if (!existsSync(path)) throw new UsageError(`no such checkpoint: ${path}`);
  if (!statSync(path).isFile()) throw new UsageError(`${path} is not a file (a checkpoint .safetensors file was expected)`);
  const { tensors, metadata } = loadSafetensors(path);
  try {
    const state = parseState(path, metadata);
    const model = buildModel(state.model);
    rebuildCompression(model, state.compression);
    const modelState = new Map([...tensors].filter(([k]) => !k.startsWith(OPTIMIZER_PREFIX)));
    const optimizerState = new Map([...tensors].filter(([k]) => k.startsWith(OPTIMIZER_PREFIX)).map(([k, t]) => [k.slice(OPTIMIZER_PREFIX.length), t]));
    model.loadStateDict(modelState);
    for (const t of modelState.values()) t.dispose();
    return { model, state, optimizerState };
  } catch (error) {
    for (const t of tensors.values()) if (!t.released) t.dispose();
    throw error;
  }
}
