// adtn compare (the default job, npm start): train a model (or load its checkpoint), compress
// the chosen layers with ADTN and with the low-rank and TT baselines (at one size each, or at
// several: --sweep, or lists such as --depth 4,8,12), train each compressed model, and print and
// write the comparison. Every run is checkpointed in the output folder, so a second call reuses
// finished runs and resumes unfinished ones.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandSpec, ParsedFlags } from '../args.js';
import { UsageError } from '../args.js';
import type { CompressionSpec } from '../../compress/compress.js';
import { evaluate } from '../../nn/training.js';
import type { ResultRow } from '../../report/results.js';
import { loadRun, saveRun, type LoadedRun, type RunState, type TrainingRecipe } from '../checkpoint.js';
import { loaderFor, type DatasetSplits } from '../datasets.js';
import { DATA_FLAGS, compressionFrom, dataFrom, layerDepthsFrom, recipeKey, requireWritable, trainingFrom } from '../flag-groups.js';
import { buildModel, checkInput, defaultInputShape, MODEL_NAMES, type ModelConfig, type ModelName } from '../model-zoo.js';
import { resultRow } from '../result-row.js';
import { writeReport, writeResults } from '../results-io.js';
import { resultsTable } from '../console-table.js';
import { makeOptimizer, percent, trainEpochs } from '../train-loop.js';
import { checkLayers, compressModelLayers, fineTune } from './compress.js';
import type { CommandContext } from './context.js';
import { makeFolder } from '../../node/output-files.js';

const METHODS = ['dense', 'adtn', 'lowrank', 'tt'] as const;
type CompressionMethodName = Exclude<(typeof METHODS)[number], 'dense'>;

/** The sizes --sweep trains when no list is given. */
export const SWEEP_SIZES = { depth: [2, 4, 8, 12], rank: [1, 2, 4, 8], ttRanks: [2, 4, 6, 8] } as const;

