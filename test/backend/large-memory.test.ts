// Tensors placed above 2 GiB (and up to the last byte below 4 GiB) of WebAssembly memory give the
// same results as the same computation placed low (issue 14). Byte addresses are unsigned 32-bit
// numbers; a signed shift (ptr >> 2) turns an address at or above 2^31 into a negative index.
//
// Placement is deterministic: each engine is fresh (vi.resetModules gives a new module graph, so a
// new kernel module with its own memory), and a filler block allocated before the workload pushes
// every later allocation, the GEMM workspace and the kernel descriptor included, above the mark.
// The filler is never written, so its pages cost address space, not RAM. Every test checks the
// addresses it used, so it cannot pass with tensors placed below the mark.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Tensor } from '../../src/index.js';
import type { KernelModule } from '../../src/backend/kernel-module.js';
import { elementIndex } from '../../src/backend/kernel-module.js';
import { BinaryOp } from '../../src/backend/kernel-codes.js';
import { Harness, BUILDS, DTYPES } from '../helpers/kernel-harness.js';

type Lib = typeof import('../../src/index.js');
type KernelBuild = 'simd' | 'relaxed';

const GiB = 2 ** 30;
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

/** Records results by name and the byte addresses of the tensors that produced them. */
class Recorder {
  readonly results = new Map<string, unknown>();
  readonly addresses: number[] = [];

  constructor(private readonly L: Lib) {}

  /** Notes the tensor's address and returns it. */
  at<T extends Tensor>(t: T): T {
    this.addresses.push(t.ptr);
    return t;
  }

  put(name: string, value: Tensor | ArrayLike<number> | number | unknown): void {
    if (value instanceof this.L.Tensor) {
      this.at(value);
      this.results.set(name, Array.from(value.toArray()));
    } else if (ArrayBuffer.isView(value)) {
      this.results.set(name, Array.from(value as unknown as ArrayLike<number>));
    } else {
      this.results.set(name, value);
    }
  }
}

