// The kernel interface has one source (src/backend/kernel-exports.ts): both wasm builds export
// exactly the functions it lists, the per-dtype kernel sets are derived from it, and a module
// with a missing export is refused at instantiation with the names of what is missing.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkKernelExports, DTYPE_KERNEL_NAMES, expectedKernelFunctions } from '../../src/backend/kernel-exports.js';
import { KernelModule } from '../../src/backend/kernel-module.js';
import { KernelModuleError } from '../../src/index.js';
import { kernelsFor } from '../../src/ops/kernel-set.js';
import { referenceKernels } from '../reference-kernels/index.js';

describe('the kernel interface', () => {
  it('each build exports exactly the functions kernel-exports.ts lists, and its memory', () => {
    for (const build of ['simd', 'relaxed']) {
      const module = new WebAssembly.Module(readFileSync(resolve(__dirname, `../../build/kernels-${build}.wasm`)));
      const exported = WebAssembly.Module.exports(module);
      expect(exported.filter((e) => e.kind === 'function').map((e) => e.name).sort(), build).toEqual(expectedKernelFunctions().sort());
      expect(exported.filter((e) => e.kind !== 'function').map((e) => `${e.name}:${e.kind}`), build).toEqual(['memory:memory']);
    }
  });

  it('a module missing an export is refused at instantiation, naming it', () => {
    const real = KernelModule.create('simd').kernels as unknown as Record<string, unknown>;
    const partial: Record<string, unknown> = { ...real };
    delete partial.gemmF64;
    delete partial.applyGateF32;
    expect(() => checkKernelExports(partial as WebAssembly.Exports, 'test build')).toThrow(KernelModuleError);
    expect(() => checkKernelExports(partial as WebAssembly.Exports, 'test build'))
      .toThrow(/kernel module \(test build\): missing exports gemmF64, applyGateF32; the build does not match this library/);
    expect(() => checkKernelExports({ ...real, memory: undefined } as unknown as WebAssembly.Exports, 'test build')).toThrow(/missing export memory;/);
    expect(() => checkKernelExports({ ...real, fillF32: 3 } as unknown as WebAssembly.Exports, 'test build')).toThrow(/missing export fillF32;/);
    expect(checkKernelExports(real as WebAssembly.Exports, 'test build')).toBe(real);
  });

  it('the per-dtype kernel sets and the reference twins cover every family', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const set = kernelsFor(dtype) as unknown as Record<string, unknown>;
      expect(Object.keys(set).sort()).toEqual([...DTYPE_KERNEL_NAMES].sort());
      for (const name of DTYPE_KERNEL_NAMES) expect(typeof set[name], `${dtype} ${name}`).toBe('function');
    }
    const module = KernelModule.create('simd');
    const reference = referenceKernels(module) as unknown as Record<string, unknown>;
    const twins = expectedKernelFunctions().filter((name) => !['heapBase', 'gemmWorkspaceBytes', 'directConvTile'].includes(name));
    expect(Object.keys(reference).sort()).toEqual(twins.sort());
  });
});
