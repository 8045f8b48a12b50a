// Runs an op-level computation with one thread and with all of the engine's threads and checks
// that the forward part was really split and that every result is bitwise the same.

import { expect } from 'vitest';
import { kernels } from '../../src/backend/engine.js';
import type { Tensor } from '../../src/index.js';

/**
 * `forward` builds the outputs to split (counted as split when the pool ran parts during it);
 * `finish` runs anything after it (a backward pass) and returns every tensor to compare.
 */
export async function expectSameWithAllThreads(forward: () => Tensor, finish: (out: Tensor) => Tensor[], what: string): Promise<void> {
  const pool = kernels().pool;
  const run = (threads: number) => {
    pool.active = threads;
    const partsBefore = pool.counters.parts;
    const out = forward();
    const split = pool.counters.parts > partsBefore;
    return { result: finish(out).map((t) => Array.from(t.toArray())), split };
  };
  try {
    const one = run(1);
    if (pool.threads > 1) {
      // Workers start with the first split task: wait until one serves, so the split is real.
      run(pool.threads);
      for (const deadline = Date.now() + 20_000; pool.readyWorkers === 0 && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const all = run(pool.threads);
    if (pool.threads > 1) expect(all.split, `${what} was split`).toBe(true);
    expect(all.result).toEqual(one.result);
  } finally {
    pool.active = pool.threads;
  }
}
