// GEMM throughput (GFLOP/s) of this engine's two builds against a naive TypeScript triple loop,
// TensorFlow.js (wasm backend, XNNPACK, single thread in Node) and jax-js (wasm backend), all in
// one process, interleaved, medians; then this engine with 1 and 2 threads against
// onnxruntime-web (wasm, 2 threads: it threads in Node; its thread count is fixed per process).
// Every engine's result is read back and checked. The machine's 128-bit multiply-add peak (a
// synthetic probe) is measured first: the table shows how close each build comes to it and the
// highest ratio over TF.js that the peak allows.
//
//   npm run bench:gemm            (QUICK=1 for fewer rounds)

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { init as jaxInit, numpy as np } from '@jax-js/jax';
import * as ort from 'onnxruntime-web';
import { KernelModule, elementIndex, relaxedSimdSupported } from '../src/backend/kernel-module.js';
import { parallelKernels } from '../src/ops/parallel-kernels.js';
import { exportedKernels } from '../src/ops/kernel-set.js';
import type { DtypeKernels } from '../src/backend/kernel-exports.js';
import { matmulModel } from './onnx-matmul.js';
import { formatTable, interleavedMedians, type BenchTask } from './interleaved.js';
import { measureFmaPeak } from './fma-peak.js';

interface Shape { label: string; m: number; n: number; k: number }

const SHAPES: Shape[] = [
  ...[64, 128, 256, 512, 1024].map((s) => ({ label: `${s}`, m: s, n: s, k: s })),
  { label: '65536x4·4x4', m: 65536, n: 4, k: 4 },
  { label: '16384x16·16x16', m: 16384, n: 16, k: 16 },
];
const NAIVE_MAX_FLOPS = 2 * 512 ** 3;

function randomMatrix(rows: number, cols: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: rows * cols }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

// Checks 64 sampled entries of C against float64 dot products.
function check(name: string, shape: Shape, a: Float32Array, b: Float32Array, c: ArrayLike<number>): void {
  for (let t = 0; t < 64; t++) {
    const i = (t * 7919) % shape.m, j = (t * 104729) % shape.n;
    let exact = 0, magnitude = 0;
    for (let p = 0; p < shape.k; p++) {
      exact += a[i * shape.k + p]! * b[p * shape.n + j]!;
      magnitude += Math.abs(a[i * shape.k + p]! * b[p * shape.n + j]!);
    }
    const err = Math.abs(c[i * shape.n + j]! - exact);
    if (err > 1e-5 * magnitude + 1e-6) throw new Error(`${name} ${shape.label}: C[${i}][${j}] = ${c[i * shape.n + j]}, expected ${exact}`);
  }
}

// The engine's float32 GEMM split over `threads` of the module's pool (as ops call it).
function threadedTask(module: KernelModule, split: DtypeKernels, threads: number, label: string, shape: Shape, a: Float32Array, b: Float32Array): BenchTask {
  const { m, n, k } = shape;
  const pa = module.allocator.alloc(m * k * 4), pb = module.allocator.alloc(k * n * 4), pc = module.allocator.alloc(m * n * 4);
  module.f32.set(a, elementIndex(pa, 4));
  module.f32.set(b, elementIndex(pb, 4));
  const run = () => {
    module.pool.active = threads;
    split.gemm(0, 0, m, n, k, 1, pa, k, pb, n, 0, pc, n, module.gemmWorkspace());
    return module.f32.slice(elementIndex(pc, 4), elementIndex(pc, 4) + m * n);
  };
  check(label, shape, a, b, run());
  return { name: label, fn: run };
}

async function ortTask(shape: Shape, a: Float32Array, b: Float32Array): Promise<BenchTask> {
  const { m, n, k } = shape;
  const session = await ort.InferenceSession.create(matmulModel(m, k, n), { executionProviders: ['wasm'] });
  const feeds = { A: new ort.Tensor('float32', a, [m, k]), B: new ort.Tensor('float32', b, [k, n]) };
  const run = async () => (await session.run(feeds)).C!.data as Float32Array;
  check('onnxruntime-web', shape, a, b, await run());
  return { name: 'ort-web 2t', fn: run };
}

