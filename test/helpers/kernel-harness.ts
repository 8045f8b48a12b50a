// Test harness for kernels: allocate typed arrays in a module's memory, fill them with seeded
// random values, and compare a kernel's result with its reference twin.

import { expect } from 'vitest';
import { KernelModule, elementIndex, type KernelBuild } from '../../src/backend/kernel-module.js';
import { referenceKernels, type ReferenceKernels } from '../reference-kernels/index.js';

export type Dtype = 'float32' | 'float64';
export const BUILDS: KernelBuild[] = ['simd', 'relaxed'];
export const DTYPES: Dtype[] = ['float32', 'float64'];
/** Sizes that exercise every SIMD tail and block edge. */
export const AWKWARD_SIZES = [1, 3, 5, 17, 67, 129];

/** mulberry32: small, seedable, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Harness {
  readonly module: KernelModule;
  readonly ref: ReferenceKernels;
  private readonly random: () => number;

  constructor(build: KernelBuild, seed = 1, threads?: number) {
    this.module = KernelModule.create(build, threads);
    this.ref = referenceKernels(this.module);
    this.random = seededRandom(seed);
  }

  get k() {
    return this.module.kernels;
  }

  bytes(dtype: Dtype): 4 | 8 {
    return dtype === 'float32' ? 4 : 8;
  }

  view(dtype: Dtype): Float32Array | Float64Array {
    return dtype === 'float32' ? this.module.f32 : this.module.f64;
  }

  /** Index in view(dtype) of the element at byte address ptr. */
  index(dtype: Dtype, ptr: number): number {
    return elementIndex(ptr, this.bytes(dtype));
  }

  alloc(dtype: Dtype, n: number): number {
    return this.module.allocator.alloc(Math.max(1, n) * this.bytes(dtype));
  }

  /** Allocates n elements of uniform random values in [lo, hi). */
  random_(dtype: Dtype, n: number, lo = -1, hi = 1): number {
    const ptr = this.alloc(dtype, n);
    const v = this.view(dtype);
    const at = this.index(dtype, ptr);
    for (let i = 0; i < n; i++) v[at + i] = lo + (hi - lo) * this.random();
    return ptr;
  }

  fromValues(dtype: Dtype, values: ArrayLike<number>): number {
    const ptr = this.alloc(dtype, values.length);
    this.view(dtype).set(values, this.index(dtype, ptr));
    return ptr;
  }

  read(dtype: Dtype, ptr: number, n: number): Float64Array {
    const at = this.index(dtype, ptr);
    return Float64Array.from(this.view(dtype).subarray(at, at + n));
  }

  /** n i32 values at byte address ptr. */
  readInts(ptr: number, n: number): number[] {
    const at = elementIndex(ptr, 4);
    return Array.from(this.module.i32.subarray(at, at + n));
  }

  /** Copies n elements to a fresh block (so kernel and reference get identical inputs). */
  clone(dtype: Dtype, ptr: number, n: number): number {
    return this.fromValues(dtype, this.read(dtype, ptr, n));
  }

  free(...ptrs: number[]): void {
    for (const p of ptrs) this.module.allocator.free(p);
  }

  suffix(dtype: Dtype): 'F32' | 'F64' {
    return dtype === 'float32' ? 'F32' : 'F64';
  }
}

/** Unit roundoff of a dtype. */
export function epsilon(dtype: Dtype): number {
  return dtype === 'float32' ? 2 ** -24 : 2 ** -53;
}

/**
 * Asserts |actual - expected| <= absTol + relTol·|expected| elementwise, with NaN matching NaN
 * and infinities matching exactly. Reports the first offending index.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, relTol: number, absTol = 0, label = ''): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) || Number.isNaN(a) || !Number.isFinite(e) || !Number.isFinite(a)) {
      if (!Object.is(a, e) && !(Number.isNaN(a) && Number.isNaN(e)) && a !== e) {
        expect.fail(`${label}[${i}]: got ${a}, expected ${e}`);
      }
      continue;
    }
    if (Math.abs(a - e) > absTol + relTol * Math.abs(e)) {
      expect.fail(`${label}[${i}]: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > ${absTol} + ${relTol}·|expected|)`);
    }
  }
}
