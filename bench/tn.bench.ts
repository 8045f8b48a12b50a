// Tensor-network benchmarks, interleaved in one process, medians:
//  1. the ADTN circuit with Q = 16 sites, M = 8 layers (a 256x256 weight): the fused gate kernels
//     (forward, and forward + backward) against this engine's generic einsum path, TensorFlow.js
//     (wasm backend: transpose + matMul per gate) and jax-js (wasm backend, the circuit under jit);
//     With it: the same forward + backward recomputing segments instead of keeping every pass's state,
//     and the gate kernels alone (one forward gate against one backward gate, summed over the
//     circuit), which bound what any schedule of the backward pass can reach;
//  2. Q = 24, M = 2 (a 4096x4096 weight): forward and forward + backward;
//  3. einsum with a planned path against left to right, on a matrix chain and a small network;
//  4. the ADTN circuits (Q = 16; FC-2's fc1, Q = 20; Q = 24) split over 1 and 2 threads;
//  5. FC-2's fc1 generated at local dimensions 2, 3 and 4 (gates of 16, 81 and 256 entries), with the
//     rate of multiply-adds each reaches.
// Every engine's circuit output is read back and compared with the fused kernels' output.
//
//   npm run bench:tn            (QUICK=1 for fewer rounds)

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { init as jaxInit, jit, nn, numpy as np } from '@jax-js/jax';
import {
  AdtnWeight, applyCircuit, brickWall, einsum, noGrad, randn, relaxedSimdSupported, tensor, tidy, engineBuild,
  type CircuitSpec, type Tensor,
} from '../src/index.js';
import { kernels } from '../src/backend/engine.js';
import { elementIndex } from '../src/backend/kernel-module.js';
import { formatTable, interleavedMedians } from './interleaved.js';

const quick = process.env.QUICK === '1';
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function check(name: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i]! - want[i]!) > 1e-3 * scale) throw new Error(`${name}: entry ${i} is ${got[i]}, expected ${want[i]}`);
  }
}

// The circuit through the engine's generic einsum: the state as a [2]*Q tensor, one einsum per gate.
function circuitByEinsum(state: Tensor, gates: Tensor[], spec: CircuitSpec): Tensor {
  const Q = spec.sites;
  let psi = state.reshape(new Array(Q).fill(2));
  const labels = LETTERS.slice(0, Q);
  for (const step of spec.steps) {
    if (step.kind === 'activation') {
      psi = psi.relu();
      continue;
    }
    const q = step.site;
    psi = einsum(`${labels},yz${labels[q]}${labels[q + 1]}->${labels.slice(0, q)}yz${labels.slice(q + 2)}`, psi, gates[step.gate]!);
  }
  return psi.reshape([2 ** Q]);
}

