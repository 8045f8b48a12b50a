// Training throughput (samples/s) of LeNet-5 and FC-2 on MNIST batches: this engine against
// TensorFlow.js (wasm backend, its ops, tf.variableGrads and its momentum optimizer)
// training the same architecture with the same batch size, interleaved in one process, medians.
// Both take identical steps: forward, cross-entropy loss, backward, SGD with momentum.
//
//   npm run bench:train            (QUICK=1 for fewer rounds)

// The union package registers the gradients that tf.variableGrads needs (tfjs-core's Node bundle
// does not); the wasm backend is set below.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { DataLoader, SGD, crossEntropy, engineBuild, fc2, lenet5, relaxedSimdSupported, subset, type Module } from '../src/index.js';
import { loadMnist } from '../src/node.js';
import { formatTable, interleavedMedians } from './interleaved.js';

const quick = process.env.QUICK === '1';
const BATCH = 64;

function adtnStep(model: Module, loader: DataLoader): () => number {
  const optimizer = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  let iterator = loader[Symbol.iterator]();
  return () => {
    let next = iterator.next();
    if (next.done) {
      iterator = loader[Symbol.iterator]();
      next = iterator.next();
    }
    const { x, y } = next.value!;
    const loss = crossEntropy(model.forward(x), y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    return loss.item();
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

function tfStep(kind: 'lenet5' | 'fc2', batches: { x: Float32Array; y: Int32Array }[]): () => number {
  const model = tfModel(kind);
  const optimizer = tf.train.momentum(0.01, 0.9);
  let i = 0;
  return () => {
    const batch = batches[i++ % batches.length]!;
    const loss = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [batch.y.length, 1, 28, 28]);
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
  console.log(`training throughput, batch ${BATCH}: adtn ${engineBuild()} build vs tfjs ${tf.version_core} (wasm), node ${process.version}\n`);
  const rows = [['model', 'adtn samples/s', 'tfjs samples/s', 'adtn / tfjs']];
  for (const kind of ['lenet5', 'fc2'] as const) {
    const model = kind === 'lenet5' ? lenet5({ seed: 1 }) : fc2({ seed: 1 });
    const ours = adtnStep(model, loader);
    const theirs = tfStep(kind, batches);
    // Both must actually learn: the mean loss of the last 10 of 40 warm-up steps is lower than of the first 10.
    for (const [name, step] of [['adtn', ours], ['tfjs', theirs]] as const) {
      const losses = Array.from({ length: 40 }, () => step());
      const head = losses.slice(0, 10).reduce((a, b) => a + b, 0);
      const tail = losses.slice(30).reduce((a, b) => a + b, 0);
      if (!(tail < 0.8 * head)) throw new Error(`${name} ${kind} does not learn: loss ${head / 10} -> ${tail / 10}`);
    }
    const medians = await interleavedMedians([{ name: 'adtn', fn: ours }, { name: 'tfjs', fn: theirs }], { rounds: quick ? 3 : 7, timePerRound: quick ? 300 : 800 });
    const a = (BATCH * 1000) / medians.get('adtn')!;
    const t = (BATCH * 1000) / medians.get('tfjs')!;
    rows.push([kind, a.toFixed(0), t.toFixed(0), `${(a / t).toFixed(2)}x`]);
  }
  console.log(formatTable(rows));
}

await main();
