import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness, expectClose, type Dtype } from '../helpers/kernel-harness.js';
import { KernelModule, defaultThreads, kernelBinary, sharedMemorySupported } from '../../src/backend/kernel-module.js';
import { unsharedMemoryVariant } from '../../src/backend/unshared-memory.js';
import { workerThreadsSupported } from '../../src/backend/thread-pool.js';
import { parallelKernels, splitRange } from '../../src/ops/parallel-kernels.js';
import { exportedKernels } from '../../src/ops/kernel-set.js';
import type { DtypeKernels } from '../../src/backend/kernel-exports.js';
import { ArgumentError, OutOfMemoryError, engineThreads, initEngine } from '../../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// Split kernels on a module of 3 threads (more threads than this machine's cores is fine for
// correctness) compared with the same module splitting over 1 and 2 of them: every result must be
// bitwise equal, and equal to the reference kernels within rounding.
const THREADS = 3;

async function untilWorkersReady(module: KernelModule, count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (module.pool.readyWorkers < count) {
    if (Date.now() > deadline) throw new Error(`workers not ready: ${module.pool.readyWorkers} of ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('split kernels give bitwise the same results with 1, 2 and 3 threads', () => {
  const h = new Harness('relaxed', 7, THREADS);
  const sets = {
    float32: parallelKernels(exportedKernels(h.module.kernels, 'F32'), h.module, 'F32'),
    float64: parallelKernels(exportedKernels(h.module.kernels, 'F64'), h.module, 'F64'),
  };

  beforeAll(async () => {
    // Any split task starts the workers; wait until they serve.
    const p = h.alloc('float32', 1 << 16);
    sets.float32.fill(p, 0, 1 << 16);
    await untilWorkersReady(h.module, THREADS - 1);
    h.free(p);
  }, 30_000);

  afterAll(() => h.module.closeThreads());

  // Runs `body` with 1, 2 and 3 active threads on fresh copies of its outputs and returns what each
  // wrote. With more than one thread the body must really have been split.
  function acrossThreadCounts(dtype: Dtype, outputs: [number, number][], body: (k: DtypeKernels, outs: number[]) => void, splits = true): Float64Array[][] {
    const results: Float64Array[][] = [];
    for (const active of [1, 2, 3]) {
      h.module.pool.active = active;
      const outs = outputs.map(([ptr, n]) => h.clone(dtype, ptr, n));
      const partsBefore = h.module.pool.counters.parts;
      body(sets[dtype], outs);
      if (active > 1 && splits) expect(h.module.pool.counters.parts, `split with ${active} threads`).toBeGreaterThan(partsBefore);
      results.push(outs.map((ptr, i) => h.read(dtype, ptr, outputs[i]![1])));
      h.free(...outs);
    }
    h.module.pool.active = THREADS;
    return results;
  }

  function expectSame(results: Float64Array[][], label: string): void {
    for (let t = 1; t < results.length; t++) {
      results[t]!.forEach((values, i) => {
        const first = values.findIndex((v, j) => !Object.is(v, results[0]![i]![j]));
        expect(first, `${label}: output ${i} with ${t + 1} threads differs at ${first}`).toBe(-1);
      });
    }
  }

  const GEMM_SHAPES: [number, number, number][] = [[67, 129, 65], [129, 67, 129], [3, 1031, 517], [517, 17, 129], [1, 4099, 129], [1031, 5, 257], [256, 256, 256]];
  for (const dtype of ['float32', 'float64'] as const) {
    const rel = dtype === 'float32' ? 1e-5 : 1e-13;
    it.each(GEMM_SHAPES)(`gemm ${dtype} m=%i n=%i k=%i, every transpose, beta 0 and 1`, (m, n, k) => {
      for (const [transA, transB] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const a = h.random_(dtype, m * k), b = h.random_(dtype, k * n), c = h.random_(dtype, m * n);
        const lda = transA ? m : k, ldb = transB ? k : n;
        for (const beta of [0, 1]) {
          const results = acrossThreadCounts(dtype, [[c, m * n]], (kset, [out]) => {
            kset.gemm(transA, transB, m, n, k, 0.5, a, lda, b, ldb, beta, out!, n, h.module.gemmWorkspace());
          });
          expectSame(results, `gemm ${transA}${transB} beta ${beta}`);
          const expected = h.clone(dtype, c, m * n);
          h.ref[`gemm${h.suffix(dtype)}`](transA, transB, m, n, k, 0.5, a, lda, b, ldb, beta, expected, n, 0);
          expectClose(results[2]![0]!, h.read(dtype, expected, m * n), rel, rel * k, 'gemm vs reference');
          h.free(expected);
        }
        h.free(a, b, c);
      }
    });

    it.each([[5, 67, 65, 33], [2, 129, 130, 17], [1, 300, 129, 17]])(`gemmBatched ${dtype}: batch %i of %ix%i by %i`, (batch, m, n, k) => {
      const a = h.random_(dtype, batch * m * k), b = h.random_(dtype, k * n), c = h.random_(dtype, batch * m * n);
      const results = acrossThreadCounts(dtype, [[c, batch * m * n]], (kset, [out]) => {
        // B shared by every batch entry (stride 0).
        kset.gemmBatched(0, 0, m, n, k, 1, a, k, m * k, b, n, 0, 0, out!, n, m * n, batch, h.module.gemmWorkspace());
      });
      expectSame(results, 'gemmBatched');
      h.free(a, b, c);
    });

    it(`elementwise ops, optimizer steps and reductions along an axis (${dtype})`, () => {
      const n = (1 << 15) + 67;
      const x = h.random_(dtype, n), y = h.random_(dtype, n), g = h.random_(dtype, n), m1 = h.random_(dtype, n), v1 = h.random_(dtype, n, 0, 1);
      expectSame(acrossThreadCounts(dtype, [[y, n]], (k, [out]) => k.unary(2, out!, x, n, 0, 0)), 'unary exp');
      expectSame(acrossThreadCounts(dtype, [[y, n]], (k, [out]) => k.binaryScalar(3, out!, x, n, 1.5, 1, 0)), 'binaryScalar');
      expectSame(acrossThreadCounts(dtype, [[y, n]], (k, [out]) => k.axpy(n, -0.25, x, out!)), 'axpy');
      expectSame(acrossThreadCounts(dtype, [[y, n]], (k, [out]) => k.fill(out!, 3.5, n)), 'fill');
      expectSame(acrossThreadCounts(dtype, [[x, n], [m1, n], [v1, n]], (k, [p, m, v]) =>
        k.adamStep(p!, g, m!, v!, n, 1e-3, 0.9, 0.999, 1e-8, 0.01, 1, 0.1, 0.001)), 'adamStep');
      expectSame(acrossThreadCounts(dtype, [[x, n], [m1, n]], (k, [p, buffer]) =>
        k.sgdStep(p!, g, buffer!, n, 0.1, 0.9, 0, 0.01, 1, 0)), 'sgdStep with momentum');
      expectSame(acrossThreadCounts(dtype, [[x, n]], (k, [p]) => k.sgdStep(p!, g, 0, n, 0.1, 0, 0, 0, 0, 1)), 'sgdStep without a buffer');
      const [outer, extent, inner] = [67, 129, 5];
      const src = h.random_(dtype, outer * extent * inner), out = h.alloc(dtype, outer * inner), arg = h.module.allocator.alloc(outer * inner * 4);
      expectSame(acrossThreadCounts(dtype, [[out, outer * inner]], (k, [o]) => k.sumAxis(o!, src, outer, extent, inner, 0.5)), 'sumAxis');
      expectSame(acrossThreadCounts(dtype, [[out, outer * inner]], (k, [o]) => k.maxAxis(o!, 0, src, outer, extent, inner)), 'maxAxis');
      h.module.pool.active = 2;
      sets[dtype].maxAxis(out, arg, src, outer, extent, inner);
      const expected = h.alloc(dtype, outer * inner), expectedArg = h.module.allocator.alloc(outer * inner * 4);
      h.ref[`maxAxis${h.suffix(dtype)}`](expected, expectedArg, src, outer, extent, inner);
      expect(h.read(dtype, out, outer * inner)).toEqual(h.read(dtype, expected, outer * inner));
      expect(h.readInts(arg, outer * inner)).toEqual(h.readInts(expectedArg, outer * inner));
      h.module.pool.active = THREADS;
      h.free(x, y, g, m1, v1, src, out, arg, expected, expectedArg);
    });

    it(`broadcasting binary ops split along their first axis (${dtype})`, () => {
      // [67, 33, 17] + [33, 1] (b broadcast along the first and last axes), and a rank-1 op.
      const [d0, d1, d2] = [67, 33, 17];
      const a = h.random_(dtype, d0 * d1 * d2), b = h.random_(dtype, d1), out = h.alloc(dtype, d0 * d1 * d2);
      const results = acrossThreadCounts(dtype, [[out, d0 * d1 * d2]], (k, [o]) => {
        k.binary(0, o!, a, b, 3, h.module.descriptor([d0, d1, d2], [d1 * d2, d2, 1], [0, 1, 0]), 0);
      });
      expectSame(results, 'binary broadcast');
      const expected = h.alloc(dtype, d0 * d1 * d2);
      h.ref[`binary${h.suffix(dtype)}`](0, expected, a, b, 3, h.module.descriptor([d0, d1, d2], [d1 * d2, d2, 1], [0, 1, 0]), 0);
      expect(results[2]![0]!).toEqual(h.read(dtype, expected, d0 * d1 * d2));
      const n = (1 << 15) + 5;
      const x = h.random_(dtype, n), y = h.random_(dtype, n), z = h.alloc(dtype, n);
      expectSame(acrossThreadCounts(dtype, [[z, n]], (k, [o]) => k.binary(2, o!, x, y, 1, h.module.descriptor([n], [1], [1]), 0)), 'binary rank 1');
      h.free(a, b, out, expected, x, y, z);
    });

    it(`strided copies split along their first axis (${dtype})`, () => {
      // [67, 33, 17] from a [33, 17, 67] source (a permute walked row by row), from a [67, 17, 33]
      // source as a blocked transpose of the last two axes (tileAxis 1: src has unit stride there),
      // and a [300, 129] slice of a wider matrix.
      const [d0, d1, d2] = [67, 33, 17];
      const src = h.random_(dtype, d0 * d1 * d2), out = h.alloc(dtype, d0 * d1 * d2);
      const srcStrides = (tileAxis: number) => (tileAxis < 0 ? [1, d2 * d0, d0] : [d1 * d2, 1, d1]);
      const permuted = (tileAxis: number) => (k: DtypeKernels, [o]: number[]) =>
        k.copyStrided(o!, src, 3, h.module.descriptor([d0, d1, d2], [d1 * d2, d2, 1], srcStrides(tileAxis)), tileAxis);
      for (const tileAxis of [-1, 1]) {
        const results = acrossThreadCounts(dtype, [[out, d0 * d1 * d2]], permuted(tileAxis));
        expectSame(results, `copyStrided tileAxis ${tileAxis}`);
        const expected = h.alloc(dtype, d0 * d1 * d2);
        h.ref[`copyStrided${h.suffix(dtype)}`](expected, src, 3, h.module.descriptor([d0, d1, d2], [d1 * d2, d2, 1], srcStrides(tileAxis)), tileAxis);
        expect(results[2]![0]!).toEqual(h.read(dtype, expected, d0 * d1 * d2));
        h.free(expected);
      }
      const wide = h.random_(dtype, 300 * 400), slice = h.alloc(dtype, 300 * 129);
      expectSame(acrossThreadCounts(dtype, [[slice, 300 * 129]], (k, [o]) =>
        k.copyStrided(o!, wide + 5 * h.bytes(dtype), 2, h.module.descriptor([300, 129], [129, 1], [400, 1]), -1)), 'copyStrided slice');
      h.free(src, out, wide, slice);
    });

    it(`batch normalisation over ranges of channels, forward and backward (${dtype})`, () => {
      const [N, C, S] = [16, 7, 300];
      const size = N * C * S;
      const x = h.random_(dtype, size), dy = h.random_(dtype, size), gamma = h.random_(dtype, C), beta = h.random_(dtype, C);
      const y = h.alloc(dtype, size), dx = h.alloc(dtype, size);
      const stats = h.alloc('float64', 2 * C), sums = h.alloc('float64', 2 * C);
      expectSame(acrossThreadCounts(dtype, [[y, size]], (k, [o]) => k.batchNormForward(o!, stats, x, gamma, beta, 1e-5, N, C, S, 0, C)), 'batchNormForward');
      expectSame(acrossThreadCounts(dtype, [[dx, size]], (k, [d]) => k.batchNormBackward(d!, sums, dy, x, stats, gamma, 1e-5, N, C, S, 0, C)), 'batchNormBackward');
      // The statistics and sums (written in place, outside the outputs compared above) too.
      const written = (active: number) => {
        h.module.pool.active = active;
        sets[dtype].batchNormForward(y, stats, x, gamma, beta, 1e-5, N, C, S, 0, C);
        sets[dtype].batchNormBackward(dx, sums, dy, x, stats, gamma, 1e-5, N, C, S, 0, C);
        h.module.pool.active = THREADS;
        return [...h.read('float64', stats, 2 * C), ...h.read('float64', sums, 2 * C)];
      };
      expect(written(THREADS)).toEqual(written(1));
      h.free(x, dy, gamma, beta, y, dx, stats, sums);
    });

    it(`pooling over planes, forward and backward (${dtype})`, () => {
      const [NC, H, W] = [67, 17, 19];
      const [OH, OW] = [8, 9];
      const x = h.random_(dtype, NC * H * W), dy = h.random_(dtype, NC * OH * OW);
      const out = h.alloc(dtype, NC * OH * OW), arg = h.module.allocator.alloc(NC * OH * OW * 4), dx = h.alloc(dtype, NC * H * W);
      expectSame(acrossThreadCounts(dtype, [[out, NC * OH * OW]], (k, [o]) => k.maxPool2d(o!, arg, x, NC, H, W, OH, OW, 2, 2, 2, 2, 0, 0)), 'maxPool2d');
      expectSame(acrossThreadCounts(dtype, [[dx, NC * H * W]], (k, [d]) => {
        k.fill(d!, 0, NC * H * W);
        k.maxPool2dBackward(d!, dy, arg, NC, H, W, OH, OW);
      }), 'maxPool2dBackward');
      expectSame(acrossThreadCounts(dtype, [[out, NC * OH * OW]], (k, [o]) => k.avgPool2d(o!, x, NC, H, W, OH, OW, 3, 3, 2, 2, 1, 1, 0)), 'avgPool2d');
      expectSame(acrossThreadCounts(dtype, [[dx, NC * H * W]], (k, [d]) => {
        k.fill(d!, 0, NC * H * W);
        k.avgPool2dBackward(d!, dy, NC, H, W, OH, OW, 3, 3, 2, 2, 1, 1, 0);
      }), 'avgPool2dBackward');
      expectSame(acrossThreadCounts(dtype, [[out, NC * OH * OW]], (k, [o]) => k.adaptiveAvgPool2d(o!, x, NC, H, W, OH, OW)), 'adaptiveAvgPool2d');
      const expected = h.alloc(dtype, NC * OH * OW), expectedArg = h.module.allocator.alloc(NC * OH * OW * 4);
      h.ref[`maxPool2d${h.suffix(dtype)}`](expected, expectedArg, x, NC, H, W, OH, OW, 2, 2, 2, 2, 0, 0);
      sets[dtype].maxPool2d(out, arg, x, NC, H, W, OH, OW, 2, 2, 2, 2, 0, 0);
      expect(h.read(dtype, out, NC * OH * OW)).toEqual(h.read(dtype, expected, NC * OH * OW));
      expect(h.readInts(arg, NC * OH * OW)).toEqual(h.readInts(expectedArg, NC * OH * OW));
      h.free(x, dy, out, arg, dx, expected, expectedArg);
    });
  }

  it('workers run parts of split tasks (not only the calling thread)', () => {
    const before = h.module.pool.counters;
    const n = 1 << 22;
    const x = h.random_('float32', 1024), big = h.alloc('float32', n);
    for (let i = 0; i < 20; i++) sets.float32.unary(2, big, big, n, 0, 0);
    const after = h.module.pool.counters;
    expect(after.parts - before.parts).toBe(20 * THREADS);
    expect(after.partsOnCaller - before.partsOnCaller).toBeLessThan(20 * THREADS);
    h.free(x, big);
  });

  it('a task still runs after memory grew under the workers', () => {
    const bytesBefore = h.module.memory.buffer.byteLength;
    const n = (bytesBefore >>> 2) + (1 << 20);
    const big = h.alloc('float32', n); // larger than all of memory before: memory grows
    expect(h.module.memory.buffer.byteLength).toBeGreaterThan(bytesBefore);
    sets.float32.fill(big, 2, n);
    const view = h.module.f32;
    const first = big >>> 2;
    expect([view[first], view[first + (n >> 1)], view[first + n - 1]]).toEqual([2, 2, 2]);
    h.free(big);
  });

  it('a kernel that traps inside a split task is an error, and the pool keeps working', () => {
    const bad = 0xfffffff0;
    const parts = Array.from({ length: 8 }, () => [{ name: 'fillF32', args: [bad, 1, 1 << 20] }]);
    expect(() => h.module.pool.run(parts)).toThrow();
    const p = h.alloc('float32', 1 << 16);
    sets.float32.fill(p, 4, 1 << 16);
    expect(h.read('float32', p, 1 << 16).every((v) => v === 4)).toBe(true);
    h.free(p);
  });
});

describe('splitRange', () => {
  it('cuts a range into aligned, contiguous, non-empty parts that cover it', () => {
    for (const total of [1, 3, 5, 17, 67, 129, 1000]) {
      for (const parts of [1, 2, 3, 7]) {
        for (const align of [1, 4, 16]) {
          const ranges = splitRange(total, parts, align);
          expect(ranges.length).toBeLessThanOrEqual(parts);
          expect(ranges[0]![0]).toBe(0);
          expect(ranges[ranges.length - 1]![1]).toBe(total);
          ranges.forEach(([start, end], i) => {
            expect(end).toBeGreaterThan(start);
            expect(start % align).toBe(0);
            if (i > 0) expect(start).toBe(ranges[i - 1]![1]);
          });
        }
      }
    }
  });
});

describe('without shared memory (a page that is not cross-origin isolated)', () => {
  it('the module runs on a plain memory with one thread, and its kernels agree with the shared build', () => {
    expect(sharedMemorySupported()).toBe(true);
    const plain = KernelModule.create('simd', undefined, false);
    const shared = KernelModule.create('simd', 1);
    expect(plain.threads).toBe(1);
    expect(plain.memory.buffer).toBeInstanceOf(ArrayBuffer);
    expect(shared.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const results = [plain, shared].map((module) => {
      const [m, n, k] = [67, 129, 65];
      const a = module.allocator.alloc(m * k * 4), b = module.allocator.alloc(k * n * 4), c = module.allocator.alloc(m * n * 4);
      module.f32.fill(0.5, a >>> 2, (a >>> 2) + m * k);
      for (let i = 0; i < k * n; i++) module.f32[(b >>> 2) + i] = Math.sin(i);
      module.kernels.gemmF32(0, 0, m, n, k, 1, a, k, b, n, 0, c, n, module.gemmWorkspace());
      // Growth works on a plain memory too.
      const big = module.allocator.alloc(64 << 20);
      expect(module.memory.buffer.byteLength).toBeGreaterThan(64 << 20);
      module.allocator.free(big);
      return Array.from(module.f32.subarray(c >>> 2, (c >>> 2) + m * n));
    });
    expect(results[0]).toEqual(results[1]);
    expect(() => KernelModule.create('simd', 2, false)).toThrow(/2 threads need shared memory.*cross-origin isolated/);
  });

  it('where the engine will not reserve 4 GiB of shared memory, the largest maximum it grants is used', () => {
    // As on a 32-bit browser: shared memories above 512 MiB (8,192 pages) cannot be reserved.
    const RealMemory = WebAssembly.Memory;
    let refuseAbove = 8192;
    class LimitedMemory extends RealMemory {
      constructor(descriptor: WebAssembly.MemoryDescriptor) {
        if (descriptor.shared === true && (descriptor.maximum ?? 0) > refuseAbove) throw new RangeError('WebAssembly.Memory(): could not allocate memory');
        super(descriptor);
      }
    }
    (WebAssembly as { Memory: typeof WebAssembly.Memory }).Memory = LimitedMemory;
    try {
      const module = KernelModule.create('simd', 2);
      expect(module.threads).toBe(2);
      expect(module.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
      const block = module.allocator.alloc(256 << 20);
      module.allocator.free(block);
      expect(() => module.allocator.alloc(600 << 20)).toThrow(OutOfMemoryError);
      module.closeThreads();
      refuseAbove = 0; // nothing shared at all: one thread on a plain memory, more is a clear error
      expect(KernelModule.create('simd').threads).toBe(1);
      expect(() => KernelModule.create('simd', 2)).toThrow(/2 threads need shared memory, and this engine could not reserve/);
    } finally {
      (WebAssembly as { Memory: typeof WebAssembly.Memory }).Memory = RealMemory;
    }
  });

  it('the import section edit changes the memory import and nothing else', () => {
    const original = kernelBinary('relaxed');
    const edited = unsharedMemoryVariant(original);
    const changed = [...edited].flatMap((byte, i) => (byte === original[i] ? [] : [i]));
    expect(changed).toHaveLength(1);
    expect([original[changed[0]!], edited[changed[0]!]]).toEqual([0x03, 0x01]);
    expect(WebAssembly.Module.imports(new WebAssembly.Module(edited))).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    expect(() => unsharedMemoryVariant(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toThrow(/imports no memory/);
  });
});

describe('thread count', () => {
  it('comes from ADTN_THREADS, which must be a whole number in range', () => {
    const saved = process.env.ADTN_THREADS;
    try {
      process.env.ADTN_THREADS = '3';
      expect(defaultThreads()).toBe(3);
      for (const bad of ['0', 'two', '1.5', '-1', '65']) {
        process.env.ADTN_THREADS = bad;
        expect(() => defaultThreads(), bad).toThrow(/ADTN_THREADS/);
      }
    } finally {
      if (saved === undefined) delete process.env.ADTN_THREADS;
      else process.env.ADTN_THREADS = saved;
    }
  });

  it('defaults to one thread where the runtime cannot start workers (Node.js before 20.16)', () => {
    const saved = { env: process.env.ADTN_THREADS, builtin: process.getBuiltinModule };
    try {
      delete process.env.ADTN_THREADS;
      process.getBuiltinModule = ((id: string) => (id === 'node:worker_threads' ? undefined : saved.builtin(id))) as typeof process.getBuiltinModule;
      expect(workerThreadsSupported()).toBe(false);
      expect(defaultThreads()).toBe(1);
      expect(KernelModule.create('simd').threads).toBe(1);
      expect(() => KernelModule.create('simd', 2)).toThrow(/no worker threads/);
    } finally {
      process.getBuiltinModule = saved.builtin;
      if (saved.env !== undefined) process.env.ADTN_THREADS = saved.env;
    }
    expect(workerThreadsSupported()).toBe(true);
  });

  it('initEngine checks it and cannot change it once the engine runs', async () => {
    await expect(initEngine({ threads: 0 })).rejects.toThrow(ArgumentError);
    await expect(initEngine({ threads: 2.5 })).rejects.toThrow(/whole number/);
    await expect(initEngine({ threads: '2' as never })).rejects.toThrow(/whole number/);
    const threads = engineThreads();
    expect(threads).toBe(defaultThreads());
    await expect(initEngine({ threads })).resolves.toBeDefined();
    await expect(initEngine({ threads: threads === 1 ? 2 : 1 })).rejects.toThrow(/cannot switch/);
    expect(() => KernelModule.create('simd', 0)).toThrow(/threads must be/);
  });

  it('a script that used 2 threads exits by itself when it is done', () => {
    const script = `
      import { matmul, randn, engineThreads } from ${JSON.stringify(join(root, 'dist', 'index.js'))};
      const a = randn([512, 512]);
      for (let i = 0; i < 20; i++) matmul(a, a).dispose();
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (let i = 0; i < 20; i++) matmul(a, a).dispose();
      console.log('threads', engineThreads());`;
    const started = Date.now();
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, ADTN_THREADS: '2' }, encoding: 'utf8', timeout: 60_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('threads 2');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
