// adtn compress: replace layers of a trained model by generated weights, fine-tune, save.

import { existsSync } from 'node:fs';
import type { CommandSpec, ParsedFlags } from '../args.js';
import { UsageError } from '../args.js';
import { adtnLayoutFor, checkGroupSpec, compressLayer, compressLayers, findLayer, layerSpecs, makeGenerator, parameterReport, type CompressionSpec } from '../../compress/compress.js';
import { AdtnError } from '../../errors.js';
import { planAdtn } from '../../tn/adtn.js';
import { evaluate } from '../../nn/training.js';
import type { Sequential } from '../../nn/layers/sequential.js';
import type { Tensor } from '../../tensor.js';
import { loadRun, saveRun, type RunState } from '../checkpoint.js';
import { defaultInputShape } from '../model-zoo.js';
import { COMPRESSION_FLAGS, DATA_FLAGS, TRAINING_FLAGS, compressionFrom, dataFrom, describeSpec, checkValidationSplit, requireWritable, resumedRecipe, trainingFrom } from '../flag-groups.js';
import { loaderFor, type DatasetSplits } from '../datasets.js';
import { progressBar } from '../progress.js';
import { appendResult } from '../results-io.js';
import { resultRow } from '../result-row.js';
import { lossOf, makeOptimizer, percent, trainEpochs } from '../train-loop.js';
import type { TrainingRecipe } from '../checkpoint.js';
import type { CommandContext } from './context.js';

export const COMPRESS: CommandSpec = {
  name: 'compress',
  summary: 'Compress layers of a trained checkpoint (adtn, lowrank or tt), fine-tune the whole model, and save it.',
  details: [
    'examples:',
    '  adtn compress --checkpoint runs/fc2.safetensors --layers fc1,fc2 --method adtn --depth 8 --out runs/fc2-adtn.safetensors',
    '  adtn compress --checkpoint runs/fc2.safetensors --method lowrank --rank 2 --out runs/fc2-lr.safetensors',
    '  adtn compress --checkpoint runs/fc2.safetensors --method tt --tt-ranks 6 --epochs 4 --out runs/fc2-tt.safetensors',
    '  adtn compress --out runs/fc2-adtn.safetensors --epochs 6 --resume     (more fine-tuning, with the saved settings)',
  ].join('\n'),
  flags: {
    checkpoint: { type: 'string', placeholder: 'FILE', help: 'the trained (dense) checkpoint' },
    out: { type: 'string', placeholder: 'FILE', help: 'checkpoint of the compressed model to write (required)' },
    epochs: { type: 'integer', min: 0, default: 10, help: 'fine-tuning epochs after compression (FC-2\'s measured recipe: 40)' },
    resume: { type: 'boolean', help: 'continue fine-tuning the compressed run saved in --out' },
    force: { type: 'boolean', help: 'overwrite an existing --out' },
    results: { type: 'string', placeholder: 'FILE', help: 'add the result as a row of this results JSON (for adtn report)' },
    label: { type: 'string', help: 'name of the result row (default: the method and its knobs)' },
    ...COMPRESSION_FLAGS,
    ...DATA_FLAGS,
    ...TRAINING_FLAGS,
    batchSize: { type: 'integer', min: 1, default: 500, help: 'images per fine-tuning step (large batches amortise generating the weights)' },
    lr: { type: 'number', default: 3e-3, help: 'learning rate (the peak of the cosine schedule)' },
    distill: { type: 'boolean', default: true, help: 'learn from a teacher\'s soft targets as well as from the labels (--no-distill: labels only)' },
    teacher: { type: 'string', placeholder: 'FILE', help: 'distillation: the teacher checkpoint (default: the --checkpoint being compressed)' },
  },
};

export interface CompressionRunOptions {
  model: Sequential;
  state: RunState;
  layers: string[];
  spec: CompressionSpec;
  log: (line: string) => void;
}

