// Tensors placed above 2 GiB (and up to the last byte below 4 GiB) of WebAssembly memory give the
// same results as the same computation placed low (issue 14). Byte addresses are unsigned 32-bit
// numbers; a signed shift (ptr >> 2) turns an address at or above 2^31 into a negative index.
//
// Placement is deterministic: each engine is fresh (vi.resetModules gives a new module graph, so a
// new kernel module with its own memory), and a filler block allocated before the workload pushes
// every later allocation, the GEMM workspace and the kernel descriptor included, above the mark.
// The filler is never written, so its pages cost address space, not RAM. Every test checks the
// addresses it used, so it cannot pass with tensors placed below the mark.

import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { KernelBuild, KernelModule } from '../../src/backend/kernel-module.js';
import { BUILDS } from '../helpers/kernel-harness.js';
import { FAMILIES, Recorder, type Lib } from '../helpers/op-families.js';

const TWO_GIB = 2 ** 31;
const FOUR_GIB = 2 ** 32;
// Room left below 4 GiB for the workload in the near-4-GiB engine (it needs a few MiB).
const TOP_ROOM = 64 * 2 ** 20;

interface Engine {
  L: Lib;
  module: KernelModule;
}

/** A fresh copy of the library with its own kernel module and memory. */
async function freshEngine(build: KernelBuild): Promise<Engine> {
  vi.resetModules();
  const L = await import('../../src/index.js');
  const { kernels } = await import('../../src/backend/engine.js');
  await L.initEngine({ build });
  return { L, module: kernels() };
}

interface Run {
  /** Results by family, then by name. */
  results: Map<string, Map<string, unknown>>;
  /** What a family threw (the other families still run, and its test reports the error). */
  errors: Map<string, unknown>;
  /** Addresses of every tensor the workload recorded. */
  addresses: number[];
  /** The GEMM workspace and the kernel descriptor block (allocated lazily by the workload). */
  scratch: number[];
  /** A tensor made before the filler, read again after memory grew. */
  early: number[];
  memoryBytes: number;
}

/**
 * Runs every family in a fresh engine: 'low' as it comes, 'high' after a 2 GiB filler, 'top'
 * after a filler that leaves TOP_ROOM bytes below 4 GiB.
 */
async function runWorkload(build: KernelBuild, placement: 'low' | 'high' | 'top'): Promise<Run> {
  const { L, module } = await freshEngine(build);
  const early = L.arange(0, 10);
  if (placement === 'high') module.allocator.alloc(TWO_GIB);
  if (placement === 'top') {
    const top = module.allocator.alloc(2 ** 20); // no free block is this large: the untouched region
    module.allocator.free(top);
    module.allocator.alloc(FOUR_GIB - TOP_ROOM - top);
  }
  const results = new Map<string, Map<string, unknown>>();
  const errors = new Map<string, unknown>();
  const addresses: number[] = [];
  for (const [family, run] of Object.entries(FAMILIES)) {
    const r = new Recorder(L);
    try {
      run(L, r);
    } catch (error) {
      errors.set(family, error);
    }
    results.set(family, r.results);
    addresses.push(...r.addresses);
  }
  return {
    results,
    errors,
    addresses,
    scratch: [module.gemmWorkspace(), module.descriptor()],
    early: Array.from(early.toArray()),
    memoryBytes: L.memoryStats().memoryBytes,
  };
}

