// Training throughput (samples/s) of LeNet-5 and FC-2 on MNIST batches, and of VGG-16 (widths 0.25,
// 0.5 and 1; TF.js at the first two) and AlexNet (width 0.5) on 3x32x32 batches: this engine with 1 and 2 threads against
// TensorFlow.js (wasm backend, its ops, tf.variableGrads and its momentum optimizer) training the
// same architecture with the same batch size, interleaved in one process, medians. Both take
// identical steps: forward, cross-entropy loss, backward, SGD with momentum. (TF.js gets no AlexNet:
// its wasm backend lacks the gradient kernels of local response normalisation.)
//
//   npm run bench:train            (QUICK=1 for fewer rounds)

// The union package registers the gradients that tf.variableGrads needs (tfjs-core's Node bundle
// does not); the wasm backend is set below.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { DataLoader, SGD, alexnet, crossEntropy, engineBuild, fc2, lenet5, randn, relaxedSimdSupported, subset, tensor, tidy, vgg16, type Module, type Tensor } from '../src/index.js';
import { kernels } from '../src/backend/engine.js';
import { loadMnist } from '../src/node.js';
import { formatTable, interleavedMedians } from './interleaved.js';

const quick = process.env.QUICK === '1';
const BATCH = 64;

// One training step of `model` on the next batch, split over `threads` of the engine's threads.
function adtnStep(model: Module, next: () => { x: Tensor; y: number[] | Int32Array }, threads = kernels().threads): () => number {
  const optimizer = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  return () => {
    kernels().pool.active = threads;
    const { x, y } = next();
    return tidy(() => {
      const loss = crossEntropy(model.forward(x), y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss.item();
    });
  };
}

function loaderBatches(loader: DataLoader): () => { x: Tensor; y: number[] | Int32Array } {
  let iterator = loader[Symbol.iterator]();
  return () => {
    let next = iterator.next();
    if (next.done) {
      iterator = loader[Symbol.iterator]();
      next = iterator.next();
    }
    return next.value!;
  };
}

// Fixed random 3x32x32 batches with random labels (throughput does not depend on the pixels; the
// loss still falls as the network memorises them).
function imageBatches(count: number): { x: Float32Array; y: Int32Array }[] {
  return Array.from({ length: count }, (_, i) => ({
    x: Float32Array.from(randn([BATCH, 3, 32, 32], { seed: 100 + i }).toArray()),
    y: Int32Array.from({ length: BATCH }, (_, j) => (i * 7 + j * 3) % 10),
  }));
}

// VGG-16 in TF.js ops with the engine's layer sizes (conv 3x3 pad 1, batch norm over N, H, W in
// training mode, ReLU, 2x2 max pooling; classifier fc1, fc2 with ReLU, fc3; dropout left out).
function tfVgg16(model: Module): { vars: tf.Variable[]; forward: (x: tf.Tensor4D) => tf.Tensor2D } {
  const shapes = model.namedParameters().map(([name, p]) => [name, p.shape] as const);
  const v = (shape: number[], fanIn: number) => tf.variable(tf.randomUniform(shape, -Math.sqrt(6 / fanIn), Math.sqrt(6 / fanIn)));
  const conv = trainableConv(1);
  const vars: tf.Variable[] = [];
  // Layer convA_B is the B-th convolution of block A; each block ends with a pooling.
  const convs: { w: tf.Variable; b: tf.Variable; gamma: tf.Variable; beta: tf.Variable; block: string; poolAfter: boolean }[] = [];
  const linears: { w: tf.Variable; b: tf.Variable }[] = [];
  for (const [name, shape] of shapes) {
    if (name.startsWith('conv') && name.endsWith('.weight')) {
      const [oc, c] = shape as [number, number];
      const block = name.slice(4, name.indexOf('_'));
      const layer = { w: v([3, 3, c, oc], 9 * c), b: tf.variable(tf.zeros([oc])), gamma: tf.variable(tf.ones([oc])), beta: tf.variable(tf.zeros([oc])), block, poolAfter: false };
      const previous = convs[convs.length - 1];
      if (previous !== undefined && previous.block !== block) previous.poolAfter = true;
      convs.push(layer);
      vars.push(layer.w, layer.b, layer.gamma, layer.beta);
    } else if (name.startsWith('fc') && name.endsWith('.weight')) {
      const [out, inp] = shape as [number, number];
      const layer = { w: v([inp, out], inp), b: tf.variable(tf.zeros([out])) };
      linears.push(layer);
      vars.push(layer.w, layer.b);
    }
  }
  convs[convs.length - 1]!.poolAfter = true;
  return {
    vars,
    forward: (x) => {
      let h: tf.Tensor4D = tf.transpose(x, [0, 2, 3, 1]);
      for (const layer of convs) {
        h = tf.add(conv(h, layer.w as tf.Tensor4D), layer.b);
        const { mean, variance } = tf.moments(h, [0, 1, 2]);
        h = tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), layer.gamma), layer.beta) as tf.Tensor4D;
        h = tf.relu(h);
        if (layer.poolAfter) h = tf.maxPool(h, 2, 2, 'valid');
      }
      let z: tf.Tensor2D = tf.reshape(h, [x.shape[0], -1]);
      linears.forEach((layer, i) => {
        z = tf.add(tf.matMul(z, layer.w), layer.b) as tf.Tensor2D;
        if (i < linears.length - 1) z = tf.relu(z);
      });
      return z;
    },
  };
}