export const COMPARE: CommandSpec = {
  name: 'compare',
  summary: 'The main job: train a model (FC-2 on MNIST by default) or load its checkpoint, compress its fc1 and fc2 with ADTN and with low-rank and TT baselines, train each compressed model, print the table and write a report (Markdown + SVG).',
  details: [
    'examples:',
    '  adtn compare                                   (FC-2 on MNIST, about 3 minutes on 2 cores)',
    '  adtn compare --epochs 10 --fine-tune-epochs 30 --out paper-fc2',
    '  adtn compare --sweep --out fc2-sweep           (each method at four sizes: the accuracy-vs-parameters curves)',
    '  adtn compare --depth 4,8 --rank 2 --tt-ranks 4,6 --methods dense,adtn,tt',
    '  adtn compare --model lenet5 --layers conv2,fc1,fc2 --depth 4 --out lenet5-report',
    'The compressed models start from the dense one (its other layers and biases; TT and low rank from the SVD of',
    'its weights; ADTN from random gates), or all from random values with --from scratch. --distill makes every',
    'compressed model learn from the dense model\'s soft targets as well as from the labels; --shift augments the',
    'training images of every run, dense included.',
    'Runs in --out made with the same settings are reused (finished) or resumed (unfinished); runs made with other',
    'settings are started over. Pass --fresh to start everything over.',
  ].join('\n'),
  flags: {
    out: { type: 'string', placeholder: 'DIR', default: 'adtn-report', help: 'folder for checkpoints, results.json, report.md and the SVG plot' },
    model: { type: 'string', choices: MODEL_NAMES, default: 'fc2', help: 'model to train and compress' },
    width: { type: 'number', default: 1, help: 'channel multiplier of the convolutions of alexnet/zfnet/vgg16' },
    hidden: { type: 'integer', min: 1, help: 'width of the classifier\'s hidden layers (default: the model\'s)' },
    methods: { type: 'list', choices: METHODS, default: METHODS.join(','), help: 'which rows to produce' },
    layers: { type: 'list', default: 'fc1,fc2', help: 'layers to compress' },
    epochs: { type: 'integer', min: 1, default: 3, help: 'epochs of dense training' },
    fineTuneEpochs: { type: 'integer', min: 0, default: 5, help: 'training epochs of each compressed model' },
    batchSize: { type: 'integer', min: 1, default: 128, help: 'images per dense training step' },
    fineTuneBatchSize: { type: 'integer', min: 1, default: 500, help: 'images per step of the compressed models' },
    lr: { type: 'number', default: 1e-3, help: 'Adam learning rate of dense training' },
    fineTuneLr: { type: 'number', default: 3e-3, help: 'Adam learning rate of the compressed models' },
    from: { type: 'string', choices: ['dense', 'scratch'], default: 'dense', help: 'compressed models start from the dense model, or from random values' },
    sweep: { type: 'boolean', help: `each method at several sizes (default lists: --depth ${SWEEP_SIZES.depth.join(',')}, --rank ${SWEEP_SIZES.rank.join(',')}, --tt-ranks ${SWEEP_SIZES.ttRanks.join(',')})` },
    depth: { type: 'list', default: '8', help: 'adtn: layers M (a list trains one model per value)' },
    layerDepth: { type: 'list', help: 'adtn: M for particular layers in every ADTN model, e.g. fc2=20' },
    layout: { type: 'string', choices: ['auto', 'flat', 'axes', 'image'], default: 'image', help: 'adtn: how weight entries map to circuit sites (image: a layer over a flattened image keeps its rows and columns apart)' },
    normalizeGates: { type: 'boolean', help: 'adtn: use each gate normalised, √D·G/|G| (trains deep shared circuits; slower to learn at M = 8)' },
    shared: { type: 'boolean', help: 'adtn: one circuit generates all the compressed layers (the paper\'s variant)' },
    adtnInit: { type: 'string', choices: ['random', 'fit'], default: 'random', help: 'adtn: initialisation' },
    rank: { type: 'list', default: '2', help: 'lowrank: rank (a list trains one model per value)' },
    ttRanks: { type: 'list', default: '6', help: 'tt: inner rank of every bond (a list trains one model per value)' },
    ttCores: { type: 'integer', min: 2, default: 3, help: 'tt: cores' },
    shift: { type: 'integer', min: 0, default: 0, help: 'augmentation of every run: random shifts of up to N pixels' },
    distill: { type: 'boolean', help: 'compressed models also learn from the dense model\'s soft targets' },
    distillTemperature: { type: 'number', default: 4, help: 'distillation: temperature' },
    distillAlpha: { type: 'number', default: 0.9, help: 'distillation: weight of the soft targets' },
    warmup: { type: 'number', min: 0, default: 0, help: 'compressed models: epochs of linear learning-rate warmup' },
    weightDecay: { type: 'number', min: 0, default: 0, help: 'compressed models: weight decay (L2 on the gradient)' },
    seed: { type: 'integer', min: 0, default: 1, help: 'seed' },
    fresh: { type: 'boolean', help: 'ignore checkpoints in --out and start over' },
    ...DATA_FLAGS,
  },
};

/** One compressed run of the comparison: a method at one size. */
interface Variant {
  method: CompressionMethodName;
  spec: CompressionSpec;
  /** File-name part and label: 'adtn M=8', 'tt r=6', 'lowrank r=2'. */
  key: string;
  label: string;
}

function sizes(flags: ParsedFlags, name: 'depth' | 'rank' | 'ttRanks', given: ReadonlySet<string>): number[] {
  const values = flags.sweep === true && !given.has(name) ? [...SWEEP_SIZES[name]] : (flags[name] as string[]).map(Number);
  for (const v of values) if (!Number.isInteger(v) || v < 1) throw new UsageError(`adtn compare: --${name === 'ttRanks' ? 'tt-ranks' : name} must be positive integers, got ${JSON.stringify(flags[name])}`);
  return [...new Set(values)];
}