// The op families of the issue, each on small tensors of awkward sizes (every SIMD tail runs).
const FAMILIES: Record<string, (L: Lib, r: Recorder) => void> = {
  creation(L, r) {
    r.put('tensor', L.tensor([1, 2, 3]));
    r.put('tensor nested float64', L.tensor([[1.5, -2], [3, 4.25]], { dtype: 'float64' }));
    r.put('tensor from typed array', L.tensor(new Float32Array([0.5, 7, -3, 9, 11]), { shape: [5] }));
    r.put('zeros', L.zeros([7]));
    r.put('ones float64', L.ones([3, 5], { dtype: 'float64' }));
    r.put('full', L.full([9], 2.5));
    r.put('arange', L.arange(0, 10, 3));
    r.put('arange float64', L.arange(-2, 3, 0.5, { dtype: 'float64' }));
    r.put('eye', L.eye(4, 5));
    r.put('eye float64', L.eye(3, 3, { dtype: 'float64' }));
    r.put('rand', L.rand([17], { seed: 3 }));
    r.put('randn', L.randn([8, 16], { seed: 5 }));
    r.put('randn float64', L.randn([13], { seed: 6, dtype: 'float64' }));
    const base = r.at(L.randn([2, 3], { seed: 7 }));
    r.put('zerosLike', L.zerosLike(base));
    r.put('onesLike', L.onesLike(base));
    r.put('fullLike', L.fullLike(base, -4));
    r.put('randnLike', L.randnLike(base, { seed: 8 }));
    r.put('oneHot', L.oneHot([1, 3, 0, 3], 5));
    r.put('oneHot float64', L.oneHot([2, 0], 3, { dtype: 'float64' }));
  },

  readOut(L, r) {
    r.put('item float32', r.at(L.tensor([4.25])).item());
    r.put('item float64', r.at(L.tensor([-1.125], { dtype: 'float64' })).item());
    r.put('item of a sum', r.at(L.randn([33], { seed: 9 }).sum()).item());
    r.put('toNested', r.at(L.tensor([[1, 2, 3], [4, 5, 6]])).toNested());
    r.put('toString', L.zeros([2]).toString());
    const x = r.at(L.randn([5], { seed: 10 }));
    r.put('astype float64', x.astype('float64'));
    r.put('astype back', x.astype('float64').astype('float32'));
    r.put('clone', x.clone());
  },

  scalarOperands(L, r) {
    r.put('ones.add(1)', L.ones([4]).add(1));
    r.put('ones float64 .mul(3)', L.ones([5], { dtype: 'float64' }).mul(3));
    const x = r.at(L.arange(0, 7));
    r.put('10 - x', L.sub(10, x));
    r.put('x / 2', x.div(2));
    r.put('x ** 2', L.pow(x, 2));
    r.put('2 ** x', L.pow(2, x));
    r.put('maximum(x, 3)', L.maximum(x, 3));
    r.put('x > 2', x.gt(2));
  },

  elementwise(L, r) {
    const a = r.at(L.randn([3, 5], { seed: 11 }));
    const b = r.at(L.randn([5], { seed: 12 }));
    const c = r.at(L.randn([3, 1], { seed: 13 }));
    r.put('a + b (broadcast)', a.add(b));
    r.put('a * c (broadcast)', a.mul(c));
    r.put('minimum(a, c)', L.minimum(a, c));
    r.put('exp', a.exp());
    r.put('tanh', a.tanh());
    r.put('relu', a.relu());
    r.put('sigmoid float64', r.at(L.randn([9], { seed: 14, dtype: 'float64' })).sigmoid());
    const x = r.at(L.randn([4, 6], { seed: 15, requiresGrad: true }));
    x.mul(b.slice([[0, 1]]).expand([6])).tanh().sum().backward();
    r.put('grad through broadcast and tanh', x.grad!);
  },

  reductions(L, r) {
    const x = r.at(L.randn([6, 7, 5], { seed: 16, requiresGrad: true }));
    r.put('sum', x.sum());
    r.put('sum axis 1', x.sum(1));
    r.put('mean axes 0,2', x.mean([0, 2]));
    const m = x.max(1);
    r.put('max axis 1', m);
    m.sum().backward();
    r.put('max backward', x.grad!);
    r.put('argmax axis 2', L.argmax(x, 2));
    r.put('argmax axis 0', x.argmax(0));
    r.put('min', L.min(x, 2));
    r.put('logsumexp', L.logsumexp(x, 1));
    r.put('softmax', L.softmax(x, -1));
  },

  movement(L, r) {
    const x = r.at(L.randn([17, 33], { seed: 17 }));
    r.put('transpose', x.transpose());
    r.put('permute', r.at(L.randn([3, 4, 5], { seed: 18, dtype: 'float64' })).permute([2, 0, 1]));
    r.put('slice', x.slice([[2, 9], [1, 30, 3]]));
    r.put('concat', L.concat([x.slice([[0, 2]]), x.slice([[5, 6]])], 0));
    r.put('stack', L.stack([L.ones([3]), L.arange(0, 3)], 1));
    r.put('pad', L.pad(L.ones([2, 3]), [[1, 0], [2, 1]], -1));
    r.put('expand + clone', L.arange(0, 4).reshape([4, 1]).expand([4, 3]).clone());
    const g = r.at(L.randn([5, 6], { seed: 19, requiresGrad: true }));
    g.slice([[1, 4], [0, 6, 2]]).square().sum().backward();
    r.put('slice backward', g.grad!);
  },

  indexing(L, r) {
    const x = r.at(L.randn([5, 6], { seed: 20, requiresGrad: true }));
    const picked = L.indexSelect(x, 0, [2, 0, 2, 4]);
    r.put('indexSelect', picked);
    picked.mul(r.at(L.randn([4, 6], { seed: 21 }))).sum().backward();
    r.put('indexSelect backward (index add)', x.grad!);
    const y = r.at(L.randn([4, 7], { seed: 22, dtype: 'float64', requiresGrad: true }));
    const index = r.at(L.tensor([[0, 6, 6], [1, 1, 2], [5, 4, 3], [0, 0, 0]]));
    const gathered = L.gather(y, 1, index);
    r.put('gather', gathered);
    gathered.square().sum().backward();
    r.put('gather backward (scatter add)', y.grad!);
    const cond = r.at(L.tensor([1, 0, 1, 0, 0, 1]));
    r.put('where', L.where(cond, L.arange(0, 6), L.full([6], -1)));
  },

  gemm(L, r) {
    const a = r.at(L.randn([67, 129], { seed: 23, requiresGrad: true }));
    const b = r.at(L.randn([129, 131], { seed: 24, requiresGrad: true }));
    const c = L.matmul(a, b);
    r.put('matmul 67x129 @ 129x131', c);
    c.mul(r.at(L.randn([67, 131], { seed: 25 }))).sum().backward();
    r.put('matmul grad a (transposed B)', a.grad!);
    r.put('matmul grad b (transposed A)', b.grad!);
    r.put('matmul float64', L.matmul(r.at(L.randn([33, 20], { seed: 26, dtype: 'float64' })), r.at(L.randn([20, 41], { seed: 27, dtype: 'float64' }))));
    r.put('matmul narrow output', L.matmul(r.at(L.randn([100, 37], { seed: 28 })), r.at(L.randn([37, 3], { seed: 29 }))));
    r.put('matmul batched', L.matmul(r.at(L.randn([3, 17, 33], { seed: 30 })), r.at(L.randn([33, 19], { seed: 31 }))));
    r.put('einsum', L.einsum('ijk,kl->lij', r.at(L.randn([3, 4, 5], { seed: 32 })), r.at(L.randn([5, 6], { seed: 33 }))));
  },

  convolution(L, r) {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = r.at(L.randn([2, 3, 9, 11], { seed: 34, dtype, requiresGrad: true }));
      const w = r.at(L.randn([4, 3, 3, 3], { seed: 35, dtype, requiresGrad: true }));
      const bias = r.at(L.randn([4], { seed: 36, dtype, requiresGrad: true }));
      const y = L.conv2d(x, w, bias, { stride: [2, 1], padding: 1 });
      r.put(`conv2d ${dtype}`, y);
      y.mul(r.at(L.randn(y.shape, { seed: 37, dtype }))).sum().backward();
      r.put(`conv2d grad x ${dtype}`, x.grad!);
      r.put(`conv2d grad weight ${dtype}`, w.grad!);
      r.put(`conv2d grad bias ${dtype}`, bias.grad!);
    }
    const p = r.at(L.randn([2, 3, 8, 7], { seed: 38, requiresGrad: true }));
    const pooled = L.maxPool2d(p, 3, { stride: 2, padding: 1 });
    r.put('maxPool2d', pooled);
    pooled.square().sum().backward();
    r.put('maxPool2d backward', p.grad!);
    r.put('avgPool2d', L.avgPool2d(p, 2));
  },

  gates(L, r) {
    const cases: [number, number, 'float32' | 'float64', number | undefined][] = [
      [10, 3, 'float32', undefined],
      [10, 3, 'float64', undefined],
      [13, 2, 'float32', 1], // state 32 KiB: the wide tiles; a budget of 1 byte recomputes from checkpoints
      [7, 2, 'float64', 1],
    ];
    for (const [Q, M, dtype, checkpointBytes] of cases) {
      const name = `circuit Q=${Q} M=${M} ${dtype}`;
      const spec = { sites: Q, localDim: 2, steps: L.brickWall(Q, M, 'tanh', 0), ...(checkpointBytes === undefined ? {} : { checkpointBytes }) };
      const state = r.at(L.randn([2 ** Q], { seed: Q, dtype, requiresGrad: true }));
      const gates = r.at(L.randn([M * (Q - 1), 4, 4], { seed: Q + 1, dtype, std: 0.6, requiresGrad: true }));
      const out = L.applyCircuit(state, gates, spec);
      r.put(name, out);
      out.mul(r.at(L.randn([2 ** Q], { seed: Q + 2, dtype }))).sum().backward();
      r.put(`${name} grad state`, state.grad!);
      r.put(`${name} grad gates`, gates.grad!);
    }
    const generator = new L.AdtnGenerator([24, 20], { depth: 2, seed: 39 });
    for (const p of generator.parameters()) r.at(p);
    r.put('AdtnGenerator weight', generator.generate());
  },

  optimizer(L, r) {
    for (const dtype of ['float32', 'float64'] as const) {
      const p = r.at(L.randn([37], { seed: 40, dtype, requiresGrad: true }));
      const q = r.at(L.randn([5, 3], { seed: 41, dtype, requiresGrad: true }));
      const target = r.at(L.randn([37], { seed: 42, dtype }));
      const adam = new L.Adam([p, q], { lr: 0.05, weightDecay: 0.01 });
      for (let step = 0; step < 3; step++) {
        p.grad = null;
        q.grad = null;
        p.sub(target).square().sum().add(q.tanh().sum()).backward();
        adam.step();
      }
      r.put(`Adam ${dtype} p`, p);
      r.put(`Adam ${dtype} q`, q);
    }
    const layer = new L.Linear(20, 7, { seed: 43 });
    for (const p of layer.parameters()) r.at(p);
    const sgd = new L.SGD(layer.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
    const adamW = new L.AdamW(layer.parameters(), { lr: 0.01 });
    const input = r.at(L.randn([6, 20], { seed: 44 }));
    for (let step = 0; step < 2; step++) {
      for (const p of layer.parameters()) p.grad = null;
      L.crossEntropy(layer.forward(input), [0, 1, 2, 3, 4, 5]).backward();
      sgd.step();
      adamW.step();
    }
    layer.parameters().forEach((p, i) => r.put(`Linear parameter ${i} after SGD + AdamW`, p));
  },

  autogradAndData(L, r) {
    const x = r.at(L.randn([6], { seed: 45, dtype: 'float64', requiresGrad: true }));
    const checked = L.gradcheck((t) => t.tanh().mul(t).sum(), [x]);
    r.put('gradcheck', [checked.ok, checked.maxAbsError, checked.maxRelError]);
    const images = Uint8Array.from({ length: 7 * 2 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const dataset = { images, labels: Int32Array.from([0, 1, 2, 3, 4, 5, 6]), shape: [2, 3, 3], classes: 7 };
    const loader = new L.DataLoader(dataset, { batchSize: 4, shuffle: true, seed: 46, mean: [0.5, 0.25], std: [0.5, 2] });
    let b = 0;
    for (const batch of loader) {
      r.put(`DataLoader batch ${b} x`, batch.x);
      r.put(`DataLoader batch ${b++} y`, batch.y);
    }
    const bytes = L.serializeSafetensors({ a: r.at(L.randn([3, 2], { seed: 47 })), b: r.at(L.arange(0, 5, 1, { dtype: 'float64' })) });
    for (const [name, t] of L.tensorsFromSafetensors(L.parseSafetensors(bytes).tensors)) r.put(`safetensors ${name}`, t);
  },
};

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

/** Runs every family in a fresh engine, after a filler of `fillerBytes` (0: none). */
async function runWorkload(build: KernelBuild, fillerBytes: number): Promise<Run> {
  const { L, module } = await freshEngine(build);
  const early = L.arange(0, 10);
  if (fillerBytes > 0) module.allocator.alloc(fillerBytes);
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

// The filler that puts the workload in [4 GiB - TOP_ROOM, 4 GiB).
async function topFiller(build: KernelBuild): Promise<number> {
  const { module } = await freshEngine(build);
  return FOUR_GIB - TOP_ROOM - module.allocator.alloc(16);
}

describe.each(BUILDS)('tensors above 2 GiB of WebAssembly memory (%s build)', (build) => {
  let low: Run;
  let high: Run;
  let top: Run;

  beforeAll(async () => {
    low = await runWorkload(build, 0);
    high = await runWorkload(build, TWO_GIB);
    top = await runWorkload(build, await topFiller(build));
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
  let engine: Engine;
  afterAll(() => {
    engine = undefined as never;
  });

  it('gives correct values after a 2.16 GB tensor', async () => {
    const reference = await freshEngine('relaxed');
    const randnLow = Array.from(reference.L.randn([8, 16], { seed: 5 }).toArray());

    engine = await freshEngine('relaxed');
    const { L } = engine;
    const big = L.zeros([540_000_000]); // 2.16 GB of float32; memory is now past 2 GiB
    expect(L.memoryStats().memoryBytes).toBeGreaterThan(TWO_GIB);
    const r = L.randn([8, 16], { seed: 5 });
    const t = L.tensor([1, 2, 3]);
    const sum = L.ones([4]).add(1);
    for (const x of [r, t, sum]) expect(x.ptr).toBeGreaterThanOrEqual(TWO_GIB);
    expect(Array.from(r.toArray())).toEqual(randnLow);
    expect(Array.from(t.toArray())).toEqual([1, 2, 3]);
    expect(Array.from(sum.toArray())).toEqual([2, 2, 2, 2]);
    // The big tensor itself: zero at both ends, and written through at its last element.
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
    const probe = module.allocator.alloc(16);
    module.allocator.free(probe);
    module.allocator.alloc(FOUR_GIB - 8 * n - probe);
    const x = L.arange(0, n);
    const y = x.exp();
    expect(x.ptr).toBe(FOUR_GIB - 8 * n);
    expect(y.ptr + 4 * n).toBe(FOUR_GIB);
    expect(L.memoryStats().memoryBytes).toBe(FOUR_GIB);
    expect(Array.from(y.toArray())).toEqual(Array.from(low));
    expect(() => y.sum()).toThrowError(L.OutOfMemoryError);
    expect(() => L.zeros([4])).toThrowError(L.OutOfMemoryError);
    expect(() => L.zeros([4])).toThrowError(/^zeros: .*\[4\] float32.*4 GiB/);
    // Freeing the top block makes room again.
    y.dispose();
    expect(Array.from(L.ones([3]).toArray())).toEqual([1, 1, 1]);
  });
});

describe.each(BUILDS)('kernels against their reference twins above 2 GiB (%s build)', (build) => {
  it.each(DTYPES)('%s', (dtype) => {
    const h = new Harness(build, 48);
    h.module.allocator.alloc(TWO_GIB);
    const k = h.suffix(dtype);
    const n = 67;
    const a = h.random_(dtype, 3 * n);
    const b = h.random_(dtype, n);
    expect(Math.min(a, b)).toBeGreaterThanOrEqual(TWO_GIB);
    // Broadcast binary through the descriptor: [3, n] + [n].
    const out = h.alloc(dtype, 3 * n);
    const outRef = h.alloc(dtype, 3 * n);
    const desc = h.module.descriptor([3, n], [n, 1], [0, 1], [0, 0]);
    expect(desc).toBeGreaterThanOrEqual(TWO_GIB);
    h.k[`binary${k}`](BinaryOp.add, out, a, b, 2, desc, 0);
    h.ref[`binary${k}`](BinaryOp.add, outRef, a, b, 2, h.module.descriptor([3, n], [n, 1], [0, 1], [0, 0]), 0);
    expect(h.read(dtype, out, 3 * n)).toEqual(h.read(dtype, outRef, 3 * n));
    // Arg-max to i32 memory.
    const arg = h.module.allocator.alloc(4 * n);
    const argRef = h.module.allocator.alloc(4 * n);
    h.k[`maxAxis${k}`](out, arg, a, 1, 3, n);
    h.ref[`maxAxis${k}`](outRef, argRef, a, 1, 3, n);
    const ints = (p: number) => Array.from(h.module.i32.subarray(elementIndex(p, 4), elementIndex(p, 4) + n));
    expect(ints(arg)).toEqual(ints(argRef));
    expect(new Set(ints(arg))).toEqual(new Set([0, 1, 2]));
    // Index-driven gather along the axis of a [3, n] array.
    const idx = h.module.allocator.alloc(4 * 3 * n);
    h.module.i32.set(Int32Array.from({ length: 3 * n }, (_, i) => (i * 7) % n), elementIndex(idx, 4));
    h.k[`gatherAlong${k}`](out, a, idx, 3, n, n, 1);
    h.ref[`gatherAlong${k}`](outRef, a, idx, 3, n, n, 1);
    expect(h.read(dtype, out, 3 * n)).toEqual(h.read(dtype, outRef, 3 * n));
    expect(h.read(dtype, out, 1)[0]).toBe(h.read(dtype, a, 1)[0]);
  });
});
