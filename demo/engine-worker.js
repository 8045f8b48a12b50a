// The demo's work, off the page's main thread: the engine runs here (module worker), so the page
// stays responsive while it trains. The page sends { id, type, ...arguments }; every answer
// carries the same id: { id, type: 'progress', ... } any number of times, then { id, type:
// 'done', result } or { id, type: 'error', message }.
//
// State kept between requests: the MNIST subset, the dense model (trained once), and the last
// compressed model (for download).

import * as adtn from './adtn/index.js';

const MNIST_STATS = { mean: [0.1307], std: [0.3081] };
const INPUT_SHAPE = [1, 28, 28];

let data = null;
let dense = null; // { name, model, accuracy, seconds }
let compressed = null; // { model, specs, label }

const handlers = { init, trainDense, compress, download, gradcheckOps, matmulSpeed };

self.onmessage = async (event) => {
  const { id, type, ...args } = event.data;
  const progress = (payload) => self.postMessage({ id, type: 'progress', ...payload });
  try {
    const handler = handlers[type];
    if (handler === undefined) throw new Error(`unknown request ${type}`);
    const { result, transfer = [] } = await handler(args, progress);
    self.postMessage({ id, type: 'done', result }, transfer);
  } catch (error) {
    self.postMessage({ id, type: 'error', message: `${error?.name ?? 'Error'}: ${error?.message ?? String(error)}` });
  }
};

