// The machine's 128-bit multiply-add peak, measured by the probe in bench/probes/fma-peak.ts
// (built by `npm run bench:build`): the ceiling any wasm SIMD GEMM on this CPU can reach, so the
// GEMM benchmark can say how far from it each engine is.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Probe = (iterations: number, seed: number) => number;

export interface FmaPeak {
  /** GFLOP/s of f32x4.relaxed_madd chains (best of 10 and 12 chains). */
  fma: number;
  /** GFLOP/s of f32x4.mul + f32x4.add chains (12 chains; latency-bound, a lower bound of the mul + add peak). */
  mulAdd: number;
}

const ITERATIONS = 2_000_000;

// The value the probe must return: every chain runs c ← c·0.999 + seed from c = its index;
// the probe returns lanes 0 + 3 of the sum of the chains (all lanes are equal).
function expected(chains: number, seed: number, iterations: number): number {
  let sum = 0;
  for (let i = 0; i < chains; i++) {
    // Closed form of the recurrence, in float64 (the probe rounds each step to float32).
    const fixed = seed / (1 - 0.999);
    sum += fixed + (i - fixed) * 0.999 ** iterations;
  }
  return 2 * sum;
}

function gflops(probe: Probe, chains: number): number {
  const got = probe(ITERATIONS, 0.5);
  const want = expected(chains, 0.5, ITERATIONS);
  if (!(Math.abs(got - want) <= 1e-3 * Math.abs(want))) throw new Error(`fma probe (${chains} chains): got ${got}, expected ${want}`);
  const times: number[] = [];
  for (let t = 0; t < 5; t++) {
    const start = performance.now();
    probe(ITERATIONS, 0.5);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return (ITERATIONS * chains * 8) / times[2]! / 1e6;
}

/** Measures the FMA and mul + add peaks (median of five runs each, ~0.3 s in all). */
export function measureFmaPeak(): FmaPeak {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fma-peak.wasm');
  const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {});
  const exports = instance.exports as unknown as { fma10: Probe; fma12: Probe; mulAdd12: Probe };
  return {
    fma: Math.max(gflops(exports.fma10, 10), gflops(exports.fma12, 12)),
    mulAdd: gflops(exports.mulAdd12, 12),
  };
}