function variantsOf(flags: ParsedFlags, given: ReadonlySet<string>): Variant[] {
  const methods = (flags.methods as string[]).filter((m): m is CompressionMethodName => m !== 'dense');
  const fromScratch = flags.from === 'scratch';
  const out: Variant[] = [];
  for (const method of methods) {
    const values = method === 'adtn' ? sizes(flags, 'depth', given) : method === 'lowrank' ? sizes(flags, 'rank', given) : sizes(flags, 'ttRanks', given);
    for (const value of values) {
      const spec = compressionFrom({
        method, init: method === 'adtn' ? flags.adtnInit : fromScratch ? 'random' : 'svd', depth: value, localDim: 2, activation: 'relu', rank: value,
        ttRanks: [String(value)], ttCores: flags.ttCores, fitSteps: 300, fitLr: 1e-2, seed: flags.seed,
      });
      if (method === 'adtn') {
        spec.layout = flags.layout as CompressionSpec['layout'];
        spec.normalizeGates = flags.normalizeGates === true;
        if (flags.shared === true) spec.shared = true;
        const layerDepths = layerDepthsFrom(flags.layerDepth as string[] | undefined);
        if (layerDepths !== undefined) spec.layerDepths = layerDepths;
      }
      const key = method === 'adtn' ? `M=${value}` : `r=${value}`;
      const others = Object.entries(spec.layerDepths ?? {}).map(([layer, m]) => `${layer} M=${m}`).join(', ');
      const label = `${method === 'lowrank' ? 'low rank' : method === 'tt' ? 'TT' : 'ADTN'} ${key}${others === '' ? '' : ` (${others})`}`;
      out.push({ method, spec, key: `${method}-${key.replace('=', '')}`, label });
    }
  }
  return out;
}

function existingRun(path: string, fresh: boolean, log: (line: string) => void): LoadedRun | null {
  if (fresh || !existsSync(path)) return null;
  try {
    return loadRun(path);
  } catch (error) {
    log(`ignoring ${path}: ${(error as Error).message}`);
    return null;
  }
}

// What identifies a compressed run's settings: the spec (without its seed-free fit options), the
// layers, the start (dense run or scratch) and the recipe.
function variantKey(variant: Variant, layers: readonly string[], source: string, recipe: TrainingRecipe): string {
  const spec: CompressionSpec = { ...variant.spec };
  delete spec.fit;
  return JSON.stringify([spec, layers, source, recipeKey(recipe)]);
}

