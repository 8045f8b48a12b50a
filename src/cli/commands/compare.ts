// adtn compare (the default job, npm start): train a model (or load its checkpoint), compress
// the chosen layers with ADTN and with the low-rank and TT baselines, fine-tune each, and print
// and write the comparison. Every run is checkpointed in the output folder, so a second call
// reuses finished runs and resumes unfinished ones.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandSpec, ParsedFlags } from '../args.js';
import { UsageError } from '../args.js';
import type { CompressionSpec } from '../../compress/compress.js';
import { evaluate } from '../../nn/training.js';
import type { ResultRow } from '../../report/results.js';
import { loadRun, saveRun, type LoadedRun, type RunState, type TrainingRecipe } from '../checkpoint.js';
import { loaderFor, type DatasetSplits } from '../datasets.js';
import { DATA_FLAGS, compressionFrom, dataFrom, describeSpec, recipeKey, trainingFrom } from '../flag-groups.js';
import { buildModel, checkInput } from '../model-zoo.js';
import { resultRow } from '../result-row.js';
import { writeReport, writeResults } from '../results-io.js';
import { resultsTable } from '../console-table.js';
import { makeOptimizer, percent, trainEpochs } from '../train-loop.js';
import { checkLayers, compressModelLayers, fineTune } from './compress.js';
import type { CommandContext } from './context.js';

const METHODS = ['dense', 'adtn', 'lowrank', 'tt'] as const;

export const COMPARE: CommandSpec = {
  name: 'compare',
  summary: 'The main job: train FC-2 on MNIST (or load its checkpoint), compress fc1 and fc2 with ADTN and with low-rank and TT baselines at comparable or larger budgets, fine-tune each, print the table and write a report (Markdown + SVG).',
  details: [
    'examples:',
    '  adtn compare                                   (a few minutes: 3 dense epochs, 2 fine-tuning epochs per method)',
    '  adtn compare --epochs 10 --fine-tune-epochs 10 --out paper-fc2',
    '  adtn compare --model lenet5 --layers conv2,fc1,fc2 --depth 4 --out lenet5-report',
    'Runs in --out made with the same settings are reused (finished) or resumed (unfinished); runs made with other',
    'settings are started over. Pass --fresh to start everything over.',
  ].join('\n'),
  flags: {
    out: { type: 'string', placeholder: 'DIR', default: 'adtn-report', help: 'folder for checkpoints, results.json, report.md and the SVG plot' },
    model: { type: 'string', choices: ['fc2', 'lenet5'], default: 'fc2', help: 'model to train and compress' },
    methods: { type: 'list', choices: METHODS, default: METHODS.join(','), help: 'which rows to produce' },
    layers: { type: 'list', default: 'fc1,fc2', help: 'layers to compress' },
    epochs: { type: 'integer', min: 1, default: 3, help: 'epochs of dense training' },
    fineTuneEpochs: { type: 'integer', min: 0, default: 2, help: 'fine-tuning epochs of each compressed model' },
    batchSize: { type: 'integer', min: 1, default: 128, help: 'images per dense training step' },
    fineTuneBatchSize: { type: 'integer', min: 1, default: 500, help: 'images per fine-tuning step' },
    lr: { type: 'number', default: 1e-3, help: 'Adam learning rate of dense training' },
    fineTuneLr: { type: 'number', default: 3e-3, help: 'Adam learning rate of fine-tuning' },
    depth: { type: 'integer', min: 1, default: 8, help: 'adtn: layers M' },
    adtnInit: { type: 'string', choices: ['random', 'fit'], default: 'random', help: 'adtn: initialisation' },
    rank: { type: 'integer', min: 1, default: 2, help: 'lowrank: rank' },
    ttRanks: { type: 'integer', min: 1, default: 6, help: 'tt: inner rank' },
    ttCores: { type: 'integer', min: 2, default: 3, help: 'tt: cores' },
    seed: { type: 'integer', min: 0, default: 1, help: 'seed' },
    fresh: { type: 'boolean', help: 'ignore checkpoints in --out and start over' },
    ...DATA_FLAGS,
  },
};