/** Compresses the layers in place (with a progress bar for fitting); returns seconds spent. */
export function compressModelLayers({ model, state, layers, spec, log }: CompressionRunOptions): number {
  const start = performance.now();
  if (spec.shared === true) {
    const results = compressLayers(model, layers, spec);
    const gates = results.reduce((s, r) => s + r.compressedParameters, 0);
    const dense = results.reduce((s, r) => s + r.denseParameters, 0);
    log(`${layers.join(', ')}: one shared adtn (${describeSpec(spec)}), ${dense.toLocaleString('en-US')} -> ${gates.toLocaleString('en-US')} parameters (${(dense / gates).toFixed(1)}x)`);
    for (const r of results) state.compression[r.layer] = r.rebuildSpec;
  }
  checkGroupSpec(layers, spec);
  const specs = layerSpecs(model, layers, spec, state.model.inputShape ?? defaultInputShape(state.model.name));
  for (const [i, layer] of (spec.shared === true ? [] : layers).entries()) {
    const steps = spec.fit?.steps ?? 0;
    const bar = progressBar(`fitting ${layer}`, steps);
    const result = compressLayer(model, layer, {
      ...specs[i]!,
      fit: { ...spec.fit, onProgress: (step, error) => bar.update(step, `error ${error.toFixed(4)}`) },
    });
    bar.finish();
    const fit = result.fit === undefined ? '' : `, fit ${result.fit.steps} steps (${result.fit.stoppedBy}): error ${result.fit.initialError.toFixed(3)} -> ${result.fit.relativeError.toFixed(3)}`;
    log(`${layer}: ${spec.method} (${describeSpec(spec)}), ${result.denseParameters.toLocaleString('en-US')} -> ${result.compressedParameters.toLocaleString('en-US')} parameters (${(result.denseParameters / result.compressedParameters).toFixed(1)}x), relative error ${result.relativeError.toFixed(3)}${fit}`);
    // What rebuilds the layer on load (TT-SVD may have truncated the requested ranks).
    state.compression[layer] = result.rebuildSpec;
  }
  state.compressedAt = state.epoch;
  state.description = describeSpec(spec);
  const seconds = (performance.now() - start) / 1000;
  // A compressed run counts its time from the compression on.
  state.seconds = seconds;
  return seconds;
}

export interface FineTuneOptions {
  model: Sequential;
  state: RunState;
  data: DatasetSplits;
  epochs: number;
  recipe: TrainingRecipe;
  out: string;
  log: (line: string) => void;
  optimizerState?: Map<string, Tensor>;
}

/** Fine-tunes a compressed run up to `epochs` epochs after compression, saving after each. */
export async function fineTune(options: FineTuneOptions): Promise<void> {
  const { model, state, recipe } = options;
  const at = state.compressedAt ?? 0;
  const optimizer = makeOptimizer(recipe.optimizer, model.parameters(), recipe.lr, recipe.weightDecay);
  if (options.optimizerState && options.optimizerState.size > 0 && state.optimizer?.kind === recipe.optimizer && state.epoch > at) {
    optimizer.loadStateDict(options.optimizerState, state.optimizer.stepCount);
  }
  for (const t of options.optimizerState?.values() ?? []) t.dispose();
  const done = state.epoch - at;
  // Nothing to do: the checkpoint on disk is already this state (with its optimizer state).
  if (done >= options.epochs) return;
  await trainEpochs({
    model, optimizer, data: options.data, batchSize: recipe.batchSize, from: done + 1, to: options.epochs, lr: recipe.lr, schedule: recipe.schedule,
    seed: recipe.seed + 7, shift: recipe.shift, warmup: recipe.warmup, loss: lossOf(recipe, options.data.name, options.log),
    label: `${state.description ?? 'compressed'} fine-tune`, log: options.log,
    afterEpoch: (record) => {
      state.epoch = at + record.epoch;
      state.history.push({ ...record, epoch: state.epoch });
      state.seconds += record.seconds;
      state.optimizer = { kind: recipe.optimizer, lr: optimizer.lr, stepCount: optimizer.stepCount };
      saveRun(options.out, model, state, optimizer);
    },
  });
}