async function adtnQ16(): Promise<string[][]> {
  const Q = 16;
  const M = 8;
  const N = 2 ** Q;
  const spec: CircuitSpec = { sites: Q, localDim: 2, steps: brickWall(Q, M, 'relu', 0) };
  const count = M * (Q - 1);
  const gates = randn([count, 4, 4], { seed: 1, std: 0.5, requiresGrad: true });
  const gateValues = gates.toArray();
  const initialValues = Float32Array.from({ length: N }, (_, i) => 1 + 0.25 * Math.sin(i));
  const initial = tensor(initialValues);
  const reference = noGrad(() => tidy(() => applyCircuit(initial, gates, spec).toArray()));

  const fused = () => noGrad(() => tidy(() => applyCircuit(initial, gates, spec).toArray()));
  const trainWith = (circuit: CircuitSpec) => () => tidy(() => {
    applyCircuit(initial, gates, circuit).sum().backward();
    const grad = gates.grad!.toArray();
    gates.grad = null;
    return grad;
  });
  // The default keeps the state before every pass (17 of 256 KiB); the other recomputes segments.
  const fusedTrain = trainWith(spec);
  const recompute = trainWith({ ...spec, checkpointBytes: 1 });
  check('segments recomputed', recompute(), fusedTrain());
  const gateTensors = Array.from({ length: count }, (_, k) => tensor(gateValues.slice(16 * k, 16 * k + 16), { shape: [2, 2, 2, 2] }));
  const generic = () => noGrad(() => tidy(() => circuitByEinsum(initial, gateTensors, spec).toArray()));
  check('einsum path', generic(), reference);

  const tfGates = Array.from({ length: count }, (_, k) => tf.tensor2d(Float32Array.from(gateValues.slice(16 * k, 16 * k + 16)), [4, 4]));
  const tfState = tf.tensor1d(initialValues);
  const tfCircuit = () => {
    const out = tf.tidy(() => {
      let s: tf.Tensor = tfState;
      for (const step of spec.steps) {
        if (step.kind === 'activation') {
          s = tf.relu(s);
          continue;
        }
        const A = 2 ** step.site;
        const B = 2 ** (Q - step.site - 2);
        const x = tf.reshape(tf.transpose(tf.reshape(s, [A, 4, B]), [0, 2, 1]), [A * B, 4]) as tf.Tensor2D;
        const y = tf.matMul(x, tfGates[step.gate]!, false, true);
        s = tf.reshape(tf.transpose(tf.reshape(y, [A, B, 4]), [0, 2, 1]), [N]);
      }
      return s;
    });
    const data = out.dataSync();
    out.dispose();
    return data;
  };
  check('tfjs', tfCircuit(), reference);

  const jaxGates = Array.from({ length: count }, (_, k) => np.array(Float32Array.from(gateValues.slice(16 * k, 16 * k + 16))).reshape([4, 4]));
  const jaxState = np.array(initialValues);
  const jaxCircuit = jit((state: np.Array, gs: np.Array[]) => {
    let s = state;
    for (const step of spec.steps) {
      if (step.kind === 'activation') {
        s = nn.relu(s);
        continue;
      }
      const A = 2 ** step.site;
      const B = 2 ** (Q - step.site - 2);
      // transpose + matmul, as for TF.js (jax-js 0.1 mis-broadcasts matmul([4,4], [A,4,B])).
      const x = s.reshape([A, 4, B]).transpose([0, 2, 1]);
      s = np.matmul(x, gs[step.gate]!.transpose()).transpose([0, 2, 1]).reshape([N]);
    }
    return s;
  });
  const jaxRun = () => jaxCircuit(jaxState.ref, jaxGates.map((g) => g.ref)).dataSync();
  check('jax-js', jaxRun(), reference);

  const medians = await interleavedMedians([
    { name: 'fused forward', fn: fused },
    { name: 'fused forward+backward', fn: fusedTrain },
    { name: 'fused forward+backward, segments recomputed', fn: recompute },
    { name: 'einsum path', fn: generic },
    { name: 'tfjs', fn: tfCircuit },
    { name: 'jax-js jit', fn: jaxRun },
  ], { rounds: quick ? 3 : 7, timePerRound: quick ? 200 : 400 });
  const f = medians.get('fused forward')!;
  const rows = [['Q=16, M=8 (256x256 weight)', 'ms', 'fused forward is faster by']];
  for (const [name, ms] of medians) rows.push([name, ms.toFixed(2), name === 'fused forward' ? '-' : `${(ms / f).toFixed(1)}x`]);
  rows.push(['forward+backward / forward', (medians.get('fused forward+backward')! / f).toFixed(2), 'bar: <= 3']);
  rows.push(['  the same, segments recomputed', (medians.get('fused forward+backward, segments recomputed')! / f).toFixed(2), '']);
  const gateKernels = gateKernelRatio(spec, gateValues, initialValues);
  rows.push(['backward / forward gate kernels', gateKernels.toFixed(2), `floor: ${(2 + gateKernels).toFixed(2)} (forward, each pass's states again in its backward, backward kernels)`]);
  for (const g of tfGates) g.dispose();
  tfState.dispose();
  return rows;
}

// Time of the backward gate kernel (state and gate gradients) over the time of the forward gate
// kernel, each summed over the circuit's gates, on states that stay in cache. The backward does
// twice the multiply-adds of the forward; the pass also needs every gate's input state, which a
// schedule either recomputes (one more forward) or keeps (a write and a read of every state).
function gateKernelRatio(spec: CircuitSpec, gateValues: ArrayLike<number>, stateValues: Float32Array): number {
  const module = kernels();
  const N = stateValues.length;
  const gatePtr = module.allocator.alloc(gateValues.length * 4);
  const [x, y, g, dx, dG] = [N, N, N, N, 16].map((n) => module.allocator.alloc(n * 4));
  module.f32.set(Float32Array.from(gateValues), elementIndex(gatePtr, 4));
  module.f32.set(stateValues, elementIndex(x!, 4));
  module.f32.set(stateValues, elementIndex(g!, 4));
  const gateSteps = spec.steps.filter((s) => s.kind === 'gate');
  const layout = (site: number) => [2 ** site, 4, 2 ** (spec.sites - site - 2)] as const;
  const forward = () => {
    for (const step of gateSteps) {
      const [A, D, B] = layout(step.site);
      module.kernels.applyGateF32(y!, x!, gatePtr + step.gate * 64, A, D, B, 0);
    }
  };
  const backward = () => {
    for (const step of gateSteps) {
      const [A, D, B] = layout(step.site);
      module.kernels.gateBackwardF32(dx!, dG!, g!, x!, gatePtr + step.gate * 64, A, D, B);
    }
  };
  const median = (fn: () => void) => {
    const times: number[] = [];
    for (let round = 0; round < 15; round++) {
      const start = performance.now();
      fn();
      times.push(performance.now() - start);
    }
    return times.sort((p, q) => p - q)[7]!;
  };
  median(forward);
  median(backward);
  // Interleaved, median of five ratios.
  const ratios = Array.from({ length: 5 }, () => median(backward) / median(forward)).sort((p, q) => p - q);
  for (const ptr of [gatePtr, x, y, g, dx, dG]) module.allocator.free(ptr!);
  return ratios[2]!;
}