function engineTasks(module: KernelModule, label: string, shape: Shape, a: Float32Array, b: Float32Array, dtype: 'f32' | 'f64'): BenchTask {
  const bytes: 4 | 8 = dtype === 'f32' ? 4 : 8;
  const { m, n, k } = shape;
  const pa = module.allocator.alloc(m * k * bytes), pb = module.allocator.alloc(k * n * bytes), pc = module.allocator.alloc(m * n * bytes);
  const view = () => (dtype === 'f32' ? module.f32 : module.f64);
  view().set(a, elementIndex(pa, bytes));
  view().set(b, elementIndex(pb, bytes));
  const work = module.gemmWorkspace();
  const gemm = dtype === 'f32' ? module.kernels.gemmF32 : module.kernels.gemmF64;
  const run = () => {
    gemm(0, 0, m, n, k, 1, pa, k, pb, n, 0, pc, n, work);
    return view().slice(elementIndex(pc, bytes), elementIndex(pc, bytes) + m * n);
  };
  check(label, shape, a, b, run());
  return { name: label, fn: run };
}

async function main(): Promise<void> {
  if (!relaxedSimdSupported()) throw new Error('run with node --experimental-wasm-relaxed-simd (npm run bench:gemm does)');
  const quick = process.env.QUICK === '1';
  await tf.setBackend('wasm');
  await tf.ready();
  await jaxInit('wasm');
  const simd = KernelModule.create('simd');
  const relaxed = KernelModule.create('relaxed');
  console.log(`GEMM float32, single thread. tfjs ${tf.version_core} (${tf.getBackend()}), jax-js wasm, node ${process.version}`);
  const peak = measureFmaPeak();
  console.log(`128-bit peak of this machine (probe): f32x4 FMA ${peak.fma.toFixed(1)} GFLOP/s, mul + add chains ${peak.mulAdd.toFixed(1)} GFLOP/s`);

  const rows: string[][] = [[
    'shape', 'adtn relaxed', 'adtn simd', 'tfjs wasm', 'jax-js', 'naive ts', 'relaxed/tfjs', 'simd/tfjs', 'relaxed/jax', 'simd/jax',
    'f64 relaxed', 'f64 simd', 'f64/f32', 'relaxed % peak', 'peak/tfjs',
  ]];
  for (const shape of SHAPES) {
    const { m, n, k } = shape;
    const flops = 2 * m * n * k;
    const a = randomMatrix(m, k, 1), b = randomMatrix(k, n, 2);
    const tasks: BenchTask[] = [
      engineTasks(relaxed, 'adtn relaxed', shape, a, b, 'f32'),
      engineTasks(simd, 'adtn simd', shape, a, b, 'f32'),
      engineTasks(relaxed, 'f64 relaxed', shape, a, b, 'f64'),
      engineTasks(simd, 'f64 simd', shape, a, b, 'f64'),
    ];
    const ta = tf.tensor2d(a, [m, k]), tb = tf.tensor2d(b, [k, n]);
    const tfRun = () => {
      const c = tf.matMul(ta, tb);
      const data = c.dataSync();
      c.dispose();
      return data;
    };
    check('tfjs', shape, a, b, tfRun());
    tasks.push({ name: 'tfjs wasm', fn: tfRun });
    const ja = np.array(a).reshape([m, k]), jb = np.array(b).reshape([k, n]);
    const jaxRun = () => np.matmul(ja.ref, jb.ref).dataSync();
    check('jax-js', shape, a, b, jaxRun());
    tasks.push({ name: 'jax-js', fn: jaxRun });
    if (flops <= NAIVE_MAX_FLOPS) {
      const c = new Float32Array(m * n);
      const naive = () => {
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
            c[i * n + j] = s;
          }
        }
        return c;
      };
      check('naive', shape, a, b, naive());
      tasks.push({ name: 'naive ts', fn: naive });
    }
    const medians = await interleavedMedians(tasks, { rounds: quick ? 3 : 7, timePerRound: quick ? 60 : 150 });
    const gflops = (name: string) => (medians.has(name) ? flops / medians.get(name)! / 1e6 : NaN);
    const fmt = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(1));
    const ratio = (x: number, y: number) => (Number.isNaN(x) || Number.isNaN(y) ? '-' : `${(x / y).toFixed(2)}x`);
    rows.push([
      shape.label, fmt(gflops('adtn relaxed')), fmt(gflops('adtn simd')), fmt(gflops('tfjs wasm')), fmt(gflops('jax-js')), fmt(gflops('naive ts')),
      ratio(gflops('adtn relaxed'), gflops('tfjs wasm')), ratio(gflops('adtn simd'), gflops('tfjs wasm')),
      ratio(gflops('adtn relaxed'), gflops('jax-js')), ratio(gflops('adtn simd'), gflops('jax-js')),
      fmt(gflops('f64 relaxed')), fmt(gflops('f64 simd')), ratio(gflops('f64 relaxed'), gflops('adtn relaxed')),
      `${((100 * gflops('adtn relaxed')) / peak.fma).toFixed(0)}%`, ratio(peak.fma, gflops('tfjs wasm')),
    ]);
    ta.dispose();
    tb.dispose();
    ja.dispose();
    jb.dispose();
    console.log(formatTable(rows.slice(0, 1).concat(rows.slice(-1))).split('\n')[1]);
  }
  console.log('\nGFLOP/s (median of interleaved rounds); ratios > 1 mean adtn is faster. peak/tfjs is the highest');
  console.log('ratio over TF.js that any single-thread wasm SIMD kernel could reach on this machine.');
  console.log(formatTable(rows));
  await threadedComparison(relaxed, peak.fma, quick);
}

