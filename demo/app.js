// The demo page: controls, live charts and tables. All engine work happens in engine-worker.js;
// this file only sends requests and draws what comes back.
//
// With ?auto=1 in the address the page runs a short session by itself (dense training, TT and
// ADTN compression, gradient checks, a matmul timing) and leaves its figures in window.demoResult:
// the browser test (test/browser/demo.test.ts) drives it this way. window.demoReady is set once
// the engine has started.

import { accuracyPlotSvg } from './adtn/report/svg-plot.js';
import { drawLines, drawWeight } from './charts.js';

const $ = (id) => document.getElementById(id);
const worker = new Worker(new URL('./engine-worker.js', import.meta.url), { type: 'module' });
let nextId = 1;
const waiting = new Map();

worker.onmessage = ({ data }) => {
  const entry = waiting.get(data.id);
  if (entry === undefined) return;
  if (data.type === 'progress') entry.onProgress(data);
  else {
    waiting.delete(data.id);
    if (data.type === 'done') entry.resolve(data.result);
    else entry.reject(new Error(data.message));
  }
};
worker.onerror = (event) => showError(`the engine's worker failed: ${event.message}`);

/** Sends a request to the worker; resolves with its result, calling onProgress on the way. */
function request(type, args = {}, onProgress = () => {}) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject, onProgress });
    worker.postMessage({ id, type, ...args });
  });
}

const curves = { loss: { dense: [], compressed: [] }, accuracy: { dense: [], compressed: [] } };
const rows = [];
let denseLayers = [];

function redrawCurves() {
  drawLines($('loss-chart'), [
    { label: 'dense', phase: 'dense', points: curves.loss.dense },
    { label: 'compressed', phase: 'compressed', points: curves.loss.compressed },
  ], { title: 'training loss (per batch, log scale)', xLabel: 'batches', log: true, format: (v) => v.toPrecision(2) });
  drawLines($('accuracy-chart'), [
    { label: 'dense', phase: 'dense', points: curves.accuracy.dense },
    { label: 'compressed', phase: 'compressed', points: curves.accuracy.compressed },
  ], { title: 'test accuracy', xLabel: 'epochs', format: (v) => `${(100 * v).toFixed(1)}%` });
}

// Progress of a training phase: the bar, the status line and the curves.
function onTrainingProgress(message) {
  if (message.kind === 'status') {
    $('progress-text').textContent = message.text;
    return;
  }
  const phase = message.phase;
  if (message.kind === 'batch') {
    const done = (message.epoch - 1) * message.batches + message.batch;
    curves.loss[phase].push([curves.loss[phase].length + 1, message.loss]);
    $('progress-bar').style.width = `${(100 * message.batch) / message.batches}%`;
    $('progress-text').textContent = `${phase}: epoch ${message.epoch}, batch ${message.batch} / ${message.batches} (step ${done}), loss ${message.loss.toFixed(4)}`;
  } else {
    curves.accuracy[phase].push([message.epochs, message.testAccuracy]);
    $('progress-text').textContent = `${phase}: after ${message.epochs.toFixed(2)} epochs: test accuracy ${(100 * message.testAccuracy).toFixed(2)}%`;
  }
  redrawCurves();
}

function showError(text) {
  $('progress-text').textContent = text;
  $('progress-text').className = 'status error';
}

function setBusy(busy) {
  for (const id of ['train-dense', 'compress', 'download']) $(id).disabled = busy;
  if (!busy && rows.every((r) => r.method === 'dense')) $('download').disabled = true;
  if (!busy && rows.length === 0) $('compress').disabled = true;
}

function fillLayerChoices(layers, model) {
  // LeNet-5's conv2 can be compressed too, but its circuit needs a few epochs before it learns.
  const defaults = ['fc1', 'fc2'];
  $('layers').replaceChildren($('layers').firstElementChild);
  for (const layer of layers) {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = layer.name;
    box.checked = defaults.includes(layer.name);
    label.append(box, ` ${layer.name}`);
    $('layers').append(label);
  }
}