// The same architectures in tfjs-core ops (NCHW input transposed to NHWC, TF.js's layout).
function tfModel(kind: 'lenet5' | 'fc2'): { vars: tf.Variable[]; forward: (x: tf.Tensor4D) => tf.Tensor2D } {
  // Kaiming-uniform bounds, as the engine's models use.
  const v = (shape: number[], fanIn: number) => tf.variable(tf.randomUniform(shape, -Math.sqrt(6 / fanIn), Math.sqrt(6 / fanIn)));
  if (kind === 'fc2') {
    const w1 = v([784, 1024], 784), b1 = v([1024], 784), w2 = v([1024, 10], 1024), b2 = v([10], 1024);
    return {
      vars: [w1, b1, w2, b2],
      forward: (x) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(tf.reshape(x, [-1, 784]), w1), b1)), w2), b2) as tf.Tensor2D,
    };
  }
  const c1 = v([5, 5, 1, 6], 25), cb1 = v([6], 25), c2 = v([5, 5, 6, 16], 150), cb2 = v([16], 150);
  const conv1 = trainableConv(2);
  const conv2 = trainableConv(0);
  const f1 = v([400, 120], 400), fb1 = v([120], 400), f2 = v([120, 84], 120), fb2 = v([84], 120), f3 = v([84, 10], 84), fb3 = v([10], 84);
  return {
    vars: [c1, cb1, c2, cb2, f1, fb1, f2, fb2, f3, fb3],
    forward: (x) => {
      let h: tf.Tensor4D = tf.transpose(x, [0, 2, 3, 1]);
      h = tf.maxPool(tf.relu(tf.add(conv1(h, c1 as tf.Tensor4D), cb1)) as tf.Tensor4D, 2, 2, 'valid');
      h = tf.maxPool(tf.relu(tf.add(conv2(h, c2 as tf.Tensor4D), cb2)) as tf.Tensor4D, 2, 2, 'valid');
      let z: tf.Tensor2D = tf.reshape(h, [-1, 400]);
      z = tf.relu(tf.add(tf.matMul(z, f1), fb1)) as tf.Tensor2D;
      z = tf.relu(tf.add(tf.matMul(z, f2), fb2)) as tf.Tensor2D;
      return tf.add(tf.matMul(z, f3), fb3);
    },
  };
}

function tfStep(model: { vars: tf.Variable[]; forward: (x: tf.Tensor4D) => tf.Tensor2D }, batches: { x: Float32Array; y: Int32Array }[], imageShape: [number, number, number]): () => number {
  const optimizer = tf.train.momentum(0.01, 0.9);
  let i = 0;
  return () => {
    const batch = batches[i++ % batches.length]!;
    const loss = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [batch.y.length, ...imageShape]);
      const labels = tf.oneHot(tf.tensor1d(batch.y, 'int32'), 10);
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.forward(x)) as tf.Scalar, model.vars);
      optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
      return value;
    });
    const value = loss.dataSync()[0]!;
    loss.dispose();
    return value;
  };
}

// TF.js 4.22's wasm backend has no Conv2DBackpropFilter kernel, so tf.conv2d cannot be trained
// on it as shipped. The bench's convolution therefore has a custom gradient made of wasm kernels
// TF.js does have: dx by conv2dTranspose, and (stride 1, as LeNet-5 needs)
// dW[kh, kw, ci, co] = Σ_n,oh,ow x[n, oh + kh - p, ow + kw - p, ci]·dy[n, oh, ow, co], a stride-1
// convolution of x (channels as batch) with dy (batch as input channels).
function trainableConv(pad: number): (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D {
  const padding: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [pad, pad], [pad, pad], [0, 0]];
  const forward = (x: tf.Tensor, w: tf.Tensor, save: (tensors: tf.Tensor[]) => void) => {
    save([x, w]);
    return {
      value: tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, padding),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dx = tf.conv2dTranspose(dy as tf.Tensor4D, ws, xs.shape, 1, pad === 0 ? 'valid' : 'same');
        const dw = tf.transpose(tf.conv2d(tf.transpose(xs, [3, 1, 2, 0]) as tf.Tensor4D, tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D, 1, padding), [1, 2, 0, 3]);
        return [dx, dw];
      },
    };
  };
  return tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
}

