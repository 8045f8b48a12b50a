import { describe, expect, it } from 'vitest';
import { ALIGNMENT, Allocator, MAX_MEMORY_BYTES, WASM_PAGE_BYTES, type GrowableMemory } from '../../src/backend/allocator.js';
import { KernelModule, elementIndex, relaxedSimdSupported } from '../../src/backend/kernel-module.js';
import { OutOfMemoryError } from '../../src/errors.js';

// A memory that only counts pages: lets the 4 GiB ceiling be tested without allocating it.
function fakeMemory(initialPages = 1, maxPages = 65536): GrowableMemory & { grows: number } {
  let pages = initialPages;
  return {
    grows: 0,
    byteLength: () => pages * WASM_PAGE_BYTES,
    grow(n: number) {
      if (pages + n > maxPages) throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
      pages += n;
      this.grows++;
    },
  };
}

describe('Allocator', () => {
  it('returns 16-byte aligned, non-overlapping blocks and counts them', () => {
    const a = new Allocator(1000, fakeMemory());
    const blocks = [1, 15, 16, 17, 100, 4096].map((n) => [a.alloc(n), n] as const);
    for (const [ptr] of blocks) expect(ptr % ALIGNMENT).toBe(0);
    const sorted = [...blocks].sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]![0]).toBeGreaterThanOrEqual(sorted[i - 1]![0] + sorted[i - 1]![1]);
    expect(blocks[0]![0]).toBeGreaterThanOrEqual(1000);
    const stats = a.stats();
    expect(stats.liveBlocks).toBe(6);
    expect(stats.bytesInUse).toBe(16 + 16 + 16 + 32 + 112 + 4096);
  });

  it('reuses a freed block of the same size instead of growing', () => {
    const a = new Allocator(0, fakeMemory());
    const keep = a.alloc(64);
    const p = a.alloc(256);
    a.alloc(16); // p is no longer at the top
    a.free(p);
    expect(a.alloc(256)).toBe(p);
    expect(a.alloc(100)).not.toBe(keep);
  });

  it('splits a larger free block and coalesces neighbours on free', () => {
    const a = new Allocator(0, fakeMemory());
    const x = a.alloc(1024);
    const y = a.alloc(1024);
    const z = a.alloc(1024);
    a.alloc(16); // guard at the top
    a.free(x);
    a.free(z);
    a.free(y); // x, y, z coalesce into one 3072-byte block
    expect(a.stats().freeBytes).toBe(3072);
    expect(a.alloc(3000)).toBe(x);
    const small = a.alloc(32); // the 72-byte remainder
    expect(small).toBe(x + 3008);
  });

  it('gives a free block that reaches the top back to the untouched region', () => {
    const a = new Allocator(0, fakeMemory());
    const base = a.alloc(16);
    const p = a.alloc(5000);
    a.free(p);
    expect(a.stats().freeBytes).toBe(0);
    expect(a.alloc(8000)).toBe(p);
    expect(base).toBe(0);
  });

  it('grows memory geometrically when the top passes the end', () => {
    const memory = fakeMemory(1);
    const a = new Allocator(0, memory);
    for (let i = 0; i < 100; i++) a.alloc(WASM_PAGE_BYTES);
    expect(memory.byteLength()).toBeGreaterThanOrEqual(100 * WASM_PAGE_BYTES);
    expect(memory.grows).toBeLessThan(20);
  });

  it('throws OutOfMemoryError at the 4 GiB wasm32 ceiling, and stays usable', () => {
    const a = new Allocator(0, fakeMemory(1));
    a.alloc(3 * 2 ** 30);
    expect(() => a.alloc(2 ** 30 + 16)).toThrow(OutOfMemoryError);
    expect(() => a.alloc(2 ** 30 + 16)).toThrow(/4 GiB/);
    expect(() => a.alloc(2 ** 30 + 16, 'matmul')).toThrow(/^matmul: 1073741840 bytes do not fit in WebAssembly memory/);
    expect(a.alloc(1024)).toBeGreaterThan(0);
    expect(MAX_MEMORY_BYTES).toBe(2 ** 32);
  });

  it('splits, coalesces and reuses blocks above 2 GiB, up to the last byte below 4 GiB', () => {
    const memory = fakeMemory(1);
    const a = new Allocator(0, memory);
    const low = a.alloc(2 ** 31 + 4096);
    const x = a.alloc(1024);
    const y = a.alloc(2 ** 30);
    const zBytes = MAX_MEMORY_BYTES - (y + 2 ** 30);
    const z = a.alloc(zBytes);
    expect(Math.min(x, y, z)).toBeGreaterThan(2 ** 31);
    expect(z + zBytes).toBe(MAX_MEMORY_BYTES);
    expect(memory.byteLength()).toBe(MAX_MEMORY_BYTES);
    expect(() => a.alloc(16)).toThrow(OutOfMemoryError);
    a.free(x);
    a.free(y); // one free block [x, z) of 1 GiB + 1 KiB
    expect(a.stats().freeBytes).toBe(2 ** 30 + 1024);
    expect(a.alloc(2 ** 30)).toBe(x);
    expect(a.alloc(1024)).toBe(x + 2 ** 30);
    a.free(z); // the block at the top gives its bytes back to the untouched region
    expect(() => a.alloc(zBytes + 16)).toThrow(OutOfMemoryError);
    expect(a.alloc(zBytes)).toBe(z);
    a.free(low); // a free block above 2 GiB in size, reused whole and then split
    expect(a.sizeOf(a.alloc(2 ** 31))).toBe(2 ** 31);
    expect(a.alloc(4096)).toBe(2 ** 31);
    expect(a.stats().freeBytes).toBe(0);
  });

  it('throws OutOfMemoryError when the engine refuses to grow', () => {
    const a = new Allocator(0, fakeMemory(1, 4));
    expect(() => a.alloc(10 * WASM_PAGE_BYTES)).toThrow(/^alloc: WebAssembly memory could not grow/);
    expect(() => a.alloc(10 * WASM_PAGE_BYTES, 'conv2d')).toThrow(/^conv2d: WebAssembly memory could not grow/);
    expect(a.alloc(16)).toBe(0);
  });

  it('rejects double free, unknown pointers and bad sizes', () => {
    const a = new Allocator(0, fakeMemory());
    const p = a.alloc(32);
    a.free(p);
    expect(() => a.free(p)).toThrow(/not a live block/);
    expect(() => a.free(12345)).toThrow(OutOfMemoryError);
    expect(() => a.alloc(-1)).toThrow(/byte count/);
    expect(() => a.alloc(NaN)).toThrow(/byte count/);
  });

  it('tracks the peak and can reset it', () => {
    const a = new Allocator(0, fakeMemory());
    const p = a.alloc(1000);
    a.free(p);
    expect(a.stats().peakBytesInUse).toBe(1008);
    a.resetPeak();
    expect(a.stats().peakBytesInUse).toBe(0);
  });

  it('survives a long random alloc/free sequence with consistent counters and no overlaps', () => {
    const a = new Allocator(64, fakeMemory());
    const live = new Map<number, number>();
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 5000; i++) {
      if (live.size > 0 && rand() < 0.45) {
        const keys = [...live.keys()];
        const k = keys[Math.floor(rand() * keys.length)]!;
        a.free(k);
        live.delete(k);
      } else {
        const n = 1 + Math.floor(rand() * 5000);
        live.set(a.alloc(n), Math.ceil(n / 16) * 16);
      }
    }
    const spans = [...live.entries()].sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![0] + spans[i - 1]![1]);
    expect(a.stats().bytesInUse).toBe([...live.values()].reduce((s, v) => s + v, 0));
    for (const k of live.keys()) a.free(k);
    expect(a.stats().bytesInUse).toBe(0);
    expect(a.stats().liveBlocks).toBe(0);
  });
});