async function adtnQ24(): Promise<string[][]> {
  const generator = new AdtnWeight([4096, 4096], { depth: 2, seed: 2 });
  const forward = () => noGrad(() => tidy(() => generator.generate().toArray().length));
  const train = () => tidy(() => {
    generator.generate().square().mean().backward();
    for (const p of generator.parameters()) p.grad = null;
  });
  const medians = await interleavedMedians([
    { name: 'forward', fn: forward },
    { name: 'forward+backward', fn: train },
  ], { rounds: quick ? 1 : 3, timePerRound: 1 });
  const f = medians.get('forward')!;
  return [
    ['Q=24, M=2 (4096x4096 weight)', 'ms', ''],
    ['forward', f.toFixed(0), ''],
    ['forward+backward', medians.get('forward+backward')!.toFixed(0), `${(medians.get('forward+backward')! / f).toFixed(2)}x forward`],
    ['parameters', String(generator.numParameters()), `vs ${4096 * 4096} dense`],
  ];
}

async function einsumPlans(): Promise<string[][]> {
  const rows = [['einsum', 'planned ms', 'left-to-right ms', 'speed-up', 'flop ratio']];
  const cases: [string, string, number[][]][] = [
    ['matrix chain', 'ab,bc,cd,de->ae', [[512, 8], [8, 512], [512, 8], [8, 512]]],
    ['tensor network', 'pi,qj,ijkl,rk,sl->pqrs', [[8, 24], [8, 24], [24, 24, 24, 24], [8, 24], [8, 24]]],
  ];
  for (const [name, spec, shapes] of cases) {
    const operands = shapes.map((s, i) => randn(s, { seed: 10 + i }));
    const planned = () => noGrad(() => tidy(() => einsum(spec, ...operands, { optimize: 'optimal' }).toArray()));
    const sequential = () => noGrad(() => tidy(() => einsum(spec, ...operands, { optimize: 'sequential' }).toArray()));
    check(`einsum ${name}`, planned(), sequential());
    const medians = await interleavedMedians([{ name: 'planned', fn: planned }, { name: 'sequential', fn: sequential }], { rounds: quick ? 3 : 7, timePerRound: 150 });
    const { contractPath } = await import('../src/index.js');
    const flopRatio = contractPath(spec, ...shapes, { optimize: 'sequential' }).flops / contractPath(spec, ...shapes, { optimize: 'optimal' }).flops;
    rows.push([`${name} ${spec}`, medians.get('planned')!.toFixed(3), medians.get('sequential')!.toFixed(3),
      `${(medians.get('sequential')! / medians.get('planned')!).toFixed(1)}x`, `${flopRatio.toFixed(1)}x`]);
  }
  return rows;
}

