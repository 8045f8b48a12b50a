// Convolution throughput per layer shape: VGG-16's 3x3 layers (padding 1) at widths 0.5 and 1 on a
// batch of 64 images of 32 x 32, forward and forward + backward (the gradients of the input and
// the weight, as training needs them; the first layer's input needs none), with the engine's
// kernels split over 1 and over 2 threads, interleaved, medians. GFLOP/s count 2·N·OC·C·9·H·W
// per pass (three passes for forward + backward; the backward alone is their difference) and are
// stated against the machine's measured 128-bit multiply-add peak (one core for 1 thread, two
// cores for 2).
//
//   npm run bench:conv            (QUICK=1 for fewer rounds)

import { conv2d, noGrad, randn, relaxedSimdSupported, tidy, type Tensor } from '../src/index.js';
import { kernels } from '../src/backend/engine.js';
import { formatTable, interleavedMedians } from './interleaved.js';
import { measureFmaPeak } from './fma-peak.js';

const quick = process.env.QUICK === '1';
const BATCH = 64;

// [input channels, output channels, map size] of VGG-16's distinct 3x3 layer shapes at width 1.
const LAYERS: [number, number, number][] = [
  [3, 64, 32], [64, 64, 32], [64, 128, 16], [128, 128, 16], [128, 256, 8], [256, 256, 8],
  [256, 512, 4], [512, 512, 4], [512, 512, 2],
];

async function main(): Promise<void> {
  if (!relaxedSimdSupported()) throw new Error('run with node --experimental-wasm-relaxed-simd (npm run bench:conv does)');
  const module = kernels();
  const threads = module.threads;
  const peak = measureFmaPeak().fma;
  console.log(`conv2d 3x3, padding 1, batch ${BATCH}, float32: 1 and ${threads} threads; 128-bit peak ${peak.toFixed(1)} GFLOP/s per core\n`);
  const rows = [['width', 'layer (C -> OC @ HxW)', 'fwd 1t', `fwd ${threads}t`, 'fwd+bwd 1t', `fwd+bwd ${threads}t`, 'fwd+bwd 1t % peak', `fwd+bwd ${threads}t % peak`, `bwd ${threads}t % peak`]];
  for (const width of [0.5, 1]) {
    for (const [c, oc, size] of LAYERS) {
      const C = c === 3 ? 3 : Math.round(c * width);
      const OC = Math.round(oc * width);
      const x = randn([BATCH, C, size, size], { seed: 1, requiresGrad: C !== 3 });
      const w = randn([OC, C, 3, 3], { seed: 2, requiresGrad: true });
      const gy = randn([BATCH, OC, size, size], { seed: 3 });
      const flops = 2 * BATCH * OC * C * 9 * size * size;
      const on = (count: number, fn: () => unknown) => () => {
        module.pool.active = count;
        return fn();
      };
      const forward = () => noGrad(() => conv2d(x, w, null, { padding: 1 }).dispose());
      const both = () => tidy(() => {
        conv2d(x, w, null, { padding: 1 }).backward(gy);
        (x as Tensor).grad = null;
        w.grad = null;
      });
      const medians = await interleavedMedians([
        { name: 'fwd 1', fn: on(1, forward) }, { name: 'fwd n', fn: on(threads, forward) },
        { name: 'both 1', fn: on(1, both) }, { name: 'both n', fn: on(threads, both) },
      ], { rounds: quick ? 3 : 5, timePerRound: quick ? 100 : 250 });
      // The first layer computes no input gradient: two passes instead of three.
      const passes = C === 3 ? 2 : 3;
      const g = (name: string, factor: number) => (factor * flops) / medians.get(name)! / 1e6;
      // The backward passes alone: forward + backward time minus forward time.
      const backward = ((passes - 1) * flops) / (medians.get('both n')! - medians.get('fwd n')!) / 1e6;
      rows.push([
        String(width), `${C} -> ${OC} @ ${size}x${size}`,
        g('fwd 1', 1).toFixed(1), g('fwd n', 1).toFixed(1), g('both 1', passes).toFixed(1), g('both n', passes).toFixed(1),
        `${((100 * g('both 1', passes)) / peak).toFixed(0)}%`, `${((100 * g('both n', passes)) / (threads * peak)).toFixed(0)}%`,
        `${((100 * backward) / (threads * peak)).toFixed(0)}%`,
      ]);
      console.log(formatTable([rows[0]!, rows[rows.length - 1]!]).split('\n')[1]);
      for (const t of [x, w, gy]) t.dispose();
    }
  }
  module.pool.active = threads;
  console.log('\nGFLOP/s (median of interleaved rounds)');
  console.log(formatTable(rows));
}

await main();