// This engine with 1 and 2 threads (relaxed build) against onnxruntime-web with 2 threads.
async function threadedComparison(module: KernelModule, peak: number, quick: boolean): Promise<void> {
  if (module.threads < 2) {
    console.log(`\nthreads: skipped (the engine runs ${module.threads} thread; set ADTN_THREADS=2)`);
    return;
  }
  ort.env.wasm.numThreads = 2;
  const split = parallelKernels(exportedKernels(module.kernels, 'F32'), module, 'F32');
  // Workers start with the first split task and join when ready.
  const warm = module.allocator.alloc(4 << 20);
  split.fill(warm, 0, 1 << 20);
  while (module.pool.readyWorkers < module.threads - 1) await new Promise((resolve) => setTimeout(resolve, 10));
  module.allocator.free(warm);
  console.log(`\nGEMM float32 with threads: adtn (relaxed build) split over 1 and 2 threads, onnxruntime-web ${ort.env.versions.web} wasm with 2 threads`);
  const rows: string[][] = [['shape', 'adtn 1t', 'adtn 2t', '2t/1t', 'ort-web 2t', 'adtn 2t/ort', '2t % 2-core peak']];
  for (const shape of [256, 512, 768, 1024].map((s) => ({ label: `${s}`, m: s, n: s, k: s }))) {
    const flops = 2 * shape.m * shape.n * shape.k;
    const a = randomMatrix(shape.m, shape.k, 3), b = randomMatrix(shape.k, shape.n, 4);
    const tasks = [
      threadedTask(module, split, 1, 'adtn 1t', shape, a, b),
      threadedTask(module, split, 2, 'adtn 2t', shape, a, b),
      await ortTask(shape, a, b),
    ];
    const medians = await interleavedMedians(tasks, { rounds: quick ? 3 : 7, timePerRound: quick ? 60 : 150 });
    const g = (name: string) => flops / medians.get(name)! / 1e6;
    rows.push([
      shape.label, g('adtn 1t').toFixed(1), g('adtn 2t').toFixed(1), `${(g('adtn 2t') / g('adtn 1t')).toFixed(2)}x`,
      g('ort-web 2t').toFixed(1), `${(g('adtn 2t') / g('ort-web 2t')).toFixed(2)}x`, `${((100 * g('adtn 2t')) / (2 * peak)).toFixed(0)}%`,
    ]);
    console.log(formatTable(rows.slice(0, 1).concat(rows.slice(-1))).split('\n')[1]);
  }
  module.pool.active = module.threads;
  console.log('\nGFLOP/s (median of interleaved rounds); ratios > 1 mean adtn is faster.');
  console.log(formatTable(rows));
}


await main();