async function main(): Promise<void> {
  if (!relaxedSimdSupported()) throw new Error('run with node --experimental-wasm-relaxed-simd (npm run bench:train does)');
  await tf.setBackend('wasm');
  await tf.ready();
  const { train } = loadMnist();
  const data = subset(train, 64 * 40);
  const norm = { mean: [0.1307], std: [0.3081] };
  const loader = new DataLoader(data, { batchSize: BATCH, shuffle: true, seed: 1, ...norm });
  // TF.js gets the same normalised batches as plain arrays.
  const batches = [...new DataLoader(data, { batchSize: BATCH, shuffle: true, seed: 1, ...norm })].map(({ x, y }) => ({ x: Float32Array.from(x.toArray()), y }));
  const threads = kernels().threads;
  console.log(`training throughput, batch ${BATCH}: adtn ${engineBuild()} build with 1 and ${threads} threads vs tfjs ${tf.version_core} (wasm), node ${process.version}\n`);
  const rows = [['model', 'adtn 1t samples/s', `adtn ${threads}t samples/s`, 'tfjs samples/s', `${threads}t / 1t`, 'adtn 1t / tfjs', `adtn ${threads}t / tfjs`]];
  const images = imageBatches(4);
  const imageTensors = images.map(({ x, y }) => ({ x: tensor(x, { shape: [BATCH, 3, 32, 32] }), y }));
  let nextImage = 0;
  const imageBatch = () => imageTensors[nextImage++ % imageTensors.length]!;
  const cases: { label: string; model: () => Module; batches: () => { x: Tensor; y: number[] | Int32Array }; tfjs: (() => number) | null }[] = [
    { label: 'lenet5', model: () => lenet5({ seed: 1 }), batches: loaderBatches(loader), tfjs: tfStep(tfModel('lenet5'), batches, [1, 28, 28]) },
    { label: 'fc2', model: () => fc2({ seed: 1 }), batches: loaderBatches(loader), tfjs: tfStep(tfModel('fc2'), batches, [1, 28, 28]) },
    { label: 'vgg16 width 0.25', model: () => vgg16({ width: 0.25, seed: 1 }), batches: imageBatch, tfjs: null },
    { label: 'vgg16 width 0.5', model: () => vgg16({ width: 0.5, seed: 1 }), batches: imageBatch, tfjs: null },
    { label: 'vgg16 width 1', model: () => vgg16({ width: 1, seed: 1 }), batches: imageBatch, tfjs: null },
    { label: 'alexnet width 0.5', model: () => alexnet({ width: 0.5, seed: 1 }), batches: imageBatch, tfjs: null },
  ];
  for (const c of cases) {
    // TF.js trains VGG-16 at widths 0.25 and 0.5 (at width 1 it would take minutes per round).
    if (c.label.startsWith('vgg16') && c.label !== 'vgg16 width 1') c.tfjs = tfStep(tfVgg16(c.model()), images, [3, 32, 32]);
    const one = adtnStep(c.model(), c.batches, 1);
    const many = adtnStep(c.model(), c.batches, threads);
    const tasks = [{ name: 'adtn 1t', fn: one }, { name: 'adtn nt', fn: many }, ...(c.tfjs === null ? [] : [{ name: 'tfjs', fn: c.tfjs }])];
    // Every step must actually learn: the mean loss of the last 10 of 40 warm-up steps is lower than of the first 10.
    for (const task of tasks) {
      const losses = Array.from({ length: 40 }, () => task.fn());
      const head = losses.slice(0, 10).reduce((a, b) => a + b, 0);
      const tail = losses.slice(30).reduce((a, b) => a + b, 0);
      if (!(tail < 0.8 * head)) throw new Error(`${task.name} ${c.label} does not learn: loss ${head / 10} -> ${tail / 10}`);
    }
    const slow = c.label.startsWith('lenet5') || c.label.startsWith('fc2') ? 1 : 3;
    const medians = await interleavedMedians(tasks, { rounds: quick ? 3 : 7, timePerRound: (quick ? 300 : 800) * slow });
    const rate = (name: string) => (medians.has(name) ? (BATCH * 1000) / medians.get(name)! : NaN);
    const fmt = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(x < 100 ? 1 : 0));
    const ratio = (x: number, y: number) => (Number.isNaN(x) || Number.isNaN(y) ? '-' : `${(x / y).toFixed(2)}x`);
    rows.push([c.label, fmt(rate('adtn 1t')), fmt(rate('adtn nt')), fmt(rate('tfjs')), ratio(rate('adtn nt'), rate('adtn 1t')),
      ratio(rate('adtn 1t'), rate('tfjs')), ratio(rate('adtn nt'), rate('tfjs'))]);
    console.log(formatTable([rows[0]!, rows[rows.length - 1]!]).split('\n')[1]);
  }
  kernels().pool.active = threads;
  console.log('\n' + formatTable(rows));
}

await main();