async function fetchBytes(path) {
  const response = await fetch(new URL(path, import.meta.url));
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

// Runs large matmuls until the engine's worker threads have joined (they start with the first
// split call), for at most two seconds; returns how many are ready.
async function warmUpThreads() {
  const wanted = adtn.engineThreads() - 1;
  const a = adtn.randn([256, 256], { seed: 1 });
  const deadline = performance.now() + 2000;
  while (adtn.engineWorkersReady() < wanted && performance.now() < deadline) {
    adtn.tidy(() => adtn.matmul(a, a));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  a.dispose();
  return adtn.engineWorkersReady();
}

/** Starts the engine and loads the bundled MNIST subset. */
async function init() {
  await adtn.initEngine();
  const workers = await warmUpThreads();
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    ['train-images', 'train-labels', 'test-images', 'test-labels'].map((name) => fetchBytes(`./data/${name}.idx`)),
  );
  data = {
    train: adtn.idxDataset(trainImages, trainLabels, ['train-images.idx', 'train-labels.idx']),
    test: adtn.idxDataset(testImages, testLabels, ['test-images.idx', 'test-labels.idx']),
  };
  return {
    result: {
      threads: adtn.engineThreads(),
      workers,
      build: adtn.engineBuild(),
      isolated: self.crossOriginIsolated === true,
      trainImages: data.train.labels.length,
      testImages: data.test.labels.length,
    },
  };
}

function buildModel(name, seed = 1) {
  if (name === 'fc2') return adtn.fc2({ seed });
  if (name === 'lenet5') return adtn.lenet5({ seed });
  throw new Error(`unknown model ${name}: expected fc2 or lenet5`);
}

function loaders(batchSize, seed) {
  return {
    train: new adtn.DataLoader(data.train, { batchSize, shuffle: true, seed, ...MNIST_STATS }),
    test: new adtn.DataLoader(data.test, { batchSize: 500, ...MNIST_STATS }),
  };
}

// Trains `model` with Adam and reports every batch's loss, and the test accuracy four times an
// epoch.
async function train(model, { epochs, batchSize, lr, loss }, progress, phase) {
  const { train: trainLoader, test } = loaders(batchSize, 1);
  const optimizer = new adtn.Adam(model.parameters(), { lr });
  const schedule = new adtn.CosineAnnealingLR(optimizer, epochs);
  let accuracy = 0;
  const started = performance.now();
  await adtn.fit(model, optimizer, trainLoader, {
    epochs,
    schedule,
    loss,
    onBatch: (report) => {
      progress({ phase, kind: 'batch', epoch: report.epoch, batch: report.batch, batches: report.batches, loss: report.loss });
      if (report.batch % Math.ceil(report.batches / 4) === 0 || report.batch === report.batches) {
        accuracy = adtn.evaluate(model, test).accuracy;
        progress({ phase, kind: 'evaluation', epochs: report.epoch - 1 + report.batch / report.batches, testAccuracy: accuracy });
      }
    },
    // Lets the worker deliver its messages between epochs.
    onEpoch: () => new Promise((resolve) => setTimeout(resolve, 0)),
  });
  return { accuracy, seconds: (performance.now() - started) / 1000 };
}

// A layer's weight as a matrix [rows, everything else] (a dense layer's is its parameter: the
// tidy() scope releases only what the generator made for it).
function weightOf(model, layer) {
  return adtn.noGrad(() => adtn.tidy(() => {
    const w = adtn.findLayer(model, layer).effectiveWeight();
    return { shape: [w.shape[0], w.size / w.shape[0]], values: Float32Array.from(w.toArray()) };
  }));
}

/** Trains the dense model from scratch: { model: 'fc2' | 'lenet5', epochs, batchSize, lr }. */
async function trainDense({ model: name, epochs = 2, batchSize = 64, lr = 1e-3 }, progress) {
  requireData();
  const model = buildModel(name);
  let result;
  try {
    result = await train(model, { epochs, batchSize, lr }, progress, 'dense');
  } catch (error) {
    disposeModel(model);
    throw error;
  }
  const { accuracy, seconds } = result;
  // The teacher of the compressed models needs no gradients of its own.
  model.zeroGrad();
  disposeModel(dense?.model);
  disposeModel(compressed?.model);
  dense = { name, model, accuracy, seconds };
  compressed = null;
  const report = adtn.parameterReport(model);
  return {
    result: {
      accuracy,
      seconds,
      layers: report.layers.map((l) => ({ name: l.layer, kind: l.kind, shape: l.weightShape, dense: l.denseWeight })),
      totalParameters: report.total,
    },
  };
}

function specFor(method, size) {
  if (method === 'adtn') return { method, depth: size, init: 'random', layout: 'image' };
  if (method === 'tt') return { method, ttRanks: size, init: 'svd' };
  if (method === 'lowrank') return { method, rank: size, init: 'svd' };
  throw new Error(`unknown method ${method}: expected adtn, tt or lowrank`);
}

const METHOD_NAMES = { adtn: 'ADTN', tt: 'TT', lowrank: 'low rank' };
const SIZE_NAMES = { adtn: 'M', tt: 'ranks', lowrank: 'r' };

/**
 * Compresses a copy of the dense model and fine-tunes it with distillation from the dense one:
 * { layers, method: 'adtn' | 'tt' | 'lowrank', size, epochs, batchSize, lr }.
 */
async function compress({ layers, method, size, epochs = 2, batchSize = 100, lr = 3e-3 }, progress) {
  requireData();
  if (dense === null) throw new Error('train the dense model first');
  if (!Array.isArray(layers) || layers.length === 0) throw new Error('choose at least one layer to compress');
  const model = buildModel(dense.name);
  model.loadStateDict(dense.model.stateDict());
  const spec = specFor(method, size);
  const started = performance.now();
  progress({ phase: 'compress', kind: 'status', text: `building ${METHOD_NAMES[method]} generators for ${layers.join(', ')}` });
  const reports = adtn.compressLayers(model, layers, spec, { inputShape: INPUT_SHAPE });
  const loss = adtn.distillationLoss(dense.model.eval(), { temperature: 4, alpha: 0.9 });
  let accuracy;
  try {
    ({ accuracy } = await train(model, { epochs, batchSize, lr, loss }, progress, 'compressed'));
  } catch (error) {
    disposeModel(model);
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  const report = adtn.parameterReport(model);
  const label = `${METHOD_NAMES[method]} ${SIZE_NAMES[method]}=${size} (${layers.join(', ')})`;
  // What rebuildCompression needs to make the same generators again (see download()).
  disposeModel(compressed?.model);
  compressed = {
    model,
    specs: Object.fromEntries(reports.map((r) => [r.layer, r.rebuildSpec])),
    label,
    file: `${dense.name}-${method}-${SIZE_NAMES[method]}${size}-${layers.join('+')}.safetensors`,
  };
  const denseWeight = weightOf(dense.model, layers[0]);
  const generatedWeight = weightOf(model, layers[0]);
  // The dense baseline of these layers, for the accuracy-against-parameters plot.
  const denseRow = {
    label: `dense (${layers.join(', ')})`,
    method: 'dense',
    model: dense.name,
    dataset: `mnist (${data.train.labels.length} images)`,
    layers,
    layerParameters: report.compressedLayersDense,
    ratio: 1,
    totalParameters: report.denseTotal,
    testAccuracy: dense.accuracy,
    seconds: dense.seconds,
    config: 'dense',
  };
  const row = {
    label,
    method,
    model: dense.name,
    dataset: `mnist (${data.train.labels.length} images)`,
    layers,
    layerParameters: report.compressedLayersParameters,
    ratio: report.layerRatio,
    totalParameters: report.total,
    testAccuracy: accuracy,
    seconds,
    config: `${label}, ${epochs} epochs with distillation`,
  };
  return {
    result: {
      row,
      denseRow,
      layers: report.layers.map((l) => ({ name: l.layer, kind: l.kind, shape: l.weightShape, method: l.method, dense: l.denseWeight, parameters: l.weightParameters })),
      weights: { layer: layers[0], dense: denseWeight, generated: generatedWeight },
    },
    transfer: [denseWeight.values.buffer, generatedWeight.values.buffer],
  };
}

/**
 * The last compressed model as safetensors bytes, with its compression in the metadata. To use it
 * (Node.js or a page): const { tensors, metadata } = parseSafetensors(bytes); const model = fc2();
 * rebuildCompression(model, JSON.parse(metadata.compression));
 * model.loadStateDict(tensorsFromSafetensors(tensors));
 */
async function download() {
  if (compressed === null) throw new Error('compress a model first');
  const bytes = adtn.serializeSafetensors(compressed.model.stateDict(), {
    model: dense.name,
    compression: JSON.stringify(compressed.specs),
    label: compressed.label,
  });
  return { result: { bytes, name: compressed.file }, transfer: [bytes.buffer] };
}

/** Finite-difference gradient checks of a few ops in float64, run by the engine in this page. */
async function gradcheckOps() {
  const f64 = { dtype: 'float64' };
  const cases = {
    matmul: [(a, b) => adtn.matmul(a, b), [[3, 5], [5, 4]]],
    'conv2d + relu': [(x, w) => adtn.relu(adtn.conv2d(x, w, null, { padding: 1 })), [[1, 2, 5, 5], [3, 2, 3, 3]]],
    'softmax + log': [(x) => adtn.log(adtn.softmax(x, 1)), [[4, 7]]],
    einsum: [(a, b) => adtn.einsum('ijk,kl->jl', a, b), [[2, 3, 4], [4, 5]]],
  };
  const results = {};
  for (const [name, [fn, shapes]] of Object.entries(cases)) {
    const inputs = shapes.map((shape, i) => adtn.randn(shape, { ...f64, seed: 10 + i, requiresGrad: true }));
    const check = adtn.gradcheck(fn, inputs);
    results[name] = { ok: check.ok, maxAbsError: check.maxAbsError, maxRelError: check.maxRelError };
    for (const t of inputs) t.dispose();
  }
  return { result: results };
}

/** Median milliseconds of an n x n float32 matmul (for comparison with Node.js). */
async function matmulSpeed({ n = 512, runs = 30 }) {
  const a = adtn.randn([n, n], { seed: 1 });
  const b = adtn.randn([n, n], { seed: 2 });
  for (let i = 0; i < 5; i++) adtn.tidy(() => adtn.matmul(a, b));
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    adtn.tidy(() => adtn.matmul(a, b));
    times.push(performance.now() - start);
  }
  a.dispose();
  b.dispose();
  times.sort((x, y) => x - y);
  return { result: { n, milliseconds: times[Math.floor(runs / 2)], threads: adtn.engineThreads() } };
}

// Releases a model's parameters now (its optimizer's state goes with the garbage collector).
function disposeModel(model) {
  if (model === undefined || model === null) return;
  for (const parameter of model.parameters()) parameter.dispose();
}

function requireData() {
  if (data === null) throw new Error('the engine is not started yet');
}
