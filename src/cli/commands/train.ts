// adtn train: train a model from scratch (or resume a checkpoint) and save it after every epoch.

import { existsSync } from 'node:fs';
import type { CommandSpec, ParsedFlags } from '../args.js';
import { UsageError } from '../args.js';
import { loadRun, saveRun, type RunState } from '../checkpoint.js';
import { DATA_FLAGS, DISTILL_FLAG, TRAINING_FLAGS, dataFrom, requireWritable, resumedRecipe, trainingFrom } from '../flag-groups.js';
import { buildModel, checkInput, MODEL_NAMES, type ModelName } from '../model-zoo.js';
import { lossOf, makeOptimizer, percent, trainEpochs } from '../train-loop.js';
import type { CommandContext } from './context.js';

export const TRAIN: CommandSpec = {
  name: 'train',
  summary: 'Train a model on a data set, saving a checkpoint (safetensors) after every epoch; --resume continues one.',
  details: [
    'examples:',
    '  adtn train --model fc2 --epochs 5 --out runs/fc2.safetensors',
    '  adtn train --model lenet5 --epochs 10 --out runs/lenet5.safetensors',
    '  adtn train --model vgg16 --width 0.25 --dataset cifar10 --data ./cifar-10-batches-bin --out runs/vgg.safetensors',
    '  adtn train --out runs/fc2.safetensors --epochs 8 --resume      (continues up to epoch 8 with the saved settings)',
    '',
    'A resumed run keeps its batch size, learning rate, optimizer, schedule, seed and data limits; raising --epochs',
    're-plans the cosine schedule over the new total, so the learning rate rises again from where it was.',
  ].join('\n'),
  flags: {
    model: { type: 'string', choices: MODEL_NAMES, default: 'fc2', help: 'architecture' },
    width: { type: 'number', default: 1, help: 'channel multiplier of the convolutions of alexnet/zfnet/vgg16 (e.g. 0.25 for a quick run)' },
    hidden: { type: 'integer', min: 1, help: 'width of the classifier\'s hidden layers (fc2: 1024; alexnet/zfnet/vgg16: 4096·width)' },
    epochs: { type: 'integer', min: 1, default: 5, help: 'total epochs' },
    out: { type: 'string', placeholder: 'FILE', help: 'checkpoint to write (required)' },
    resume: { type: 'boolean', help: 'continue the run saved in --out' },
    force: { type: 'boolean', help: 'overwrite an existing --out' },
    ...DATA_FLAGS,
    ...TRAINING_FLAGS,
    ...DISTILL_FLAG,
  },
};

export async function runTrain(flags: ParsedFlags, context: CommandContext): Promise<void> {
  const out = flags.out as string | undefined;
  if (out === undefined) throw new UsageError('adtn train: --out FILE is required (the checkpoint to write)');
  requireWritable('train', 'out', out);
  if (existsSync(out) && !flags.resume && !flags.force) throw new UsageError(`adtn train: ${out} exists; pass --resume to continue it or --force to start over`);
  if (flags.resume && !existsSync(out)) throw new UsageError(`adtn train: --resume: no checkpoint at ${out}`);
  const epochs = flags.epochs as number;
  if (!((flags.width as number) > 0 && (flags.width as number) <= 4)) throw new UsageError(`adtn train: --width must be in (0, 4], got ${String(flags.width)}`);
  let settings = trainingFrom(flags);

  let model;
  let state: RunState;
  let optimizerState = new Map();
  let data;
  if (flags.resume) {
    ({ model, state, optimizerState } = loadRun(out));
    if (Object.keys(state.compression).length > 0) throw new UsageError(`adtn train: ${out} holds a compressed model; continue it with adtn compress --resume`);
    if (context.given.has('dataset') && state.dataset !== flags.dataset) throw new UsageError(`adtn train: ${out} was trained on ${state.dataset}, not ${String(flags.dataset)}`);
    if (context.given.has('model') && state.model.name !== flags.model) throw new UsageError(`adtn train: ${out} holds ${state.model.name}, not ${String(flags.model)}`);
    if (context.given.has('width') && state.model.width !== flags.width) throw new UsageError(`adtn train: ${out} holds a model of width ${state.model.width}, not ${String(flags.width)}`);
    if (context.given.has('hidden') && state.model.hidden !== flags.hidden) throw new UsageError(`adtn train: ${out} holds a model with hidden width ${state.model.hidden ?? '(the default)'}, not ${String(flags.hidden)}`);
    settings = resumedRecipe('train', out, state.recipe, flags, context.given);
    data = dataFrom({ ...flags, dataset: state.dataset, limit: settings.limit, testLimit: settings.testLimit, validation: settings.validation });
    context.log(`resuming ${out}: ${state.model.name}, ${state.epoch} epochs done`);
  } else {
    data = dataFrom(flags);
    const shape = data.train.shape;
    state = {
      model: {
        name: flags.model as ModelName, numClasses: data.train.classes, width: flags.width as number, seed: settings.seed,
        inputShape: [shape[0]!, shape[1]!, shape[2]!], ...(flags.hidden !== undefined ? { hidden: flags.hidden as number } : {}),
      },
      dataset: data.name, compression: {}, epoch: 0, optimizer: null, history: [], seconds: 0, recipe: settings,
    };
    checkInput(state.model.name, data.train.shape);
    model = buildModel(state.model);
  }
  if (state.epoch >= epochs) {
    context.log(`${out} already has ${state.epoch} epochs (asked for ${epochs}); nothing to do`);
    return;
  }
  const optimizer = makeOptimizer(settings.optimizer, model.parameters(), settings.lr, settings.weightDecay);
  if (optimizerState.size > 0 && state.optimizer?.kind === settings.optimizer) optimizer.loadStateDict(optimizerState, state.optimizer.stepCount);
  for (const t of optimizerState.values()) t.dispose();
  context.log(`training ${state.model.name} (${model.numParameters().toLocaleString('en-US')} parameters) on ${data.name}: ${data.train.labels.length} training, ${data.test.labels.length} test images; kernels: ${context.build}`);
  await trainEpochs({
    model, optimizer, data, batchSize: settings.batchSize, from: state.epoch + 1, to: epochs, lr: settings.lr, schedule: settings.schedule,
    seed: settings.seed, shift: settings.shift, warmup: settings.warmup, loss: lossOf(settings, data.name, context.log), label: state.model.name, log: context.log,
    afterEpoch: (record) => {
      state.epoch = record.epoch;
      state.history.push(record);
      state.seconds += record.seconds;
      state.optimizer = { kind: settings.optimizer, lr: optimizer.lr, stepCount: optimizer.stepCount };
      saveRun(out, model, state, optimizer);
    },
  });
  const last = state.history[state.history.length - 1]!;
  context.log(`saved ${out}: ${state.epoch} epochs, ${data.evaluation} accuracy ${percent(last.testAccuracy)}, ${state.seconds.toFixed(1)} s of training`);
}
