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
// A worker that fails (it could not load, or crashed) answers nothing more: every waiting request
// fails with the reason, so the page (and the scripted session) reports it instead of waiting.
function failAll(reason) {
  for (const { reject } of waiting.values()) reject(new Error(reason));
  waiting.clear();
}
worker.onerror = (event) => {
  event.preventDefault();
  failAll(`the engine's worker failed: ${event.message ?? 'it could not load engine-worker.js or one of its imports'}`);
};
worker.onmessageerror = () => failAll('the engine\'s worker sent a message that could not be read');

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
    showStatus(message.text);
    return;
  }
  const phase = message.phase;
  if (message.kind === 'batch') {
    const done = (message.epoch - 1) * message.batches + message.batch;
    curves.loss[phase].push([curves.loss[phase].length + 1, message.loss]);
    $('progress-bar').style.width = `${(100 * message.batch) / message.batches}%`;
    showStatus(`${phase}: epoch ${message.epoch}, batch ${message.batch} / ${message.batches} (step ${done}), loss ${message.loss.toFixed(4)}`);
  } else {
    curves.accuracy[phase].push([message.epochs, message.testAccuracy]);
    showStatus(`${phase}: after ${message.epochs.toFixed(2)} epochs: test accuracy ${(100 * message.testAccuracy).toFixed(2)}%`);
  }
  redrawCurves();
}

function showStatus(text) {
  $('progress-text').textContent = text;
  $('progress-text').className = 'status';
}

function showError(text) {
  $('progress-text').textContent = text;
  $('progress-text').className = 'status error';
}

// Which model the worker holds: the dense one trained last (null before), and whether a
// compressed one exists (for download).
const held = { dense: null, compressed: false };

// While the worker is busy every control is off; afterwards each is on when it can act.
function setBusy(busy) {
  for (const element of document.querySelectorAll('.controls button, .controls input, .controls select')) element.disabled = busy;
  if (busy) return;
  $('compress').disabled = held.dense === null;
  $('download').disabled = !held.compressed;
  for (const box of $('layers').querySelectorAll('input')) box.disabled = held.dense === null;
}

// The number in an input, or an error naming the field when it is not a whole number in range.
function whole(id, name) {
  const input = $(id);
  const value = Number(input.value);
  if (input.value.trim() === '' || !Number.isInteger(value) || value < Number(input.min) || value > Number(input.max)) {
    throw new Error(`${name} must be a whole number from ${input.min} to ${input.max}, got "${input.value}"`);
  }
  return value;
}

function ratioText(ratio) {
  return ratio >= 1 ? `${ratio.toFixed(ratio >= 10 ? 0 : 1)}x fewer` : `${(1 / ratio).toFixed(1)}x more`;
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

// A table row of text cells.
function tableRow(texts) {
  const tr = document.createElement('tr');
  for (const text of texts) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }
  return tr;
}

function fillParameterTable(layers) {
  $('parameters').tBodies[0].replaceChildren(...layers.map((l) => {
    const now = l.parameters ?? l.dense;
    return tableRow([l.name, `${l.kind} ${l.shape.join('x')}`, l.dense.toLocaleString('en'), now.toLocaleString('en'), `${(l.dense / now).toFixed(1)}x`]);
  }));
}

function fillResults() {
  $('results').tBodies[0].replaceChildren(...rows.map((r) => tableRow([
    r.label, r.layerParameters.toLocaleString('en'), `${r.ratio.toFixed(r.ratio >= 1 ? 1 : 2)}x`, `${(100 * r.testAccuracy).toFixed(2)}%`, r.seconds.toFixed(1),
  ])));
  $('pareto').innerHTML = rows.length > 1 ? accuracyPlotSvg(rows, { title: 'accuracy against parameters of the compressed layers', width: 640, height: 360 }) : '';
}