function fillParameterTable(layers) {
  const body = $('parameters').tBodies[0];
  body.replaceChildren(...layers.map((l) => {
    const tr = document.createElement('tr');
    const now = l.parameters ?? l.dense;
    for (const text of [l.name, `${l.kind} ${l.shape.join('x')}`, l.dense.toLocaleString('en'), now.toLocaleString('en'), `${(l.dense / now).toFixed(1)}x`]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  }));
}

function fillResults() {
  const body = $('results').tBodies[0];
  body.replaceChildren(...rows.map((r) => {
    const tr = document.createElement('tr');
    for (const text of [r.label, r.layerParameters.toLocaleString('en'), `${r.ratio.toFixed(1)}x`, `${(100 * r.testAccuracy).toFixed(2)}%`, r.seconds.toFixed(1)]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  }));
  $('pareto').innerHTML = rows.length > 1 ? accuracyPlotSvg(rows, { title: 'accuracy against parameters of the compressed layers', width: 640, height: 360 }) : '';
}

async function trainDense(model = $('model').value, epochs = Number($('dense-epochs').value)) {
  setBusy(true);
  curves.loss.dense = [];
  curves.accuracy.dense = [];
  curves.loss.compressed = [];
  curves.accuracy.compressed = [];
  rows.length = 0;
  try {
    const result = await request('trainDense', { model, epochs }, onTrainingProgress);
    denseLayers = result.layers;
    fillLayerChoices(result.layers, model);
    fillParameterTable(result.layers);
    rows.push({
      label: 'dense', method: 'dense', model, dataset: 'mnist', layers: [], layerParameters: result.layers.reduce((s, l) => s + l.dense, 0),
      ratio: 1, totalParameters: result.totalParameters, testAccuracy: result.accuracy, seconds: result.seconds, config: `${epochs} epochs`,
    });
    fillResults();
    $('progress-text').textContent = `dense ${model}: ${(100 * result.accuracy).toFixed(2)}% test accuracy after ${epochs} epochs (${result.seconds.toFixed(1)} s)`;
    return result;
  } finally {
    setBusy(false);
  }
}

async function compress(layers, method, size, epochs) {
  setBusy(true);
  curves.loss.compressed = [];
  curves.accuracy.compressed = [];
  try {
    const result = await request('compress', { layers, method, size, epochs }, onTrainingProgress);
    // The dense row counts the same layers' dense weights as the compressed row.
    const dense = rows.find((r) => r.method === 'dense');
    dense.layers = layers;
    dense.layerParameters = denseLayers.filter((l) => layers.includes(l.name)).reduce((s, l) => s + l.dense, 0);
    const others = rows.filter((r) => r.label !== result.row.label);
    rows.length = 0;
    rows.push(...others, result.row);
    fillParameterTable(result.layers);
    fillResults();
    const { dense: denseWeight, generated, layer } = result.weights;
    drawWeight($('dense-weight'), denseWeight, `${layer}: dense weight`);
    drawWeight($('generated-weight'), generated, `${layer}: ${result.row.label} (${result.layers.find((l) => l.name === layer).parameters.toLocaleString('en')} params)`);
    $('progress-text').textContent = `${result.row.label}: ${(100 * result.row.testAccuracy).toFixed(2)}% with ${result.row.layerParameters.toLocaleString('en')} parameters in ${layers.join(', ')} (${result.row.ratio.toFixed(0)}x fewer)`;
    return result;
  } finally {
    setBusy(false);
  }
}

async function download() {
  const { bytes, name } = await request('download');
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

function guard(action) {
  return () => action().catch((error) => showError(error.message));
}

$('train-dense').onclick = guard(() => trainDense());
$('compress').onclick = guard(() => {
  const layers = [...$('layers').querySelectorAll('input:checked')].map((box) => box.value);
  return compress(layers, $('method').value, Number($('size').value), Number($('compress-epochs').value));
});
$('download').onclick = guard(download);
$('method').onchange = () => {
  $('size').value = { adtn: 8, tt: 6, lowrank: 2 }[$('method').value];
};
window.addEventListener('resize', redrawCurves);
redrawCurves();

async function start() {
  const engine = await request('init');
  $('engine-status').textContent = `engine: ${engine.build} kernels, ${engine.threads} thread${engine.threads > 1 ? 's' : ''}` +
    (engine.isolated ? ' (cross-origin isolated: shared memory)' : ' (not cross-origin isolated: one thread)') +
    `; ${engine.trainImages.toLocaleString('en')} training and ${engine.testImages.toLocaleString('en')} test images bundled`;
  setBusy(false);
  $('compress').disabled = true;
  $('download').disabled = true;
  window.demoReady = engine;
  if (new URLSearchParams(location.search).get('auto') === '1') await autoRun(engine);
}

// The scripted session of ?auto=1 (see the header).
async function autoRun(engine) {
  const dense = await trainDense('fc2', 2);
  const tt = await compress(['fc1', 'fc2'], 'tt', 4, 1);
  const adtn = await compress(['fc1', 'fc2'], 'adtn', 8, 1);
  const gradchecks = await request('gradcheckOps');
  const matmul = await request('matmulSpeed', { n: 512 });
  window.demoResult = { engine, dense: dense.accuracy, runs: [tt.row, adtn.row], gradchecks, matmul };
}

// For scripts driving the page (bench/browser.bench.ts): a request to the engine's worker.
window.adtnRequest = request;

start().catch((error) => {
  showError(error.message);
  window.demoResult = { error: error.message };
});