// The fused ADTN circuits with the engine's kernels split over 1 thread and over all of them.
async function adtnThreads(): Promise<string[][]> {
  const module = kernels();
  const threads = module.threads;
  if (threads < 2) return [[`threads: skipped (the engine runs ${threads} thread; set ADTN_THREADS=2)`]];
  const on = (count: number, fn: () => unknown) => () => {
    module.pool.active = count;
    return fn();
  };
  const spec: CircuitSpec = { sites: 16, localDim: 2, steps: brickWall(16, 8, 'relu', 0) };
  const gates = randn([8 * 15, 4, 4], { seed: 1, std: 0.5, requiresGrad: true });
  const initial = tensor(Float32Array.from({ length: 2 ** 16 }, (_, i) => 1 + 0.25 * Math.sin(i)));
  const q16Forward = () => noGrad(() => tidy(() => applyCircuit(initial, gates, spec).toArray()));
  const q16Train = () => tidy(() => {
    applyCircuit(initial, gates, spec).sum().backward();
    const grad = gates.grad!.toArray();
    gates.grad = null;
    return grad;
  });
  // FC-2's fc1 (1024 x 784, image layout, M = 8: Q = 20), forward and backward as in a training step.
  const fc1 = new AdtnWeight([1024, 784], { depth: 8, layout: [[1024], [28, 28]], seed: 3 });
  const q20Train = () => tidy(() => {
    fc1.generate().square().mean().backward();
    for (const p of fc1.parameters()) p.grad = null;
  });
  const generator = new AdtnWeight([4096, 4096], { depth: 2, seed: 2 });
  const q24Train = () => tidy(() => {
    generator.generate().square().mean().backward();
    for (const p of generator.parameters()) p.grad = null;
  });
  // Split results equal one thread's bitwise (circuit.ts): checked here too.
  const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => Object.is(v, b[i]));
  if (!same(on(1, q16Forward)() as number[], on(threads, q16Forward)() as number[])) throw new Error('Q=16 forward differs between thread counts');
  if (!same(on(1, q16Train)() as number[], on(threads, q16Train)() as number[])) throw new Error('Q=16 gradient differs between thread counts');
  const rows = [['ADTN circuits', '1 thread ms', `${threads} threads ms`, 'speed-up']];
  const cases: [string, () => unknown, number, number][] = [
    ['Q=16, M=8 forward', q16Forward, quick ? 3 : 7, quick ? 200 : 400],
    ['Q=16, M=8 forward+backward', q16Train, quick ? 3 : 7, quick ? 200 : 400],
    ['Q=20, M=8 forward+backward (FC-2 fc1)', q20Train, quick ? 3 : 5, 1],
    ['Q=24, M=2 forward+backward', q24Train, quick ? 1 : 3, 1],
  ];
  for (const [label, fn, rounds, timePerRound] of cases) {
    const medians = await interleavedMedians([{ name: '1', fn: on(1, fn) }, { name: 'n', fn: on(threads, fn) }], { rounds, timePerRound });
    const one = medians.get('1')!, many = medians.get('n')!;
    rows.push([label, one.toFixed(2), many.toFixed(2), `${(one / many).toFixed(2)}x`]);
  }
  module.pool.active = threads;
  return rows;
}

// FC-2's fc1 (1024 x 784, flat layout) at d = 2, 3, 4 with depths that give a few thousand
// parameters: forward + backward of a training step. Multiply-adds: each gate does d^Q·D forward,
// and the backward twice that (state and gate gradients) plus a recomputed forward.
async function adtnLocalDims(): Promise<string[][]> {
  const cases = ([[2, 8], [3, 4], [4, 2]] as const).map(([d, M]) => {
    const weight = new AdtnWeight([1024, 784], { depth: M, localDim: d, layout: 'flat', seed: 3 });
    const train = () => tidy(() => {
      weight.generate().square().mean().backward();
      for (const p of weight.parameters()) p.grad = null;
    });
    const plan = weight.plan;
    const multiplyAdds = 4 * plan.gateCount * d ** plan.sites * d * d;
    return { name: `d=${d}, M=${M} (Q=${plan.sites})`, train, parameters: weight.numParameters(), multiplyAdds };
  });
  const medians = await interleavedMedians(cases.map((c) => ({ name: c.name, fn: c.train })), { rounds: quick ? 3 : 5, timePerRound: 1 });
  const rows = [['FC-2 fc1 by local dimension', 'parameters', 'forward+backward ms', 'GFLOP/s']];
  for (const c of cases) {
    const ms = medians.get(c.name)!;
    rows.push([c.name, String(c.parameters), ms.toFixed(1), (2 * c.multiplyAdds / ms / 1e6).toFixed(1)]);
  }
  return rows;
}

async function main(): Promise<void> {
  if (!relaxedSimdSupported()) throw new Error('run with node --experimental-wasm-relaxed-simd (npm run bench:tn does)');
  await tf.setBackend('wasm');
  await tf.ready();
  await jaxInit('wasm');
  console.log(`tensor networks: adtn ${engineBuild()} build, tfjs ${tf.version_core} (wasm), jax-js (wasm), node ${process.version}\n`);
  console.log(formatTable(await adtnQ16()));
  console.log();
  console.log(formatTable(await einsumPlans()));
  console.log();
  console.log(formatTable(await adtnQ24()));
  console.log();
  console.log(formatTable(await adtnThreads()));
  console.log();
  console.log(formatTable(await adtnLocalDims()));
}

await main();