describe('KernelModule', () => {
  it('instantiates both builds synchronously and asynchronously', async () => {
    expect(relaxedSimdSupported()).toBe(true); // the test runner enables relaxed SIMD
    expect(KernelModule.create('simd').build).toBe('simd');
    expect(KernelModule.create('relaxed').build).toBe('relaxed');
    expect(KernelModule.create('auto').build).toBe('relaxed');
    expect((await KernelModule.load('simd')).build).toBe('simd');
  });

  it('rejects an unknown build name', () => {
    expect(() => KernelModule.create('fast' as never)).toThrow(/build must be/);
  });

  it('keeps typed views valid across memory.grow', () => {
    const m = KernelModule.create('simd');
    const p = m.allocator.alloc(16);
    m.f32[elementIndex(p, 4)] = 42;
    const before = m.memory.buffer.byteLength;
    const big = m.allocator.alloc(64 * 1024 * 1024); // forces growth, detaching old buffers
    expect(m.memory.buffer.byteLength).toBeGreaterThan(before);
    expect(m.f32[elementIndex(p, 4)]).toBe(42);
    m.f64[elementIndex(big, 8)] = 1.5;
    expect(m.f64[elementIndex(big, 8)]).toBe(1.5);
    expect(m.f32.buffer).toBe(m.memory.buffer);
    expect(m.i32.buffer).toBe(m.memory.buffer);
    expect(m.u8.buffer).toBe(m.memory.buffer);
  });

  it('places allocations above the static data', () => {
    const m = KernelModule.create('simd');
    expect(m.allocator.alloc(16)).toBeGreaterThanOrEqual(m.kernels.heapBase());
  });
});
