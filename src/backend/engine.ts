// The process-wide kernel module that tensors live in. It is created on first use with the best
// build this JavaScript engine supports; initEngine() chooses explicitly (and works where
// synchronous compilation is not allowed, such as a browser's main thread).

import { KernelModule, type KernelBuildChoice } from './kernel-module.js';
import type { AllocatorStats } from './allocator.js';
import { ArgumentError, optionsObject } from '../errors.js';

let engine: KernelModule | undefined;

/** The engine's kernel module, instantiated synchronously on first use. */
export function kernels(): KernelModule {
  engine ??= KernelModule.create('auto');
  return engine;
}

/**
 * Instantiates the engine's kernel module asynchronously with a chosen build. Call it before
 * creating any tensor; calling it again with a different build throws.
 *
 * @example
 * await initEngine({ build: 'simd' });
 */
export async function initEngine(optionsIn: { build?: KernelBuildChoice } = {}): Promise<KernelModule> {
  const options = optionsObject('initEngine', optionsIn);
  const choice = options.build ?? 'auto';
  if (engine !== undefined) {
    if (choice !== 'auto' && engine.build !== choice) {
      throw new ArgumentError(`initEngine: the engine already runs the '${engine.build}' build; it cannot switch to '${choice}'`);
    }
    return engine;
  }
  engine = await KernelModule.load(choice);
  return engine;
}

/**
 * Which kernel build the engine runs ('relaxed' or 'simd').
 *
 * @example
 * engineBuild();   // 'relaxed' where relaxed SIMD is enabled, else 'simd'
 */
export function engineBuild(): string {
  return kernels().build;
}

/**
 * Allocator counters of the engine's memory: bytes in use, peak, live blocks, free bytes, memory size.
 *
 * @example
 * const { bytesInUse, peakBytesInUse } = memoryStats();
 */
export function memoryStats(): AllocatorStats {
  return kernels().stats();
}
