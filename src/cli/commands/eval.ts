// adtn eval: test accuracy, parameter accounting and inference speed of a checkpoint.

import type { CommandSpec, ParsedFlags } from '../args.js';
import { UsageError } from '../args.js';
import { parameterReport } from '../../compress/compress.js';
import { WeightedLayer } from '../../nn/layers/weighted-layer.js';
import { evaluate } from '../../nn/training.js';
import { loadRun } from '../checkpoint.js';
import { DATA_FLAGS, checkValidationSplit, dataFrom, requireWritable } from '../flag-groups.js';
import { loaderFor } from '../datasets.js';
import { appendResult } from '../results-io.js';
import { resultRow } from '../result-row.js';
import { percent } from '../train-loop.js';
import type { CommandContext } from './context.js';

export const EVAL: CommandSpec = {
  name: 'eval',
  summary: 'Evaluate a checkpoint on the test set: accuracy, loss, parameters per layer, and time per image.',
  details: [
    'examples:',
    '  adtn eval --checkpoint runs/fc2-adtn.safetensors',
    '  adtn eval --checkpoint runs/fc2-adtn.safetensors --decode --results runs/results.json --label "adtn M=8"',
    '  adtn eval --checkpoint runs/vgg16.safetensors --results runs/vgg16.json --label dense --layers fc1,fc2',
  ].join('\n'),
  flags: {
    checkpoint: { type: 'string', placeholder: 'FILE', help: 'checkpoint written by adtn train or adtn compress (required)' },
    decode: { type: 'boolean', help: 'decode generated weights into dense ones first (fast inference)' },
    results: { type: 'string', placeholder: 'FILE', help: 'add the result as a row of this results JSON (for adtn report)' },
    label: { type: 'string', help: 'name of the result row (default: the checkpoint file name)' },
    layers: { type: 'list', help: 'a dense checkpoint\'s row counts these layers\' weights as its layer parameters (the layers the compressed rows replace), e.g. fc1,fc2' },
    batchSize: { type: 'integer', min: 1, default: 1000, help: 'images per evaluation batch' },
    ...DATA_FLAGS,
  },
};

export async function runEval(flags: ParsedFlags, context: CommandContext): Promise<void> {
  const checkpoint = flags.checkpoint as string | undefined;
  if (checkpoint === undefined) throw new UsageError('adtn eval: --checkpoint FILE is required');
  requireWritable('eval', 'results', flags.results as string | undefined);
  const { model, state, optimizerState } = loadRun(checkpoint);
  for (const t of optimizerState.values()) t.dispose();
  checkValidationSplit('eval', checkpoint, state.recipe?.validation, flags.validation as number | undefined);
  const data = dataFrom({ ...flags, dataset: context.given.has('dataset') ? flags.dataset : state.dataset });
  const report = parameterReport(model);
  const compressed = Object.keys(state.compression).length > 0;
  const named = flags.layers === undefined ? undefined : [...new Set(flags.layers as string[])];
  if (named !== undefined) {
    if (compressed) throw new UsageError('adtn eval: --layers is for dense checkpoints; a compressed one counts its compressed layers');
    const unknown = named.filter((l) => !report.layers.some((r) => r.layer === l));
    if (unknown.length > 0) throw new UsageError(`adtn eval: --layers: ${checkpoint} has no layer ${unknown.join(', ')} (layers: ${report.layers.map((r) => r.layer).join(', ')})`);
  }
  if (flags.decode) {
    for (const [, m] of model.namedModules()) if (m instanceof WeightedLayer && m.generator !== null) m.decodeWeight();
  }
  const start = performance.now();
  const result = evaluate(model, loaderFor(data, 'test', flags.batchSize as number));
  const seconds = (performance.now() - start) / 1000;
  context.log(`${checkpoint}: ${state.model.name} on ${data.name}, ${state.epoch} epochs${state.description ? `, compressed: ${state.description}` : ''}; kernels: ${context.build}`);
  context.log(`${data.evaluation} accuracy ${percent(result.accuracy)}, loss ${result.loss.toFixed(4)} on ${result.count} images, ${((seconds * 1e6) / result.count).toFixed(1)} us per image${flags.decode ? ' (decoded weights)' : ''}`);
  context.log('layer          kind     method   weight shape        dense weight   parameters');
  for (const l of report.layers) {
    context.log(`${l.layer.padEnd(14)} ${l.kind.padEnd(8)} ${l.method.padEnd(8)} ${`[${l.weightShape.join(', ')}]`.padEnd(19)} ${l.denseWeight.toLocaleString('en-US').padStart(12)}   ${l.weightParameters.toLocaleString('en-US').padStart(10)}`);
  }
  context.log(`parameters: ${report.total.toLocaleString('en-US')} (dense ${report.denseTotal.toLocaleString('en-US')}, model ratio ${report.modelRatio.toFixed(1)}x, compressed layers ratio ${report.layerRatio.toFixed(1)}x)`);
  if (flags.results !== undefined) {
    const label = (flags.label as string | undefined) ?? checkpoint.replace(/^.*[\\/]/, '').replace(/\.safetensors$/, '');
    // The report taken before any decoding: the row describes the checkpoint as stored (its generators).
    const layers = compressed ? undefined : (named ?? []);
    appendResult(flags.results as string, resultRow(model, state, { label, testAccuracy: result.accuracy, evaluation: data.evaluation, layers, report }));
    context.log(`added "${label}" to ${String(flags.results)}`);
  }
}