export async function runCompare(flags: ParsedFlags, context: CommandContext): Promise<void> {
  const out = flags.out as string;
  requireWritable('compare', 'out', out, 'folder');
  const log = context.log;
  const methods = flags.methods as string[];
  const layers = flags.layers as string[];
  const modelName = flags.model as ModelName;
  const fresh = flags.fresh === true;
  for (const [name, value] of [['lr', flags.lr], ['fine-tune-lr', flags.fineTuneLr]] as const) {
    if (!((value as number) > 0)) throw new UsageError(`adtn compare: --${name} must be positive, got ${String(value)}`);
  }
  if (!((flags.width as number) > 0 && (flags.width as number) <= 4)) throw new UsageError(`adtn compare: --width must be in (0, 4], got ${String(flags.width)}`);
  const data = dataFrom(flags);
  checkInput(modelName, data.train.shape);
  const inputShape: [number, number, number] = [data.train.shape[0]!, data.train.shape[1]!, data.train.shape[2]!];
  const modelConfig: ModelConfig = {
    name: modelName, numClasses: data.train.classes, width: flags.width as number, seed: flags.seed as number, inputShape,
    ...(flags.hidden !== undefined ? { hidden: flags.hidden as number } : {}),
  };
  if (flags.from === 'scratch' && flags.adtnInit === 'fit') throw new UsageError('adtn compare: --adtn-init fit needs the dense weights; it does not go with --from scratch');
  const variants = variantsOf(flags, context.given);
  const probe = buildModel(modelConfig);
  checkLayers(probe, layers, `adtn compare --layers (${modelName})`);
  for (const v of variants) checkLayers(probe, layers, `adtn compare (${v.label})`, v.spec);
  const denseRecipe = trainingFrom({ ...flags, batchSize: flags.batchSize, lr: flags.lr, optimizer: 'adam', schedule: 'cosine', warmup: 0, weightDecay: 0, distill: undefined });
  makeFolder(out);
  log(`adtn compare: ${modelName} on ${data.name} (${data.train.labels.length} training, ${data.test.labels.length} ${data.evaluation} images), compressing ${layers.join(', ')} `
    + `(${variants.length} compressed models); kernels: ${context.build}`);

  // 1. The dense model: trained here, resumed, or loaded.
  const densePath = join(out, `${modelName}-dense.safetensors`);
  const dense = await denseRun(densePath, modelConfig, data, flags, denseRecipe, fresh, log);
  const fromScratch = flags.from === 'scratch';
  const source = fromScratch ? 'scratch' : recipeKey(denseRecipe, { model: modelName, dataset: data.name, epochs: dense.state.epoch, width: modelConfig.width, hidden: modelConfig.hidden ?? null });
  const fineTuneRecipe = trainingFrom({
    ...flags, batchSize: flags.fineTuneBatchSize, lr: flags.fineTuneLr, optimizer: 'adam', schedule: 'cosine',
    distill: flags.distill === true ? densePath : undefined,
  });
  const rows: ResultRow[] = [];
  const test = loaderFor(data, 'test', 1000);
  const denseAccuracy = evaluate(dense.model, test).accuracy;
  if (methods.includes('dense')) {
    rows.push(resultRow(dense.model, dense.state, { label: 'dense', testAccuracy: denseAccuracy, evaluation: data.evaluation, layers }));
  }

  // 2. Each compressed model, from the dense checkpoint (or from scratch).
  const target = flags.fineTuneEpochs as number;
  for (const variant of variants) {
    const path = join(out, `${modelName}-${variant.key}.safetensors`);
    const key = variantKey(variant, layers, source, fineTuneRecipe);
    let run = existingRun(path, fresh, log);
    if (run !== null && (run.state.source !== key || run.state.epoch - (run.state.compressedAt ?? 0) > target)) {
      log(`${path} was made with other settings; starting it over`);
      for (const t of run.optimizerState.values()) t.dispose();
      run = null;
    }
    if (run === null) {
      if (fromScratch) {
        const state: RunState = { model: { ...modelConfig }, dataset: data.name, compression: {}, epoch: 0, optimizer: null, history: [], seconds: 0 };
        run = { model: buildModel(state.model), state, optimizerState: new Map() };
      } else {
        run = loadRun(densePath);
        for (const t of run.optimizerState.values()) t.dispose();
        run.optimizerState.clear();
      }
      log(`${variant.label}: compressing ${layers.join(', ')}`);
      compressModelLayers({ model: run.model, state: run.state, layers, spec: variant.spec, log });
      run.state.optimizer = null;
      run.state.recipe = fineTuneRecipe;
      run.state.source = key;
      saveRun(path, run.model, run.state, null);
    } else if (run.state.epoch - (run.state.compressedAt ?? 0) >= target) {
      log(`${variant.label}: loaded ${path} (finished)`);
    } else {
      log(`${variant.label}: resuming ${path}`);
    }
    await fineTune({ model: run.model, state: run.state, data, epochs: target, recipe: fineTuneRecipe, out: path, log, optimizerState: run.optimizerState });
    const accuracy = evaluate(run.model, test).accuracy;
    rows.push(resultRow(run.model, run.state, { label: variant.label, testAccuracy: accuracy, evaluation: data.evaluation }));
  }

  // 3. The table and the report.
  log('');
  log(resultsTable(rows));
  writeResults(join(out, 'results.json'), { rows });
  const names: Record<string, string> = { fc2: 'FC-2', lenet5: 'LeNet-5', alexnet: 'AlexNet', zfnet: 'ZFNet', vgg16: 'VGG-16' };
  const datasets: Record<string, string> = { 'mnist': 'MNIST', 'fashion-mnist': 'Fashion-MNIST', 'cifar10': 'CIFAR-10', 'cifar100': 'CIFAR-100' };
  const title = `${names[modelName]} on ${datasets[data.name]}: ${layers.join(' + ')} compressed`;
  const recipe = (r: TrainingRecipe) => `Adam (lr ${r.lr}, batch ${r.batchSize}, cosine schedule${r.warmup ? `, ${r.warmup} warmup epochs` : ''}${r.weightDecay ? `, weight decay ${r.weightDecay}` : ''}${r.shift ? `, random shifts of up to ${r.shift} pixels` : ''})`;
  const notes = [
    `Dense: ${dense.state.epoch} epochs of ${recipe(denseRecipe)}. Compressed: ${fromScratch ? 'every weight from random values' : `the dense model with ${layers.join(', ')} replaced`}, `
      + `then ${String(target)} epochs of training of the whole model with ${recipe(fineTuneRecipe)}`
      + `${fineTuneRecipe.distill ? `, distilling from the dense model (temperature ${fineTuneRecipe.distill.temperature}, weight ${fineTuneRecipe.distill.alpha})` : ''}. Kernels: ${context.build}.`,
    ...(data.evaluation === 'validation' ? [`Accuracies are on a validation split: the last ${String(denseRecipe.validation)} training images, held out from training; the test set was not used.`] : []),
  ];
  const paths = writeReport(out, rows, { title, notes });
  log(`wrote ${join(out, 'results.json')}, ${paths.join(', ')}`);
}