function specFor(method: Exclude<(typeof METHODS)[number], 'dense'>, flags: ParsedFlags): CompressionSpec {
  return compressionFrom({
    method, init: method === 'adtn' ? flags.adtnInit : 'svd', depth: flags.depth, localDim: 2, activation: 'relu', rank: flags.rank,
    ttRanks: [String(flags.ttRanks)], ttCores: flags.ttCores, fitSteps: 300, fitLr: 1e-2, seed: flags.seed,
  });
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

export async function runCompare(flags: ParsedFlags, context: CommandContext): Promise<void> {
  const out = flags.out as string;
  const log = context.log;
  const methods = flags.methods as string[];
  const layers = flags.layers as string[];
  const modelName = flags.model as 'fc2' | 'lenet5';
  const fresh = flags.fresh === true;
  for (const [name, value] of [['lr', flags.lr], ['fine-tune-lr', flags.fineTuneLr]] as const) {
    if (!((value as number) > 0)) throw new UsageError(`adtn compare: --${name} must be positive, got ${String(value)}`);
  }
  const probe = buildModel({ name: modelName, numClasses: 10, width: 1, seed: 0 });
  checkLayers(probe, layers, `adtn compare --layers (${modelName})`);
  for (const method of methods.filter((m): m is 'adtn' | 'lowrank' | 'tt' => m !== 'dense')) checkLayers(probe, layers, `adtn compare (${method})`, specFor(method, flags));
  const denseRecipe = recipeOf(flags, flags.batchSize as number, flags.lr as number);
  const fineTuneRecipe = recipeOf(flags, flags.fineTuneBatchSize as number, flags.fineTuneLr as number);
  mkdirSync(out, { recursive: true });
  const data = dataFrom(flags);
  checkInput(modelName, data.train.shape);
  log(`adtn compare: ${modelName} on ${data.name} (${data.train.labels.length} training, ${data.test.labels.length} test images), compressing ${layers.join(', ')}; kernels: ${context.build}`);

  // 1. The dense model: trained here, resumed, or loaded.
  const densePath = join(out, `${modelName}-dense.safetensors`);
  const dense = await denseRun(densePath, modelName, data, flags, denseRecipe, fresh, log);
  const source = recipeKey(denseRecipe, { model: modelName, dataset: data.name, epochs: dense.state.epoch });
  const rows: ResultRow[] = [];
  const test = loaderFor(data, 'test', 1000);
  const denseAccuracy = evaluate(dense.model, test).accuracy;
  if (methods.includes('dense')) {
    rows.push(resultRow(dense.model, dense.state, { label: 'dense', testAccuracy: denseAccuracy, layers }));
  }

  // 2. Each compression, from the dense checkpoint.
  for (const method of methods.filter((m): m is 'adtn' | 'lowrank' | 'tt' => m !== 'dense')) {
    const spec = specFor(method, flags);
    const path = join(out, `${modelName}-${method}.safetensors`);
    const target = flags.fineTuneEpochs as number;
    let run = existingRun(path, fresh, log);
    // `source` names the dense run (recipe and epochs) that the compressed run started from.
    if (run !== null && (run.state.description !== describeSpec(spec)
      || Object.keys(run.state.compression).join(',') !== layers.join(',') || run.state.source !== source
      || run.state.recipe === undefined || recipeKey(run.state.recipe) !== recipeKey(fineTuneRecipe)
      || run.state.epoch - (run.state.compressedAt ?? 0) > target)) {
      log(`${path} was made with other settings; starting it over`);
      for (const t of run.optimizerState.values()) t.dispose();
      run = null;
    }
    if (run === null) {
      run = loadRun(densePath);
      for (const t of run.optimizerState.values()) t.dispose();
      run.optimizerState.clear();
      log(`compressing with ${method}:`);
      compressModelLayers({ model: run.model, state: run.state, layers, spec, log });
      run.state.optimizer = null;
      run.state.recipe = fineTuneRecipe;
      run.state.source = source;
      saveRun(path, run.model, run.state, null);
    } else if (run.state.epoch - (run.state.compressedAt ?? 0) >= target) {
      log(`${method}: loaded ${path} (finished)`);
    } else {
      log(`${method}: resuming ${path}`);
    }
    await fineTune({ model: run.model, state: run.state, data, epochs: target, recipe: fineTuneRecipe, out: path, log, optimizerState: run.optimizerState });
    const accuracy = evaluate(run.model, test).accuracy;
    rows.push(resultRow(run.model, run.state, { label: `${method} ${describeSpec(spec).replace(/, init .*/, '')}`, testAccuracy: accuracy }));
  }

  // 3. The table and the report.
  log('');
  log(resultsTable(rows));
  writeResults(join(out, 'results.json'), { rows });
  const title = `${modelName === 'fc2' ? 'FC-2' : 'LeNet-5'} on ${data.name === 'mnist' ? 'MNIST' : data.name}: ${layers.join(' + ')} compressed`;
  const notes = [
    `Dense: ${dense.state.epoch} epochs of Adam (lr ${String(flags.lr)}, batch ${String(flags.batchSize)}, cosine schedule). ` +
      `Compressed: the dense model with ${layers.join(', ')} replaced, then ${String(flags.fineTuneEpochs)} epochs of fine-tuning of the whole model ` +
      `(Adam, lr ${String(flags.fineTuneLr)}, batch ${String(flags.fineTuneBatchSize)}). Kernels: ${context.build}.`,
  ];
  const paths = writeReport(out, rows, { title, notes });
  log(`wrote ${join(out, 'results.json')}, ${paths.join(', ')}`);
}

// compare always trains with Adam on a cosine schedule; batch size and rate differ per phase.
function recipeOf(flags: ParsedFlags, batchSize: number, lr: number): TrainingRecipe {
  return trainingFrom({ ...flags, batchSize, lr, optimizer: 'adam', schedule: 'cosine' });
}

async function denseRun(
  path: string, modelName: 'fc2' | 'lenet5', data: DatasetSplits, flags: ParsedFlags, recipe: TrainingRecipe, fresh: boolean, log: (line: string) => void,
): Promise<LoadedRun> {
  const epochs = flags.epochs as number;
  const seed = flags.seed as number;
  let run = existingRun(path, fresh, log);
  if (run !== null && (Object.keys(run.state.compression).length > 0 || run.state.model.name !== modelName || run.state.dataset !== data.name
    || run.state.recipe === undefined || recipeKey(run.state.recipe) !== recipeKey(recipe) || run.state.epoch > epochs)) {
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
    const shape = data.train.shape;
    state = { model: { name: modelName, numClasses: data.train.classes, width: 1, seed, inputShape: [shape[0]!, shape[1]!, shape[2]!] }, dataset: data.name, compression: {}, epoch: 0, optimizer: null, history: [], seconds: 0, recipe };
    model = buildModel(state.model);
  } else {
    ({ model, state } = run);
    log(`dense: resuming ${path} after ${state.epoch} epochs`);
  }
  const optimizer = makeOptimizer('adam', model.parameters(), flags.lr as number);
  if (run !== null && run.optimizerState.size > 0 && state.optimizer?.kind === 'adam') optimizer.loadStateDict(run.optimizerState, state.optimizer.stepCount);
  for (const t of run?.optimizerState.values() ?? []) t.dispose();
  await trainEpochs({
    model, optimizer, data, batchSize: flags.batchSize as number, from: state.epoch + 1, to: epochs, lr: flags.lr as number, schedule: 'cosine',
    seed, label: 'dense', log,
    afterEpoch: (record) => {
      state.epoch = record.epoch;
      state.history.push(record);
      state.seconds += record.seconds;
      state.optimizer = { kind: 'adam', lr: optimizer.lr, stepCount: optimizer.stepCount };
      saveRun(path, model, state, optimizer);
    },
  });
  log(`dense: test accuracy ${percent(state.history[state.history.length - 1]!.testAccuracy)}`);
  return { model, state, optimizerState: new Map() };
}