describe.each(BUILDS)('tensors above 2 GiB of WebAssembly memory (%s build)', (build) => {
  let low: Run;
  let high: Run;
  let top: Run;

  beforeAll(async () => {
    low = await runWorkload(build, 'low');
    high = await runWorkload(build, 'high');
    top = await runWorkload(build, 'top');
  });

  it('places the workload as intended: low below 2 GiB, high above, top in the last 64 MiB', () => {
    expect(low.addresses.length).toBeGreaterThan(150);
    expect(high.addresses.length).toBe(low.addresses.length);
    expect(Math.max(...low.addresses, ...low.scratch)).toBeLessThan(TWO_GIB);
    expect(Math.min(...high.addresses, ...high.scratch)).toBeGreaterThanOrEqual(TWO_GIB);
    expect(Math.min(...top.addresses, ...top.scratch)).toBeGreaterThanOrEqual(FOUR_GIB - TOP_ROOM);
    expect(high.memoryBytes).toBeGreaterThan(TWO_GIB);
    expect(top.memoryBytes).toBe(FOUR_GIB);
  });

  it('keeps a tensor made before memory grew readable', () => {
    const want = Array.from({ length: 10 }, (_, i) => i);
    expect(high.early).toEqual(want);
    expect(top.early).toEqual(want);
  });

  it.each(Object.keys(FAMILIES))('%s: identical results above 2 GiB and near 4 GiB', (family) => {
    for (const run of [low, high, top]) {
      if (run.errors.has(family)) throw run.errors.get(family);
    }
    const expected = low.results.get(family)!;
    expect(expected.size).toBeGreaterThan(0);
    for (const run of [high, top]) {
      const got = run.results.get(family)!;
      expect([...got.keys()]).toEqual([...expected.keys()]);
      for (const [name, value] of expected) expect(got.get(name), name).toEqual(value);
    }
  });
});

describe('the snippet of issue 14, memory past 2 GiB', () => {
  it('gives correct values after a 2.16 GB tensor', async () => {
    const reference = await freshEngine('relaxed');
    const randnLow = Array.from(reference.L.randn([8, 16], { seed: 5 }).toArray());

    const { L } = await freshEngine('relaxed');
    const big = L.zeros([540_000_000]); // 2.16 GB of float32; memory is now past 2 GiB
    expect(L.memoryStats().memoryBytes).toBeGreaterThan(TWO_GIB);
    const r = L.randn([8, 16], { seed: 5 });
    const t = L.tensor([1, 2, 3]);
    const sum = L.ones([4]).add(1);
    for (const x of [r, t, sum]) expect(x.ptr).toBeGreaterThanOrEqual(TWO_GIB);
    expect(Array.from(r.toArray())).toEqual(randnLow);
    expect(Array.from(t.toArray())).toEqual([1, 2, 3]);
    expect(Array.from(sum.toArray())).toEqual([2, 2, 2, 2]);
    // The big tensor itself reads zero at both ends.
    expect(big.slice([[0, 1]]).item()).toBe(0);
    expect(big.slice([[539_999_999, 540_000_000]]).item()).toBe(0);
    big.dispose();
  });
});

describe('the 4 GiB ceiling', () => {
  it('uses memory up to its last byte, then throws OutOfMemoryError naming the operation', async () => {
    const { L, module } = await freshEngine('relaxed');
    const n = 1000;
    const low = L.arange(0, n).exp().toArray();
    // Fill all but 2n float32 elements: arange takes [4 GiB - 8n, 4 GiB - 4n), exp the last 4n bytes.
    const top = module.allocator.alloc(2 ** 20); // no free block is this large: the untouched region
    module.allocator.free(top);
    module.allocator.alloc(FOUR_GIB - 8 * n - top);
    const x = L.arange(0, n);
    const y = x.exp();
    expect(x.ptr).toBe(FOUR_GIB - 8 * n);
    expect(y.ptr + 4 * n).toBe(FOUR_GIB);
    expect(L.memoryStats().memoryBytes).toBe(FOUR_GIB);
    expect(Array.from(y.toArray())).toEqual(Array.from(low));
    expect(() => y.sum()).toThrowError(L.OutOfMemoryError);
    expect(() => L.zeros([4])).toThrowError(L.OutOfMemoryError);
    expect(() => L.zeros([4])).toThrowError(/^zeros: no room for a \[4\] float32 tensor \(16 bytes\): .*the wasm32 limit is 4 GiB/);
    // argmax of [n, 1] along axis 1 needs 4n bytes of values, then 4n of indices: with room for
    // the first only, it throws and gives the first back.
    y.dispose();
    const inUse = L.memoryStats().bytesInUse;
    expect(() => L.argmax(x.reshape([n, 1]), 1)).toThrowError(/^argmax: 4000 bytes do not fit/);
    expect(L.memoryStats().bytesInUse).toBe(inUse);
    expect(Array.from(L.argmax(x.reshape([1, n]), 1))).toEqual([n - 1]);
    expect(Array.from(L.ones([3]).toArray())).toEqual([1, 1, 1]);
  });
});