async function trainDense(model, epochs) {
  setBusy(true);
  const saved = { loss: curves.loss.dense, accuracy: curves.accuracy.dense };
  curves.loss.dense = [];
  curves.accuracy.dense = [];
  try {
    const result = await request('trainDense', { model, epochs }, onTrainingProgress);
    // A new dense model: the compressed runs of the old one no longer apply.
    held.dense = model;
    held.compressed = false;
    curves.loss.compressed = [];
    curves.accuracy.compressed = [];
    rows.length = 0;
    fillLayerChoices(result.layers, model);
    fillParameterTable(result.layers);
    for (const id of ['dense-weight', 'generated-weight']) $(id).getContext('2d').clearRect(0, 0, $(id).width, $(id).height);
    fillResults();
    redrawCurves();
    $('trained').textContent = `trained: ${model === 'fc2' ? 'FC-2' : 'LeNet-5'}, ${(100 * result.accuracy).toFixed(2)}%`;
    showStatus(`dense ${model}: ${(100 * result.accuracy).toFixed(2)}% test accuracy after ${epochs} epochs (${result.seconds.toFixed(1)} s)`);
    return result;
  } catch (error) {
    curves.loss.dense = saved.loss;
    curves.accuracy.dense = saved.accuracy;
    redrawCurves();
    throw error;
  } finally {
    setBusy(false);
  }
}

async function compress(layers, method, size, epochs) {
  if (layers.length === 0) throw new Error('choose at least one layer to compress');
  setBusy(true);
  curves.loss.compressed = [];
  curves.accuracy.compressed = [];
  try {
    const result = await request('compress', { layers, method, size, epochs }, onTrainingProgress);
    held.compressed = true;
    // One row per method, size and set of layers, each set with its own dense baseline.
    for (const row of [result.denseRow, result.row]) {
      const index = rows.findIndex((r) => r.label === row.label);
      if (index >= 0) rows.splice(index, 1, row);
      else rows.push(row);
    }
    fillParameterTable(result.layers);
    fillResults();
    const { dense: denseWeight, generated, layer } = result.weights;
    drawWeight($('dense-weight'), denseWeight, `${layer}: dense weight`);
    drawWeight($('generated-weight'), generated, `${layer}: ${result.row.label.replace(/ \(.*\)$/, '')} (${result.layers.find((l) => l.name === layer).parameters.toLocaleString('en')} params)`);
    showStatus(`${result.row.label}: ${(100 * result.row.testAccuracy).toFixed(2)}% with ${result.row.layerParameters.toLocaleString('en')} parameters (${ratioText(result.row.ratio)})`);
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

// A button's action, with any failure (a bad input, an engine error) shown in the status line.
function guard(action) {
  return async () => {
    try {
      await action();
    } catch (error) {
      showError(error.message);
    }
  };
}

$('train-dense').onclick = guard(() => trainDense($('model').value, whole('dense-epochs', 'Epochs')));
$('compress').onclick = guard(() => {
  const layers = [...$('layers').querySelectorAll('input:checked')].map((box) => box.value);
  return compress(layers, $('method').value, whole('size', 'Size'), whole('compress-epochs', 'Fine-tune epochs'));
});
$('download').onclick = guard(download);
$('method').onchange = () => {
  $('size').value = { adtn: 8, tt: 6, lowrank: 2 }[$('method').value];
};
window.addEventListener('resize', redrawCurves);
redrawCurves();
setBusy(true);

async function start() {
  const engine = await request('init');
  const threads = `${engine.threads} thread${engine.threads > 1 ? 's' : ''}` +
    (engine.threads > 1 ? ` (${engine.workers} of ${engine.threads - 1} worker${engine.threads > 2 ? 's' : ''} running)` : '');
  $('engine-status').textContent = `engine: ${engine.build} kernels, ${threads}` +
    (engine.isolated ? ', cross-origin isolated: shared memory' : ', not cross-origin isolated: one thread') +
    `; ${engine.trainImages.toLocaleString('en')} training and ${engine.testImages.toLocaleString('en')} test images bundled`;
  setBusy(false);
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