export async function runCompress(flags: ParsedFlags, context: CommandContext): Promise<void> {
  const out = flags.out as string | undefined;
  if (out === undefined) throw new UsageError('adtn compress: --out FILE is required (the compressed checkpoint to write)');
  if (existsSync(out) && !flags.resume && !flags.force) throw new UsageError(`adtn compress: ${out} exists; pass --resume to continue fine-tuning it or --force to start over`);
  requireWritable('compress', 'out', out);
  requireWritable('compress', 'results', flags.results as string | undefined);
  const teacher = flags.distill === false ? undefined : ((flags.teacher as string | undefined) ?? (flags.checkpoint as string | undefined));
  if (context.given.has('teacher') && flags.distill === false) throw new UsageError('adtn compress: --teacher names a distillation teacher; it does not go with --no-distill');
  if (context.given.has('teacher') && !existsSync(flags.teacher as string)) throw new UsageError(`adtn compress: --teacher: no such checkpoint: ${String(flags.teacher)}`);
  // A given teacher is a given distillation setting (a resumed run refuses a different one).
  const given = context.given.has('teacher') ? new Set([...context.given, 'distill']) : context.given;
  let settings = trainingFrom({ ...flags, distill: teacher });
  let loaded;
  if (flags.resume) {
    if (!existsSync(out)) throw new UsageError(`adtn compress: --resume: no checkpoint at ${out}`);
    loaded = loadRun(out);
    if (Object.keys(loaded.state.compression).length === 0) throw new UsageError(`adtn compress: ${out} is not compressed; --resume continues a compressed run`);
    settings = resumedRecipe('compress', out, loaded.state.recipe, { ...flags, distill: teacher }, given);
    context.log(`resuming ${out}: ${loaded.state.description}, ${loaded.state.epoch - (loaded.state.compressedAt ?? 0)} fine-tuning epochs done`);
  } else {
    const checkpoint = flags.checkpoint as string | undefined;
    if (checkpoint === undefined) throw new UsageError('adtn compress: --checkpoint FILE is required (a model trained with adtn train)');
    loaded = loadRun(checkpoint);
    const already = Object.keys(loaded.state.compression).filter((l) => (flags.layers as string[]).includes(l));
    if (already.length > 0) throw new UsageError(`adtn compress: ${checkpoint} has ${already.join(', ')} compressed already`);
    checkLayers(loaded.model, flags.layers as string[], checkpoint, compressionFrom(flags));
    checkValidationSplit('compress', checkpoint, loaded.state.recipe?.validation, settings.validation);
  }
  const { model, state, optimizerState } = loaded;
  if (context.given.has('dataset') && flags.dataset !== state.dataset) {
    throw new UsageError(`adtn compress: the model was trained on ${state.dataset}; fine-tuning uses the same data set, not ${String(flags.dataset)}`);
  }
  const data = dataFrom({ ...flags, dataset: state.dataset, limit: settings.limit, testLimit: settings.testLimit, validation: settings.validation });
  if (!flags.resume) {
    for (const t of optimizerState.values()) t.dispose();
    optimizerState.clear();
    const before = evaluate(model, loaderFor(data, 'test', 1000)).accuracy;
    context.log(`${state.model.name} from ${String(flags.checkpoint)}: ${data.evaluation} accuracy ${percent(before)}, ${model.numParameters().toLocaleString('en-US')} parameters; kernels: ${context.build}`);
    compressModelLayers({ model, state, layers: flags.layers as string[], spec: compressionFrom(flags), log: context.log });
    const report = parameterReport(model);
    context.log(`parameters: ${report.denseTotal.toLocaleString('en-US')} -> ${report.total.toLocaleString('en-US')} (model ${report.modelRatio.toFixed(1)}x, compressed layers ${report.layerRatio.toFixed(1)}x)`);
    state.optimizer = null;
    state.recipe = settings;
    saveRun(out, model, state, null);
  }
  await fineTune({
    model, state, data, epochs: flags.epochs as number, recipe: settings, out, log: context.log, optimizerState,
  });
  const accuracy = evaluate(model, loaderFor(data, 'test', 1000)).accuracy;
  context.log(`saved ${out}: ${data.evaluation} accuracy ${percent(accuracy)}`);
  if (flags.results !== undefined) {
    const row = resultRow(model, state, { label: (flags.label as string | undefined) ?? `${state.description}`, testAccuracy: accuracy, evaluation: data.evaluation });
    appendResult(flags.results as string, row);
    context.log(`added "${row.label}" to ${String(flags.results)}`);
  }
}

/**
 * Checks the layer names against the model, and that the compression can be built for each layer
 * (ranks, depth, ...), before any data is loaded: a clear usage error instead of a failure later.
 */
export function checkLayers(model: Sequential, layers: readonly string[], where: string, spec?: CompressionSpec): void {
  try {
    if (spec !== undefined) checkGroupSpec(layers, spec);
  } catch (error) {
    if (error instanceof AdtnError) throw new UsageError(`${where}: ${error.message}`);
    throw error;
  }
  for (const layer of layers) {
    try {
      const target = findLayer(model, layer);
      if (spec === undefined) continue;
      const layerSpec = spec.layerDepths?.[layer] === undefined ? spec : { ...spec, depth: spec.layerDepths[layer] };
      if (layerSpec.method === 'adtn') {
        // The plan is pure: no circuit runs and nothing is allocated.
        planAdtn(target.weightShape, { depth: layerSpec.depth ?? 8, localDim: layerSpec.localDim, activation: layerSpec.activation, layout: adtnLayoutFor(target.weightShape, layerSpec) });
        continue;
      }
      const probe = makeGenerator(target.weightShape, { ...layerSpec, init: 'random', fit: undefined }, { dtype: 'float32' });
      for (const p of probe.parameters()) p.dispose();
    } catch (error) {
      if (error instanceof AdtnError) throw new UsageError(`${where}: ${error.message}`);
      throw error;
    }
  }
}