// A model's identity for reuse: older checkpoints leave out the input shape and hidden width,
// which then are the model's defaults (the seed belongs to the recipe).
function modelKey(m: ModelConfig): string {
  return JSON.stringify([m.name, m.numClasses, m.width, m.inputShape ?? defaultInputShape(m.name), m.hidden ?? null]);
}

async function denseRun(
  path: string, config: ModelConfig, data: DatasetSplits, flags: ParsedFlags, recipe: TrainingRecipe, fresh: boolean, log: (line: string) => void,
): Promise<LoadedRun> {
  const epochs = flags.epochs as number;
  let run = existingRun(path, fresh, log);
  if (run !== null && (Object.keys(run.state.compression).length > 0 || modelKey(run.state.model) !== modelKey(config)
    || run.state.dataset !== data.name || run.state.recipe === undefined || recipeKey(run.state.recipe) !== recipeKey(recipe) || run.state.epoch > epochs)) {
    log(`${path} was made with other settings; training anew`);
    for (const t of run.optimizerState.values()) t.dispose();
    run = null;
  }
  if (run !== null && run.state.epoch >= epochs) {
    log(`dense: loaded ${path} (${run.state.epoch} epochs)`);
    return run;
  }
  let model;
  let state: RunState;
  if (run === null) {
    state = { model: { ...config }, dataset: data.name, compression: {}, epoch: 0, optimizer: null, history: [], seconds: 0, recipe };
    model = buildModel(state.model);
  } else {
    ({ model, state } = run);
    log(`dense: resuming ${path} after ${state.epoch} epochs`);
  }
  const optimizer = makeOptimizer('adam', model.parameters(), recipe.lr);
  if (run !== null && run.optimizerState.size > 0 && state.optimizer?.kind === 'adam') optimizer.loadStateDict(run.optimizerState, state.optimizer.stepCount);
  for (const t of run?.optimizerState.values() ?? []) t.dispose();
  await trainEpochs({
    model, optimizer, data, batchSize: recipe.batchSize, from: state.epoch + 1, to: epochs, lr: recipe.lr, schedule: 'cosine',
    seed: recipe.seed, shift: recipe.shift, label: 'dense', log,
    afterEpoch: (record) => {
      state.epoch = record.epoch;
      state.history.push(record);
      state.seconds += record.seconds;
      state.optimizer = { kind: 'adam', lr: optimizer.lr, stepCount: optimizer.stepCount };
      saveRun(path, model, state, optimizer);
    },
  });
  log(`dense: ${data.evaluation} accuracy ${percent(state.history[state.history.length - 1]!.testAccuracy)}`);
  return { model, state, optimizerState: new Map() };
}
