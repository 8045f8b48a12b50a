// Planner: known minimum-flop paths, a brute-force check of the optimal planner on random small
// networks, greedy within a stated factor, memory limits, and the cost report.

import { describe, expect, it } from 'vitest';
import { contractPath } from '../../src/index.js';
import { describePath, planContraction } from '../../src/tn/contract-path.js';
import { seededRandom } from '../helpers/kernel-harness.js';

interface Known { spec: string; shapes: number[][]; flops: number; path?: [number, number][]; naive?: number; largest?: number; greedyFactor: number }

const N = 10;
const KNOWN: Known[] = [
  // CLRS matrix-chain example: 15125 scalar multiplications (x2 for multiply-add).
  { spec: 'ab,bc,cd,de,ef,fg->ag', shapes: [[30, 35], [35, 15], [15, 5], [5, 10], [10, 20], [20, 25]], flops: 30250, greedyFactor: 2 },
  // jax.numpy.einsum_path documentation example.
  { spec: 'ij,jk,kl', shapes: [[2, 3], [3, 100], [100, 5]], flops: 3060, path: [[1, 2], [0, 1]], greedyFactor: 1.1 },
  // opt_einsum README: the AO->MO integral transformation, N = 10.
  { spec: 'pi,qj,ijkl,rk,sl->pqrs', shapes: [[N, N], [N, N], [N, N, N, N], [N, N], [N, N]], flops: 8e5, naive: 5e8, greedyFactor: 1 },
  // opt_einsum example with nao = 1024, nocc = 128, nvir = 896 (optimized 3.744e14, largest 1.374e11).
  { spec: 'mi,na,mnkl,kj,lb->iajb', shapes: [[1024, 128], [1024, 896], [1024, 1024, 1024, 1024], [1024, 128], [1024, 896]], flops: 3.7438e14, largest: 1.374e11, greedyFactor: 1 },
  // A ring of four matrices (trace of a product) and an outer-product-heavy star.
  { spec: 'ab,bc,cd,da->', shapes: [[8, 2], [2, 8], [8, 2], [2, 8]], flops: 2 * 2 * 8 * 2 + 2 * 2 * 8 * 2 + 2 * 2 * 2, greedyFactor: 1.5 },
];

describe('contractPath', () => {
  it.each(KNOWN)('$spec: the optimal planner finds the known minimum; greedy within its factor', (c) => {
    const plan = contractPath(c.spec, ...c.shapes, { optimize: 'optimal' });
    expect(plan.flops / c.flops).toBeGreaterThan(0.9999);
    expect(plan.flops / c.flops).toBeLessThan(1.0001);
    if (c.path) expect(plan.path).toEqual(c.path);
    if (c.naive) expect(plan.naiveFlops).toBe(c.naive);
    if (c.largest) expect(plan.largestIntermediate / c.largest).toBeCloseTo(1, 3);
    const greedy = contractPath(c.spec, ...c.shapes, { optimize: 'greedy' });
    expect(greedy.flops).toBeGreaterThanOrEqual(plan.flops);
    expect(greedy.flops).toBeLessThanOrEqual(c.greedyFactor * plan.flops);
    expect(contractPath(c.spec, ...c.shapes).flops).toBe(plan.flops); // auto = optimal here
  });

  it('the optimal planner matches brute force over every pairwise path of random small networks', () => {
    const random = seededRandom(5);
    const labels = 'abcdefg';
    // All pairwise paths, recursively.
    const bruteForce = (inputs: string[][], output: string[], sizes: Map<string, number>): number => {
      if (inputs.length === 1) return 0;
      let best = Infinity;
      for (let i = 0; i < inputs.length; i++) {
        for (let j = i + 1; j < inputs.length; j++) {
          const step = describePath({ inputs, output, sizes }, [[i, j]], 'optimal');
          const rest = inputs.filter((_, k) => k !== i && k !== j);
          const resultLabels = step.steps[0]!.spec.split('->')[1]!.split('');
          best = Math.min(best, step.flops + bruteForce([...rest, resultLabels], output, sizes));
        }
      }
      return best;
    };
    for (let trial = 0; trial < 40; trial++) {
      const count = 2 + Math.floor(random() * 4);
      const sizes = new Map([...labels].map((l) => [l, 1 + Math.floor(random() * 6)]));
      const inputs = Array.from({ length: count }, () => {
        const rank = 1 + Math.floor(random() * 3);
        return [...new Set(Array.from({ length: rank }, () => labels[Math.floor(random() * labels.length)]!))];
      });
      const used = [...new Set(inputs.flat())];
      const output = used.filter(() => random() < 0.3);
      const plan = planContraction({ inputs, output, sizes }, 'optimal');
      expect(plan.flops, JSON.stringify({ inputs, output })).toBe(bruteForce(inputs, output, sizes));
    }
  });

  it('respects a memory limit and reports per-step specs', () => {
    const spec = 'ab,bc,cd->ad';
    const shapes = [[10, 1000], [1000, 10], [10, 1000]];
    const free = contractPath(spec, ...shapes);
    expect(free.steps.map((s) => s.spec)).toEqual(['ab,bc->ac', 'cd,ac->ad']);
    // Only the path through ac (100 elements) fits a limit of 100; bd would have 10^6.
    for (const optimize of ['optimal', 'greedy'] as const) {
      const limited = contractPath(spec, ...shapes, { memoryLimit: 100, optimize });
      expect(limited.steps[0]!.spec).toBe('ab,bc->ac');
      expect(() => contractPath(spec, ...shapes, { memoryLimit: 50, optimize })).toThrow(/memory limit/);
    }
    expect(() => contractPath(spec, ...shapes, { memoryLimit: -1 })).toThrow(/memoryLimit/);
  });

  it('sequential is left to right', () => {
    const plan = contractPath('ab,bc,cd,de->ae', [2, 3], [3, 4], [4, 5], [5, 6], { optimize: 'sequential' });
    // The result of a step is appended last; intermediate label order is the planner's choice.
    expect(plan.steps.map((s) => s.spec)).toEqual(['ab,bc->ac', 'cd,ac->da', 'de,da->ae']);
  });

  it('greedy handles many operands (a 30-matrix chain) quickly', () => {
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEF';
    const spec = Array.from({ length: 30 }, (_, i) => letters[i]! + letters[i + 1]!).join(',') + `->${letters[0]}${letters[30]}`;
    const shapes = Array.from({ length: 30 }, (_, i) => [2 + (i % 5), 2 + ((i + 1) % 5)]);
    const start = performance.now();
    const plan = contractPath(spec, ...shapes);
    expect(plan.optimizer).toBe('greedy');
    expect(plan.path).toHaveLength(29);
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
